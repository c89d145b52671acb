"""Exact target distributions, looked up by the id a model card names."""
from __future__ import annotations

from .base import ParameterSpec, Target, VariableSpec, torch_component_cdf
from .bessel import BesselTest
from .gaussian2d import Gaussian2D
from .inverse_compton import InverseComptonIsotropic

_TARGETS: dict[str, Target] = {t.id: t for t in (InverseComptonIsotropic(), BesselTest(), Gaussian2D())}


def register_target(target: Target) -> Target:
    """Make a target findable by its id (cards name it in ``target.id``); refuses a second,
    different target under the same id."""
    if not isinstance(target, Target) or not target.id:
        raise TypeError("register_target needs a Target instance with a non-empty id")
    known = _TARGETS.get(target.id)
    if known is not None and known is not target:
        raise ValueError(f"target id {target.id!r} is already registered ({type(known).__name__})")
    _TARGETS[target.id] = target
    return target


def unregister_target(target_id: str) -> None:
    """Remove a registered target (tests and plug-ins that unload)."""
    _TARGETS.pop(target_id, None)


def get_target(target_id: str) -> Target:
    """The exact target with this id; ValueError listing the known ids otherwise."""
    try:
        return _TARGETS[target_id]
    except KeyError:
        raise ValueError(f"unknown target {target_id!r}; known: {', '.join(sorted(_TARGETS))}") from None


def target_ids() -> list[str]:
    return sorted(_TARGETS)


__all__ = ["ParameterSpec", "Target", "VariableSpec", "get_target", "register_target", "target_ids",
           "unregister_target",
           "torch_component_cdf", "InverseComptonIsotropic", "BesselTest", "Gaussian2D"]
