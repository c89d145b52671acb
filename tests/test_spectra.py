"""Spectra of particle populations (paper section 4.3): populations, reference, eq. 31-32, Monte Carlo, CLI."""
import json
import math

import numpy as np
import pytest
import torch
from scipy.integrate import dblquad, quad

import zoo
from zoo.cli import main
from zoo.processes.inverse_compton.spectra import (MCSpectrum, PowerLaw, SpectrumConfig, Tabulated, chi2,
                                                   fit_slope, monte_carlo_spectrum, parse_population,
                                                   reference_spectrum, segments)
from zoo.processes.inverse_compton.spectra.analytic import breaks, regime, slope_table
from zoo.processes.inverse_compton.spectra.montecarlo import cell_draws, combine, run_block
from zoo.processes.inverse_compton.spectra.reference import point_spectrum, total_rate_integral
from zoo.processes.inverse_compton.rates import total_rate
from zoo.processes.inverse_compton.isotropic import antiderivative, q_of_eps, eps_of_q, regime_b

torch.set_num_threads(1)


# -- populations -----------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [3.2, 1.0, 0.0, -0.5])
def test_powerlaw_normalisation(index):
    p = PowerLaw(index, 1e-6, 1e-3, total=2.5)
    val = quad(lambda t: float(p.density(math.exp(t))) * math.exp(t), math.log(1e-6), math.log(1e-3),
               epsrel=1e-12)[0]
    assert val == pytest.approx(2.5, rel=1e-10)
    assert p.density(0.5e-6) == 0.0 and p.density(2e-3) == 0.0
    assert p.density(1e-4) == pytest.approx(p.norm * 1e-4 ** -index)


def test_tabulated_reproduces_a_power_law_and_rescales():
    x = np.logspace(0, 9, 10)
    t = Tabulated(x, 7.0 * x ** -3.2)
    xs = np.logspace(0, 9, 57)
    np.testing.assert_allclose(t.density(xs), 7.0 * xs ** -3.2, rtol=1e-12)
    assert t.density(0.5) == 0.0 and t.density(2e9) == 0.0
    t1 = Tabulated(x, x ** -3.2, total=1.0)
    assert t1.total == pytest.approx(1.0, rel=1e-8)
    np.testing.assert_allclose(t1.density(xs), PowerLaw(3.2, 1.0, 1e9).density(xs), rtol=1e-6)
    with pytest.raises(ValueError):
        Tabulated([1.0, 0.5], [1.0, 1.0])
    with pytest.raises(ValueError):
        Tabulated([1.0, 2.0], [1.0, -1.0])


def test_parse_population(tmp_path):
    p = parse_population("powerlaw:alpha=3.2,gmin=1,gmax=1e9")
    assert p == PowerLaw(3.2, 1.0, 1e9)
    assert parse_population("powerlaw:beta=1.5,emin=1e-6,emax=1e-3,total=4") == PowerLaw(1.5, 1e-6, 1e-3, 4.0)
    f = tmp_path / "ne.txt"
    x = np.logspace(0, 3, 8)
    np.savetxt(f, np.column_stack([x, x ** -2.0]))
    t = parse_population(f"table:{f}")
    assert t.bounds == (1.0, 1e3) and t.density(10.0) == pytest.approx(1e-2)
    np.save(tmp_path / "ne.npy", np.stack([x, x ** -2.0]))
    assert parse_population(f"table:{tmp_path / 'ne.npy'},total=3").total == pytest.approx(3.0, rel=1e-8)
    for bad in ("powerlaw:alpha=3", "gauss:mu=1", "powerlaw:alpha=3,gmin=1,gmax=10,foo=2", "powerlaw"):
        with pytest.raises(ValueError):
            parse_population(bad)
    with pytest.raises(ValueError):
        PowerLaw(2.0, 10.0, 1.0)


# -- reference integral -----------------------------------------------------------------------------
EL, PH = PowerLaw(3.2, 1.0, 1e9), PowerLaw(1.5, 1e-6, 1e-3)


