"""CSR wake: the Green-function computation against a field surrogate, same bunch, same grid.

    python benchmarks/csr_wake.py                                   # csr-wake-gaussian (bundled)
    python benchmarks/csr_wake.py --model /tmp/g --sigma 6 4 8      # a smoke card by path; sigmas in um
    python benchmarks/csr_wake.py --model csr-wake-density --repeat 5

Prints, in one run: the time of ``zoo.processes.csr_wake.wake`` on the card's grid (Green
functions + kernels + convolution, and the convolution alone with the kernels cached, as the
dataset generator does), the surrogate's ``predict`` time on the CPU (and on the GPU when torch
sees one; synchronised, after a warm-up), with and without Monte Carlo dropout, and the
surrogate's relative MAE against the computed wake (MAE over the grid / std of the truth).
Run it with OMP_NUM_THREADS=1 to compare single cores.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np


import torch  # noqa: E402

import zoo  # noqa: E402
from zoo.processes import csr_wake as csr  # noqa: E402


def timed(fn, repeat: int, sync=None) -> tuple[float, float, object]:
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        if sync:
            sync()
        times.append(time.perf_counter() - t)
    return statistics.mean(times), (statistics.stdev(times) if len(times) > 1 else 0.0), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="csr-wake-gaussian", help="surrogate name or folder")
    ap.add_argument("--sigma", type=float, nargs=3, default=(8.0, 5.0, 6.0), metavar=("S", "X", "Y"),
                    help="bunch rms sizes in um (default 8 5 6)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mc-samples", type=int, default=20)
    args = ap.parse_args(argv)

    model = zoo.load(Path(args.model) if "/" in args.model else args.model)
    if getattr(model.card, "kind", None) != "surrogate":
        print(f"error: {args.model} is not a field surrogate", file=sys.stderr)
        return 2
    sig = tuple(s * 1e-6 for s in args.sigma)
    grid = model.grid
    phys = model.card.output.physics
    lam = csr.gaussian_density(grid, *sig)
    field = model.card.inputs[0].kind == "field"
    inputs = {"density": lam} if field else dict(zip(("sigma_s", "sigma_x", "sigma_y"), sig))
    print(f"{model.card.name}: {model.card.architecture.kind}, grid {'x'.join(map(str, grid.n))}, bunch "
          f"{args.sigma[0]:g} x {args.sigma[1]:g} x {args.sigma[2]:g} um, torch threads {torch.get_num_threads()}")

    t0 = time.perf_counter()
    kernels = csr.csr_kernels(grid, rho=phys.rho_m, gamma=phys.gamma)
    t_kernels = time.perf_counter() - t0
    m_conv, s_conv, exact = timed(lambda: csr.wake(lam, grid, rho=phys.rho_m, gamma=phys.gamma, kernels=kernels),
                                  args.repeat)
    print(f"  {'wake (Green functions + kernels + convolution)':52s} {t_kernels + m_conv:9.4f} s")
    print(f"  {'wake, kernels cached (convolution only)':52s} {m_conv:9.4f} s +- {s_conv:.4f}")

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    pred = None
    for dev in devices:
        model.to(dev)
        sync = torch.cuda.synchronize if dev == "cuda" else None
        model.predict(**inputs)          # warm-up
        m, s, out = timed(lambda: model.predict(**inputs), args.repeat, sync)
        mm, sm, _ = timed(lambda: model.predict(**inputs, mc_samples=args.mc_samples, seed=0), max(1, args.repeat // 2),
                          sync)
        pred = pred or out
        print(f"  {'surrogate predict on ' + dev:52s} {m:9.4f} s +- {s:.4f}  "
              f"({(t_kernels + m_conv) / m:,.0f}x the full wake, {m_conv / m:,.1f}x the cached convolution)")
        label = f"surrogate predict on {dev}, {args.mc_samples} MC dropout passes"
        print(f"  {label:52s} {mm:9.4f} s +- {sm:.4f}")
    model.to("cpu")
    err = [float(np.abs(pred[c] - e).mean() / e.std()) for c, e in zip(("Ws", "Wx", "Wy"), exact)]
    print("  surrogate vs computed wake: MAE / std  "
          + "  ".join(f"{c} {v:.2%}" for c, v in zip(("Ws", "Wx", "Wy"), err)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
