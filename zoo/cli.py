"""The ``zoo`` command line: list, info, sample, validate, schema (and the subcommands that
other layers register: bench, spectrum, publish, export, train).

Every error a user can cause ends as one ``error: ...`` line on stderr and exit status 2;
a closed pipe (``zoo sample ... | head``) ends quietly.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from .checks import count_type, parse_params, require_extra
from .describe import models_table  # noqa: F401 (public here too)
from .kinds import KINDS, architecture_string, info_summary, kind_of  # noqa: F401 (public here too)


def cmd_list(args) -> int:
    from .api import list_models
    from .registry import resolve

    if args.markdown:
        tables = [KINDS[k].table(list_models(kind=k)) for k in ([args.kind] if args.kind else KINDS)]
        print("\n\n".join(t for t in tables if t))
        return 0
    names = list_models(args.pattern, kind=args.kind)
    if not names:
        raise ValueError(f"no bundled model matches {args.pattern!r}; `zoo list` shows them all")
    width = max([16] + [len(n) for n in names])
    for name in names:
        card, _ = resolve(name)
        print(f"{name:{width}s} v{card.version}  {kind_of(card).list_line(card)}")
    return 0


def cmd_info(args) -> int:
    from .registry import resolve

    card, folder = resolve(args.name)
    if args.json:
        print(card.to_json(), end="")
    else:
        print(info_summary(card, folder))
    return 0


def npy_path(out: str) -> Path:
    """Where ``np.save`` will write (it appends .npy), checked before any work."""
    path = Path(out).expanduser()
    if path.suffix != ".npy":
        path = path.with_name(path.name + ".npy")
    parent = path.parent if str(path.parent) else Path(".")
    if len(os.fsencode(path.name)) > 255 or len(os.fsencode(str(path))) >= 4096:
        raise ValueError(f"--out {str(out)[:80]!r}...: the path is too long for the filesystem")
    if not parent.is_dir():
        raise ValueError(f"--out {out}: folder {parent} does not exist")
    if path.is_dir():
        raise ValueError(f"--out {out}: {path} is a folder")
    if not os.access(parent, os.W_OK):
        raise ValueError(f"--out {out}: folder {parent} is not writable")
    return path


def _sample_error(err) -> str:
    from .samplers.sampler import OutOfDomainError

    return err.hint("--allow-extrapolation") if isinstance(err, OutOfDomainError) else str(err)


def cmd_sample(args) -> int:
    import torch

    from .api import load_sampler

    params = parse_params(args.param)
    out = npy_path(args.out) if args.out else None
    s = load_sampler(args.name, what="it does not sample")
    gen = torch.Generator().manual_seed(args.seed) if args.seed is not None else None
    try:
        x = s.sample(args.n, generator=gen, dtype=torch.float64, allow_extrapolation=args.allow_extrapolation,
                     exact=args.exact, **params)
    except (ValueError, TypeError) as err:
        print(f"error: {_sample_error(err)}", file=sys.stderr)
        return 2
    if out is not None:
        from .files import atomic_write

        arr = x.numpy()
        atomic_write(out, lambda f: np.save(f, arr), what="--out")
        print(f"wrote {tuple(x.shape)} samples to {out}")
    else:
        np.savetxt(sys.stdout, x.numpy(), fmt="%.17g" if args.exact else "%.10g")  # exact: every float64 digit
    return 0


def cmd_validate(args) -> int:
    from .registry import resolve

    if args.plot:
        require_extra("matplotlib", "plot", "--plot")
    # a card whose metrics no longer match it is loaded without them: they are measured anew here
    card, folder = resolve(args.name, stale_metrics="drop")
    return kind_of(card).validate_command(args, card, folder)


def cmd_schema(args) -> int:
    print(json.dumps(KINDS[args.kind].schema(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="zoo", description="radzoo: pretrained neural samplers for radiative processes")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list bundled models")
    p.add_argument("pattern", nargs="?", default="*", help='glob over the names, e.g. "ic-*" (default: all)')
    p.add_argument("--markdown", action="store_true", help="print the README's table of models")
    p.add_argument("--kind", choices=sorted(KINDS), default=None, help="only models of this kind")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("info", help="summarise a model card (--json: the whole card)")
    p.add_argument("name", help="model name, or a folder path such as ./my-model")
    p.add_argument("--json", action="store_true", help="print the card itself (JSON)")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("sample", help="draw samples")
    p.add_argument("name", help="model name, or a folder path such as ./my-model")
    p.add_argument("-n", type=count_type("-n"), required=True, help="number of samples (e.g. 1000000 or 1e6)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="parameter value (repeatable)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--out", help="write a .npy file instead of text to stdout (.npy is appended if missing)")
    p.add_argument("--exact", action="store_true",
                   help="refine every sample on the exact CDF to 1e-12 relative (slower; see docs/tails.md)")
    p.add_argument("--allow-extrapolation", action="store_true",
                   help="accept parameters outside the trained domain but inside the physical one (warns)")
    p.set_defaults(func=cmd_sample)
    p = sub.add_parser("validate", help="measure accuracy against the exact target on held-out points")
    p.add_argument("name")
    p.add_argument("--plot", metavar="FILE.png", help="draw sampled histograms over the exact pdf")
    p.add_argument("--write-card", action="store_true", help="store the measured metrics on the card")
    p.add_argument("--points", type=count_type("--points"), default=None,
                   help="random held-out parameter points (default 64 for one parameter, 128 for two; "
                        "zoo.samplers.validation.heldout_points)")
    p.add_argument("--u-grid", type=count_type("--u-grid"), default=1 << 14,
                   help="u grid for the KS distance (default 16384)")
    p.add_argument("--js-bins", type=count_type("--js-bins"), default=1000)
    p.add_argument("--data", metavar="FILE.npz", default=None,
                   help="field surrogates: the training set (its sha256 must be the card's) whose held-out fields "
                        "are measured")
    p.add_argument("--mc-samples", type=count_type("--mc-samples"), default=20,
                   help="field surrogates: Monte Carlo dropout passes for the uncertainty metrics (default 20)")
    p.add_argument("--seed", type=int, default=0, help="field surrogates: seed of the Monte Carlo passes")
    p.add_argument("--device", default="cpu", help="field surrogates: torch device for the network")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("schema", help="print the model card JSON Schema")
    p.add_argument("--kind", choices=sorted(KINDS), default="sampler",
                   help="sampler (registry/model_card.schema.json) or surrogate (registry/surrogate_card.schema.json)")
    p.set_defaults(func=cmd_schema)
    # -- subcommands of other layers: each module's register(sub) adds its own parser --
    from .cuda.cli import register as _reg_cuda; _reg_cuda(sub)  # noqa: E702
    from .processes.inverse_compton.spectra.cli import register as _reg_spectra; _reg_spectra(sub)  # noqa: E702
    from .publish import register as _reg_publish; _reg_publish(sub)  # noqa: E702
    from .export.cli import register as _reg_export; _reg_export(sub)  # noqa: E702
    from .recipes import register as _reg_train; _reg_train(sub)  # noqa: E702
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader went away (`zoo sample ... | head`): stop quietly, and keep Python's final
        # flush of stdout from raising again
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except (ValueError, TypeError, RuntimeError) as err:
        print(f"error: {_sample_error(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
