"""The CSR-wake surrogates on Gaussian bunches off their training grid (issue 23).

    OMP_NUM_THREADS=1 python benchmarks/csr_offgrid.py [--n 100] [--mc-samples 20] [--folder checkpoints/data]
    OMP_NUM_THREADS=1 python benchmarks/csr_offgrid.py --model csr-wake-gaussian --model /tmp/run  # these only

A card trained on the 6x6x6 sigma grid (csr-wake-density) holds out nodes of that grid; one trained
on latin-hypercube sizes (csr-wake-gaussian since issue 27) holds out random sizes. Here each
surrogate (every bundled one, or each ``--model``) meets ``n`` Gaussian bunches with random sizes
(latin hypercube over 2-12 um, seed 23, another set than any training set's;
``zoo.surrogates.validation.offgrid_spec``) on its own grid and physics, whose exact wakes the
package's CSR code computes (a few seconds at 32^3, cached in ``--folder``). Prints, per model:
relative MAE / std (the seed's metric) and 2-sigma calibration of the Monte Carlo dropout spread,
mean over the bunches, beside the card's figures; the same over the short bunches (sigma_s below
``--short-um``); then the worst bunches.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import zoo  # noqa: E402
from zoo.surrogates.validation import offgrid_metrics  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="off-grid bunches (default 100)")
    ap.add_argument("--mc-samples", type=int, default=20)
    ap.add_argument("--folder", default=str(ROOT / "checkpoints" / "data"), help="cache of the exact wakes")
    ap.add_argument("--worst", type=int, default=5, help="worst bunches listed per model")
    ap.add_argument("--model", action="append", default=None,
                    help="a surrogate's name or folder (repeatable; default every bundled surrogate)")
    ap.add_argument("--short-um", type=float, default=3.0,
                    help="also report the bunches with sigma_s below this [um] (the short bunches; default 3)")
    args = ap.parse_args(argv)
    Path(args.folder).mkdir(parents=True, exist_ok=True)
    print("| model | off-grid MAE / std (Ws / Wx / Wy) | card (held-out) | off-grid 2-sigma calibration | card |")
    print("|---|---|---|---|---|")
    details = []
    for name in args.model or zoo.list(kind="surrogate"):
        m = zoo.load(name)
        print(f"[csr_offgrid] {name}: {args.n} bunches ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        r = offgrid_metrics(m, args.folder, n=args.n, mc_samples=args.mc_samples)
        c = m.card.metrics
        fmt = lambda d: " / ".join(f"{v:.2%}" for v in d.values())          # noqa: E731
        fmt2 = lambda d: " / ".join(f"{v:.2f}" for v in d.values())         # noqa: E731
        print(f"| {name} | {fmt(r['mae_relative'])} | {fmt(c.test_mae_relative.model_dump())} | "
              f"{fmt2(r['calibration_2sigma'])} | {fmt2(c.calibration_2sigma.model_dump())} |")
        order = np.argsort(-r["mae"].mean(1))[:args.worst]
        details.append((name, r, order, time.perf_counter() - t0))
    for name, r, order, sec in details:
        short = r["sigma"][:, 0] < args.short_um * 1e-6
        if short.any():
            print(f"\n{name}: {int(short.sum())} short bunches (sigma_s < {args.short_um:g} um): MAE / std "
                  + " / ".join(f"{v:.2%}" for v in r["mae"][short].mean(0)) + "; 2-sigma calibration "
                  + " / ".join(f"{v:.2f}" for v in r["calibration"][short].mean(0)))
        print(f"\n{name}: worst {len(order)} of {r['n']} (sigma_s, sigma_x, sigma_y [um]: MAE/std mean of Ws, Wx, Wy; "
              f"calibration mean) -- {sec:.0f} s, wakes sha256 {r['dataset_sha256'][:12]}")
        for i in order:
            s = r["sigma"][i] * 1e6
            print(f"  {s[0]:5.2f} {s[1]:5.2f} {s[2]:5.2f}: {r['mae'][i].mean():.2%}  {r['calibration'][i].mean():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
