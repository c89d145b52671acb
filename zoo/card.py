"""The model card: everything needed to rebuild, check and trust a registry model.

A card is a strict pydantic v2 model (unknown fields are errors, no type coercion)
stored as ``card.json`` beside ``<name>.safetensors`` in ``registry/<name>/``.
``zoo schema`` prints its JSON Schema for contributors.
"""
from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .checks import check_revision, read_bounded_file, shown
from .transform_defs import INPUT_COLUMNS

CARD_FILENAME = "card.json"
SCHEMA_VERSION = 1
#: a card is a few kB; anything larger is refused before it is read
MAX_CARD_BYTES = 1 << 20

# -- size bounds, checked from the card alone before any tensor is allocated -------------------
MAX_WIDTH = 4096            # neurons per hidden layer
MAX_HIDDEN_LAYERS = 32      # hidden layers per sub-network
MAX_SUBNETS = 16            # sampled variables (chained sub-networks)
MAX_PARAMETERS = 32         # physical parameters Z
MAX_WEIGHTS = 1 << 24       # network weights in all (64 MiB of float32)

#: a finite, non-negative float (metrics, times, losses): NaN, inf and negatives are refused
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


Activation = Literal["tanh", "relu", "silu", "gelu"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ParameterCard(_Strict):
    """A physical parameter Z the network is conditioned on."""

    name: str
    unit: str
    domain: tuple[Finite, Finite] = Field(description="trained range [lo, hi], in `unit`")
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
        # every network input column maps [T(lo), T(hi)] affinely onto [-1, 1]: both ends must be
        # finite and distinct in float64, or every input (and so every sample) would be NaN
        for kind in (self.input_transform, *self.extra_inputs):
            a, b = INPUT_COLUMNS[kind].py(lo), INPUT_COLUMNS[kind].py(hi)
            if not (math.isfinite(a) and math.isfinite(b)) or abs(b - a) <= 1e-9 * max(1.0, abs(a), abs(b)):
                raise ValueError(f"domain of {self.name!r} {list(self.domain)} has no usable width under the "
                                 f"{kind} input transform (T(lo) = {a:g}, T(hi) = {b:g}): the ends must map "
                                 "to finite values at least 1e-9 (relative) apart")
        return self


class VariableCard(_Strict):
    name: str
    unit: str


class TargetCard(_Strict):
    """Which exact distribution the model samples, and on which parameter domain."""

    id: str = Field(max_length=64)
    variables: list[VariableCard] = Field(min_length=1, max_length=MAX_SUBNETS)
    parameters: list[ParameterCard] = Field(max_length=MAX_PARAMETERS)
    sample_dtype: Literal["float32", "float64"] = Field(
        default="float64",
        description="the dtype samples need to keep the card's accuracy: `sample`/`ppf` return it by "
                    "default and refuse a narrower one (float64 for supports spanning many decades, "
                    "where float32 rounding alone exceeds the KS distance or leaves the support)")


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

    n_inputs: int = Field(ge=1, le=1 + MAX_SUBNETS + 2 * MAX_PARAMETERS)
    hidden: list[Annotated[int, Field(ge=1, le=MAX_WIDTH)]] = Field(min_length=1, max_length=MAX_HIDDEN_LAYERS)
    activation: Activation
    output_transform: OutputTransform
    u_transform: Literal["identity", "arcsine", "logit"] = Field(
        default="identity",
        description="how u_k enters the network: as is, or as v = (2/pi) atan2(sqrt(u), sqrt(1 - u)) "
                    "in [0, 1], which turns the square-root ends of a map whose density vanishes "
                    "linearly at the ends of the support into straight lines; or as the logit "
                    "v = ln u - ln(1 - u) (u clamped to [2^-53, 1 - 2^-53]): with the sigmoid squash and "
                    "residual, z = v + network, the map's tails w ~ c u become straight lines the "
                    "saturating network only offsets (relative accuracy in the tails)")
    residual: bool = Field(
        default=False,
        description="raw output z = (network output) + (the u input after u_transform): the "
                    "network learns the departure of the map from the identity")

    @property
    def parameter_count(self) -> int:
        """Weights and biases of this sub-network (computed from the card, nothing allocated)."""
        widths = [self.n_inputs, *self.hidden, 1]
        return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


class Architecture(_Strict):
    kind: Literal["mlp", "chained"]
    subnets: list[SubnetCard] = Field(min_length=1, max_length=MAX_SUBNETS)

    @property
    def parameter_count(self) -> int:
        return sum(s.parameter_count for s in self.subnets)

    @model_validator(mode="after")
    def _bounded(self):
        if self.parameter_count > MAX_WEIGHTS:
            raise ValueError(f"architecture has {self.parameter_count} weights; at most {MAX_WEIGHTS} are allowed")
        return self


class WeightsCard(_Strict):
    file: str = Field(pattern=r"^[A-Za-z0-9._-]+\.safetensors$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    parameter_count: int = Field(ge=1, le=MAX_WEIGHTS)
    dtype: Literal["float32"]


class TrainingCard(_Strict):
    """Provenance of the weights, written by the recipe."""

    recipe: str
    seed: int
    loss: str
    steps: int = Field(ge=0)
    batch_size: int = Field(ge=1)
    final_loss: Optional[NonNegative] = Field(description="null until trained")
    parameter_grid: dict[str, int] = Field(
        description="number of values per parameter in the training list (spaced evenly "
                    "in the parameter's input transform, endpoints included); the "
                    "validator holds out the midpoints")
    hardware: str
    wall_time_s: NonNegative
    torch_version: str
    hyperparameters: dict[str, Optional[bool | int | Finite | str]] = Field(
        default_factory=dict,
        description="the recipe's settings for this run (objective, steps, learning rate, L-BFGS rounds, "
                    "widths, ...), as data; written by the recipe")


class ParamPoint(_Strict):
    """A metric's value at one held-out point."""

    params: dict[str, Finite]
    component: int = Field(ge=0, description="k of the (conditional) CDF C_k measured")
    value: NonNegative


class TailMetric(_Strict):
    """Relative error of the network's tail mass at one quantile level u, over the held-out points.

    Lower tail: |C(ppf(u)) / u - 1|; upper tail: |(1 - C(ppf(1 - u))) / u - 1|, with the exact
    CDF and survival function (relative-accurate in the tails). 1.0 means the tail holds twice
    (or none of) the mass it should.
    """

    u: float = Field(gt=0.0, lt=0.5, description="quantile level")
    lower_median: NonNegative
    lower_max: NonNegative
    upper_median: NonNegative
    upper_max: NonNegative
    worst: ParamPoint = Field(description="the point (and component) with the largest error at this level, "
                                          "either tail")


class Metrics(_Strict):
    """Accuracy against the exact target, written only by ``zoo validate``.

    ``digest`` ties the numbers to what they measured (``ModelCard.measured_digest``: target,
    domains, architecture, transforms, weights hash and held-out grid); a card whose digest
    does not match is refused, so edited cards cannot keep stale metrics.
    """

    zoo_version: str
    digest: str = Field(pattern=r"^[0-9a-f]{64}$",
                        description="sha256 of what was measured (ModelCard.measured_digest)")
    n_points: int = Field(ge=1, description="held-out (parameter, conditioning) points")
    u_grid: int = Field(ge=2, description="dense u grid size for the KS distance")
    ks_median: NonNegative = Field(description="median over points of sup_u |C(ppf(u)) - u|")
    ks_max: NonNegative
    worst: ParamPoint = Field(description="the point with the largest KS distance")
    js_bins: int = Field(ge=1)
    js_median: NonNegative = Field(description="intrinsic Jensen-Shannon divergence (eq. 33-34, nats)")
    js_max: NonNegative
    js_reference: Optional[ParamPoint] = Field(
        default=None, description="JS divergence at the paper's reference point (IC models)")
    tails: list[TailMetric] = Field(
        default_factory=list, max_length=16,
        description="relative tail-mass errors at quantile levels u (both ends), see TailMetric")
    monotone: bool = Field(description="ppf non-decreasing in u on the grid at every point")
    wall_time_s: NonNegative

    def tail(self, u: float) -> "TailMetric | None":
        """The tail metric at level u (None if not measured)."""
        return next((t for t in self.tails if abs(t.u - u) <= 1e-12 * u), None)


class HubSource(_Strict):
    """Where the weights live on the Hugging Face Hub when not bundled."""

    repo_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=200)
    revision: str = "main"

    @field_validator("revision")
    @classmethod
    def _revision(cls, v):
        return check_revision(v, "source.revision")


#: model kinds a card may declare (zoo.kinds holds their builders)
ModelKind = Literal["sampler"]


class ModelCard(_Strict):
    schema_version: int = Field(ge=SCHEMA_VERSION, le=SCHEMA_VERSION, description=f"always {SCHEMA_VERSION} (an integer, not true)")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    kind: ModelKind = Field(default="sampler", description="what the model is; selects its builder in "
                            "zoo.load: 'sampler' (an inverse-CDF sampler, zoo.Sampler)")
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
        if self.weights.parameter_count != self.architecture.parameter_count:
            raise ValueError(f"weights.parameter_count is {self.weights.parameter_count}, the architecture "
                             f"has {self.architecture.parameter_count} weights")
        if self.metrics is not None and self.metrics.digest != self.measured_digest():
            raise ValueError(STALE_METRICS + ": the architecture, transforms, domains or weights changed "
                             "after validation; re-run `zoo validate NAME --write-card`")
        return self

    def measured_digest(self) -> str:
        """sha256 of everything the validator's numbers depend on (see ``Metrics.digest``)."""
        what = {"target": self.target.model_dump(mode="json"),
                "architecture": self.architecture.model_dump(mode="json"),
                "weights_sha256": self.weights.sha256,
                "parameter_grid": self.training.parameter_grid}
        return hashlib.sha256(json.dumps(what, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    # -- IO --------------------------------------------------------------------
    @classmethod
    def model_validate_json(cls, json_data, **kwargs) -> "ModelCard":
        """Validate JSON text, after refusing duplicate keys and NaN/Infinity (every path in)."""
        check_json_text(json_data)
        return super().model_validate_json(json_data, **kwargs)

    @classmethod
    def read(cls, path: str | Path, *, stale_metrics: Literal["refuse", "drop"] = "refuse") -> "ModelCard":
        """Read and validate a card file; ValueError naming the file and the bad fields on failure.

        Field values are never echoed (a card may hold anything). ``stale_metrics="drop"``
        loads a card whose metrics no longer match it without them, with a warning (for
        ``zoo validate``, which measures them anew).
        """
        path = Path(path)
        text = read_card_text(path)
        try:
            return cls.model_validate_json(text)
        except ValidationError as err:
            if stale_metrics == "drop" and _only_stale(err):
                obj = json.loads(text)
                obj.pop("metrics", None)
                warnings.warn(f"{path}: {STALE_METRICS}; they were dropped", UserWarning, stacklevel=2)
                return cls.model_validate_json(json.dumps(obj))
            raise ValueError(f"invalid model card {path}:\n{format_validation_error(err)}") from None
        except ValueError as err:
            raise ValueError(f"invalid model card {path}: {err}") from None

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2) + "\n"

    def write(self, path: str | Path) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a card."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)


STALE_METRICS = "stale metrics: they were measured on a different model"


def _only_stale(err: ValidationError) -> bool:
    return all(STALE_METRICS in e.get("msg", "") for e in err.errors(include_url=False, include_input=False))


def format_validation_error(err: ValidationError) -> str:
    """One line per bad field: its location and what is wrong, never the value it held.

    Field names are shown (an unknown field is usually a typo the user must see), cut to 40
    characters; values never are.
    """
    lines = []
    for e in err.errors(include_url=False, include_input=False, include_context=False):
        loc = ".".join(str(x)[:40] for x in e.get("loc", ())) or "(card)"
        lines.append(f"  {loc}: {e.get('msg', 'invalid')}")
    return "\n".join(lines)


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {shown(key)} (a JSON object may name each field once)")
        out[key] = value
    return out


def _no_constant(name):
    raise ValueError(f"{name} is not a number a card may hold (only finite numbers)")


def check_json_text(text) -> None:
    """Refuse JSON that parsers read differently: duplicate keys, NaN/Infinity, deep nesting."""
    try:
        json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None


def read_card_text(path: Path) -> str:
    """The text of a card file: at most MAX_CARD_BYTES, UTF-8; ValueError naming the file otherwise."""
    data, _ = read_bounded_file(path, MAX_CARD_BYTES, what="model card")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"model card {path} is not UTF-8 text (invalid byte at offset {err.start})") from None


def json_schema() -> dict:
    """JSON Schema of the model card."""
    return ModelCard.model_json_schema()