def spectrum_dblquad(eps, el, ph):
    """S(eps) by scipy's adaptive dblquad in (ln eps0, ln gamma), written from eq. 28 directly."""
    def integrand(tg, te):
        g, e0 = math.exp(tg), math.exp(te)
        b = 4 * g * e0
        if not (e0 <= eps <= g * b / (1 + b)):
            return 0.0
        q = eps / (b * (g - eps))
        f = 2 * q * math.log(q) + (1 + 2 * q) * (1 - q) + (b * q) ** 2 / (2 * (1 + b * q)) * (1 - q)
        return el.density(g) * g * ph.density(e0) * e0 * 0.75 * f / (g * g * e0)

    (g_lo, g_hi), (e_lo, e_hi) = el.bounds, ph.bounds
    te_hi = math.log(min(e_hi, eps))

    def g_start(te):  # kinematic threshold, so the inner integrand has no hard edge
        e0 = math.exp(te)
        return math.log(min(max(g_lo, 0.5 * (eps + math.sqrt(eps * eps + eps / e0))), g_hi))

    return dblquad(integrand, math.log(e_lo), te_hi, g_start, lambda te: math.log(g_hi),
                   epsabs=0, epsrel=1e-9)[0]


@pytest.mark.parametrize("eps", [3e-5, 0.1, 3e4, 1e7])
def test_point_spectrum_matches_scipy(eps):
    assert point_spectrum(eps, EL, PH)[0] == pytest.approx(spectrum_dblquad(eps, EL, PH), rel=2e-6)


def test_reference_integrates_to_the_total_rate():
    edges = np.logspace(-6, 9, 31)
    ref = reference_spectrum(EL, PH, edges)
    total = total_rate_integral(EL, PH)
    assert np.sum(ref * np.diff(edges)) == pytest.approx(total, rel=1e-5)
    # the total rate itself against scipy (double adaptive quadrature of R)
    val = dblquad(lambda te, tg: float(EL.density(math.exp(tg)) * math.exp(tg) * PH.density(math.exp(te))
                                       * math.exp(te) * total_rate(math.exp(tg), math.exp(te))),
                  0.0, math.log(1e9), math.log(1e-6), math.log(1e-3), epsrel=1e-9)[0]
    assert total == pytest.approx(val, rel=1e-8)
    # converged: more nodes change the bins by < 1e-5 (the last bin holds the kinematic end)
    edges = np.logspace(-6, 9, 11)
    coarse = reference_spectrum(EL, PH, edges)
    fine = reference_spectrum(EL, PH, edges, order=12, panels_gamma=18, panels_eps0=9, order_eps=8)
    np.testing.assert_allclose(coarse[:-1], fine[:-1], rtol=1e-5)


def test_reference_slopes_follow_the_thomson_segments():
    """Direct integration against eq. 32 in a wide Thomson segment (only the integral, no sampling)."""
    el, ph = PowerLaw(3.2, 1.0, 1e7), PowerLaw(2.5, 1e-12, 1e-3)
    edges = np.logspace(-8, 6, 57)
    ref = reference_spectrum(el, ph, edges)
    centres = np.sqrt(edges[:-1] * edges[1:])
    segs = segments(3.2, 2.5, 1.0, 1e7, 1e-12, 1e-3)
    assert [s.formula for s in segs[:2]] == ["-(alpha+1)/2", "-beta"]
    s1, _, _ = fit_slope(centres, ref, None, 1e-6, 1e0)
    assert s1 == pytest.approx(-2.1, abs=0.02)
    s2, _, _ = fit_slope(centres, ref, None, 1e3, 1e4)
    assert s2 == pytest.approx(-2.5, abs=0.03)


@pytest.mark.parametrize("alpha,e_lo,e_hi,window,expected", [
    (3.2, 1e-12, 1e-8, (1e-4, 1e4), -2.1),   # eq. 31 -(alpha+1)/2, 16 decades wide
    (4.0, 1e-12, 1e-8, (1e-4, 1e4), -2.5),
    (3.2, 1e-12, 1e-3, (1e-9, 1e-6), -1.5),  # eq. 31 -beta, 9 decades wide
])
def test_reference_reaches_eq31_in_wide_thomson_segments(alpha, e_lo, e_hi, window, expected):
    el, ph = PowerLaw(alpha, 1.0, 1e9), PowerLaw(1.5, e_lo, e_hi)
    seg = next(sg for sg in segments(alpha, 1.5, 1.0, 1e9, e_lo, e_hi) if sg.slope == expected)
    assert seg.lo <= window[0] / 10 and window[1] * 10 <= seg.hi
    x = np.geomspace(*window, 9)
    slope = np.polyfit(np.log(x), np.log(point_spectrum(x, el, ph)), 1)[0]
    assert slope == pytest.approx(expected, abs=0.01)


