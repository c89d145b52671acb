"""The physics block of a beam-fields surrogate card (``output.physics``, process ``beam_fields``)
and the grid such a card must have. No torch here (``zoo info`` describes a card through it).

The setting: electron bunches moving along z inside a perfectly conducting square beam pipe of
half-width ``pipe_half_width_m`` (walls at x, y = +-a), periodic in z with ``period_m`` (a train of
identical bunches; a single bunch when its fields decay within half a period, which they do in a
pipe: as exp(-gamma pi |z| / (a sqrt 2)) beyond the bunch). The grid is cell-centred: n cells per
transverse axis, centres at -a + (i + 1/2) 2a/n, and n_z cells over the period. Fields are those of
the quasi-static approximation at the card's ``gamma`` (see ``spectral``).
"""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]

#: the grid axes, the output components (card order) and how they group into vectors
AXES = ("x", "y", "z")
COMPONENTS = ("Bx", "By", "Bz", "Ax", "Ay", "Az")
VECTORS = {"B": ("Bx", "By", "Bz"), "A": ("Ax", "Ay", "Az")}
INPUT_COMPONENTS = ("Jx", "Jy", "Jz")


def axis_extent(half_width: float, n: int) -> tuple[float, float]:
    """First and last cell centre of n cells across [-half_width, half_width]."""
    h = 2.0 * half_width / n
    return (-half_width + h / 2, half_width - h / 2)


class BeamFieldsPhysics(BaseModel):
    """The physical setting of the training fields (``zoo.processes.beam_fields``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    process: Literal["beam_fields"]
    gamma: float = Field(gt=1, allow_inf_nan=False, description="Lorentz factor of the bunches' common velocity "
                                                                "(the quasi-static solver's)")
    pipe_half_width_m: Positive = Field(description="half-width a of the square, perfectly conducting pipe [m]")
    period_m: Positive = Field(description="length of the periodic z axis (bunch spacing) [m]")

    def check_output(self, output) -> None:
        """A beam-fields card's grid and components: ValueError naming the problem."""
        if tuple(a.name for a in output.axes) != AXES:
            raise ValueError(f"output.axes of a beam_fields surrogate must be {', '.join(AXES)} in that order")
        if tuple(c.name for c in output.components) != COMPONENTS:
            raise ValueError(f"output.components of a beam_fields surrogate must be {', '.join(COMPONENTS)}")
        spans = [self.pipe_half_width_m, self.pipe_half_width_m, self.period_m / 2]
        for ax, half in zip(output.axes, spans):
            want = axis_extent(half, ax.n)
            if any(abs(a - b) > 1e-9 * half for a, b in zip(ax.extent, want)):
                raise ValueError(f"output axis {ax.name!r} must hold the {ax.n} cell centres across +-{half:g} m, "
                                 f"extent {list(want)}; got {list(ax.extent)}")

    #: how ``zoo info`` names this process's card metrics (zoo.processes.beam_fields.validation)
    metric_text: ClassVar[str] = "Gaussian test beams: MAE / mean abs(truth)"
    constraint_text: ClassVar[str] = "divergence L2(div F) / (k_max L2(F)) of B (x3) and A (x3)"

    def describe(self) -> str:
        """One line for ``zoo info`` and the Hub README."""
        a, p = self.pipe_half_width_m, self.period_m
        return (f"beam_fields: bunches at gamma = {self.gamma:g} in a conducting square pipe of half-width "
                f"{a * 1e3:g} mm, periodic in z over {p * 1e3:g} mm; quasi-static fields, A in the Coulomb gauge")


#: the model of this process's ``output.physics`` block (zoo.surrogates.physics.physics_of)
PHYSICS = BeamFieldsPhysics
