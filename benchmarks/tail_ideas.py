"""Equal-budget comparison of ideas for accurate tails, on bessel-test (docs/tails.md).

Each configuration trains the same network (3 x 32 tanh) for the same budget (6000 Adam steps,
batch, one L-BFGS round) from the same seed, then the validator measures KS and the tail-mass
errors on the card's held-out points. Configurations:

  A  v0.2.0 recipe: arcsine u input, residual, clamp onto x (linear coordinate), density-weighted
     quantile regression, L-BFGS on the CDF loss
  B  A with the tail-quantile objective (relative tail-mass weights, logit-stratified u, own polish)
  C  logit u input + sigmoid squash + residual, linear coordinate, tail-quantile
  D  C in the arcsine coordinate (exact map linear in both tails)
  E  D with the plain (density-weighted) quantile objective

    python benchmarks/tail_ideas.py [--steps 6000] [--only D,E] [--out /tmp/tail_ideas]
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path


from zoo.samplers.training import base_card, recipe_main  # noqa: E402

CONFIGS = {
    "A": dict(u="arcsine", squash="clamp", coord="linear", objective="quantile"),
    "B": dict(u="arcsine", squash="clamp", coord="linear", objective="tail-quantile"),
    "C": dict(u="logit", squash="sigmoid", coord="linear", objective="tail-quantile"),
    "D": dict(u="logit", squash="sigmoid", coord="arcsine", objective="tail-quantile"),
    "E": dict(u="logit", squash="sigmoid", coord="arcsine", objective="quantile"),
}


def card_factory(cfg):
    def make_card(*, seed, steps, batch_size, hidden=None):
        return base_card(
            version="0.0.0", name="bessel-test",
            summary="tail-ideas experiment (not a registry model)", target_id="bessel-test",
            parameters=[{"name": "theta", "domain": (0.0, math.pi), "input_transform": "identity"}],
            hidden=hidden or [32, 32, 32], activation="tanh",
            output_transform={"squash": cfg["squash"], "coordinate": cfg["coord"]}, u_transform=cfg["u"],
            residual=True, recipe="benchmarks/tail_ideas.py", seed=seed, steps=steps, batch_size=batch_size,
            parameter_grid={"theta": 500})
    return make_card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--only", default=",".join(CONFIGS))
    ap.add_argument("--out", default="/tmp/tail_ideas")
    args = ap.parse_args()
    rows = []
    for key in args.only.split(","):
        cfg = CONFIGS[key]
        out = Path(args.out) / key
        t0 = time.perf_counter()
        card = recipe_main(card_factory(cfg), default_out=str(out), steps=args.steps, batch_size=4096, lr=3e-3,
                           objective=cfg["objective"], lbfgs_rounds=1, lbfgs_iterations=200, lbfgs_batch=32768,
                           table_u=257,
                           argv=["--out", str(out), "--checkpoint-dir", str(Path(args.out) / "ckpt"), "--threads", "2"])
        m = card.metrics
        tails = {t.u: t for t in m.tails}
        row = {"config": key, **cfg, "ks_median": m.ks_median, "ks_max": m.ks_max, "js_median": m.js_median,
               **{f"tail{u:g}": max(tails[u].lower_max, tails[u].upper_max) for u in tails},
               **{f"tail{u:g}_median": max(tails[u].lower_median, tails[u].upper_median) for u in tails},
               "seconds": round(time.perf_counter() - t0)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("| config | u input | squash | coordinate | objective | KS median | KS max | tail 1e-2 max | "
          "tail 1e-4 med / max | tail 1e-6 med / max |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['u']} | {r['squash']} | {r['coord']} | {r['objective']} | {r['ks_median']:.1e} | "
              f"{r['ks_max']:.1e} | {r['tail0.01']:.1e} | {r['tail0.0001_median']:.1e} / {r['tail0.0001']:.1e} | "
              f"{r['tail1e-06_median']:.1e} / {r['tail1e-06']:.1e} |")


if __name__ == "__main__":
    main()
