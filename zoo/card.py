"""The model card: everything needed to rebuild, check and trust a registry model.

A card is a strict pydantic v2 model (unknown fields are errors, no type coercion)
stored as ``card.json`` beside ``<name>.safetensors`` in ``registry/<name>/``.
``zoo schema`` prints its JSON Schema for contributors.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CARD_FILENAME = "card.json"
SCHEMA_VERSION = 1

Activation = Literal["tanh", "relu", "silu", "gelu"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ParameterCard(_Strict):
    """A physical parameter Z the network is conditioned on."""

    name: str
    unit: str
    domain: tuple[float, float] = Field(description="trained range [lo, hi], in `unit`")
    input_transform: Literal["identity", "log10"] = Field(
        description="applied before the affine map of the domain onto [-1, 1]")
    extra_inputs: list[Literal["inverse_square"]] = Field(
        default_factory=list,
        description="further network inputs derived from this parameter, each mapped affinely "
                    "from its values at the domain ends onto [-1, 1]; inverse_square: 1/value^2 "
                    "(e.g. q_min = 1/(4 gamma^2) of inverse Compton, which matters only near gamma = 1)")

    @property
    def n_inputs(self) -> int:
        """Network input columns this parameter occupies."""
        return 1 + len(self.extra_inputs)

    @model_validator(mode="after")
    def _domain_ok(self):
        lo, hi = self.domain
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"domain of {self.name!r} must be finite with lo < hi, got {self.domain}")
        if (self.input_transform == "log10" or self.extra_inputs) and lo <= 0:
            raise ValueError(f"domain of {self.name!r} must be positive for a log10 input transform "
                             "or extra inputs")
        return self


class VariableCard(_Strict):
    name: str
    unit: str


class TargetCard(_Strict):
    """Which exact distribution the model samples, and on which parameter domain."""

    id: str
    variables: list[VariableCard] = Field(min_length=1)
    parameters: list[ParameterCard]


class OutputTransform(_Strict):
    """Maps the raw network output z onto the support of its variable.

    ``squash`` turns z into w in [0, 1]: ``sigmoid`` (w = 1 / (1 + e^-z)), ``clamp``
    (w = min(max(z, 0), 1): the network predicts w itself) or ``tanh_paper`` (eq. 24-25 of the seed paper, w = (1 + alpha tanh(5 z)) / 2, clamped).
    ``coordinate`` maps w onto the support (``linear``, or a coordinate the target
    offers, e.g. ``log_q`` for inverse Compton).
    """

    squash: Literal["sigmoid", "clamp", "tanh_paper"]
    coordinate: str


class SubnetCard(_Strict):
    """One dense sub-network H_k of eq. 16 (a single one for 1-D targets).

    Inputs, in order: u_k, the earlier outputs (as w_j in [0, 1], scaled to [-1, 1]),
    then for each parameter its scaled value followed by its scaled ``extra_inputs``.
    """

    n_inputs: int = Field(ge=1)
    hidden: list[int] = Field(min_length=1)
    activation: Activation
    output_transform: OutputTransform
    u_transform: Literal["identity", "arcsine"] = Field(
        default="identity",
        description="how u_k enters the network: as is, or as v = (2/pi) atan2(sqrt(u), sqrt(1 - u)) "
                    "in [0, 1], which turns the square-root ends of a map whose density vanishes "
                    "linearly at the ends of the support into straight lines")
    residual: bool = Field(
        default=False,
        description="raw output z = (network output) + (the u input after u_transform): the "
                    "network learns the departure of the map from the identity")

    @field_validator("hidden")
    @classmethod
    def _positive(cls, v):
        if any(h < 1 for h in v):
            raise ValueError("hidden widths must be >= 1")
        return v


class Architecture(_Strict):
    kind: Literal["mlp", "chained"]
    subnets: list[SubnetCard] = Field(min_length=1)


class WeightsCard(_Strict):
    file: str = Field(pattern=r"^[A-Za-z0-9._-]+\.safetensors$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    parameter_count: int = Field(ge=1)
    dtype: Literal["float32"]


class TrainingCard(_Strict):
    """Provenance of the weights, written by the recipe."""

    recipe: str
    seed: int
    loss: str
    steps: int = Field(ge=0)
    batch_size: int = Field(ge=1)
    final_loss: float
    parameter_grid: dict[str, int] = Field(
        description="number of values per parameter in the training list (spaced evenly "
                    "in the parameter's input transform, endpoints included); the "
                    "validator holds out the midpoints")
    hardware: str
    wall_time_s: float = Field(ge=0)
    torch_version: str


class ParamPoint(_Strict):
    """A metric's value at one held-out point."""

    params: dict[str, float]
    component: int = Field(ge=0, description="k of the (conditional) CDF C_k measured")
    value: float


class Metrics(_Strict):
    """Accuracy against the exact target, written only by ``zoo validate``."""

    zoo_version: str
    n_points: int = Field(ge=1, description="held-out (parameter, conditioning) points")
    u_grid: int = Field(ge=2, description="dense u grid size for the KS distance")
    ks_median: float = Field(description="median over points of sup_u |C(ppf(u)) - u|")
    ks_max: float
    worst: ParamPoint = Field(description="the point with the largest KS distance")
    js_bins: int
    js_median: float = Field(description="intrinsic Jensen-Shannon divergence (eq. 33-34, nats)")
    js_max: float
    js_reference: Optional[ParamPoint] = Field(
        default=None, description="JS divergence at the paper's reference point (IC models)")
    monotone: bool = Field(description="ppf non-decreasing in u on the grid at every point")
    wall_time_s: float


class HubSource(_Strict):
    """Where the weights live on the Hugging Face Hub when not bundled."""

    repo_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
    revision: str = "main"


class ModelCard(_Strict):
    schema_version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    summary: str
    target: TargetCard
    architecture: Architecture
    weights: WeightsCard
    training: TrainingCard
    metrics: Optional[Metrics] = None
    source: Optional[HubSource] = None
    license: str
    citation: str

    @model_validator(mode="after")
    def _consistent(self):
        n_dim = len(self.target.variables)
        subnets = self.architecture.subnets
        if len(subnets) != n_dim:
            raise ValueError(f"architecture has {len(subnets)} subnets but the target samples {n_dim} variables")
        if self.architecture.kind == "mlp" and n_dim != 1:
            raise ValueError("kind 'mlp' is for 1-D targets; use 'chained'")
        n_params = sum(p.n_inputs for p in self.target.parameters)
        for k, sub in enumerate(subnets):
            want = 1 + k + n_params
            if sub.n_inputs != want:
                raise ValueError(f"subnet {k} must have n_inputs = 1 + {k} + {n_params} (parameter columns) "
                                 f"= {want}, got {sub.n_inputs}")
        names = [p.name for p in self.target.parameters]
        if len(set(names)) != len(names):
            raise ValueError("parameter names must be unique")
        if set(self.training.parameter_grid) != set(names):
            raise ValueError(f"training.parameter_grid must name exactly the parameters {names}")
        return self

    # -- IO --------------------------------------------------------------------
    @classmethod
    def read(cls, path: str | Path) -> "ModelCard":
        """Read and validate a card file; ValueError naming the file and fields on failure."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f"no model card at {path}") from None
        try:
            return cls.model_validate_json(text)
        except ValidationError as err:
            raise ValueError(f"invalid model card {path}:\n{err}") from None

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2) + "\n"

    def write(self, path: str | Path) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a card."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)


def json_schema() -> dict:
    """JSON Schema of the model card."""
    return ModelCard.model_json_schema()
