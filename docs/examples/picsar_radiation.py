"""Electrons radiating in a strong constant field through PICSAR-QED's own engine: radzoo's views
(`zoo export quantum-synchrotron --lang picsar`) vs PICSAR-QED's default tables, both against the exact
expectation (issue 26, item 4a).

    python docs/examples/picsar_radiation.py [--electrons 300000] [--plot docs/img/picsar_radiation.png]

Setup (docs/examples/picsar_radiation.cpp; PICSAR-QED's unmodified headers, Heaviside-Lorentz units):
- electrons with Lorentz factors 10^(3 + (i + 1/2)/N), i < N, so log-uniform in [1e3, 1e4];
- each moves perpendicular to a constant magnetic field B = 1e-4 of the Schwinger field, so chi = gamma B
  lies in [0.1, 1];
- each runs `evolve_optical_depth` for T / dt steps. When its optical depth runs out,
  `generate_photon_update_momentum` draws the photon, and the electron's momentum is then restored: test
  particles at fixed gamma and chi. A new optical depth is added to what is left of the old one (the
  overshoot below zero within the step), so the count is exact for any dt; resetting it, as a PIC code
  does, would lose half a step of depth per emission.

The same program runs twice, once with radzoo's views and once with PICSAR-QED's own
`generate()`d default tables: 256 chi points for dN/dt, and 256 x 256 for the photon emission with
frac_min = 1e-12. Generating the tables needs Boost (`apt-get install libboost-dev`) and a few CPU
minutes; they are cached in --tables. Against the exact expectation it checks:
- **the number of emissions and the mean energy loss per unit time**: N T <(2/3) alpha m c^2 G(chi)/gamma>
  and the same weighted by <xi>(chi) (gamma - 1) m c^2, with G from the exact quadrature and <xi> from the
  exact spectrum, both averaged over gamma by Gauss-Legendre quadrature; the statistical sd comes from the
  run itself (compound Poisson: sqrt(sum E^2));
- **the emitted spectrum**: the exact CDF of each photon at its electron's chi (its PIT) should be
  uniform. Its KS (on 10^6 draws), and the tail fractions P(PIT < 1e-4) and P(PIT > 1 - 1e-4) (on all,
  through the exact quantiles at those levels), are compared with their binomial sd; the photon-energy
  histogram is compared with the exact expected counts.

The PICSAR-QED headers come from ../shared/third_party/picsar_qed/include beside the checkout, or from
RADZOO_PICSAR_INCLUDE.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy import integrate

import zoo
from zoo.export import export
from zoo.processes import qed_rates

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
B_FIELD = 1e-4
G_LO, G_HI = 1e3, 1e4


def picsar_include() -> Path:
    cands = [Path(os.environ["RADZOO_PICSAR_INCLUDE"])] if os.environ.get("RADZOO_PICSAR_INCLUDE") else []
    cands += [REPO.parent / "shared" / "third_party" / "picsar_qed" / "include"]
    for c in cands:
        if (c / "picsar_qed").is_dir():
            return c
    raise SystemExit("PICSAR-QED headers not found: set RADZOO_PICSAR_INCLUDE to its include/ folder")


def build(folder: Path) -> Path:
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        raise SystemExit("needs a C++17 compiler (g++)")
    export("quantum-synchrotron", "picsar", folder)
    exe = folder / "picsar_radiation"
    boost = Path("/usr/include/boost/math").is_dir()
    subprocess.run([cxx, "-std=c++17", "-O3", "-march=native", *(["-DWITH_TABLE_GEN"] if boost else []),
                    "-I", str(picsar_include()), "-I", str(folder), str(HERE / "picsar_radiation.cpp"), "-o", str(exe)],
                   check=True)
    return exe


def tables(exe: Path, where: Path) -> Path:
    if not ((where / "qs_dndt.bin").exists() and (where / "qs_emission.bin").exists()):
        where.mkdir(parents=True, exist_ok=True)
        print(f"generating PICSAR-QED's default tables into {where} (a few CPU minutes, once)", flush=True)
        r = subprocess.run([str(exe), "gen", str(where)], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"table generation failed (needs Boost: apt-get install libboost-dev): {r.stderr}")
    return where


def run(exe: Path, which: str, n: int, t_end: float, dt: float, seed: int):
    r = subprocess.run([str(exe), "run", which, str(n), repr(t_end), repr(dt), str(seed), repr(B_FIELD)],
                       capture_output=True, check=True)
    count, electron_time, mc2, alpha = r.stderr.decode().split()
    rows = np.frombuffer(r.stdout, dtype=np.float64).reshape(-1, 3)
    assert len(rows) == int(count)
    return rows, float(electron_time), float(mc2), float(alpha)


def exact_expectation(mc2: float, alpha: float, n_nodes: int = 48):
    """Per unit electron-time, averaged over log-uniform gamma: (emissions, energy loss [HL energy]),
    and the quadrature nodes (gamma, weight, rate) for the spectrum."""
    s = zoo.load("quantum-synchrotron")
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    lg = 3.0 + 0.5 * (x + 1.0)                       # log10 gamma in [3, 4]
    gamma, weight = 10.0 ** lg, 0.5 * w              # uniform in log10 gamma: density 1 on [3, 4]
    chi = gamma * B_FIELD * np.sqrt(1.0 - 1.0 / gamma**2)   # chi_ele_pos uses the momentum: gamma beta B
    rate = 2.0 / 3.0 * alpha * mc2 * qed_rates.rate_G(chi) / gamma
    mean_xi = np.array([integrate.quad(lambda v, c=c: float(s.target.component_sf(0, np.array([v]), None,
                                                                                    {"chi": np.float64(c)})[0]),
                                       0.0, 1.0, points=[1e-6, 1e-3, 0.1], epsabs=0, epsrel=1e-10, limit=400)[0]
                        for c in chi])
    emissions = float(np.sum(weight * rate))
    energy = float(np.sum(weight * rate * mean_xi * (gamma - 1.0) * mc2))
    return emissions, energy, (gamma, chi, weight, rate)


def tail_quantiles(chi_lo: float, chi_hi: float, n: int = 65):
    """xi at the exact levels 1e-4 and 1 - 1e-4 as functions of chi (exact quantiles on a log-chi grid,
    cubic in log-log between them: smooth, far finer than the tail fractions' noise)."""
    from scipy.interpolate import CubicSpline

    s = zoo.load("quantum-synchrotron")
    grid = np.geomspace(chi_lo, chi_hi, n)
    out = []
    for u in (1e-4, 1.0 - 1e-4):
        x = np.array([float(s.ppf(u, chi=c, exact=True)) for c in grid])
        out.append(CubicSpline(np.log(grid), np.log(x) if u < 0.5 else np.log1p(-x)))
    lo, hi = out
    return lambda c: np.exp(lo(np.log(c))), lambda c: -np.expm1(hi(np.log(c)))


def report(name, rows, electron_time, want_n, want_e, mc2, target, quantiles, subsample=1_000_000):
    gamma, chi, xi = rows.T
    e_ph = xi * (gamma - 1.0) * mc2
    n_rate, e_rate = len(rows) / electron_time, e_ph.sum() / electron_time
    e_sd = np.sqrt((e_ph**2).sum()) / electron_time
    m = len(rows)
    pick = np.random.default_rng(0).choice(m, size=min(m, subsample), replace=False)
    pit = np.sort(target.component_cdf(0, xi[pick], None, {"chi": chi[pick]}))
    ks = float(np.max(np.abs(pit - (np.arange(1, len(pit) + 1) - 0.5) / len(pit))))
    q_lo, q_hi = quantiles
    lo, hi = np.mean(xi < q_lo(chi)), np.mean(xi > q_hi(chi))
    sd_t = np.sqrt(1e-4 / m)
    print(f"{name:8s} {m} emissions; rate / exact - 1 = {n_rate / want_n - 1:+.1e} (sd {1 / np.sqrt(m):.1e}); "
          f"energy loss / exact - 1 = {e_rate / want_e - 1:+.1e} (sd {e_sd / e_rate:.1e})")
    print(f"         spectrum: KS of the exact CDF at {len(pit)} draws {ks:.1e} "
          f"(noise ~{0.87 / np.sqrt(len(pit)):.1e}); tails "
          f"P(PIT < 1e-4) = {lo:.2e}, P(PIT > 1 - 1e-4) = {hi:.2e} (exact 1e-4 +- {sd_t:.0e}); xi = 0 (below the "
          f"table): {int(np.sum(xi <= 0))}")
    return e_ph


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--electrons", type=int, default=300_000)
    ap.add_argument("--steps", type=int, default=100, help="time steps per electron (default 100)")
    ap.add_argument("--depth-per-step", type=float, default=0.2,
                    help="largest optical depth one step spends (default 0.2; the leftover depth is carried over, "
                         "so the count is exact for any step)")
    ap.add_argument("--tables", default=str(Path.home() / ".cache" / "radzoo" / "picsar_qed_tables"),
                    help="where PICSAR-QED's generated default tables are cached")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--plot", default=None)
    args = ap.parse_args(argv)
    target = zoo.load("quantum-synchrotron").target
    with tempfile.TemporaryDirectory() as tmp:
        exe = build(Path(tmp))
        table_dir = tables(exe, Path(args.tables))
        _, _, mc2, alpha = run(exe, "radzoo", 1, 1.0, 1.0, 0)   # PICSAR-QED's heaviside-lorentz m c^2 and alpha
        want_n, want_e, (g_nodes, chi_nodes, w_nodes, r_nodes) = exact_expectation(mc2, alpha)
        dt = args.depth_per_step / float(r_nodes.max())         # the optical depth one step spends at most
        t_end = dt * args.steps
        quantiles = tail_quantiles(float(chi_nodes.min()) * 0.99, float(chi_nodes.max()) * 1.01)
        out = {}
        for name, which in (("radzoo", "radzoo"), ("PICSAR", str(table_dir))):
            rows, et, _, _ = run(exe, which, args.electrons, t_end, dt, args.seed)
            out[name] = report(name, rows, et, want_n, want_e, mc2, target, quantiles)
            out[name + "_et"] = et
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        edges = np.logspace(-8, 4, 61)
        et = out["radzoo_et"]
        want = np.zeros(len(edges) - 1)
        for g, c, w, r in zip(g_nodes, chi_nodes, w_nodes, r_nodes):
            xi_edges = np.clip(edges / (g - 1.0), 0.0, 1.0)        # edges in m c^2
            cdf = target.component_cdf(0, xi_edges, None, {"chi": np.float64(c)})
            want += w * r * np.diff(cdf) * et
        mid = np.sqrt(edges[1:] * edges[:-1])
        fig, (a0, a1) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
        a0.plot(mid, want / np.diff(edges) * mid, "k-", label="exact (G and the spectrum by quadrature)")
        for name, style in (("radzoo", "C0o"), ("PICSAR", "C3s")):
            h = np.histogram(out[name] / mc2, edges)[0].astype(float)
            h_scaled = h * et / out[name + "_et"]
            a0.plot(mid, h_scaled / np.diff(edges) * mid, style, ms=3, mfc="none",
                    label=f"{name} through PICSAR-QED's engine")
            ok = want > 0
            a1.errorbar(mid[ok] * (1.05 if name == "PICSAR" else 1.0), h_scaled[ok] / want[ok] - 1,
                        np.sqrt(np.maximum(h[ok], 1.0)) / want[ok] * et / out[name + "_et"], fmt=style[:3], ms=3,
                        label=name)
        a0.set_xscale("log"), a0.set_yscale("log"), a0.set_ylabel("E dN/dE (photons per bin width)")
        a0.legend(fontsize=8)
        a0.set_title(f"electrons gamma 1e3-1e4 in B = {B_FIELD:g} B_S (chi 0.1-1), {args.electrons} electrons",
                     fontsize=9)
        a1.axhline(0, color="k", lw=0.8)
        a1.set_ylim(-0.5, 0.5), a1.set_xlabel("photon energy [m_e c^2]"), a1.set_ylabel("/ exact - 1")
        a1.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
