"""The beam-fields process (issue 27): the exact solver against closed forms, the pusher, the
deposition, and the FoHM-NO's hard constraint; the published card (registry/beam-fields-fohm)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from zoo.processes.beam_fields.beams import Solenoid, boris_step, deposit
from zoo.processes.beam_fields.spectral import (C, PipeGrid, Spectral, gaussian_bunch_B, point_charge_B,
                                                solve)

GAMMA = 10.0
BETA = math.sqrt(1 - 1 / GAMMA ** 2)
Q = -1e-9


def gaussian_J(grid, sig, off=(0.0, 0.0, 0.0), beta=BETA):
    x, y, z = (t.numpy() for t in grid.axes())
    X, Y, Z = np.meshgrid(x, y, z, indexing="ij")
    rho = Q * np.exp(-(X - off[0]) ** 2 / (2 * sig[0] ** 2) - (Y - off[1]) ** 2 / (2 * sig[1] ** 2)
                     - (Z - off[2]) ** 2 / (2 * sig[2] ** 2)) / ((2 * np.pi) ** 1.5 * np.prod(sig))
    J = np.zeros((3, *rho.shape))
    J[2] = rho * beta * C
    return torch.tensor(J)


def error_near_beam(grid, f, sig, r_max, q=Q, point=False, n_pick=200, gamma=GAMMA):
    """Relative MAE of B_x, B_y against the free-space closed form at random cells near the beam
    (point: at rest-frame distances between 6 rest-frame sigma and r_max)."""
    beta = math.sqrt(1 - 1 / gamma ** 2)
    x, y, z = (t.numpy() for t in grid.axes())
    ix, iy, iz = (np.flatnonzero(np.abs(v) < r) for v, r in ((x, r_max), (y, r_max), (z, 2 * r_max)))
    X, Y, Z = np.meshgrid(x[ix], y[iy], z[iz], indexing="ij")
    R = np.sqrt(X ** 2 + Y ** 2 + (gamma * Z) ** 2).ravel()      # the distance in the bunch's rest frame
    ok = np.flatnonzero((R > 6 * max(sig[0], sig[1], gamma * sig[2])) & (R < r_max)) if point else np.arange(R.size)
    pick = np.random.default_rng(0).choice(ok, min(n_pick, len(ok)), replace=False)
    px, py, pz = X.ravel()[pick], Y.ravel()[pick], Z.ravel()[pick]
    bx, by, _ = point_charge_B(q, beta, px, py, pz) if point else gaussian_bunch_B(q, beta, sig, px, py, pz)
    B = f["B"].numpy()
    sel = np.ix_([0, 1], ix, iy, iz)
    Bx, By = (B[sel][c].ravel()[pick] for c in (0, 1))
    return np.abs(np.r_[Bx - bx, By - by]).mean() / np.abs(np.r_[bx, by]).mean()


def test_solver_matches_a_moving_gaussian_bunch_and_converges_with_the_pipe():
    """Near the beam the pipe's images are a small correction: the error against the free-space
    closed form falls as the pipe widens (measured 3.2e-3 at a = 2 mm, 1.4e-3 at 4 mm, 0.75e-3 at 6 mm,
    the grid fixed at h = 62.5 um), and does not change with the grid once it resolves the bunch
    (3.2e-3 at n = 32 and 64 for a = 2 mm): the solver is converged, the pipe is physics."""
    sig = (0.3e-3, 0.2e-3, 0.5e-3)
    errs = {}
    for a, n in ((2e-3, 32), (2e-3, 64), (4e-3, 64)):
        grid = PipeGrid((n, n, 32), a, 8e-3)
        errs[(a, n)] = error_near_beam(grid, solve(gaussian_J(grid, sig), grid, GAMMA), sig, 0.6e-3)
    assert errs[(2e-3, 64)] < 5e-3 and errs[(4e-3, 64)] < 2.5e-3
    assert errs[(4e-3, 64)] < 0.6 * errs[(2e-3, 64)]
    assert abs(errs[(2e-3, 32)] - errs[(2e-3, 64)]) < 0.3 * errs[(2e-3, 64)]


def test_solver_gives_the_lienard_wiechert_field_of_a_point_charge():
    """A charge much smaller than the distance: beyond 6 rest-frame sigma its field is the uniformly
    moving point charge's (Lienard-Wiechert); the remaining error is the pipe's images."""
    gamma = 2.0                                          # resolvable: gamma sigma_z = sigma_x on this grid
    sig = (0.1e-3, 0.1e-3, 0.05e-3)
    grid = PipeGrid((64, 64, 96), 4e-3, 4e-3)
    J = gaussian_J(grid, sig, beta=math.sqrt(1 - 1 / gamma ** 2))
    err = error_near_beam(grid, solve(J, grid, gamma), sig, 1.2e-3, point=True, gamma=gamma)
    assert err < 1e-2, err


def test_fields_are_divergence_free_and_vanish_properly_at_the_walls():
    grid = PipeGrid((16, 16, 16), 2e-3, 6e-3)
    J = torch.randn(2, 3, 16, 16, 16, dtype=torch.float64) * 1e8
    f = solve(J, grid, GAMMA)
    sp = Spectral(grid)
    assert float(sp.divergence_ratio(f["B"], "B").max()) < 1e-14
    assert float(sp.divergence_ratio(f["A"], "A").max()) < 1e-14
    assert float(sp.divergence_ratio(J, "J").min()) > 1e-3        # the measure can fail: random J is not


def test_boris_pusher_keeps_energy_and_gives_the_larmor_rotation():
    """A uniform field: the speed is kept to rounding, and a particle turns at the cyclotron
    frequency e B / (gamma m) (with the Boris phase error)."""
    sol = Solenoid(b0=0.5, z0=-10.0, length=20.0, radius=0.01)    # uniform 0.5 T (to 5e-7) near z = 0
    pos = np.array([[1e-3, 0.0, 0.0]])
    u = np.array([[1.0, 0.0, 0.0]])                                # gamma beta = 1 across the field
    g0 = math.sqrt(2.0)
    dt, steps = 1e-12, 2000
    for _ in range(steps):
        boris_step(pos, u, dt, sol.field)
    assert abs(np.sqrt(1 + (u ** 2).sum()) - g0) < 1e-12
    omega = 1.602176634e-19 * 0.5 / (g0 * 9.1093837015e-31)
    angle = math.atan2(u[0, 1], u[0, 0]) % (2 * math.pi)
    # Boris turns by exactly 2 atan(omega dt / 2) a step in a uniform field (the exact omega dt less
    # (omega dt)^3 / 12: 0.04 rad over these 124 rad); electrons turn counter-clockwise about +z
    want = (steps * 2 * math.atan(omega * dt / 2)) % (2 * math.pi)
    assert abs((angle - want + math.pi) % (2 * math.pi) - math.pi) < 2e-4    # field uniform to 5e-7: 6e-5 rad


def test_deposition_conserves_charge_and_current():
    grid = PipeGrid((16, 16, 16), 2e-3, 6e-3)
    rng = np.random.default_rng(1)
    pos = rng.normal(0, 2e-4, (5000, 3))
    vel = np.tile([1e5, -2e5, 2.9e8], (5000, 1))
    rho, J, dropped = deposit(pos, vel, -2e-13, grid)
    vol = np.prod(grid.h)
    assert dropped < 1e-12
    assert rho.sum() * vol == pytest.approx(-2e-13 * 5000, rel=1e-12)
    assert J[2].sum() * vol == pytest.approx(-2e-13 * 5000 * 2.9e8, rel=1e-12)
    assert J[0].sum() * vol == pytest.approx(-2e-13 * 5000 * 1e5, rel=1e-12)


def test_fohm_operator_is_exact_when_its_gain_is_the_physics_and_divergence_free_always():
    """The architecture can represent the exact operator (g = log(|k|^2 / (k_perp^2 + k_z^2/gamma^2)):
    measured error 4e-7, float32) and its B is divergence-free whatever its weights."""
    from zoo.card import FoHMArchitecture
    from zoo.processes.beam_fields.operator import FoHMNO

    grid = PipeGrid((16, 16, 16), 2e-3, 6e-3)
    net = FoHMNO(FoHMArchitecture(kind="fohm-no", hidden=[8], activation="gelu", dropout=0.0), grid).eval()
    torch.nn.init.normal_(net.head.weight, std=0.5)
    J = torch.randn(2, 3, 16, 16, 16) * 1e8
    out = net(J).detach()
    sp = Spectral(grid)
    assert float(sp.divergence_ratio(out[:, :3].double(), "B").max()) < 1e-6
    sp32 = net.spectral(torch.device("cpu"), torch.float32)
    kx, ky, kz = sp32.k
    k2, d = kx * kx + ky * ky + kz * kz, kx * kx + ky * ky + kz * kz / GAMMA ** 2
    safe = lambda t: torch.where(t > 0, t, torch.ones_like(t))  # noqa: E731
    exact = torch.where(k2 > 0, 4e-7 * math.pi * 1.00000000055 / safe(d), torch.zeros_like(k2)).expand(3, *k2.shape)
    net.gain = lambda sp: exact
    out = net(J).detach().double()
    ref = solve(J.double(), grid, GAMMA)
    assert float((out[:, :3] - ref["B"]).abs().mean() / ref["B"].abs().mean()) < 1e-5
    assert float((out[:, 3:] - ref["A"]).abs().mean() / ref["A"].abs().mean()) < 1e-5


def test_published_fohm_predicts_B_and_A_with_their_grid_and_uncertainty():
    import zoo

    m = zoo.load("beam-fields-fohm")
    assert set(m.axes) == {"x", "y", "z"} and m.card.metrics is not None
    nx, ny, nz = m.shape
    grid = PipeGrid.of_card(m.card)
    sig = (0.25e-3, 0.2e-3, 0.5e-3)
    J = gaussian_J(grid, sig).float().numpy()
    r = m.predict(current_density=J)
    assert r["B"].shape == (3, nx, ny, nz) and r["A"].shape == (3, nx, ny, nz)
    assert m.units["Bx"] == "T" and m.units["Az"] == "T m"
    ref = solve(torch.from_numpy(J).double(), grid, m.physics.gamma)["B"].numpy()
    err = np.abs(r["B"][:2] - ref[:2]).mean() / np.abs(ref[:2]).mean()
    assert err < 0.1, err                       # a Gaussian bunch it never saw
    assert float(Spectral(grid).divergence_ratio(torch.from_numpy(r["B"]).double(), "B")) < 1e-5
    rb = m.predict(current_density=np.stack([J, 2 * J]), mc_samples=4, seed=0)
    assert rb["B"].shape == (2, 3, nx, ny, nz) and rb["std"]["B"].shape == (2, 3, nx, ny, nz)
    assert float(rb["std"]["B"].max()) > 0
    np.testing.assert_allclose(rb["B"][1], 2 * rb["B"][0], rtol=1e-4, atol=1e-6 * np.abs(rb["B"]).max())   # linear
    with pytest.raises(ValueError, match="current_density must have the shape"):
        m.predict(current_density=J[0])
    with pytest.raises(ValueError, match="finite"):
        bad = J.copy()
        bad[0, 0, 0, 0] = np.nan
        m.predict(current_density=bad)
    with pytest.raises(TypeError, match="current_density"):
        m.predict(density=J)


def test_fohm_card_metrics_meet_the_issue_goals():
    """Issue 27: <= 5 % per component of B on the Gaussian test beams (written by the validator),
    divergence below 1e-5."""
    import zoo

    m = zoo.load("beam-fields-fohm").card.metrics
    assert max(m.test_mae_relative["Bx"], m.test_mae_relative["By"]) <= 0.05      # measured 2.6 % and 2.5 %
    assert max(m.constraint_violation.values()) < 1e-5


def test_card_refuses_bad_vectors_components_and_processes(tmp_path):
    import json

    from zoo.card import SurrogateCard
    from zoo.registry import bundled_registry_dir

    d = json.loads((bundled_registry_dir() / "beam-fields-fohm" / "card.json").read_text())
    d.pop("metrics")
    SurrogateCard.model_validate_json(json.dumps(d))
    bad = json.loads(json.dumps(d))
    bad["output"]["vectors"]["B"] = ["Bx", "Bq"]
    with pytest.raises(ValueError, match="vectors"):
        SurrogateCard.model_validate_json(json.dumps(bad))
    bad = json.loads(json.dumps(d))
    bad["inputs"][0]["components"] = ["Jx", "Jy"]
    with pytest.raises(ValueError, match="3 components"):
        SurrogateCard.model_validate_json(json.dumps(bad))
    bad = json.loads(json.dumps(d))
    bad["output"]["axes"][0]["extent"] = [-2e-3, 2e-3]           # node-centred: not the pipe's cells
    bad["training"]["dataset"]["grid_extent_m"][0] = [-2e-3, 2e-3]
    from zoo.surrogates.physics import physics_of

    with pytest.raises(ValueError, match="cell centres"):
        physics_of(SurrogateCard.model_validate_json(json.dumps(bad)))


def test_a_recipe_naming_an_unknown_process_is_refused(tmp_path):
    from zoo.kinds import KINDS
    from zoo.recipes import read_recipe

    p = tmp_path / "recipe.toml"
    p.write_text('name = "x"\nkind = "surrogate"\n[fit]\nprocess = "no_such_process"\n')
    with pytest.raises(ValueError, match="no_such_process"):
        KINDS["surrogate"].train(read_recipe(p), [])


def test_smoke_recipe_trains_validates_and_writes_a_loadable_model(tmp_path):
    import zoo

    from zoo.recipes import train

    card = train("beam-fields-fohm", ["--smoke", "--out", str(tmp_path / "m")])
    assert card.metrics is not None and card.training.hyperparameters["smoke"] is True
    m = zoo.load(tmp_path / "m")
    assert m.shape == (16, 16, 16) and max(m.card.metrics.constraint_violation.values()) < 1e-5
