"""Training recipes as data: one ``recipe.toml`` per model, beside its card in ``registry/<name>/``.

    zoo train klein-nishina                       # the bundled recipe, writes registry/klein-nishina
    zoo train klein-nishina --smoke --out /tmp/kn  # seconds
    zoo train path/to/recipe.toml --device cuda

A recipe file holds what a model's training takes, and nothing else::

    name = "klein-nishina"
    kind = "sampler"                 # the model kind (zoo.kinds), whose train() runs the recipe
    description = '''why these choices, measured'''
    [card]                           # sampler: the arguments of zoo.samplers.training.base_card
    version = "0.2.0"
    target_id = "klein-nishina"
    ...
    [fit]                            # the trainer's defaults (its command-line flags override them)
    objective = "tail-quantile"
    steps = 20000
    ...

The recipes ship in the wheel (inside the registry folders); the card a run writes names its recipe
(``training.recipe``) and records the settings of the run (``training.hyperparameters``).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:   # pragma: no cover - Python 3.10
    import tomli as tomllib

RECIPE_FILENAME = "recipe.toml"
_TOP_KEYS = {"name", "kind", "description", "card", "fit"}


@dataclass(frozen=True)
class Recipe:
    """One model's recipe, read from its ``recipe.toml``.

    ``card``: the sampler kind's ``base_card`` arguments (empty for kinds whose trainer builds the card
    itself); ``fit``: the trainer's keyword defaults; ``path``: the file it was read from."""

    name: str
    kind: str
    path: Path
    description: str = ""
    card: dict = field(default_factory=dict)
    fit: dict = field(default_factory=dict)

    @property
    def reference(self) -> str:
        """How the card names this recipe: ``registry/<name>/recipe.toml`` for the bundled ones."""
        from .registry import bundled_registry_dir as registry_dir

        try:
            rel = self.path.resolve().relative_to(registry_dir().resolve())
            return f"registry/{rel.as_posix()}"
        except ValueError:
            return self.path.name if self.path.parent.name != self.name else f"{self.name}/{self.path.name}"

    @property
    def default_out(self) -> Path | None:
        """Where a run writes by default: the recipe's folder (``registry/<name>`` in a source checkout);
        None (``--out`` required) where that folder lies inside the installed package."""
        folder = self.path.resolve().parent
        return None if folder.is_relative_to(Path(__file__).resolve().parent) else folder

    def arguments(self, table: str, fn, reserved: tuple[str, ...] = ()) -> dict:
        """The ``[card]`` or ``[fit]`` table as keyword arguments of ``fn``: a key ``fn`` does not take,
        or one of ``reserved`` (those the trainer sets itself), is refused before any work (ValueError
        naming the file, the table and the keys)."""
        import inspect

        values = getattr(self, table)
        unknown = sorted(set(values) - (set(inspect.signature(fn).parameters) - set(reserved)))
        if unknown:
            raise ValueError(f"recipe {self.path}: [{table}] has keys {unknown} that {fn.__qualname__} does not "
                             "take")
        return dict(values)


def read_recipe(path: str | Path) -> Recipe:
    """Read and check a ``recipe.toml`` (a clear error names the file and the key at fault)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"recipe {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"recipe {path} cannot be read: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"recipe {path} is not valid TOML: {err}") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"recipe {path}: unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    for key in ("name", "kind"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ValueError(f"recipe {path}: {key!r} must be a non-empty string")
    for key in ("card", "fit"):
        if not isinstance(data.get(key, {}), dict):
            raise ValueError(f"recipe {path}: [{key}] must be a table")
    from .kinds import KINDS

    if data["kind"] not in KINDS:
        raise ValueError(f"recipe {path}: kind {data['kind']!r} has no trainer; known: {sorted(KINDS)}")
    return Recipe(name=data["name"], kind=data["kind"], path=path, description=data.get("description", ""),
                  card=data.get("card", {}), fit=data.get("fit", {}))


def recipe_paths() -> dict[str, Path]:
    """Every bundled recipe: model name -> ``registry/<name>/recipe.toml``."""
    from .registry import bundled_registry_dir as registry_dir

    return {p.parent.name: p for p in sorted(registry_dir().glob(f"*/{RECIPE_FILENAME}"))}


def find_recipe(name_or_path: str) -> Recipe:
    """A recipe by bundled model name (``klein-nishina``), folder (``registry/x``) or file path."""
    p = Path(name_or_path)
    if p.is_file():
        return read_recipe(p)
    if p.is_dir() and (p / RECIPE_FILENAME).is_file():
        return read_recipe(p / RECIPE_FILENAME)
    known = recipe_paths()
    if name_or_path in known:
        return read_recipe(known[name_or_path])
    raise ValueError(f"no recipe {name_or_path!r}: give a bundled model name ({', '.join(known)}), a folder "
                     f"holding {RECIPE_FILENAME}, or the path of a recipe file")


def train(name_or_path: str, argv: list[str] | None = None):
    """Run a recipe (``zoo train``): train, write weights and card, validate. ``argv``: the trainer's
    flags (``--smoke``, ``--out``, ``--device``, ``--steps`` ...; ``zoo train NAME --help`` lists them)."""
    from .kinds import KINDS

    recipe = find_recipe(name_or_path)
    return KINDS[recipe.kind].train(recipe, list(argv or []))


def register(sub) -> None:
    """The ``zoo train`` subcommand."""
    import argparse

    p = sub.add_parser("train", help="train a model from its recipe (registry/<name>/recipe.toml)",
                       description="Train a model from its recipe and write its weights and validated card. "
                                   "Flags after the recipe go to its trainer: zoo train NAME --help lists them "
                                   "(--smoke, --out, --device cuda, --steps, --fresh, ...); an interrupted run "
                                   "resumes from its checkpoint.")
    p.add_argument("recipe", help="bundled model name, a folder holding recipe.toml, or a recipe file")
    p.add_argument("flags", nargs=argparse.REMAINDER, help="the trainer's flags")
    p.set_defaults(func=lambda args: (train(args.recipe, args.flags), 0)[1])
