"""Reproduce Fig. 5 of the seed paper (section 4.3): IC spectra of power-law populations.

    OMP_NUM_THREADS=1 python benchmarks/fig5_spectra.py            # current ic-isotropic weights
    python benchmarks/fig5_spectra.py --model registry/ic-isotropic --out-dir docs/img

Three configurations, each 100 x 100 (gamma, eps0) cells x 100 samples = 1e6 samples,
as in the paper, 8 bins per decade, seeds 0, 1, 2 for A, B, C (``--seed`` + 0, 1, 2: independent streams):

  A  alpha = 3.2, beta = 1.5, gamma 1..1e9, eps0 1e-6..1e-3   (eq. 31, Fig. 5 left)
  B  alpha = 4.0, beta = 1.5, gamma 1..1e9, eps0 1e-6..1e-3   (eq. 31, Fig. 5 left)
  C  alpha = 3.2, beta = 2.5, gamma 1..1e7, eps0 1e-9..1e-3   (eq. 32, alpha < 2 beta - 1, Fig. 5 right;
                                                               the caption's beta = 1.5 would be eq. 31)

Prints chi^2/dof of each MC spectrum against the direct integration of eq. 28, and
the slope fitted in each segment of eq. 31-32 (a decade inside the breaks where the
segment allows) beside the analytic one, and writes docs/img/fig5_spectra.png and
docs/img/fig5_table.md. About 15 s on one CPU core (torch.set_num_threads(1)); with
``--per-cell 1000`` (1e7 samples per configuration) about 2 minutes.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

import zoo
from zoo.processes.inverse_compton.spectra.cli import progress_line
from zoo.processes.inverse_compton.spectra.montecarlo import SpectrumConfig, monte_carlo_spectrum
from zoo.processes.inverse_compton.spectra.plot import plot_panels
from zoo.processes.inverse_compton.spectra.populations import PowerLaw
from zoo.processes.inverse_compton.spectra.report import analyse, format_slopes, powerlaw_args

CONFIGS = {
    "A": dict(alpha=3.2, beta=1.5, g=(1.0, 1e9), e=(1e-6, 1e-3)),
    "B": dict(alpha=4.0, beta=1.5, g=(1.0, 1e9), e=(1e-6, 1e-3)),
    "C": dict(alpha=3.2, beta=2.5, g=(1.0, 1e7), e=(1e-9, 1e-3)),
}


def describe(name: str) -> str:
    c = CONFIGS[name]
    return (f"{name}: alpha={c['alpha']:g}, beta={c['beta']:g}, gamma {c['g'][0]:g}..{c['g'][1]:g}, "
            f"eps0 {c['e'][0]:g}..{c['e'][1]:g}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="ic-isotropic", help="model name or folder (default ic-isotropic)")
    ap.add_argument("--n-gamma", type=int, default=100)
    ap.add_argument("--n-eps0", type=int, default=100)
    ap.add_argument("--per-cell", type=int, default=100)
    ap.add_argument("--bins-per-decade", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--configs", default="ABC", help="which configurations (default ABC)")
    ap.add_argument("--out-dir", default="docs/img", help="where the PNG and the markdown table go")
    ap.add_argument("--json", default=None, help="also write the numbers as JSON here")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    sampler = zoo.load(args.model)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results, runs, md = {}, {}, []
    for k, name in enumerate(args.configs):
        c = CONFIGS[name]
        cfg = SpectrumConfig(PowerLaw(c["alpha"], *c["g"]), PowerLaw(c["beta"], *c["e"]), n_gamma=args.n_gamma,
                             n_eps0=args.n_eps0, n_per_cell=args.per_cell, bins_per_decade=args.bins_per_decade,
                             seed=args.seed + "ABC".index(name))
        t0 = time.perf_counter()
        mc = monte_carlo_spectrum(sampler, cfg, device=args.device, progress=progress_line)
        t1 = time.perf_counter()
        res = analyse(mc, cfg)
        t2 = time.perf_counter()
        red = res["chi2"] / max(res["dof"], 1)
        head = (f"### {describe(name)} ({res['regime']}), seed {cfg.seed}\n\n"
                f"chi2/dof = {res['chi2']:.1f}/{res['dof']} = {red:.3f} "
                f"({cfg.n_samples:.0e} samples; MC {t1 - t0:.1f} s, reference {t2 - t1:.1f} s)\n")
        md.append(head + "\n" + format_slopes(res["slopes"]) + "\n")
        print(md[-1], flush=True)
        results[name] = {"config": describe(name), "regime": res["regime"], "chi2": res["chi2"], "dof": res["dof"],
                         "chi2_per_dof": red, "mc_s": t1 - t0, "reference_s": t2 - t1,
                         "total_rate_mc": res["total_rate_mc"], "total_rate_integral": res["total_rate_integral"],
                         "slopes": res["slopes"]}
        runs[name] = {"mc": mc, "ref": res["reference"], "color": f"C{k}", "powerlaw": powerlaw_args(cfg),
                      "label": f"{name}: α={c['alpha']:g}, β={c['beta']:g} (χ²/dof {red:.2f})"}
    panels = []
    left = [runs[n] for n in "AB" if n in runs]
    if left:
        panels.append(("β = 1.5, γ 1..1e9, ε0 1e-6..1e-3 (eq. 31)", left))
    if "C" in runs:
        panels.append(("α = 3.2, β = 2.5, γ 1..1e7, ε0 1e-9..1e-3 (eq. 32)", [runs["C"]]))
    png = out_dir / "fig5_spectra.png"
    plot_panels(panels, png, suptitle=f"{sampler.card.name} v{sampler.card.version} (sha256 "
                                      f"{sampler.card.weights.sha256[:12]}), {args.n_gamma}x{args.n_eps0} cells x "
                                      f"{args.per_cell} samples, seeds {args.seed}+(0, 1, 2) for A, B, C")
    total = time.perf_counter() - t_start
    md_path = out_dir / "fig5_table.md"
    md_path.write_text(f"Model {sampler.card.name} v{sampler.card.version}, weights sha256 "
                       f"{sampler.card.weights.sha256[:12]}; `python benchmarks/fig5_spectra.py`, "
                       f"total {total:.0f} s\n\n"
                       + "\n".join(md))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=lambda x: None if math.isnan(x) else x))
    print(f"wrote {png} and {md_path}; total {total:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
