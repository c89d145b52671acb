"""Field surrogates (issue 14): the "surrogate" card kind, zoo.Surrogate, Monte Carlo dropout,
hard y-symmetry, the surrogate validator, the training set, publishing, the smoke recipes.

Every model here is built on a 16^3 smoke training set (8 Gaussian bunches + 4 out-of-distribution
densities, generated in ~1 s) with untrained (seeded) weights: what is tested is the machinery,
not the accuracy.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import zoo
from zoo import weights as weights_io
from zoo.card import CARD_FILENAME, ModelCard, SurrogateCard, json_schema, parse_card_json, read_card
from zoo.cli import main as zoo_main
from zoo.processes import csr_wake as csr
from zoo.publish import PublishError, publish
from zoo.registry import bundled_registry_dir
from zoo.processes.csr_wake.dataset import (OOD_KINDS, DatasetSpec, content_sha256, generate, heldout_mask,
                                            load_dataset, sigma_points)
from zoo.surrogates.nets import set_mc_dropout
from zoo.processes.csr_wake.training import (build_net, default_architecture, output_scales, relative_mse,
                                             symmetry_penalty, wake_card, write_surrogate)
from zoo.surrogates.validation import relative_mae
from zoo.weights import WeightsError

from test_hub import hf_cache, hub_server, route_hf  # noqa: F401 - fixtures used by name

REPO = Path(__file__).resolve().parents[1]
PARITY = {"Ws": 1.0, "Wx": 1.0, "Wy": -1.0}
N = 16
SIG = dict(sigma_s=6e-6, sigma_x=4e-6, sigma_y=9e-6)


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return generate(DatasetSpec(n=N, per_axis=2, ood_per_kind=1), tmp_path_factory.mktemp("data") / "wakes.npz",
                    command="tests/test_surrogate.py", stream=None)


def make_model(folder: Path, ds, kind: str, *, y_symmetry: str = "hard", name: str = "csr-test", seed: int = 0,
               validate: bool = True, dropout: float = 0.2, arch_update: dict | None = None) -> SurrogateCard:
    arch = default_architecture(kind, N, y_symmetry=y_symmetry, dropout=dropout, smoke=True)
    arch.update(arch_update or {})
    arch["output_scale"] = output_scales(kind, ds, np.flatnonzero(~ds.test))
    card = wake_card(name=name, summary="untrained test surrogate", arch=arch, ds=ds,
                     recipe="tests/test_surrogate.py", seed=seed, steps=0, batch_size=1)
    torch.manual_seed(seed)
    net = build_net(card)
    if kind == "sigma-mlp":   # an untrained decoder is nearly flat; give it structure in every direction
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.3 * torch.randn(p.shape, generator=torch.Generator().manual_seed(seed)))
    return write_surrogate(net, card, folder, ds, validate_model=validate, mc_samples=3, stream=None)


@pytest.fixture(scope="module")
def gaussian(tmp_path_factory, dataset) -> Path:
    folder = tmp_path_factory.mktemp("gaussian")
    make_model(folder, dataset, "sigma-mlp", name="csr-gauss-test")
    return folder


@pytest.fixture(scope="module")
def density(tmp_path_factory, dataset) -> Path:
    folder = tmp_path_factory.mktemp("density")
    make_model(folder, dataset, "unet", name="csr-dens-test")
    return folder


def copy_of(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / folder.name
    shutil.copytree(folder, out)
    return out


def card_dict(folder: Path) -> dict:
    return json.loads((folder / CARD_FILENAME).read_text())


def mirrored(w: np.ndarray, name: str) -> np.ndarray:
    return PARITY[name] * w[..., ::-1]


# -- the card ---------------------------------------------------------------------------------
def test_card_round_trip_and_dispatch_on_kind(gaussian, density, tmp_path):
    for folder in (gaussian, density):
        card = read_card(folder / CARD_FILENAME)
        assert isinstance(card, SurrogateCard) and card.kind == "surrogate" and card.metrics is not None
        card.write(tmp_path / CARD_FILENAME)
        assert read_card(tmp_path / CARD_FILENAME) == card == SurrogateCard.read(tmp_path / CARD_FILENAME)
        assert parse_card_json((folder / CARD_FILENAME).read_bytes()) == card
        assert not list(tmp_path.glob("*.tmp"))
    sampler = read_card(bundled_registry_dir() / "bessel-test" / CARD_FILENAME)
    assert type(sampler) is ModelCard and sampler.kind == "sampler"
    assert read_card(gaussian / CARD_FILENAME).architecture.kind == "sigma-mlp"
    assert read_card(density / CARD_FILENAME).architecture.kind == "unet"


def test_committed_surrogate_schema_is_current():
    committed = json.loads((REPO / "registry" / "surrogate_card.schema.json").read_text())
    assert committed == json_schema("surrogate"), \
        "run: zoo schema --kind surrogate > registry/surrogate_card.schema.json"
    assert json_schema() == json_schema("sampler") == ModelCard.model_json_schema()


def _set(path: str, value):
    def edit(d):
        *head, last = path.split(".")
        for k in head:
            d = d[int(k)] if k.isdigit() else d[k]
        d[int(last) if last.isdigit() else last] = value
    return edit


def _drop(path: str):
    def edit(d):
        *head, last = path.split(".")
        for k in head:
            d = d[int(k)] if k.isdigit() else d[k]
        del d[last]
    return edit


BAD_CARDS = {
    "unknown field": (_set("surprise", 1), "surprise"),
    "string for a number": (_set("output.axes.0.n", "16"), "output.axes.0.n"),
    "kind missing (read as a sampler)": (_drop("kind"), "target"),
    "kind unknown": (_set("kind", "toaster"), "kind"),
    "decoder does not make the grid": (_set("architecture.latent", [8, 2, 2, 2]), "decodes"),
    "parameter count": (_set("weights.parameter_count", 12), "parameter_count"),
    "domain lo > hi": (_set("inputs.0.domain", [1.2e-5, 2e-6]), "lo < hi"),
    "scalar input without a domain": (_set("inputs.1.domain", None), "needs a domain"),
    "component names repeated": (_set("output.components.0.name", "Wy"), "names must be unique"),
    "one output scale too few": (_set("architecture.output_scale", [1.0, 1.0]), "output_scale has 2 values"),
    "hard symmetry without a parity": (_set("output.components.2.y_parity", None), "y_parity of every"),
    "hard symmetry, off-centre y": (_set("output.axes.2.extent", [-4e-5, 4.8e-5]), "symmetric about 0"),
    "dataset grid differs": (_set("training.dataset.grid_n", [16, 16, 32]), "dataset grid"),
    "negative dropout": (_set("architecture.dropout", -0.1), "architecture.sigma-mlp.dropout"),
    "zero output scale": (_set("architecture.output_scale", [0.0, 1.0, 1.0]), "output_scale"),
    "bad dataset hash": (_set("training.dataset.sha256", "xyz"), "training.dataset.sha256"),
    "metrics of another model": (_set("architecture.output_scale", [1.0, 2.0, 3.0]), "stale metrics"),
    "negative metric": (_set("metrics.calibration_2sigma.Ws", -0.5), "metrics.calibration_2sigma.Ws"),
}


@pytest.mark.parametrize("case", sorted(BAD_CARDS))
def test_bad_surrogate_cards_are_refused_naming_the_field(case, gaussian, tmp_path):
    edit, match = BAD_CARDS[case]
    d = card_dict(gaussian)
    edit(d)
    (tmp_path / CARD_FILENAME).write_text(json.dumps(d))
    with pytest.raises(ValueError, match="invalid model card") as err:
        read_card(tmp_path / CARD_FILENAME)
    assert re.search(match, str(err.value)), str(err.value)
    with pytest.raises(ValueError, match="invalid model card"):
        zoo.load(tmp_path)


def _swap_components(d):
    c = d["output"]["components"]
    c[0]["name"], c[1]["name"] = c[1]["name"], c[0]["name"]


#: valid surrogate cards that the csr_wake process refuses when the model is built (its physics block
#: and layout are the process's, zoo/processes/csr_wake/physics.py, not the generic card's)
CSR_BAD_CARDS = {
    "components out of order": (_swap_components, "Ws, Wx, Wy in that order"),
    "parity wrong": (_set("output.components.2.y_parity", "even"), "y_parity"),
    "axis renamed": (_set("output.axes.0.name", "z"), "s, x, y in that order"),
    "physics block without rho": (_drop("output.physics.rho_m"), "rho_m"),
    "physics block of an unknown process": (_set("output.physics.process", "toaster"), "not a process package"),
}


@pytest.mark.parametrize("case", sorted(CSR_BAD_CARDS))
def test_the_process_refuses_cards_it_cannot_mean(case, gaussian, tmp_path):
    edit, match = CSR_BAD_CARDS[case]
    d = card_dict(gaussian)
    edit(d)
    d.pop("metrics", None)   # (their component names would no longer match)
    folder = copy_of(gaussian, tmp_path)
    (folder / CARD_FILENAME).write_text(json.dumps(d))
    read_card(folder / CARD_FILENAME)          # a valid generic surrogate card
    with pytest.raises(ValueError, match=match):
        zoo.load(folder)


def test_a_second_field_family_needs_no_core_edit(gaussian, tmp_path, monkeypatch):
    """A process package with its own PHYSICS block, grid axis names and two components: the generic
    card, network builder, predict and `zoo info` take it as data."""
    import sys
    import types

    from pydantic import BaseModel, ConfigDict

    from zoo.cli import main as cli_main
    from zoo.weights import save as save_weights

    class ToyPhysics(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        process: str
        field_strength_T: float

    module = types.ModuleType("zoo.processes.toy_field")
    module.PHYSICS, module.TARGETS = ToyPhysics, ()
    monkeypatch.setitem(sys.modules, "zoo.processes.toy_field", module)
    d = card_dict(gaussian)
    d.pop("metrics", None)
    d["name"] = "toy-field"
    d["output"]["physics"] = {"process": "toy_field", "field_strength_T": 2.5}
    for ax, name in zip(d["output"]["axes"], ("t", "u", "v")):
        ax["name"] = name
    d["output"]["components"] = [{"name": "Ez", "unit": "V/m", "y_parity": "even"},
                                 {"name": "Bx", "unit": "T", "y_parity": "odd"}]
    d["architecture"]["output_scale"] = [1.0, 2.0]
    folder = tmp_path / "toy-field"
    folder.mkdir()
    from zoo.card import SigmaMLPArchitecture
    from zoo.surrogates.nets import build_surrogate_network

    arch = SigmaMLPArchitecture.model_validate_json(json.dumps(d["architecture"]))
    net = build_surrogate_network(arch, [tuple(i["domain"]) for i in d["inputs"]], parity=[1.0, -1.0])
    sha, count = save_weights(net.state_dict(), folder / d["weights"]["file"])
    d["weights"]["sha256"], d["weights"]["parameter_count"] = sha, count
    (folder / CARD_FILENAME).write_text(json.dumps(d))
    m = zoo.load(folder)
    assert m.components == ("Ez", "Bx") and list(m.axes) == ["t", "u", "v"]
    assert m.physics.field_strength_T == 2.5
    w = m.predict(**{i.name: (i.domain[0] + i.domain[1]) / 2 for i in m.card.inputs})
    assert set(w) >= {"Ez", "Bx"} and w["Ez"].shape == m.shape
    np.testing.assert_allclose(w["Bx"], -w["Bx"][..., ::-1], atol=1e-12 * np.abs(w["Bx"]).max())   # odd, exactly
    assert cli_main(["info", str(folder)]) == 0


@pytest.mark.parametrize("text,match", [('{"kind": "surrogate", "kind": "surrogate"}', "duplicate key"),
                                        ('{"kind": "surrogate", "x": NaN}', "NaN"),
                                        ('{"kind": "surrogate"', "not valid JSON")])
def test_malformed_json_is_refused(text, match, tmp_path):
    (tmp_path / CARD_FILENAME).write_text(text)
    with pytest.raises(ValueError, match=match):
        read_card(tmp_path / CARD_FILENAME)


def test_stale_metrics_are_dropped_for_validation_only(gaussian, dataset, tmp_path, capsys):
    folder = copy_of(gaussian, tmp_path)
    d = card_dict(folder)
    d["architecture"]["output_scale"] = [2.0, 2.0, 2.0]   # a different model now
    (folder / CARD_FILENAME).write_text(json.dumps(d))
    with pytest.raises(ValueError, match="stale metrics"):
        zoo.load(folder)
    with pytest.warns(UserWarning, match="stale metrics"):
        assert read_card(folder / CARD_FILENAME, stale_metrics="drop").metrics is None
    with pytest.warns(UserWarning, match="stale metrics"):
        assert zoo_main(["validate", str(folder), "--data", str(dataset.path), "--mc-samples", "3",
                         "--write-card"]) == 0
    card = read_card(folder / CARD_FILENAME)
    assert card.metrics is not None and card.metrics.digest == card.measured_digest()
    assert card.architecture.output_scale == (2.0, 2.0, 2.0)


# -- loading and predicting -------------------------------------------------------------------
def test_load_by_folder_gives_a_surrogate(gaussian, density):
    for folder in (gaussian, str(gaussian), density):
        m = zoo.load(folder)
        assert isinstance(m, zoo.Surrogate) and m.card == read_card(Path(folder) / CARD_FILENAME)
    assert "sigma-mlp" in repr(zoo.load(gaussian)) and "unet" in repr(zoo.load(density))


def test_predict_shapes_units_and_grid(gaussian, density):
    g, d = zoo.load(gaussian), zoo.load(density)
    w = g.predict(**SIG)
    assert set(w) == {"Ws", "Wx", "Wy"}
    assert all(w[k].shape == (N, N, N) and w[k].dtype == np.float32 for k in w)
    assert g.units == {"Ws": "1/m^2", "Wx": "1/m^2", "Wy": "1/m^2"} and g.shape == (N, N, N)
    c = g.coords
    assert list(c) == ["s", "x", "y"] and np.allclose(c["s"][[0, -1]], [-48e-6, 48e-6])
    assert g.grid.n == (N, N, N) and np.allclose(g.grid.coords[2], c["y"])
    b = g.predict(sigma_s=[6e-6, 3e-6, 11e-6], sigma_x=4e-6, sigma_y=np.array([9e-6, 9e-6, 2e-6]))
    assert b["Ws"].shape == (3, N, N, N)
    np.testing.assert_allclose(b["Wx"][0], w["Wx"], rtol=1e-5, atol=1e-6 * np.abs(w["Wx"]).max())
    assert not np.allclose(b["Ws"][1], b["Ws"][0])
    lam = csr.gaussian_density(d.grid, *SIG.values())
    wd = d.predict(density=lam)
    assert all(wd[k].shape == (N, N, N) for k in ("Ws", "Wx", "Wy"))
    assert d.predict(density=np.stack([lam, 2 * lam]))["Wy"].shape == (2, N, N, N)
    # the density model is linear in the density's scale (max-normalised input)
    w2 = d.predict(density=3.0 * lam)
    for k in ("Ws", "Wx", "Wy"):
        # atol: float32 rounding of lambda / max
        np.testing.assert_allclose(w2[k], 3.0 * wd[k], rtol=1e-4, atol=3e-5 * np.abs(w2[k]).max())


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(sigma_s=5, sigma_x=4e-6, sigma_y=4e-6), ValueError, r"sigma_s = 5 m is outside the trained domain "
                                                             r"\[2e-06, 1.2e-05\] m \(in metres: 5 um is 5e-06 m\)"),
    (dict(sigma_s=5e-6, sigma_x=1.3e-5, sigma_y=4e-6), ValueError,
     r"sigma_x = 1.3e-05 m is outside .*\[2e-06, 1.2e-05\] m"),
    (dict(sigma_s=5e-6, sigma_x=4e-6, sigma_y=[4e-6, 1e-6]), ValueError, "sigma_y = 1e-06 m is outside"),
    (dict(sigma_s=5e-6, sigma_x=4e-6), TypeError, r"needs sigma_y \(\[2e-06, 1.2e-05\] m\)"),
    (dict(sigma_s=5e-6, sigma_x=4e-6, sigma_y=4e-6, sigma_z=1), TypeError, "unexpected input 'sigma_z'"),
    (dict(sigma_s=float("nan"), sigma_x=4e-6, sigma_y=4e-6), ValueError, "sigma_s must be finite"),
    (dict(sigma_s="5e-6", sigma_x=4e-6, sigma_y=4e-6), TypeError, "sigma_s must be a real number"),
    (dict(sigma_s=[5e-6, 6e-6], sigma_x=[4e-6] * 3, sigma_y=4e-6), ValueError, "one length"),
    (dict(sigma_s=5e-6, sigma_x=4e-6, sigma_y=4e-6, mc_samples=1), ValueError, "mc_samples must be 0"),
    (dict(sigma_s=5e-6, sigma_x=4e-6, sigma_y=4e-6, mc_samples=-2), ValueError, "mc_samples"),
    (dict(sigma_s=5e-6, sigma_x=4e-6, sigma_y=4e-6, mc_samples=2, seed=-1), ValueError, "seed"),
])
def test_sigma_predict_refuses_bad_inputs(gaussian, kwargs, error, match):
    with pytest.raises(error, match=match):
        zoo.load(gaussian).predict(**kwargs)


@pytest.mark.parametrize("value,match", [
    (np.ones((N, N, N - 1)), r"grid's shape \(16, 16, 16\)"),
    (np.ones((2, 2, N, N, N)), "shape"),
    (-np.ones((N, N, N)), "non-negative"),
    (np.full((N, N, N), np.nan), "finite"),
    (np.ones((0, N, N, N)), "empty"),
])
def test_density_predict_refuses_bad_inputs(density, value, match):
    d = zoo.load(density)
    with pytest.raises(ValueError, match=match):
        d.predict(density=value)
    with pytest.raises(TypeError, match="needs density"):
        d.predict()
    with pytest.raises(TypeError, match="unexpected input 'sigma_s'.*takes density"):
        d.predict(sigma_s=5e-6, density=np.ones((N, N, N)))


def test_mc_dropout_gives_a_spread_and_zero_samples_are_deterministic(gaussian, density):
    for folder, inputs in ((gaussian, SIG), (density, None)):
        m = zoo.load(folder)
        if inputs is None:
            inputs = {"density": csr.gaussian_density(m.grid, *SIG.values())}
        a, b = m.predict(**inputs), m.predict(**inputs)
        assert "std" not in a and all(np.array_equal(a[k], b[k]) for k in a)
        with torch.no_grad():   # dropout off: the plain eval network
            x = torch.tensor([list(SIG.values())], dtype=torch.float64) if "sigma_s" in inputs \
                else torch.from_numpy(inputs["density"][None]).float()
            plain = m.net(x)[0].numpy()
        assert np.array_equal(a["Ws"], plain[0])
        mc = m.predict(**inputs, mc_samples=6, seed=11)
        again = m.predict(**inputs, mc_samples=6, seed=11)
        other = m.predict(**inputs, mc_samples=6, seed=12)
        assert set(mc["std"]) == {"Ws", "Wx", "Wy"}
        for k in ("Ws", "Wx", "Wy"):
            assert mc["std"][k].shape == (N, N, N) and float(mc["std"][k].mean()) > 0, k
            assert np.array_equal(mc[k], again[k]) and np.array_equal(mc["std"][k], again["std"][k])
            assert not np.array_equal(mc[k], other[k])
            assert not np.array_equal(mc[k], a[k]), "the MC mean differs from the dropout-off field"
        assert np.array_equal(m.predict(**inputs)["Wx"], a["Wx"]), "MC dropout left the network unchanged"


def test_mc_dropout_is_switched_off_after_an_error(gaussian):
    m = zoo.load(gaussian)
    calls = {"n": 0}
    forward = m.net.forward

    def failing(x):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return forward(x)

    m.net.forward = failing
    with pytest.raises(RuntimeError, match="boom"):
        m.predict(**SIG, mc_samples=3)
    m.net.forward = forward
    assert np.array_equal(m.predict(**SIG)["Ws"], zoo.load(gaussian).predict(**SIG)["Ws"])


# -- hard y-symmetry ----------------------------------------------------------------------------
def test_hard_y_symmetry_is_exact_and_the_unconstrained_network_is_not(gaussian, density, dataset, tmp_path):
    g = zoo.load(gaussian)
    for w in (g.predict(**SIG), g.predict(**SIG, mc_samples=3, seed=0)):
        for k in ("Ws", "Wx", "Wy"):
            assert np.array_equal(w[k], mirrored(w[k], k)), k
    make_model(tmp_path / "free", dataset, "sigma-mlp", y_symmetry="none", name="csr-free-test", validate=False)
    w = zoo.load(tmp_path / "free").predict(**SIG)
    assert max(np.abs(w[k] - mirrored(w[k], k)).max() / np.abs(w[k]).max() for k in w) > 1e-3

    d = zoo.load(density)
    lam = csr.gaussian_density(d.grid, *SIG.values())
    for w in (d.predict(density=lam), d.predict(density=lam, mc_samples=3, seed=0)):
        for k in ("Ws", "Wx", "Wy"):
            assert np.array_equal(w[k], mirrored(w[k], k)), k
    # for any density the hard unet is exactly y-equivariant: W(P lambda) = P W(lambda), per MC sample too
    rough = np.random.default_rng(1).random((N, N, N))
    for kw in ({}, {"mc_samples": 3, "seed": 4}):
        a, b = d.predict(density=rough, **kw), d.predict(density=rough[..., ::-1].copy(), **kw)
        for k in ("Ws", "Wx", "Wy"):
            assert np.array_equal(a[k], mirrored(b[k], k)), k
    make_model(tmp_path / "free-unet", dataset, "unet", y_symmetry="none", name="csr-free-unet", validate=False)
    f = zoo.load(tmp_path / "free-unet")
    a, b = f.predict(density=rough), f.predict(density=rough[..., ::-1].copy())
    assert max(np.abs(a[k] - mirrored(b[k], k)).max() / np.abs(a[k]).max() for k in a) > 1e-4


LINEAR = {"activation": "identity", "bias": False, "pooling": "avg"}


def test_the_linear_unet_is_linear_in_the_density_as_the_wake_is(dataset, tmp_path):
    from zoo.surrogates.nets import MCDropout

    card = make_model(tmp_path / "lin", dataset, "unet", name="csr-lin-test", validate=False,
                      arch_update={**LINEAR, "dropout_levels": "bottleneck"})
    assert card.architecture.linear and not zoo.load(tmp_path / "lin").card.architecture.model_copy(
        update={"bias": True}).linear
    m = zoo.load(tmp_path / "lin")
    drops = [d for d in m.net.modules() if isinstance(d, MCDropout) and d.p > 0]
    assert len(drops) == 1 and drops[0] is m.net.down[-1][-1], "dropout in the coarsest block only"
    rng = np.random.default_rng(3)
    l1, l2 = rng.random((N, N, N)), csr.gaussian_density(m.grid, *SIG.values()) / 1e15
    a, b = 0.7, 2.5

    def gap(model):
        w1, w2, w12 = (model.predict(density=x) for x in (l1, l2, a * l1 + b * l2))
        return max(float(np.abs(w12[k] - a * w1[k] - b * w2[k]).max() / np.abs(w12[k]).max()) for k in w1)

    # measured over seeds 0-5: linear 6.4e-7 - 1.2e-6 (float32 convolutions), GELU 3.3e-2 - 0.22
    assert gap(m) < 1e-5
    make_model(tmp_path / "gelu", dataset, "unet", name="csr-gelu-test", validate=False)
    assert gap(zoo.load(tmp_path / "gelu")) > 1e-3
    # every Monte Carlo pass is linear too (the dropout mask multiplies feature maps)
    w1, w12 = (m.predict(density=x, mc_samples=3, seed=5)["std"]["Ws"] for x in (l1, 2.0 * l1))
    np.testing.assert_allclose(w12, 2.0 * w1, rtol=1e-4, atol=1e-6 * float(np.abs(w12).max()))


def test_soft_constraint_loss_is_zero_exactly_for_symmetric_fields():
    w = torch.randn(2, 3, 4, 4, 4)
    sym = (w + torch.flip(w, dims=(-1,)) * torch.tensor([1.0, 1.0, -1.0]).view(1, 3, 1, 1, 1)) / 2
    assert float(symmetry_penalty(sym, w)) == 0.0 and float(symmetry_penalty(w, w)) > 0.1
    assert float(relative_mse(w, w)) == 0.0
    assert float(relative_mse(w + w.flatten(2).std(dim=-1, unbiased=False)[..., None, None, None], w)) \
        == pytest.approx(1.0, rel=1e-5)


# -- the validator --------------------------------------------------------------------------------
def test_validator_writes_the_metrics_it_measures(gaussian, density, dataset):
    for folder in (gaussian, density):
        m = zoo.load(folder)
        metrics = m.card.metrics
        assert metrics.digest == m.card.measured_digest() and metrics.mc_samples == 3
        assert metrics.n_test == int(dataset.test.sum()) == m.card.training.dataset.n_test
        assert metrics.constraint_violation.values() == (0.0, 0.0, 0.0), "hard y-symmetry"
        assert all(0.0 <= v <= 1.0 for v in metrics.calibration_2sigma.values())
        assert all(v > 0 for v in metrics.std_relative.values())
        # the held-out error is what predict gives on the held-out fields, by the seed's metric
        idx = np.flatnonzero(dataset.test)
        if m.card.inputs[0].kind == "field":
            r = m.predict(density=dataset.densities(idx))
        else:
            r = m.predict(**{n: dataset.sigma[idx, k] for k, n in enumerate(("sigma_s", "sigma_x", "sigma_y"))})
        pred = np.stack([r[k] for k in ("Ws", "Wx", "Wy")], axis=1).astype(np.float64)
        true = dataset.W[idx].astype(np.float64)   # the seed's metric, written out: MAE over the grid / std
        want = (np.abs(pred - true).mean(axis=(2, 3, 4)) / true.std(axis=(2, 3, 4))).mean(axis=0)
        np.testing.assert_allclose(relative_mae(pred, true).mean(axis=0), want, rtol=1e-12)
        np.testing.assert_allclose(metrics.test_mae_relative.values(), want, rtol=1e-12)
    dm = zoo.load(density).card.metrics
    assert [o.name for o in dm.ood] == list(OOD_KINDS) and zoo.load(gaussian).card.metrics.ood == []


def test_validator_measures_the_violation_of_an_unconstrained_network(dataset, tmp_path):
    card = make_model(tmp_path / "free", dataset, "sigma-mlp", y_symmetry="none", name="csr-free-test")
    assert min(card.metrics.constraint_violation.values()) > 1e-4


def test_validation_needs_the_training_set_the_card_names(gaussian, dataset, tmp_path, capsys):
    folder = copy_of(gaussian, tmp_path)
    before = (folder / CARD_FILENAME).read_bytes()
    assert zoo_main(["validate", str(folder)]) == 2
    assert "pass --data FILE" in capsys.readouterr().err
    other = generate(DatasetSpec(n=N, per_axis=2, ood_per_kind=1, seed=1), tmp_path / "other.npz", stream=None)
    assert other.sha256 != dataset.sha256
    assert zoo_main(["validate", str(folder), "--data", str(other.path), "--write-card"]) == 2
    assert "another training set" in capsys.readouterr().err
    assert (folder / CARD_FILENAME).read_bytes() == before, "a refused validation writes nothing"
    assert zoo_main(["validate", str(folder), "--data", str(dataset.path), "--mc-samples", "3"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["test_mae_relative"] == card_dict(folder)["metrics"]["test_mae_relative"]
    assert (folder / CARD_FILENAME).read_bytes() == before, "without --write-card the card is untouched"


def test_slice_plots_draw_the_field_they_name(gaussian, density, dataset, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from zoo.plotting import plot_surrogate_slices

    idx = np.flatnonzero(dataset.test)
    m = zoo.load(gaussian)
    r = m.predict(**{n: dataset.sigma[idx, k] for k, n in enumerate(("sigma_s", "sigma_x", "sigma_y"))})
    per_field = relative_mae(np.stack([r[k] for k in ("Ws", "Wx", "Wy")], axis=1), dataset.W[idx])
    drawn = plot_surrogate_slices(m, dataset, str(tmp_path / "worst.png"), which="worst", mc_samples=3)
    # the worst held-out field is drawn, with its own errors in the panel titles
    np.testing.assert_allclose(list(drawn["mae_relative"].values()), per_field[np.argmax(per_field.mean(1))],
                               rtol=1e-6)
    assert (tmp_path / "worst.png").stat().st_size > 10_000
    d = plot_surrogate_slices(zoo.load(density), dataset, str(tmp_path / "two.png"), which="two-bunch", mc_samples=3)
    assert d["field"] == "out of distribution: two-bunch" and (tmp_path / "two.png").exists()
    with pytest.raises(ValueError, match="which must be one of.*'median', 'worst'"):
        plot_surrogate_slices(m, dataset, str(tmp_path / "x.png"), which="two-bunch")
    # the CLI draws the median held-out field after validating
    png = tmp_path / "cli.png"
    assert zoo_main(["validate", str(gaussian), "--data", str(dataset.path), "--mc-samples", "3",
                     "--plot", str(png)]) == 0
    assert png.exists() and "held-out median" in capsys.readouterr().err


def test_tampered_weights_are_refused(gaussian, tmp_path):
    folder = copy_of(gaussian, tmp_path)
    path = folder / read_card(folder / CARD_FILENAME).weights.file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        zoo.load(folder)
    card = read_card(folder / CARD_FILENAME)
    wrong = {k: v[..., :1].clone() if v.dim() > 1 else v for k, v in zoo.load(gaussian).net.state_dict().items()}
    sha, _ = weights_io.save(wrong, path)
    d = card_dict(folder)
    d["weights"]["sha256"] = sha
    d.pop("metrics")
    (folder / CARD_FILENAME).write_text(json.dumps(d))
    with pytest.raises(WeightsError):
        zoo.load(folder)
    assert card.weights.parameter_count == card.architecture.parameter_count == sum(
        v.numel() for v in zoo.load(gaussian).net.state_dict().values())


# -- registry, list, CLI -----------------------------------------------------------------------------
@pytest.fixture
def registry_with_surrogate(gaussian, tmp_path, monkeypatch):
    import zoo.registry as registry

    root = tmp_path / "registry"
    shutil.copytree(bundled_registry_dir() / "bessel-test", root / "bessel-test")
    d = card_dict(gaussian)
    d["name"] = "csr-wake-gaussian"
    d["weights"]["file"] = "csr-wake-gaussian.safetensors"
    d.pop("metrics")
    (root / "csr-wake-gaussian").mkdir()
    (root / "csr-wake-gaussian" / CARD_FILENAME).write_text(json.dumps(d))
    shutil.copy(gaussian / "csr-gauss-test.safetensors", root / "csr-wake-gaussian" / "csr-wake-gaussian.safetensors")
    monkeypatch.setattr(registry, "bundled_registry_dir", lambda: root)
    return root


def test_list_filters_by_kind_and_load_by_name(registry_with_surrogate, capsys):
    assert zoo.list() == ["bessel-test", "csr-wake-gaussian"]
    assert zoo.list(kind="sampler") == zoo.list_models(kind="sampler") == ["bessel-test"]
    assert zoo.list("csr-*", kind="surrogate") == ["csr-wake-gaussian"] and zoo.list("bes*", kind="surrogate") == []
    with pytest.raises(ValueError, match="kind must be one of sampler, surrogate"):
        zoo.list(kind="toaster")
    m = zoo.load("csr-wake-gaussian")
    assert isinstance(m, zoo.Surrogate) and m.predict(**SIG)["Ws"].shape == (N, N, N)
    assert zoo_main(["list"]) == 0
    out = capsys.readouterr().out
    assert "csr-wake-gaussian" in out and "surrogate sigma-mlp" in out and "bessel-test" in out
    assert zoo_main(["list", "--kind", "surrogate"]) == 0
    assert "bessel-test" not in capsys.readouterr().out
    from zoo.describe import models_table, surrogates_table

    assert "csr-wake-gaussian" not in models_table() and "bessel-test" in models_table()
    assert "csr-wake-gaussian" in surrogates_table() and "not validated" in surrogates_table()
    assert zoo_main(["info", "csr-wake-gaussian"]) == 0
    info = capsys.readouterr().out
    assert "field surrogate" in info and "sigma_s" in info and "regenerate:" in info
    assert zoo_main(["sample", "csr-wake-gaussian", "-n", "3"]) == 2
    assert "field surrogate" in capsys.readouterr().err
    from zoo.api import load_sampler

    with pytest.raises(ValueError, match="not a sampler"):
        load_sampler("csr-wake-gaussian")


# -- the training set ---------------------------------------------------------------------------------
def test_dataset_spec_sampling_and_split():
    spec = DatasetSpec()
    s = sigma_points(spec)
    assert s.shape == (216, 3) and np.allclose(np.unique(s[:, 0]), np.linspace(2e-6, 12e-6, 6))
    assert heldout_mask(spec).sum() == 32 and np.array_equal(heldout_mask(spec), heldout_mask(DatasetSpec()))
    lhs = DatasetSpec(sampling="lhs", n_samples=50, seed=3)
    p = sigma_points(lhs)
    assert np.array_equal(p, sigma_points(DatasetSpec(sampling="lhs", n_samples=50, seed=3)))
    for k in range(3):   # one point per stratum along every axis
        assert sorted(((p[:, k] - 2e-6) / 1e-5 * 50).astype(int)) == list(range(50))
    assert not np.array_equal(p, sigma_points(DatasetSpec(sampling="lhs", n_samples=50, seed=4)))
    with pytest.raises(ValueError, match="sampling"):
        DatasetSpec(sampling="random")


def test_dataset_holds_the_physics_layer_wakes_and_is_reused_by_hash(dataset, tmp_path):
    grid = dataset.grid
    i = 3
    want = np.stack(csr.wake(csr.gaussian_density(grid, *dataset.sigma[i]), grid))
    np.testing.assert_allclose(dataset.W[i], want, rtol=1e-6, atol=1e-6 * np.abs(want).max())
    assert dataset.ood_W.shape == (len(OOD_KINDS), 3, N, N, N)
    assert dataset.ood_kind == list(OOD_KINDS)
    assert not np.allclose(dataset.ood_density[-1], dataset.ood_density[-1][..., ::-1]), "offset-y is asymmetric"
    # the hash is of the content, not of the zip container
    arrays = {k: v for k, v in np.load(dataset.path).items()}
    assert content_sha256(arrays) == dataset.sha256 == load_dataset(dataset.path, sha256=dataset.sha256).sha256
    copy = tmp_path / "copy.npz"
    np.savez_compressed(copy, **arrays)
    assert load_dataset(copy).sha256 == dataset.sha256
    with pytest.raises(ValueError, match="another training set"):
        load_dataset(copy, sha256="0" * 64)
    # reused when intact and of the same spec; regenerated when damaged
    import io

    log = io.StringIO()
    assert generate(dataset.spec, copy, stream=log).sha256 == dataset.sha256 and "reusing" in log.getvalue()
    arrays["W"] = arrays["W"].copy()
    arrays["W"][0, 0, 0, 0, 0] += 1.0
    np.savez(copy, **arrays)
    with pytest.raises(ValueError, match="damaged"):
        load_dataset(copy)
    log = io.StringIO()
    assert generate(dataset.spec, copy, stream=log).sha256 == dataset.sha256 and "generating it again" in log.getvalue()
    with pytest.raises(ValueError, match="does not exist"):
        load_dataset(tmp_path / "missing.npz")


# -- publishing and the Hub -------------------------------------------------------------------------------
TOKEN = "hf_radzoo_test_write"
REPO_ID = "radzoo-test/csr-wake"


def test_publish_and_load_back_from_the_hub(gaussian, hub_server, tmp_path, monkeypatch):
    from huggingface_hub.utils import close_session

    folder = copy_of(gaussian, tmp_path)
    original = zoo.load(folder)
    out = tmp_path / "card-only"
    result = publish(folder, REPO_ID, token=TOKEN, out_dir=out)
    files = hub_server.files(REPO_ID, result.commit)
    card = read_card(folder / CARD_FILENAME)
    assert set(files) == {".gitattributes", card.weights.file, CARD_FILENAME, "README.md"}
    assert parse_card_json(files[CARD_FILENAME]).model_copy(update={"source": None}) == card
    readme = files["README.md"].decode()
    meta = yaml.safe_load(re.match(r"^---\n(.*?)\n---\n", readme, re.S).group(1))
    assert meta["library_name"] == "radzoo" and "field-surrogate" in meta["tags"]
    found = {m["type"]: m["value"] for r in meta["model-index"][0]["results"] for m in r["metrics"]}
    assert found["test_mae_relative_Ws"] == card.metrics.test_mae_relative.Ws
    assert found["calibration_2sigma_Wy"] == card.metrics.calibration_2sigma.Wy
    assert card.training.dataset.sha256 in readme and "m.predict(sigma_s=" in readme
    assert sorted(p.name for p in out.iterdir()) == [CARD_FILENAME]
    pinned = read_card(out / CARD_FILENAME)
    assert pinned.source.revision == result.commit and pinned.metrics == card.metrics

    # another machine: an empty cache, the card-only folder; the same predictions
    route_hf(monkeypatch, HF_HOME=str(tmp_path / "m2" / "home"), HF_HUB_CACHE=str(tmp_path / "m2" / "hub"))
    close_session()
    loaded = zoo.load(out)
    assert isinstance(loaded, zoo.Surrogate) and not (out / card.weights.file).exists()
    a, b = original.predict(**SIG, mc_samples=3, seed=5), loaded.predict(**SIG, mc_samples=3, seed=5)
    assert all(np.array_equal(a[k], b[k]) for k in ("Ws", "Wx", "Wy"))
    via_hub = zoo.load(f"hf:{REPO_ID}@{result.commit}")
    assert np.array_equal(via_hub.predict(**SIG)["Wy"], original.predict(**SIG)["Wy"])


def test_publish_refuses_an_unvalidated_or_tampered_surrogate(gaussian, dataset, hub_server, tmp_path):
    make_model(tmp_path / "raw", dataset, "sigma-mlp", name="csr-raw-test", validate=False)
    with pytest.raises(PublishError, match="no metrics.*--data FILE --write-card"):
        publish(tmp_path / "raw", REPO_ID, token=TOKEN)
    folder = copy_of(gaussian, tmp_path)
    before = (folder / CARD_FILENAME).read_bytes()
    path = folder / read_card(folder / CARD_FILENAME).weights.file
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        publish(folder, REPO_ID, token=TOKEN)
    assert hub_server.requests == [] and (folder / CARD_FILENAME).read_bytes() == before


# -- the recipes, end to end ----------------------------------------------------------------------------------
@pytest.mark.parametrize("recipe,kind", [("csr-wake-gaussian", "sigma-mlp"),
                                         pytest.param("csr-wake-density", "unet", marks=pytest.mark.full)])
def test_smoke_recipe_trains_validates_and_writes_a_loadable_model(recipe, kind, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "zoo", "train", recipe, "--smoke", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "step 12/12" in proc.stderr and "wake 12/12" in proc.stderr
    card = read_card(tmp_path / CARD_FILENAME)
    assert isinstance(card, SurrogateCard) and card.architecture.kind == kind
    assert card.metrics is not None and card.metrics.digest == card.measured_digest()
    assert card.training.recipe == f"registry/{recipe}/recipe.toml" and card.training.hyperparameters["smoke"] is True
    assert card.training.dataset.n_train + card.training.dataset.n_test == 8
    assert card.training.final_loss is not None and card.training.steps == 12
    m = zoo.load(tmp_path)
    assert m.card == card and m.predict(**({"density": np.ones((N, N, N))} if kind == "unet" else SIG))["Ws"].shape \
        == (N, N, N)
    data = next((tmp_path / ".smoke-data").glob("*.npz"))
    assert load_dataset(data).sha256 == card.training.dataset.sha256
    assert "--per-axis 2" in card.training.dataset.command


@pytest.mark.full
def test_smoke_recipe_is_deterministic_for_a_seed(tmp_path):
    shas = []
    for sub in ("a", "b"):
        subprocess.run([sys.executable, "-m", "zoo", "train", "csr-wake-gaussian", "--smoke", "--out",
                        str(tmp_path / sub)], capture_output=True, text=True, timeout=300, check=True)
        shas.append(read_card(tmp_path / sub / CARD_FILENAME).weights.sha256)
    assert shas[0] == shas[1]


def test_surrogates_expose_their_grid_as_axes(gaussian):
    m = zoo.load(gaussian)
    axes = m.axes
    assert list(axes) == [a.name for a in m.card.output.axes] and tuple(len(v) for v in axes.values()) == m.shape
    for a, v in zip(m.card.output.axes, axes.values()):
        assert v[0] == a.extent[0] and v[-1] == a.extent[1] and np.allclose(np.diff(v), a.spacing, rtol=1e-9)
    assert m.coords.keys() == axes.keys()


def test_mc_dropout_flag_helper_resets(gaussian):
    m = zoo.load(gaussian)
    set_mc_dropout(m.net, True)
    a = m.net(torch.tensor([list(SIG.values())], dtype=torch.float64))
    b = m.net(torch.tensor([list(SIG.values())], dtype=torch.float64))
    assert not torch.equal(a, b)
    set_mc_dropout(m.net, False)
    assert torch.equal(m.net(torch.tensor([list(SIG.values())], dtype=torch.float64)),
                       m.net(torch.tensor([list(SIG.values())], dtype=torch.float64)))


def test_training_resumes_from_its_checkpoint_bit_identically(dataset, tmp_path, monkeypatch):
    import zoo.processes.csr_wake.training as T

    def fresh():
        arch = default_architecture("unet", N, y_symmetry="hard", dropout=0.2, smoke=True)
        arch["output_scale"] = output_scales("unet", dataset, np.flatnonzero(~dataset.test))
        card = wake_card(name="csr-resume-test", summary="t", arch=arch, ds=dataset, recipe="t", seed=0, steps=12,
                         batch_size=2)
        torch.manual_seed(0)
        return card, build_net(card)

    card, net = fresh()
    T.train(net, card, dataset, steps=12, batch_size=2, lr=1e-3, seed=0, superpose=0.5, stream=None)
    want = {k: v.clone() for k, v in net.state_dict().items()}

    card, net = fresh()
    ckpt = tmp_path / "run.pt"
    calls = {"n": 0}
    real = T.relative_mse

    def interrupted(pred, true):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return real(pred, true)

    monkeypatch.setattr(T, "relative_mse", interrupted)
    with pytest.raises(KeyboardInterrupt):
        T.train(net, card, dataset, steps=12, batch_size=2, lr=1e-3, seed=0, superpose=0.5, checkpoint=ckpt,
                checkpoint_every=5, stream=None)
    monkeypatch.setattr(T, "relative_mse", real)
    assert torch.load(ckpt, weights_only=False)["step"] == 5
    card, net = fresh()
    T.train(net, card, dataset, steps=12, batch_size=2, lr=1e-3, seed=0, superpose=0.5, checkpoint=ckpt,
            checkpoint_every=5, stream=None)
    got = net.state_dict()
    assert all(torch.equal(got[k], want[k]) for k in want)


@pytest.mark.parametrize("seed", range(12))
def test_parameter_count_from_the_card_is_the_networks(seed):
    """The card counts a surrogate's weights without torch (zoo list/info); the network built on
    torch's meta device must have exactly that many, for random architectures of both kinds."""
    import math

    from zoo.card import SigmaMLPArchitecture, UNetArchitecture
    from zoo.surrogates.nets import expected_shapes

    rng = np.random.default_rng(seed)
    base = {"dropout": 0.1, "output_scale": (1.0, 1.0, 1.0), "y_symmetry": "none"}
    sigma = SigmaMLPArchitecture(kind="sigma-mlp", n_inputs=int(rng.integers(1, 4)), input_transform="log",
                                 hidden=[int(h) for h in rng.integers(1, 40, rng.integers(1, 4))],
                                 latent=(int(rng.integers(1, 9)), 2, 2, 1),
                                 decoder_channels=[int(c) for c in rng.integers(1, 9, rng.integers(1, 4))],
                                 activation="gelu", dropout_kind="both", **base)
    unet = UNetArchitecture(kind="unet", channels=[int(c) for c in rng.integers(1, 9, rng.integers(2, 5))],
                            convs_per_level=int(rng.integers(1, 4)), bias=bool(seed % 2),
                            activation="identity" if seed % 3 == 0 else "gelu", pooling="avg",
                            dropout_kind="spatial", dropout_levels="bottleneck", input_normalization="max", **base)
    for arch in (sigma, unet):
        assert arch.parameter_count == sum(math.prod(s) for s in expected_shapes(arch).values())


def test_offgrid_family_is_off_the_training_grid_and_measured(tmp_path):
    """benchmarks/csr_offgrid.py's family (issue 23): random sizes, never a training-grid node; the
    exact wakes are cached, and the metrics are those of the seed (MAE / std, 2-sigma calibration)."""
    from zoo.surrogates.validation import offgrid_metrics, offgrid_spec

    g = zoo.load("csr-wake-gaussian")
    spec = offgrid_spec(g.card, 3)
    assert spec.sampling == "lhs" and spec.n == g.shape[0] and spec.ood_per_kind == 0
    r = offgrid_metrics(g, tmp_path, n=3, mc_samples=2)
    nodes = np.linspace(2e-6, 12e-6, 6)
    assert r["n"] == 3 and np.all(np.min(np.abs(r["sigma"][..., None] - nodes), axis=-1) > 1e-9)
    assert all(0 < v < 0.5 for v in r["mae_relative"].values())
    assert all(0 <= v <= 1 for v in r["calibration_2sigma"].values())
    again = offgrid_metrics(g, tmp_path, n=3, mc_samples=2)           # the wakes come from the cache
    assert again["dataset_sha256"] == r["dataset_sha256"] and len(list(tmp_path.glob("*.npz"))) == 1
