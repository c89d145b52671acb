"""The physics block of a CSR-wake surrogate card (``output.physics``, process ``csr_wake``) and the
layout such a card must have: grid axes s, x, y and components Ws, Wx (even in y), Wy (odd in y).
``zoo.surrogates`` checks a card's block against the ``PHYSICS`` of its process package when the
model is built, so the generic surrogate card knows nothing of CSR."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]

#: the output components of a CSR-wake surrogate, in card order, and their parity in y
COMPONENTS = ("Ws", "Wx", "Wy")
Y_PARITY = ("even", "even", "odd")
AXES = ("s", "x", "y")


class WakePhysics(BaseModel):
    """The physical setting the training wakes were computed in (``zoo.processes.csr_wake``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    process: Literal["csr_wake"]
    rho_m: Positive = Field(description="bending radius [m]")
    gamma: float = Field(gt=1, allow_inf_nan=False, description="Lorentz factor")
    charge_C: Positive = Field(description="bunch charge [C] for unit conversions only: the wakes are per "
                                           "bunch electron (N r_e m c^2 W is the energy change in eV/m)")

    @staticmethod
    def check_output(output) -> None:
        """A CSR-wake card's grid and components (``SurrogateOutput``): ValueError naming the problem."""
        if tuple(a.name for a in output.axes) != AXES:
            raise ValueError(f"output.axes of a csr_wake surrogate must be {', '.join(AXES)} in that order")
        if tuple(c.name for c in output.components) != COMPONENTS:
            raise ValueError(f"output.components of a csr_wake surrogate must be {', '.join(COMPONENTS)} in that order")
        if tuple(c.y_parity for c in output.components) != Y_PARITY:
            raise ValueError("output.components of a csr_wake surrogate: y_parity is even for Ws, Wx and odd for Wy")

    def describe(self) -> str:
        """One line for ``zoo info`` and the Hub README."""
        return (f"csr_wake: rho = {self.rho_m:g} m, gamma = {self.gamma:g}; wakes per bunch electron "
                f"(charge {self.charge_C:g} C for conversions)")


#: the model of this process's ``output.physics`` block (zoo.surrogates.model.physics_of)
PHYSICS = WakePhysics
