"""Exact target distributions, looked up by the id a model card names."""
from __future__ import annotations

from .base import ParameterSpec, Target, VariableSpec, torch_component_cdf
from .bessel import BesselTest
from .gaussian2d import Gaussian2D
from .inverse_compton import InverseComptonIsotropic

_TARGETS: dict[str, Target] = {t.id: t for t in (InverseComptonIsotropic(), BesselTest(), Gaussian2D())}


def get_target(target_id: str) -> Target:
    """The exact target with this id; ValueError listing the known ids otherwise."""
    try:
        return _TARGETS[target_id]
    except KeyError:
        raise ValueError(f"unknown target {target_id!r}; known: {', '.join(sorted(_TARGETS))}") from None


def target_ids() -> list[str]:
    return sorted(_TARGETS)


__all__ = ["ParameterSpec", "Target", "VariableSpec", "get_target", "target_ids",
           "torch_component_cdf", "InverseComptonIsotropic", "BesselTest", "Gaussian2D"]
