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
from .describe import architecture_string, info_summary, models_table  # noqa: F401 (public here too)


def cmd_list(args) -> int:
    from .api import list_models
    from .describe import surrogates_table
    from .registry import resolve

    if args.markdown:
        if args.kind in (None, "sampler"):
            print(models_table())
        table = surrogates_table() if args.kind in (None, "surrogate") else ""
        if table:
            print(("\n" if args.kind is None else "") + table)
        return 0
    names = list_models(args.pattern, kind=args.kind)
    if not names:
        raise ValueError(f"no bundled model matches {args.pattern!r}; `zoo list` shows them all")
    width = max([16] + [len(n) for n in names])
    for name in names:
        card, _ = resolve(name)
        m = card.metrics
        if card.kind == "surrogate":
            acc = ("held-out MAE/std " + " ".join(f"{k} {v:.1%}" for k, v in zip(("Ws", "Wx", "Wy"),
                                                                               m.test_mae_relative.values()))
                   if m else "not validated")
            print(f"{name:{width}s} v{card.version}  {'surrogate ' + card.architecture.kind:28s} {acc}")
            continue
        acc = f"KS median {m.ks_median:.1e} max {m.ks_max:.1e}" if m else "not validated"
        print(f"{name:{width}s} v{card.version}  {card.target.id:28s} {acc}")
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
    from .sampler import OutOfDomainError

    return err.hint("--allow-extrapolation") if isinstance(err, OutOfDomainError) else str(err)


def cmd_sample(args) -> int:
    import torch

    from .api import load

    params = parse_params(args.param)
    out = npy_path(args.out) if args.out else None
    s = load(args.name)
    if getattr(s.card, "kind", "sampler") != "sampler":
        raise ValueError(f"model {s.card.name!r} is a field surrogate: it predicts fields, it does not sample "
                         "(zoo.load(...).predict(...) in Python)")
    gen = torch.Generator().manual_seed(args.seed) if args.seed is not None else None
    try:
        x = s.sample(args.n, generator=gen, dtype=torch.float64, allow_extrapolation=args.allow_extrapolation, exact=args.exact,
                     **params)
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
    from .registry import load_weights, resolve
    from .sampler import Sampler
    from .validation import validate

    if args.plot:
        require_extra("matplotlib", "plot", "--plot")
    # a card whose metrics no longer match it is loaded without them: they are measured anew here
    card, folder = resolve(args.name, stale_metrics="drop")
    if card.kind == "surrogate":
        return _validate_surrogate(args, card, folder)
    if args.data is not None:
        raise ValueError("--data is for field surrogates; a sampler is validated against its exact target")
    s = Sampler(card, folder, load_weights(card, folder))
    model = s.model

    def progress(i, n, r):
        print(f"\r  point {i}/{n}: KS {r.ks:.2e}  JS {r.js:.2e}", end="", file=sys.stderr, flush=True)

    metrics = validate(model, n_points=args.points, u_grid=args.u_grid, js_bins=args.js_bins, progress=progress)
    print(file=sys.stderr)
    print(json.dumps(metrics.model_dump(mode="json"), indent=2))
    if s.card.metrics is not None and not args.write_card:
        old = s.card.metrics
        print(f"card says: KS median {old.ks_median:.3e}, max {old.ks_max:.3e}; "
              f"measured now: KS median {metrics.ks_median:.3e}, max {metrics.ks_max:.3e}", file=sys.stderr)
    if args.plot:
        from .plotting import plot_validation

        plot_validation(s, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    if args.write_card:
        card = s.card.model_copy(update={"metrics": metrics})
        card.write(s.path / "card.json")
        print(f"wrote metrics to {s.path / 'card.json'}", file=sys.stderr)
    return 0


def _validate_surrogate(args, card, folder) -> int:
    from .kinds import build
    from .surrogate_validation import validate_surrogate, with_metrics

    if args.data is None:
        raise ValueError(f"model {card.name!r} is a field surrogate: pass --data FILE, its training set "
                         f"(sha256 {card.training.dataset.sha256[:12]}...; regenerate it with: "
                         f"{card.training.dataset.command})")
    model = build(card, folder)
    if args.device != "cpu":
        model.to(args.device)

    def progress(msg):
        print(f"\r  {msg}          ", end="", file=sys.stderr, flush=True)

    metrics = validate_surrogate(model, args.data, mc_samples=args.mc_samples, seed=args.seed or 0,
                                 progress=progress)
    print(file=sys.stderr)
    print(json.dumps(metrics.model_dump(mode="json"), indent=2))
    if card.metrics is not None and not args.write_card:
        old, new = card.metrics.test_mae_relative, metrics.test_mae_relative
        print(f"card says: held-out MAE/std {old.Ws:.3%} {old.Wx:.3%} {old.Wy:.3%}; measured now: "
              f"{new.Ws:.3%} {new.Wx:.3%} {new.Wy:.3%}", file=sys.stderr)
    if args.write_card:
        with_metrics(card, metrics).write(folder / "card.json")
        print(f"wrote metrics to {folder / 'card.json'}", file=sys.stderr)
    if args.plot:
        from .plotting import plot_surrogate_slices

        drawn = plot_surrogate_slices(model, args.data, args.plot, mc_samples=args.mc_samples, seed=args.seed or 0)
        print(f"wrote {args.plot} ({drawn['field']})", file=sys.stderr)
    return 0


def cmd_schema(args) -> int:
    from .card import json_schema

    print(json.dumps(json_schema(args.kind), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="zoo", description="radzoo: pretrained neural samplers for radiative processes")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list bundled models")
    p.add_argument("pattern", nargs="?", default="*", help='glob over the names, e.g. "ic-*" (default: all)')
    p.add_argument("--markdown", action="store_true", help="print the README's table of models")
    p.add_argument("--kind", choices=["sampler", "surrogate"], default=None, help="only models of this kind")
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
                        "zoo.validation.heldout_points)")
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
    p.add_argument("--kind", choices=["sampler", "surrogate"], default="sampler",
                   help="sampler (registry/model_card.schema.json) or surrogate (registry/surrogate_card.schema.json)")
    p.set_defaults(func=cmd_schema)
    # -- subcommands of other layers: each module's register(sub) adds its own parser --
    from .cuda.cli import register as _reg_cuda; _reg_cuda(sub)  # noqa: E702
    from .spectra.cli import register as _reg_spectra; _reg_spectra(sub)  # noqa: E702
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
