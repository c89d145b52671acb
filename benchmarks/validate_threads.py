"""Thread policy for small batches (zoo._threads), measured: validation and small ppf calls
with the policy (one thread below SMALL_BATCH_ROWS rows) against torch's default thread
count, in one run, optionally with a competing CPU load (what a shared machine looks like).

    python benchmarks/validate_threads.py [--model bessel-test] [--load 1] [--repeat 3]

Prints wall times and the ratio default / policy (> 1: the policy is faster). ``--load N``
starts N busy-looping processes for the duration, like other jobs on the machine.
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp

import torch

import zoo
import zoo._threads as threads_mod
from cpu_throughput import seconds  # the benchmarks' timing helper: warm-up, then the median
import zoo.samplers.validation as validation


def _burn(stop):
    x = 0
    while not stop.is_set():
        x += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="bessel-test")
    ap.add_argument("--load", type=int, default=1, help="busy processes competing for the CPU (default 1)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--points", type=int, default=4, help="random held-out points (default 4)")
    args = ap.parse_args()
    s = zoo.load(args.model)
    params = {p.name: p.domain[0] * 0.5 + p.domain[1] * 0.5 for p in s.card.target.parameters}
    u = torch.rand(4096 if s.dim == 1 else (4096, s.dim), dtype=torch.float64)
    stop = mp.Event()
    burners = [mp.Process(target=_burn, args=(stop,), daemon=True) for _ in range(args.load)]
    for p in burners:
        p.start()
    try:
        rows = []
        for label, policy in (("policy (1 thread below %d rows)" % threads_mod.SMALL_BATCH_ROWS, True),
                              (f"torch default ({torch.get_num_threads()} threads)", False)):
            ctx = contextlib.nullcontext() if policy else _policy_off()
            with ctx:
                v = seconds(lambda: validation.validate(s.model, n_points=args.points), args.repeat)
                p = seconds(lambda: [s.ppf(u, **params) for _ in range(50)], args.repeat)
            rows.append((label, v, p))
    finally:
        stop.set()
        for p in burners:
            p.join()
    print(f"{args.model}, {args.load} competing busy process(es), torch {torch.__version__}")
    for label, v, p in rows:
        print(f"  {label:40s} validate {v:7.2f} s   50 x ppf(4096) {p:7.3f} s")
    (_, v1, p1), (_, v2, p2) = rows
    print(f"  ratio default / policy: validate {v2 / v1:.2f}x, small ppf {p2 / p1:.2f}x")


@contextlib.contextmanager
def _policy_off():
    saved_rows, saved_single = threads_mod.SMALL_BATCH_ROWS, validation.single_thread
    threads_mod.SMALL_BATCH_ROWS = 0
    validation.single_thread = contextlib.nullcontext
    try:
        yield
    finally:
        threads_mod.SMALL_BATCH_ROWS, validation.single_thread = saved_rows, saved_single


if __name__ == "__main__":
    main()
