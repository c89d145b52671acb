"""Re-measure every sampler card at a fresh random draw of held-out points (issue 23's goal: an
independent audit at fresh random points finds no model above 1.3x its card's KS max or tail max).

    OMP_NUM_THREADS=1 python benchmarks/heldout_audit.py [--seed 1] [--points N] [models ...]

The cards are measured at ``zoo.samplers.validation.heldout_points`` with the fixed seed HELDOUT_SEED; here the
same validator runs with another seed (other points, the same number unless --points), and prints,
per model, the fresh KS max and tail maxima (u = 1e-4, 1e-6, the worse end) and their ratio to the
card's. A ratio above 1.3 means the card's held-out set is too small for that model.
"""
from __future__ import annotations

import argparse
import sys

import zoo  # noqa: E402
from zoo.samplers.validation import validate  # noqa: E402


def tail_max(m, u):
    t = m.tail(u)
    return max(t.lower_max, t.upper_max)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="default: every bundled sampler")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--points", type=int, default=None, help="held-out points (default: the card's count)")
    args = ap.parse_args(argv)
    print(f"fresh held-out points, seed {args.seed}")
    print("| model | KS max card | fresh | ratio | tail 1e-4 max card | fresh | ratio "
          "| tail 1e-6 max card | fresh | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for name in args.models or zoo.list(kind="sampler"):
        s = zoo.load(name)
        c = s.card.metrics
        print(f"[heldout_audit] {name} ...", file=sys.stderr, flush=True)
        m = validate(s.model, n_points=args.points, seed=args.seed, u_grid=c.u_grid, js_bins=c.js_bins)
        cells = []
        for a, b in ((c.ks_max, m.ks_max), (tail_max(c, 1e-4), tail_max(m, 1e-4)),
                     (tail_max(c, 1e-6), tail_max(m, 1e-6))):
            worst = max(worst, b / a)
            cells.append(f"{a:.2e} | {b:.2e} | {b / a:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nlargest ratio: {worst:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
