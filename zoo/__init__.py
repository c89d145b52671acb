"""radzoo: pretrained neural inverse-CDF samplers for astrophysical radiative processes, and
field surrogates (CSR wakes) with the same cards, registry, Hub and validation.

    import zoo
    s = zoo.load("ic-isotropic")
    eps = s.sample(10**6, gamma=1e5, eps0=10**-4.5)   # photon energies in m_e c^2
    m = zoo.load("csr-wake-gaussian")
    w = m.predict(sigma_s=10e-6, sigma_x=5e-6, sigma_y=5e-6)   # w["Ws"], w["Wx"], w["Wy"] on the grid
"""
from __future__ import annotations

from ._version import __version__
from .api import list_models, load
from .card import ModelCard, SurrogateCard
from .kinds import register_kind
from .sampler import ExtrapolationWarning, OutOfDomainError, Sampler
from .surrogate import Surrogate


def list(pattern: str = "*", *, kind: str | None = None) -> list[str]:  # noqa: A001 - the public name the users asked for
    """Names of the bundled models (matching a glob ``pattern``, e.g. ``"ic-*"``; of one ``kind``,
    ``"sampler"`` or ``"surrogate"``, if given)."""
    return list_models(pattern, kind=kind)


__all__ = ["ExtrapolationWarning", "ModelCard", "OutOfDomainError", "Sampler", "Surrogate", "SurrogateCard", "list",
           "list_models", "load", "register_kind", "__version__"]
