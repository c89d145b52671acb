"""Cost and accuracy of the exact mode against the plain network and exact tables, one run.

At one parameter point of a model (default: ic-isotropic at the seed paper's section 4.4 point),
on this machine's CPU, with the same u for every method:

  network     s.sample-equivalent ppf (float32 network, float64 map): the default call
  exact mode  ppf(..., exact=True): the network's value refined on the exact CDF (zoo.samplers.exact)
  bisection   exact inversion without a network: 60 halvings of w on the exact CDF
  table N     exact quantiles tabulated at N u values (equal steps in logit u, so the tails
              have nodes), linear interpolation in the model coordinate w

Accuracy is deterministic: the largest |C(x(u)) - u| over a dense u grid (KS), and the largest
relative tail-mass error at u = 1e-6 and 1e-4 (both ends), against the exact CDF.

    python benchmarks/exact_mode.py [--model ic-isotropic] [--n 200000]
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch


import zoo  # noqa: E402
from zoo.samplers.quantiles import x_of_w  # noqa: E402
from zoo.targets.base import bisect_increasing  # noqa: E402


def timed(fn, repeat=3, label=""):
    """Best wall time of ``repeat`` calls; a progress line on stderr (runs take minutes)."""
    if label:
        print(f"[exact_mode] {label} ({repeat} run{'s' if repeat > 1 else ''}) ...", file=sys.stderr, flush=True)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def accuracy(target, params, ppf):
    """(KS, max tail error at 1e-6, at 1e-4) of a map u -> x (numpy)."""
    u = np.linspace(0.0, 1.0, 1 << 14)
    ks = float(np.max(np.abs(target.cdf(ppf(u), **params) - u)))
    errs = []
    for m in (1e-6, 1e-4):
        lo = abs(target.cdf(ppf(np.array([m])), **params)[0] / m - 1)
        hi = abs(target.sf(ppf(np.array([1 - m])), **params)[0] / (1.0 - (1.0 - m)) - 1)  # 1 - u as float64 has it
        errs.append(max(lo, hi))
    return ks, *errs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="ic-isotropic")
    ap.add_argument("--n", type=int, default=200000, help="samples per timing")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    s = zoo.load(args.model)
    if s.dim != 1:
        raise SystemExit("this benchmark takes a 1-D model")
    t = s.target
    params = dict(t.reference_point or {p.name: float(np.sqrt(p.domain[0] * p.domain[1]) if p.domain[0] > 0
                                                  else 0.5 * sum(p.domain)) for p in s.card.target.parameters})
    np_params = {k: np.float64(v) for k, v in params.items()}
    transform = s.card.architecture.subnets[0].output_transform
    rng = np.random.default_rng(0)
    u = rng.random(args.n)
    ut = torch.from_numpy(u)
    rows = []

    def net(v):
        return s.ppf(torch.from_numpy(np.asarray(v, dtype=np.float64)), **params).double().numpy()

    def exact(v):
        return s.ppf(torch.from_numpy(np.asarray(v, dtype=np.float64)), exact=True, **params).numpy()

    def bisection(v):
        v = np.asarray(v, dtype=np.float64)
        w = bisect_increasing(lambda w: t.cdf(x_of_w(t, 0, w, None, np_params, transform), **params), v, 60)
        return x_of_w(t, 0, w, None, np_params, transform)

    _, sec = timed(lambda: s.ppf(ut, **params), label="network")
    rows.append(("network (default call)", args.n / sec, "-", accuracy(t, params, net)))
    _, sec = timed(lambda: s.ppf(ut, exact=True, **params), repeat=1, label="exact mode")
    info = dict(s.last_refinement)
    rows.append((f"exact mode (max {info['max_iterations']} iterations, {info['resolution']} at float64 "
                 f"resolution, {info['capped']} capped)", args.n / sec, "-", accuracy(t, params, exact)))
    n_b = max(1000, args.n // 20)
    _, sec = timed(lambda: bisection(u[:n_b]), repeat=1, label="bisection on the exact CDF")
    rows.append(("bisection on the exact CDF, 60 halvings", n_b / sec, "-", accuracy(t, params, bisection)))
    for size in (1024, 65536):
        print(f"[exact_mode] inverse-CDF table of {size} nodes ...", file=sys.stderr, flush=True)
        v = np.linspace(-18.0, 18.0, size)
        nodes = np.concatenate([[0.0], 1.0 / (1.0 + np.exp(-v)), [1.0]])
        t0 = time.perf_counter()
        w_nodes = bisect_increasing(lambda w: t.cdf(x_of_w(t, 0, w, None, np_params, transform), **params), nodes, 60)
        build = time.perf_counter() - t0

        def table(v, w_nodes=w_nodes, nodes=nodes):
            return x_of_w(t, 0, np.interp(np.asarray(v, dtype=np.float64), nodes, w_nodes), None, np_params, transform)
        _, sec = timed(lambda: table(u))
        rows.append((f"exact table, {size} nodes ({16 * (size + 2) / 1024:.0f} KiB, built in {build:.1f} s)",
                     args.n / sec, "-", accuracy(t, params, table)))
    base = rows[0][1]
    print(f"# {args.model} at {params}, {args.n} samples, {args.threads} torch thread(s), CPU")
    print("| method | samples/s | cost vs network | KS | tail err 1e-6 | tail err 1e-4 |")
    print("|---|---|---|---|---|---|")
    for name, rate, _, (ks, t6, t4) in rows:
        print(f"| {name} | {rate:.3g} | {base / rate:.3g}x | {ks:.1e} | {t6:.1e} | {t4:.1e} |")


if __name__ == "__main__":
    main()
