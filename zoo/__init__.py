"""radzoo: pretrained neural inverse-CDF samplers for astrophysical radiative processes.

    import zoo
    s = zoo.load("ic-isotropic")
    eps = s.sample(10**6, gamma=1e5, eps0=10**-4.5)   # photon energies in m_e c^2
"""
from __future__ import annotations

from pathlib import Path

from .card import ModelCard
from .checks import check_revision
from .registry import list_models, load_weights, resolve
from .sampler import ExtrapolationWarning, OutOfDomainError, Sampler

__version__ = "0.1.0"


def list() -> list[str]:  # noqa: A001 - the public name the users asked for
    """Names of the bundled models."""
    return list_models()


def load(name_or_dir: str | Path, *, revision: str | None = None) -> Sampler:
    """Load a model by registry name (``"ic-isotropic"``) or from a folder holding ``card.json``
    (a ``pathlib.Path``, or a string with a ``/``, e.g. ``"./my-model"``).

    Weights come from the folder when present, otherwise from the Hugging Face Hub
    repository named on the card (``revision``, a branch, tag or commit sha, overrides the
    card's revision). The card's sha256 is checked before any weight is used. A Hub fetch
    gives up after ``RADZOO_HUB_TIMEOUT`` seconds (default 60).
    """
    if revision is not None:
        revision = check_revision(revision)
    card, folder = resolve(name_or_dir)
    return Sampler(card, folder, load_weights(card, folder, revision=revision))


__all__ = ["ExtrapolationWarning", "ModelCard", "OutOfDomainError", "Sampler", "list", "load", "__version__"]
