"""radzoo: pretrained neural inverse-CDF samplers for astrophysical radiative processes.

    import zoo
    s = zoo.load("ic-isotropic")
    eps = s.sample(10**6, gamma=1e5, eps0=10**-4.5)   # photon energies in m_e c^2
"""
from __future__ import annotations

from ._version import __version__
from .api import list_models, load
from .card import ModelCard
from .kinds import register_kind
from .sampler import ExtrapolationWarning, OutOfDomainError, Sampler


def list(pattern: str = "*") -> list[str]:  # noqa: A001 - the public name the users asked for
    """Names of the bundled models (matching a glob ``pattern``, e.g. ``"ic-*"``)."""
    return list_models(pattern)


__all__ = ["ExtrapolationWarning", "ModelCard", "OutOfDomainError", "Sampler", "list", "list_models", "load",
           "register_kind", "__version__"]
