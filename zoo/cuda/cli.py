"""``zoo bench NAME``: throughput of the fused kernel and the torch baselines on this GPU."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..files import atomic_write

BENCH_FILE = "benchmarks.json"


def record_benchmark(folder: str | Path, result: dict) -> Path:
    """Store a result beside the card, keyed by GPU name (``benchmarks.json``; the card schema
    has no throughput field yet). Returns the file written."""
    path = Path(folder) / BENCH_FILE
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[result["gpu"]] = result
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n", what="benchmark file")
    return path


def cmd_bench(args) -> int:
    import torch

    from ..api import load_sampler as load
    from ..checks import parse_params
    from . import bench

    if args.static:
        print(bench.static_report([args.name], args.arch))
        return 0
    if not torch.cuda.is_available():
        print("error: no CUDA GPU (torch.cuda.is_available() is False): nothing to benchmark", file=sys.stderr)
        return 2
    s = load(args.name)
    result = bench.run(s, n=args.n, params=parse_params(args.param) or None, repeat=args.repeat,
                       baselines=not args.kernel_only)
    print(bench.report(result))
    if args.write_card:
        print(f"wrote {record_benchmark(s.path, result)}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add ``zoo bench`` to the CLI's subparsers."""
    from ..checks import count_type

    p = sub.add_parser("bench", help="samples/s of the CUDA kernel vs torch baselines on this GPU")
    p.add_argument("name", help="model name or folder")
    p.add_argument("-n", type=count_type("-n"), default=1 << 26, help="samples per kernel call (default 2^26)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="parameter value (default: paper point)")
    p.add_argument("--repeat", type=count_type("--repeat"), default=5)
    p.add_argument("--kernel-only", action="store_true", help="skip the torch and table baselines")
    p.add_argument("--static", action="store_true",
                   help="no GPU needed: per kernel mode, MMA / MUFU op counts, PTX size, registers, spills "
                        "of the compiled kernel (not a throughput)")
    p.add_argument("--arch", default="sm_90", help="architecture for --static (default sm_90)")
    p.add_argument("--write-card", action="store_true",
                   help=f"record the result, keyed by GPU name, in {BENCH_FILE} beside the card")
    p.set_defaults(func=cmd_bench)
