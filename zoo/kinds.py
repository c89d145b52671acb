"""Model kinds: the card's ``kind`` selects the builder that turns (card, folder) into a model.

The way timm's ``build_model_with_cfg`` or huggingface_hub's mixins work: ``zoo.load`` reads
the card (``zoo.card.read_card`` picks the card class by its ``kind``), then calls
``BUILDERS[card.kind]``: ``sampler`` -> ``Sampler``, ``surrogate`` -> ``Surrogate`` (a field
surrogate with ``predict``). A new kind registers its builder here and touches no sampler code.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from .card import AnyCard, ModelCard, SurrogateCard

#: kind -> builder(card, folder, revision) returning the loaded model
BUILDERS: dict[str, Callable[[AnyCard, Path, "str | None"], object]] = {}


def register_kind(kind: str, builder: Callable | None = None):
    """Register the builder of a model kind: ``register_kind("x", f)`` or ``@register_kind("x")``."""
    def add(fn: Callable) -> Callable:
        if kind in BUILDERS and BUILDERS[kind] is not fn:
            raise ValueError(f"model kind {kind!r} already has a builder ({BUILDERS[kind].__qualname__})")
        BUILDERS[kind] = fn
        return fn

    return add(builder) if builder is not None else add


def build(card: AnyCard, folder: Path, *, revision: str | None = None):
    """The model a card describes, built by its kind's builder."""
    try:
        builder = BUILDERS[card.kind]
    except KeyError:
        raise ValueError(f"model {card.name!r} is of kind {card.kind!r}, which this radzoo cannot build; "
                         f"known kinds: {sorted(BUILDERS)}") from None
    return builder(card, folder, revision)


@register_kind("sampler")
def build_sampler(card: ModelCard, folder: Path, revision: str | None = None):
    """An inverse-CDF sampler: checked weights (folder, else Hub) into a ``Sampler``."""
    from .registry import load_weights
    from .sampler import Sampler

    return Sampler(card, folder, load_weights(card, folder, revision=revision))


@register_kind("surrogate")
def build_surrogate(card: SurrogateCard, folder: Path, revision: str | None = None):
    """A field surrogate: checked weights (folder, else Hub) into a ``Surrogate``."""
    from .registry import load_weights
    from .surrogate import Surrogate

    return Surrogate(card, folder, load_weights(card, folder, revision=revision))


def build_from_tensors(card: AnyCard, folder: Path, tensors: dict):
    """The model of a card from weight tensors already checked (``zoo publish`` proves a model loads)."""
    if isinstance(card, SurrogateCard):
        from .surrogate import Surrogate

        return Surrogate(card, folder, tensors)
    from .sampler import Sampler

    return Sampler(card, folder, tensors)
