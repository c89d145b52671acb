"""Exact target distributions, looked up by the id a model card names.

One registry, filled from the process packages (``zoo/processes/<process>/``, each declaring
``TARGETS``) and from third-party distributions through the entry-point group
``radzoo.processes``; tests and plug-ins may also ``register_target`` directly. Discovery
runs once, on the first lookup.
"""
from __future__ import annotations

import importlib
import pkgutil
import warnings

from .base import ParameterSpec, Target, VariableSpec, torch_component_cdf

#: the entry-point group through which other distributions add processes
ENTRY_POINT_GROUP = "radzoo.processes"

_TARGETS: dict[str, Target] = {}
_discovered = False


def _targets_of(obj) -> list[Target]:
    """What a process contributes: a Target, a Target class, or a module/object with TARGETS."""
    if isinstance(obj, Target):
        return [obj]
    if isinstance(obj, type) and issubclass(obj, Target):
        return [obj()]
    targets = getattr(obj, "TARGETS", None)
    if targets is None:
        raise TypeError(f"{obj!r} is not a Target, a Target class or a module with TARGETS")
    return [t for item in targets for t in _targets_of(item)]


def discover(*, force: bool = False) -> None:
    """Register the targets of the bundled process packages and of the ``radzoo.processes``
    entry points (a broken third-party entry point is skipped with a warning)."""
    global _discovered
    if _discovered and not force:
        return
    _discovered = True
    from .. import processes

    for info in sorted(pkgutil.iter_modules(processes.__path__), key=lambda m: m.name):
        if not info.ispkg:      # a plain module holds what several processes share (special functions)
            continue
        for target in _targets_of(importlib.import_module(f"{processes.__name__}.{info.name}")):
            register_target(target)
    from importlib.metadata import entry_points

    bundled = set(_TARGETS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        _load_plugin(ep, bundled)


def _plugin_name(ep) -> str:
    dist = getattr(ep, "dist", None)
    dist_name = getattr(dist, "name", None) or (dist.metadata["Name"] if dist is not None else None)
    return f"entry point {ep.name!r} ({ep.value}) of distribution {dist_name or 'unknown'!r}"


def _load_plugin(ep, bundled: set[str]) -> None:
    """Register one entry point's targets; anything wrong with it (an import that raises, even
    ``SystemExit`` or ``KeyboardInterrupt``; an empty or bundled id; not a Target) skips it with
    a ``RuntimeWarning`` naming the entry point and its distribution. Bundled models always load."""
    def skip(why: str) -> None:
        warnings.warn(f"radzoo: skipped the {ENTRY_POINT_GROUP} plug-in {_plugin_name(ep)}: {why}",
                      RuntimeWarning, stacklevel=4)

    try:
        targets = _targets_of(ep.load())
    except BaseException as err:  # noqa: BLE001 - one broken plug-in must not break the zoo
        skip(f"loading it raised {type(err).__name__}: {err}")
        return
    for target in targets:
        tid = getattr(target, "id", None)
        if not isinstance(tid, str) or not tid:
            skip(f"a target has an empty id ({type(target).__name__})")
        elif tid in bundled:
            skip(f"target id {tid!r} is a bundled process's; a plug-in cannot replace it")
        else:
            try:
                register_target(target)
            except (TypeError, ValueError) as err:
                skip(str(err))


def register_target(target: Target) -> Target:
    """Make a target findable by its id (cards name it in ``target.id``); refuses a second,
    different target under the same id."""
    if not isinstance(target, Target) or not target.id:
        raise TypeError("register_target needs a Target instance with a non-empty id")
    known = _TARGETS.get(target.id)
    if known is not None and known is not target and type(known) is not type(target):
        raise ValueError(f"target id {target.id!r} is already registered ({type(known).__name__})")
    _TARGETS.setdefault(target.id, target)
    return _TARGETS[target.id]


def unregister_target(target_id: str) -> None:
    """Remove a registered target (tests and plug-ins that unload)."""
    _TARGETS.pop(target_id, None)


def get_target(target_id: str) -> Target:
    """The exact target with this id; ValueError listing the known ids otherwise."""
    discover()
    try:
        return _TARGETS[target_id]
    except KeyError:
        raise ValueError(f"unknown target {target_id!r}; known: {', '.join(sorted(_TARGETS))}") from None


def target_ids() -> list[str]:
    discover()
    return sorted(_TARGETS)


__all__ = ["ENTRY_POINT_GROUP", "ParameterSpec", "Target", "VariableSpec", "discover", "get_target",
           "register_target", "target_ids", "torch_component_cdf", "unregister_target"]


def code_sha256(card) -> str | None:
    """sha256 (``zoo.csource.digest``) of the C of everything between a sampler card's networks and
    its samples: its transforms (zoo/transforms.h) and its target's support, helpers and the
    coordinates its sub-networks use (the process's coords.h). The kernel and the export compile
    this text, and the torch and numpy forms are tested against it, so a changed formula under the
    same name changes the hash (``ModelCard.code_sha256``). None for a target without C forms."""
    from .. import csource
    from ..transform_defs import used_by

    target = get_target(card.target.id)
    if target.kernel_support is None:
        return None
    coords = []
    for sub in card.architecture.subnets:
        kc = (target.kernel_coordinates or {}).get(sub.output_transform.coordinate)
        if kc is None:
            return None
        coords.append(kc.cuda)
    parts = [*(t.source for t in used_by(card)), target.cuda_helpers or "", target.kernel_support.cuda,
             *dict.fromkeys(coords)]
    if target.extensions:   # the network's view of the parameters beyond its edges (issue 26)
        from .base import network_parameters_c

        parts.append("\n".join(network_parameters_c(card.target.parameters, target.extensions, "p", "q",
                                                    lambda x: float(x).hex(), symbolic=True)))
    return csource.digest(*parts)
