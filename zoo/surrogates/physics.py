"""The physics block of a surrogate card (``output.physics``), checked by its process package.

The generic ``SurrogateCard`` knows only ``process``; the package ``zoo.processes.<process>``
defines the block (``PHYSICS``, a pydantic model; CSR wakes: ``zoo.processes.csr_wake.WakePhysics``)
and what grid and components that process needs (``PHYSICS.check_output``). No torch here:
``zoo info`` describes a card through it.
"""
from __future__ import annotations

from ..card import SurrogateCard


def physics_of(card: SurrogateCard):
    """The card's ``output.physics`` block checked by its process package: the package
    ``zoo.processes.<process>`` defines ``PHYSICS`` (a pydantic model of the block, optionally with
    ``check_output(card.output)`` for the grid and components that process needs)."""
    import importlib

    from pydantic import ValidationError

    process = card.output.physics.process
    try:
        module = importlib.import_module(f"zoo.processes.{process}")
    except ModuleNotFoundError:
        raise ValueError(f"card {card.name!r}: output.physics.process {process!r} is not a process package of "
                         "this installation (zoo/processes/<process>/)") from None
    model = getattr(module, "PHYSICS", None)
    if model is None:
        raise ValueError(f"card {card.name!r}: process {process!r} defines no PHYSICS block model")
    try:
        physics = model.model_validate(card.output.physics.model_dump(mode="python"))
    except ValidationError as err:
        raise ValueError(f"card {card.name!r}: output.physics is not a valid {process} block: "
                         f"{err.errors(include_url=False, include_input=False)}") from None
    if hasattr(physics, "check_output"):
        physics.check_output(card.output)
    return physics


def describe_physics(card: SurrogateCard) -> str:
    """One line on the card's physical setting: the process's own ``describe()``, else its fields."""
    physics = physics_of(card)
    if hasattr(physics, "describe"):
        return physics.describe()
    fields = physics.model_dump(mode="json")
    return f"{fields.pop('process')}: " + ", ".join(f"{k} = {v}" for k, v in fields.items())
