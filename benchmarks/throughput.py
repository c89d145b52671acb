"""Samples/s of the fused CUDA kernel in every mode (precision="accurate", the default, and
"fast" = f16/f16x2, plus the other mma/tanh combinations; broadcast and per-sample parameters) vs torch fp32
eager, torch fp16 + torch.compile and a GPU inverse-CDF table sampler, in one run on one GPU.

    python benchmarks/throughput.py                  # every registry model
    python benchmarks/throughput.py ic-isotropic -n 134217728

Exits 0 with a message when no GPU is present (nothing is measured).
"""
from __future__ import annotations

import argparse
import sys

import torch

import zoo
from zoo.cuda import bench


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="model names (default: all bundled)")
    ap.add_argument("-n", type=int, default=1 << 26)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("no CUDA GPU (torch.cuda.is_available() is False): nothing measured", file=sys.stderr)
        return 0
    for name in args.models or zoo.list(kind="sampler"):
        print(f"\n== {name}")
        print(bench.report(bench.run(zoo.load(name), n=args.n, repeat=args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
