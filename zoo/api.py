"""The public entry points ``zoo.load`` and ``zoo.list_models``; submodules import them from
here, never from the package root.

A model is named by a bundled name (``"ic-isotropic"``), a folder path (``pathlib.Path`` or a
string with ``/``) or a Hugging Face Hub repository (``"hf:org/name"``, ``"hf:org/name@rev"``).
Its card's ``kind`` selects the builder (``zoo.kinds``): ``"sampler"`` gives a ``Sampler``,
``"surrogate"`` a ``Surrogate`` (a field surrogate with ``predict``).
"""
from __future__ import annotations

import fnmatch
from pathlib import Path

from .checks import check_revision
from .kinds import KINDS, build, require
from .registry import HF_PREFIX, bundled_names, resolve


def load(name_or_dir: str | Path, *, revision: str | None = None):
    """Load a model by registry name (``"ic-isotropic"``), from a folder holding ``card.json``
    (a ``pathlib.Path``, or a string with a ``/``, e.g. ``"./my-model"``), or from the Hub
    (``"hf:org/name"`` or ``"hf:org/name@revision"``: the card is fetched, then its weights).

    Weights come from the folder when present, otherwise from the Hugging Face Hub
    repository named on the card (``revision``, a branch, tag or commit sha, overrides the
    card's revision). The card's sha256 is checked before any weight is used. A Hub fetch
    gives up after ``RADZOO_HUB_TIMEOUT`` seconds (default 60). The card's ``kind`` decides
    what is returned (``"sampler"``: a ``zoo.Sampler``; ``"surrogate"``: a ``zoo.Surrogate``).
    """
    if revision is not None:
        revision = check_revision(revision)
    card, folder = resolve(name_or_dir)
    return build(card, folder, revision=revision)


def load_sampler(name_or_dir: str | Path, *, revision: str | None = None, what: str = "it has no sample()"):
    """``load`` for the places that need a sampler (sampling, export, CUDA, spectra): the one way to
    say "I need a sampler"; a model of another kind is a ValueError saying what it is and how to use it."""
    return require(load(name_or_dir, revision=revision), "sampler", what)


def list_models(pattern: str = "*", *, kind: str | None = None) -> list[str]:
    """Names of the bundled models matching a glob ``pattern`` (e.g. ``"ic-*"``), sorted; ``kind``
    (``"sampler"`` or ``"surrogate"``) keeps the models of that kind only."""
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a glob string such as 'ic-*', got {type(pattern).__name__}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(sorted(KINDS))} (or None for all), got {kind!r}"
                         if isinstance(kind, str) else f"kind must be a str or None, got {type(kind).__name__}")
    return [n for n in bundled_names(kind) if fnmatch.fnmatchcase(n, pattern)]


__all__ = ["HF_PREFIX", "KINDS", "list_models", "load", "load_sampler"]