# -- eq. 31-32 --------------------------------------------------------------------------------------
def test_regime_logic_of_eq31():
    segs = segments(3.2, 1.5, 1.0, 1e9, 1e-6, 1e-3)
    assert regime(3.2, 1.5) == "eq. 31" and regime(4.0, 1.5) == "eq. 31"
    assert [s.formula for s in segs] == ["-beta", "-(alpha+1)/2", "-(alpha+1)+beta", "-(alpha+1)"]
    np.testing.assert_allclose([s.slope for s in segs], [-1.5, -2.1, -2.7, -4.2])
    np.testing.assert_allclose(breaks(segs), [1e-3, 1e3, 1e6])
    assert [s.regime for s in segs] == ["Thomson", "Thomson", "Klein-Nishina", "Klein-Nishina"]
    assert segs[0].lo == 1e-6 and segs[-1].hi == pytest.approx(1e9, rel=1e-6)
    # gamma_min = 100: gamma_min^2 eps0_max = 10 > ... segments stay ordered and contiguous
    segs = segments(3.2, 1.5, 100.0, 1e9, 1e-6, 1e-3)
    assert all(a.hi == b.lo for a, b in zip(segs[:-1], segs[1:]))


def test_regime_logic_of_eq32():
    assert regime(3.2, 2.5) == "eq. 32"
    segs = segments(3.2, 2.5, 1.0, 1e7, 1e-9, 1e-3)
    # gamma_max < 1/eps0_min: the -(alpha+1) segment is absent
    assert [s.formula for s in segs] == ["-(alpha+1)/2", "-beta"]
    np.testing.assert_allclose(breaks(segs), [1e5])
    np.testing.assert_allclose([s.slope for s in segs], [-2.1, -2.5])
    # gamma_max > 1/eps0_min: the -beta segment is absent, the break sits at 1/eps0_min
    segs = segments(3.2, 2.5, 1.0, 1e9, 1e-6, 1e-3)
    assert [s.formula for s in segs] == ["-(alpha+1)/2", "-(alpha+1)"]
    np.testing.assert_allclose(breaks(segs), [1e6])


def test_fit_window_and_fit_slope():
    seg = segments(3.2, 1.5, 1.0, 1e9, 1e-6, 1e-3)[1]          # 1e-3 .. 1e3
    assert seg.fit_window() == pytest.approx((1e-2, 1e2))
    narrow = segments(3.2, 2.5, 1.0, 1e7, 1e-9, 1e-3)[1]       # 1e5 .. 1e7: keep the central decade
    lo, hi = narrow.fit_window()
    assert lo == pytest.approx(10**5.5, rel=1e-4) and hi == pytest.approx(10**6.5, rel=1e-4)
    x = np.logspace(0, 4, 17)
    rng = np.random.default_rng(1)
    y = 3.0 * x ** -2.3 * (1 + 0.01 * rng.standard_normal(x.size))
    s, e, n = fit_slope(x, y, 0.01 * y, 1.0, 1e4)
    assert n == 17 and abs(s + 2.3) < 4 * e and e < 0.01
    assert math.isnan(fit_slope(x, y, None, 1.0, 1.5)[0])


# -- Monte Carlo ------------------------------------------------------------------------------------
class ExactSampler:
    """Stand-in for a zoo Sampler: the exact inverse CDF by bisection in ln q (independent of any network)."""

    def ppf(self, u, *, gamma, eps0, device=None, dtype=None, allow_extrapolation=False):
        u, g, e0 = (np.asarray(a, dtype=np.float64) for a in (u, gamma, eps0))
        b = regime_b(g, e0)
        lq_lo = np.log(q_of_eps(e0, g, e0))
        h_min, h_1 = antiderivative(np.exp(lq_lo), b), antiderivative(1.0, b)
        lo, hi = lq_lo.copy(), np.zeros_like(lq_lo)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = (antiderivative(np.exp(mid), b) - h_min) / (h_1 - h_min) < u
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return torch.from_numpy(eps_of_q(np.exp(0.5 * (lo + hi)), g, e0))


