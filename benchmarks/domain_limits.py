"""Which sides beyond the trained domains does the network's edge cover (issue 26, item 2)?

For each side (model, parameter, below|above), the network is evaluated with the parameter held at its
trained edge while the support and coordinate keep the true value (``zoo.targets.base.DomainExtension``,
the rule the declared sides use), at random points between the edge and the target's physical bound,
and measured against the exact target with the validator's own code (KS over a dense u grid, tail-mass
errors at u = 1e-4, both ends). The declared sides are on the cards (``metrics.extensions``); this script
also measures the candidates that were NOT declared, to show why:

    python benchmarks/domain_limits.py                  # every candidate side, 12 points each
    python benchmarks/domain_limits.py --points 24 quantum-synchrotron:chi:below

Output: one line per side with KS max/median, the worst tail error at 1e-4 and whether the goals hold.
"""
from __future__ import annotations

import argparse
import copy
import time

import torch

import zoo
from zoo.samplers.model import InverseCDFModel
from zoo.samplers.validation import EXTENSION_GOALS, extension_range, measure_extensions
from zoo.targets.base import DomainExtension

#: the sides the cards do not declare (measured here: the limit does not hold to the goals there)
CANDIDATES = ("klein-nishina:k:above", "klein-nishina-polarized:k:above", "ic-head-on:b:above",
              "quantum-synchrotron:chi:below", "quantum-synchrotron:chi:above",
              "breit-wheeler:chi_gamma:below", "breit-wheeler:chi_gamma:above")


def measure(spec: str, points: int, u_grid: int) -> str:
    name, param, side = spec.split(":")
    s = zoo.load(name)
    declared = [e for e in s.target.extensions if (e.parameter, e.side) == (param, side)]
    ext = declared[0] if declared else DomainExtension(param, side, "the network's edge (candidate)")
    target = copy.copy(s.target)
    target.extensions = (ext,)
    model = InverseCDFModel(s.card, target)
    model.net.load_state_dict(s.model.net.state_dict())
    model = model.to(torch.float64).eval()
    t0 = time.perf_counter()
    with torch.no_grad():
        (m,) = measure_extensions(model, u_grid, 200, n_points=points)
    t = next(t for t in m.tails if t.u == EXTENSION_GOALS["tail_u"])
    lo, hi = extension_range(s.card, target, ext)
    return (f"{spec:34s} [{lo:.3g}, {hi:.3g}]  KS max {m.ks_max:.2e} median {m.ks_median:.2e}  "
            f"tail 1e-4 max {max(t.lower_max, t.upper_max):.2e}  {'meets' if m.covered else 'misses'} the goals"
            f"{' (declared)' if declared else ''}  worst at {m.worst.params}  [{time.perf_counter() - t0:.0f} s]")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sides", nargs="*", help="model:parameter:below|above (default: the undeclared candidates)")
    ap.add_argument("--points", type=int, default=12, help="random points per side (default 12)")
    ap.add_argument("--u-grid", type=int, default=1 << 13, help="u grid of the KS distance (default 8192)")
    args = ap.parse_args(argv)
    print(f"goals: KS max <= {EXTENSION_GOALS['ks_max']:g}, tail-mass error at u = 1e-4 <= "
          f"{EXTENSION_GOALS['tail_max']:g}", flush=True)
    for spec in args.sides or CANDIDATES:
        print(measure(spec, args.points, args.u_grid), flush=True)


if __name__ == "__main__":
    main()
