"""Model kinds: one class per kind, registered once. Everything that differs between kinds lives here.

A card's ``kind`` field names its kind; the kind object says what the card class is, how the model
is built (from its folder or Hub, or from tensors already checked), how ``zoo validate`` measures
it, how ``zoo list`` / ``zoo info`` / the README describe it, and which README goes to the Hub. No
code outside this module branches on the kind: it asks ``kind_of(card)`` (the way timm's
``build_model_with_cfg`` or huggingface_hub's mixins dispatch).

    sampler     zoo.Sampler: an inverse-CDF sampler (ModelCard)
    surrogate   zoo.Surrogate: a field surrogate with predict (SurrogateCard)

A new kind is a ``ModelKind`` subclass with its card class, registered by ``register_kind(Kind())``
(which also teaches ``zoo.card.read_card`` the card class).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .card import CARD_CLASSES, AnyCard, ModelCard, SurrogateCard


class ModelKind:
    """The behaviour of one kind of model. Subclasses set ``name`` (the card's ``kind``),
    ``card_class``, ``noun`` and ``usage``, and implement the methods below."""

    #: the value of the card's ``kind`` field
    name: str = ""
    card_class: type = None
    noun: str = "model"
    #: how a model of this kind is used (error messages point there)
    usage: str = ""

    # -- building ------------------------------------------------------------------------------
    def build(self, card: AnyCard, folder: Path, revision: str | None = None):
        """The model of a card, with checked weights from its folder, else the Hub."""
        from .registry import load_weights

        return self.from_tensors(card, folder, load_weights(card, folder, revision=revision))

    def from_tensors(self, card: AnyCard, folder: Path, tensors: dict):
        """The model of a card from weight tensors already checked (``zoo publish`` proves a model loads)."""
        raise NotImplementedError

    # -- describing ----------------------------------------------------------------------------
    def architecture_string(self, card) -> str:
        raise NotImplementedError

    def summary(self, card, folder) -> str:
        """``zoo info``."""
        raise NotImplementedError

    def list_line(self, card) -> str:
        """``zoo list``'s text after the name and version."""
        raise NotImplementedError

    def table(self, names: list[str]) -> str:
        """The README's markdown table of the bundled models of this kind (``zoo list --markdown``)."""
        raise NotImplementedError

    def hub_readme(self, card, repo_id: str) -> str:
        raise NotImplementedError

    # -- measuring -----------------------------------------------------------------------------
    #: flags ``zoo validate`` needs for this kind beyond the name (e.g. " --data FILE")
    validate_flags: str = ""

    def validate_command(self, args, card, folder) -> int:
        """``zoo validate`` (args: its parsed flags): measure, print, optionally write the card."""
        raise NotImplementedError

    def schema(self) -> dict:
        return self.card_class.model_json_schema()

    def train(self, recipe, argv: list[str]):
        """Run a recipe of this kind (``zoo train``; recipe: a ``zoo.recipes.Recipe``) and return the
        written card; ``argv``: the trainer's flags."""
        raise NotImplementedError


class SamplerKind(ModelKind):
    name = "sampler"
    card_class = ModelCard
    noun = "sampler"
    usage = "zoo.load(...).sample(n, ...) or .ppf(u, ...)"

    def from_tensors(self, card, folder, tensors):
        from .samplers.sampler import Sampler
        from .targets import code_sha256

        sampler = Sampler(card, folder, tensors)   # first: the card against its target
        now = code_sha256(card) if card.code_sha256 is not None else None
        if card.code_sha256 is not None and card.code_sha256 != now:
            raise ValueError(f"model {card.name!r}: the C of its transforms, support or coordinates (zoo/transforms.h, "
                             f"the process's coords.h) changed since it was validated (card code_sha256 "
                             f"{card.code_sha256[:12]}..., this installation {str(now)[:12]}...): its "
                             "samples are no longer what its metrics measured. Use the radzoo version it was "
                             f"validated with, or re-validate: `zoo validate {card.name} --write-card`")
        return sampler

    def architecture_string(self, card):
        from .describe import sampler_architecture_string

        return sampler_architecture_string(card)

    def summary(self, card, folder):
        from .describe import sampler_summary

        return sampler_summary(card, folder)

    def list_line(self, card):
        from .describe import multiply_adds

        m = card.metrics
        return (f"{card.target.id:28s} {card.variant:8s} {multiply_adds(card):6d} MACs/draw  "
                + (f"KS median {m.ks_median:.1e} max {m.ks_max:.1e}" if m else "not validated"))

    def table(self, names):
        from .describe import models_table

        return models_table(names)

    def hub_readme(self, card, repo_id):
        from .hub_readme import sampler_hub_readme

        return sampler_hub_readme(card, repo_id)

    def train(self, recipe, argv):
        from .samplers.training import recipe_card, recipe_main

        def make_card(*, seed, steps, batch_size, hidden=None):
            return recipe_card(recipe, seed=seed, steps=steps, batch_size=batch_size, hidden=hidden)

        fit = recipe.arguments("fit", recipe_main, reserved=("make_card", "name", "default_out", "argv"))
        out = recipe.default_out
        return recipe_main(make_card, name=recipe.name, default_out=None if out is None else str(out),
                           argv=argv, **fit)

    def validate_command(self, args, card, folder):
        from .samplers.validation import validate

        if args.data is not None:
            raise ValueError("--data is for field surrogates; a sampler is validated against its exact target")
        s = self.build(card.model_copy(update={"code_sha256": None}), folder)   # measured anew below

        def progress(i, n, r):
            print(f"\r  point {i}/{n}: KS {r.ks:.2e}  JS {r.js:.2e}", end="", file=sys.stderr, flush=True)

        metrics = validate(s.model, n_points=args.points, u_grid=args.u_grid, js_bins=args.js_bins,
                           progress=progress)
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
            from .samplers.validation import measured_card

            measured_card(s.card).model_copy(update={"metrics": metrics}).write(s.path / "card.json")
            print(f"wrote metrics to {s.path / 'card.json'}", file=sys.stderr)
        return 0


class SurrogateKind(ModelKind):
    name = "surrogate"
    card_class = SurrogateCard
    noun = "field surrogate"
    usage = "zoo.load(...).predict(...)"
    validate_flags = " --data FILE"

    def from_tensors(self, card, folder, tensors):
        from .surrogates.model import Surrogate

        return Surrogate(card, folder, tensors)

    def architecture_string(self, card):
        from .describe import surrogate_architecture_string

        return surrogate_architecture_string(card)

    def summary(self, card, folder):
        from .describe import surrogate_summary

        return surrogate_summary(card, folder)

    def list_line(self, card):
        m = card.metrics
        acc = ("held-out MAE " + " ".join(f"{k} {v:.1%}" for k, v in m.test_mae_relative.model_dump().items())
               if m else "not validated")
        return f"{'surrogate ' + card.architecture.kind:28s} {acc}"

    def table(self, names):
        from .describe import surrogates_table

        return surrogates_table(names)

    def hub_readme(self, card, repo_id):
        from .hub_readme import surrogate_hub_readme

        return surrogate_hub_readme(card, repo_id)

    def train(self, recipe, argv):
        import importlib

        if recipe.card:
            raise ValueError(f"recipe {recipe.path}: surrogate recipes take their settings in [fit] only")
        # the field family's trainer: zoo.processes.<[fit] process, default csr_wake>.training.recipe_main
        process = recipe.fit.get("process", "csr_wake")
        if not isinstance(process, str) or not process.isidentifier():
            raise ValueError(f"recipe {recipe.path}: [fit] process must name a process package, got {process!r}")
        try:
            recipe_main = importlib.import_module(f"zoo.processes.{process}.training").recipe_main
        except (ModuleNotFoundError, AttributeError):
            raise ValueError(f"recipe {recipe.path}: process {process!r} has no trainer "
                             f"(zoo/processes/{process}/training.py with recipe_main)") from None
        return recipe_main(name=recipe.name, recipe=recipe.reference, default_out=recipe.default_out, argv=argv,
                           **recipe.arguments("fit", recipe_main, reserved=("name", "recipe", "default_out", "argv")))

    def validate_command(self, args, card, folder):
        from .surrogates.validation import validator_of, with_metrics

        if args.data is None:
            raise ValueError(f"model {card.name!r} is a field surrogate: pass --data FILE, its training set "
                             f"(sha256 {card.training.dataset.sha256[:12]}...; regenerate it with: "
                             f"{card.training.dataset.command})")
        model = self.build(card, folder)
        if args.device != "cpu":
            model.to(args.device)

        def progress(msg):
            print(f"\r  {msg}          ", end="", file=sys.stderr, flush=True)

        metrics = validator_of(card)(model, args.data, mc_samples=args.mc_samples, seed=args.seed or 0,
                                     progress=progress)
        print(file=sys.stderr)
        print(json.dumps(metrics.model_dump(mode="json"), indent=2))
        if card.metrics is not None and not args.write_card:
            old, new = card.metrics.test_mae_relative, metrics.test_mae_relative
            print(f"card says: held-out MAE/std {' '.join(f'{x:.3%}' for x in old.values())}; measured now: "
                  f"{' '.join(f'{x:.3%}' for x in new.values())}", file=sys.stderr)
        if args.write_card:
            with_metrics(card, metrics).write(folder / "card.json")
            print(f"wrote metrics to {folder / 'card.json'}", file=sys.stderr)
        if args.plot:
            from .plotting import plot_surrogate_slices

            drawn = plot_surrogate_slices(model, args.data, args.plot, mc_samples=args.mc_samples,
                                          seed=args.seed or 0)
            print(f"wrote {args.plot} ({drawn['field']})", file=sys.stderr)
        return 0


#: kind name -> its ModelKind (the one registry of kinds)
KINDS: dict[str, ModelKind] = {}


def register_kind(kind: ModelKind) -> ModelKind:
    """Register a model kind (an instance of a ``ModelKind`` subclass); its card class becomes
    readable by ``zoo.card.read_card``. A second, different kind under the same name is refused."""
    if not isinstance(kind, ModelKind):
        raise TypeError(f"register_kind takes a ModelKind instance, got {type(kind).__name__}")
    old = KINDS.get(kind.name)
    if old is not None and type(old) is not type(kind):
        raise ValueError(f"model kind {kind.name!r} is already registered ({type(old).__qualname__})")
    KINDS[kind.name] = kind
    CARD_CLASSES[kind.name] = kind.card_class
    return kind


for _k in (SamplerKind(), SurrogateKind()):
    register_kind(_k)


def kind_of(card) -> ModelKind:
    """The kind of a card (or of a model, through its ``card``)."""
    card = getattr(card, "card", card)
    try:
        return KINDS[card.kind]
    except KeyError:
        raise ValueError(f"model {card.name!r} is of kind {card.kind!r}, which this radzoo cannot build; "
                         f"known kinds: {sorted(KINDS)}") from None


def build(card: AnyCard, folder: Path, *, revision: str | None = None):
    """The model a card describes, built by its kind."""
    return kind_of(card).build(card, folder, revision)


def require(model, kind: str, what: str = ""):
    """``model`` itself if it is of ``kind``; else a ValueError saying what it is and how to use it."""
    have = kind_of(model)
    if have.name != kind:
        raise ValueError(f"model {model.card.name!r} is a {have.noun} (kind {have.name!r}), not a "
                         f"{KINDS[kind].noun}{': ' + what if what else ''}; use {have.usage}")
    return model


def architecture_string(card) -> str:
    """One line naming a card's network, e.g. '4→64→64→64→1 tanh; u: logit, residual; out: sigmoid, ...'."""
    return kind_of(card).architecture_string(card)


def info_summary(card, folder) -> str:
    """``zoo info``: a human summary of a card of any kind."""
    return kind_of(card).summary(card, folder)