def small_config(**kw):
    base = dict(electrons=PowerLaw(3.2, 1.0, 1e9), photons=PowerLaw(1.5, 1e-6, 1e-3), n_gamma=12, n_eps0=6,
                n_per_cell=60, bins_per_decade=2, block_cells=20)
    base.update(kw)
    return SpectrumConfig(**base)


def test_mc_with_the_exact_inverse_cdf_agrees_with_direct_integration():
    cfg = small_config()
    mc = monte_carlo_spectrum(ExactSampler(), cfg)
    ref = reference_spectrum(cfg.electrons, cfg.photons, mc.edges)
    c2, dof, mask = chi2(mc, ref)
    assert dof >= 25
    assert c2 / dof < 1.0 + 4 * math.sqrt(2.0 / dof)   # honest errors: chi2/dof ~ 1
    total = total_rate_integral(cfg.electrons, cfg.photons)
    assert abs(mc.total_rate - total) < 4 * mc.total_rate_error and mc.total_rate_error < 0.1 * total
    # a 20% error in the rates would be seen
    c2_bad, _, _ = chi2(mc, 1.2 * ref)
    assert c2_bad / dof > 3.0


def test_pulls_are_unit_normal_over_seeds():
    """The per-bin errors are the spread of the estimator: pulls over 12 seeds have mean ~ 0, variance ~ 1.

    (With few samples per bin the weighted sums are skewed, so the pulls are only roughly normal: 40 seeds
    of this configuration gave mean -0.10, variance 1.04.)"""
    pulls = []
    ref = None
    for seed in range(12):
        cfg = small_config(seed=seed, electrons=PowerLaw(3.2, 1.0, 1e5), n_gamma=20, n_eps0=3, n_per_cell=40,
                           bins_per_decade=1)
        mc = monte_carlo_spectrum(ExactSampler(), cfg)
        ref = reference_spectrum(cfg.electrons, cfg.photons, mc.edges) if ref is None else ref
        sel = mc.n_eff >= 25
        pulls.append((mc.value[sel] - ref[sel]) / mc.error[sel])
    p = np.concatenate(pulls)
    assert p.size > 100
    assert abs(p.mean()) < 0.3
    assert 0.6 < p.var() < 1.6


