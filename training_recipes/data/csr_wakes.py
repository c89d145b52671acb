"""Training set of the CSR-wake surrogates: wakes of Gaussian bunches on one fixed grid (issue 14).

    python training_recipes/data/csr_wakes.py                      # 216 bunches on 64^3, checkpoints/data/
    python training_recipes/data/csr_wakes.py --n 16 --per-axis 2 --out /tmp/smoke.npz

sigma_s, sigma_x, sigma_y in [2, 12] um: the seed paper's 216 bunches as a 6 x 6 x 6 grid of
values (default; ``--sampling lhs --n-samples N`` draws a seeded Latin hypercube instead), a
seeded 85/15 train/test split, and 4 out-of-distribution densities of each kind (two bunches,
skewed, tilted, offset in y) for the density model. Every bunch lies on ONE grid of n^3 points over
+-48 um (4 sigma of the largest bunch; spacing 1.52 um = 0.76 sigma of the smallest at n = 64), so
the Green-function kernels are computed once (zoo.processes.csr_wake.csr_kernels).

Measured single-threaded (OMP_NUM_THREADS=1) on the shared 2-core machine (load ~5):

    n     kernels   per wake   216 + 16 wakes   file
    32    1.0 s     0.02 s     6 s (measured)   93 MB
    48    2.4 s     0.07 s     ~20 s            ~310 MB
    64    4.8 s     0.20 s     ~50 s            ~750 MB      <- default
    128   45 s      2.4 s      ~10 min          ~5.8 GB      (docs/csr.md; the seed's grid)

The grid size is set by what training can afford, not by the wakes: 64^3 keeps the set in memory
(~1.5 GB while training) and the sigma-NN trainable on one CPU core in about an hour (the U-Net needs
hours there; see the recipes' measured step times; GPU times not yet measured).
Output: an .npz (see zoo.surrogate_data) whose content sha256 goes on the cards; an existing file
with the same spec and an intact hash is reused.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from zoo.surrogate_data import DatasetSpec, generate  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate the CSR wake training set (Gaussian bunches on one grid).")
    ap.add_argument("--n", type=int, default=64, help="grid points per axis (default 64)")
    ap.add_argument("--half-width-um", type=float, default=48.0, help="grid spans +-this on every axis (um)")
    ap.add_argument("--sampling", choices=["grid", "lhs"], default="grid")
    ap.add_argument("--per-axis", type=int, default=6, help="values per sigma for --sampling grid (6: 216 bunches)")
    ap.add_argument("--n-samples", type=int, default=216, help="bunches for --sampling lhs")
    ap.add_argument("--seed", type=int, default=0, help="train/test split, LHS and out-of-distribution densities")
    ap.add_argument("--test-fraction", type=float, default=0.15)
    ap.add_argument("--ood-per-kind", type=int, default=4)
    ap.add_argument("--out", default=None, help="the .npz (default checkpoints/data/csr_wakes-n<N>-<spec hash>.npz)")
    ap.add_argument("--force", action="store_true", help="generate even if the file exists")
    args = ap.parse_args(argv)
    spec = DatasetSpec(n=args.n, half_width=args.half_width_um * 1e-6, sampling=args.sampling,
                       per_axis=args.per_axis, n_samples=args.n_samples, seed=args.seed,
                       test_fraction=args.test_fraction, ood_per_kind=args.ood_per_kind)
    out = Path(args.out) if args.out else ROOT / "checkpoints" / "data" / f"csr_wakes-n{spec.n}-{spec.key()}.npz"
    command = "python training_recipes/data/csr_wakes.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    ds = generate(spec, out, command=command, force=args.force)
    print(f"{out}\nsha256 {ds.sha256}\n{len(ds.sigma)} bunches ({int(ds.test.sum())} held out) + "
          f"{len(ds.ood_kind)} out-of-distribution densities on {spec.n}^3; kernels {ds.meta['kernels_s']} s, "
          f"{ds.meta['per_wake_s']} s per wake, {ds.meta['wall_time_s']} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
