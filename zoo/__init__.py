"""radzoo: pretrained neural inverse-CDF samplers for astrophysical radiative processes, and
field surrogates (CSR wakes) with the same cards, registry, Hub and validation.

    import zoo
    s = zoo.load("ic-isotropic")
    eps = s.sample(10**6, gamma=1e5, eps0=10**-4.5)   # photon energies in m_e c^2
    m = zoo.load("csr-wake-gaussian")
    w = m.predict(sigma_s=10e-6, sigma_x=5e-6, sigma_y=5e-6)   # w["Ws"], w["Wx"], w["Wy"] on the grid
"""
from __future__ import annotations

from ._lazy import lazy_exports
from ._version import __version__

#: public names and the module that defines each, imported on first use (PEP 562) so that
#: ``import zoo`` and the command line's light commands do not import torch
_LAZY = {"list_models": "api", "load": "api", "ModelCard": "card", "SurrogateCard": "card",
         "register_kind": "kinds", "ModelKind": "kinds", "load_sampler": "api",
         "ExtrapolationWarning": "samplers.sampler", "OutOfDomainError": "samplers.sampler",
         "Sampler": "samplers.sampler", "ExactModeWarning": "samplers.sampler", "Surrogate": "surrogates.model",
         "register_target": "targets"}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())


def list(pattern: str = "*", *, kind: str | None = None) -> list[str]:  # noqa: A001 - the public name the users asked for
    """Names of the bundled models (matching a glob ``pattern``, e.g. ``"ic-*"``; of one ``kind``,
    ``"sampler"`` or ``"surrogate"``, if given)."""
    from .api import list_models

    return list_models(pattern, kind=kind)


__all__ = ["ExactModeWarning", "ExtrapolationWarning", "ModelCard", "ModelKind", "OutOfDomainError", "Sampler",
           "Surrogate", "SurrogateCard", "list", "list_models", "load", "load_sampler", "register_kind",
           "register_target", "__version__"]