def test_mc_is_deterministic_and_layout_independent():
    s = zoo.load("ic-isotropic")
    cfg = small_config()
    a = monte_carlo_spectrum(s, cfg)
    b = combine(cfg, [run_block(s, cfg, k) for k in reversed(range(cfg.n_blocks))])
    for name in ("value", "error", "counts", "n_eff"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.total_rate == b.total_rate
    c = monte_carlo_spectrum(s, small_config(seed=1))
    assert not np.array_equal(a.value, c.value)
    # the random stream is keyed by (seed, cell) only
    np.testing.assert_array_equal(cell_draws(0, 17, 5), cell_draws(0, 17, 5))
    assert not np.array_equal(cell_draws(0, 17, 5), cell_draws(0, 18, 5))
    with pytest.raises(ValueError):
        combine(cfg, [run_block(s, cfg, 0)])


def test_fixed_grid_mode_uses_cell_centres():
    cfg = small_config(jitter=False, n_per_cell=20)
    s = ExactSampler()
    mc = monte_carlo_spectrum(s, cfg)
    lg = np.log(np.logspace(0, 9, 13))
    le = np.log(np.logspace(-6, -3, 7))
    g = np.exp(0.5 * (lg[:-1] + lg[1:]))[:, None]
    e = np.exp(0.5 * (le[:-1] + le[1:]))[None, :]
    midpoint = np.sum(cfg.electrons.density(g) * g * np.diff(lg)[:, None] * cfg.photons.density(e) * e
                      * np.diff(le)[None, :] * total_rate(g, e))
    assert mc.total_rate == pytest.approx(midpoint, rel=1e-12)


def test_slope_table_reports_mc_and_reference():
    cfg = small_config()
    mc = monte_carlo_spectrum(ExactSampler(), cfg)
    ref = reference_spectrum(cfg.electrons, cfg.photons, mc.edges)
    rows = slope_table(mc, ref, 3.2, 1.5, 1.0, 1e9, 1e-6, 1e-3)
    assert [r["segment"] for r in rows] == ["-beta", "-(alpha+1)/2", "-(alpha+1)+beta", "-(alpha+1)"]
    mid = rows[1]
    assert mid["analytic"] == -2.1 and mid["bins"] >= 6
    assert abs(mid["mc"] - mid["reference"]) < 5 * mid["mc_err"] + 0.01
    assert mid["mc_minus_analytic"] == pytest.approx(mid["mc"] + 2.1)


def test_mcspectrum_save_roundtrip(tmp_path):
    mc = MCSpectrum(np.array([1.0, 10.0, 100.0]), np.array([1.0, 2.0]), np.array([0.1, 0.2]),
                    np.array([5, 6]), np.array([4.0, 5.0]), 3.0, {"seed": 0}, total_rate_error=0.5)
    mc.save(tmp_path / "x.npz", reference=np.array([1.0, 2.0]))
    z = np.load(tmp_path / "x.npz")
    np.testing.assert_array_equal(z["value"], mc.value)
    np.testing.assert_array_equal(z["reference"], [1.0, 2.0])
    assert float(z["total_rate_error"]) == 0.5


# -- CLI ----------------------------------------------------------------------------------------------
def test_cli_spectrum_writes_npz_and_plot(tmp_path, capsys):
    out, png = tmp_path / "s.npz", tmp_path / "s.png"
    argv = ["spectrum", "ic-isotropic", "--electrons", "powerlaw:alpha=3.2,gmin=1,gmax=1e9",
            "--photons", "powerlaw:beta=1.5,emin=1e-6,emax=1e-3", "--samples", "2e4", "--n-gamma", "20",
            "--n-eps0", "10", "--bins-per-decade", "2", "--out", str(out), "--plot", str(png)]
    assert main(argv) == 0
    cap = capsys.readouterr()
    assert "chi2/dof" in cap.out and "eq. 31" in cap.out and "blocks 1/1" in cap.err
    z = np.load(out)
    assert z["value"].shape == z["reference"].shape == (z["edges"].size - 1,)
    assert int(z["dof"]) > 10 and float(z["chi2"]) / int(z["dof"]) < 3.0
    assert len(json.loads(str(z["slopes"]))) == 4
    assert png.stat().st_size > 20_000


def test_cli_spectrum_rejects_populations_outside_the_trained_domain(capsys):
    argv = ["spectrum", "ic-isotropic", "--electrons", "powerlaw:alpha=3.2,gmin=1,gmax=1e12",
            "--photons", "powerlaw:beta=1.5,emin=1e-6,emax=1e-3", "--samples", "1e3", "--quiet"]
    assert main(argv) == 2
    assert "gamma" in capsys.readouterr().err


def test_cli_spectrum_with_tabulated_populations(tmp_path, capsys):
    """Tables go through the same Monte Carlo and reference; no eq. 31-32 table for them."""
    g = np.logspace(0, 6, 13)
    np.savetxt(tmp_path / "ne.txt", np.column_stack([g, g ** -3.0 * np.exp(-g / 1e5)]))
    e = np.logspace(-6, -3, 7)
    np.save(tmp_path / "nph.npy", np.stack([e, e ** -2.0]))
    out = tmp_path / "t.npz"
    argv = ["spectrum", "ic-isotropic", "--electrons", f"table:{tmp_path / 'ne.txt'},total=1",
            "--photons", f"table:{tmp_path / 'nph.npy'}", "--per-cell", "100", "--n-gamma", "12", "--n-eps0", "6",
            "--bins-per-decade", "2", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "chi2/dof" in text and "regime" not in text
    z = np.load(out)
    assert int(z["dof"]) >= 8 and float(z["chi2"]) / int(z["dof"]) < 3.0
