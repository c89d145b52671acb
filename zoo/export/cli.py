"""``zoo export NAME_OR_DIR --lang c|cuda|fortran|picsar --out DIR``."""
from __future__ import annotations

import sys


def cmd_export(args) -> int:
    from . import export

    files = export(args.name, args.lang, args.out, precision=args.precision)
    for f in files:
        print(f)
    if args.lang == "fortran":
        print(f"build: gcc -O3 -march=native -c {files[1]} && gfortran {files[2]} YOUR_CODE.f90 "
              f"{files[1].with_suffix('.o').name}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add ``zoo export`` to the CLI's subparsers."""
    from . import LANGS, PRECISIONS

    p = sub.add_parser("export", help="write a model as a dependency-free C/C++, CUDA or Fortran source "
                                      "(or behind PICSAR-QED's table interface)",
                       description="The model's whole map u -> sample (network, transforms, coordinate, support) "
                                   "as one header with the weights embedded; see docs/export.md.")
    p.add_argument("name", metavar="NAME_OR_DIR", help="model name, or a folder path such as ./my-model")
    p.add_argument("--lang", choices=LANGS, required=True)
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--precision", choices=PRECISIONS, default="float32",
                   help="network arithmetic (default float32: Sampler's CPU arithmetic, within 3.5e-7 of it in "
                        "CDF units; float64: the exact map the card's metrics measure, ~2x slower)")
    p.set_defaults(func=cmd_export)
