"""CPU throughput of the torch reference path, beside an exact inverse-CDF table, in one run.

    OMP_NUM_THREADS=1 python benchmarks/cpu_throughput.py [--n 1048576] [--threads 1]

For every bundled model: samples/s of ``Sampler.sample`` on the CPU (RNG, float32
network, float64 mapping) with broadcast parameters and with one value per sample,
and of a torch.searchsorted sampler on an exact 1e4-point CDF table at the same
(single) parameter point (1-D models), with the ratio. Median of 5 timed calls after a
warm-up. The GPU kernel has its own benchmark (benchmarks/throughput.py).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import zoo
from zoo.cuda.bench import default_params, table_sampler


def seconds(fn, repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1 << 20, help="samples per call")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    print(f"CPU, {args.threads} torch thread(s), n = {args.n} samples per call, torch {torch.__version__}")
    print("| model | torch fp32, broadcast [samples/s] | torch fp32, per-sample [samples/s] | exact table [samples/s] "
          "| table / network |")
    print("|---|---|---|---|---|")
    for name in zoo.list(kind="sampler"):
        s = zoo.load(name)
        params = default_params(s)
        per_sample = {k: torch.full((args.n,), v, dtype=torch.float64) for k, v in params.items()}
        rate_b = args.n / seconds(lambda: s.sample(args.n, generator=gen, backend="torch", **params))
        rate_p = args.n / seconds(lambda: s.sample(args.n, generator=gen, backend="torch", **per_sample))
        if s.dim == 1:
            draw = table_sampler(s, params, torch.device("cpu"))
            rate_t = args.n / seconds(lambda: draw(args.n))
            table, ratio = f"{rate_t:.2e}", f"{rate_t / rate_b:.1f}"
        else:
            table, ratio = "n/a (2-D)", ""
        print(f"| {name} | {rate_b:.2e} | {rate_p:.2e} | {table} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
