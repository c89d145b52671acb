"""The model card: everything needed to rebuild, check and trust a registry model.

A card is a strict pydantic v2 model (unknown fields are errors, no type coercion)
stored as ``card.json`` beside ``<name>.safetensors`` in ``registry/<name>/``.
``zoo schema`` prints its JSON Schema for contributors.

Two kinds: ``ModelCard`` (``kind`` "sampler", the default) and ``SurrogateCard`` (``kind``
"surrogate", a field surrogate). ``read_card`` / ``parse_card_json`` read either, dispatching on
the ``kind`` field (anything but "surrogate" reads as ``ModelCard``, with its errors, as before);
``zoo schema --kind surrogate`` prints the surrogate card's schema.
"""
from __future__ import annotations

import hashlib
import json
import re
import math
import warnings
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .checks import NAME_PATTERN, check_revision, read_bounded_file, shown
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

# -- text: every free-text field of a card has a character set and a length (issue 23). A card
# from the Hub is untrusted input; its text reaches terminals, docs and generated C/C++/CUDA/
# Fortran sources (where zoo.sourcetext encodes it per context as well). Refused anywhere: C0/C1
# control characters (line breaks among them), the Unicode line/paragraph separators, zero-width
# and bidirectional controls ("Trojan Source"), the byte-order mark.
TEXT_PATTERN = (r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                r"\u2066-\u2069\ufeff]*$")
MAX_SHORT_TEXT = 200        # units, names, hardware, versions of tools, file paths
MAX_TEXT = 4000             # summaries, citations, losses, command lines, descriptions
ShortText = Annotated[str, Field(pattern=TEXT_PATTERN, max_length=MAX_SHORT_TEXT,
                                 description=f"one line of text, at most {MAX_SHORT_TEXT} characters")]
Text = Annotated[str, Field(pattern=TEXT_PATTERN, max_length=MAX_TEXT,
                            description=f"one paragraph of text (no line breaks), at most {MAX_TEXT} characters")]
#: a name code uses: a keyword argument in Python, an argument name in the C/Fortran exports
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$",
                                  description="letter, then letters, digits, '_'; at most 32")]

# -- header fields every kind of card shares (one definition, used by ModelCard and SurrogateCard)
SchemaVersion = Annotated[int, Field(ge=SCHEMA_VERSION, le=SCHEMA_VERSION,
                                     description=f"always {SCHEMA_VERSION} (an integer, not true)")]
CardName = Annotated[str, Field(pattern=NAME_PATTERN,
                                description="registry name: lower-case letters, digits and '-', at most 64")]
CardVersion = Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$", description="MAJOR.MINOR.PATCH")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ParameterCard(_Strict):
    """A physical parameter Z the network is conditioned on."""

    name: Identifier
    unit: ShortText
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
    name: Identifier
    unit: ShortText


class TargetCard(_Strict):
    """Which exact distribution the model samples, and on which parameter domain."""

    id: Annotated[str, Field(pattern=NAME_PATTERN)] = Field(description="the exact target's registry id")
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
    """  # noqa: E501 - pydantic copies this docstring into the committed registry/model_card.schema.json

    squash: Literal["sigmoid", "clamp", "tanh_paper"]
    coordinate: Identifier


class SubnetCard(_Strict):
    """One dense sub-network H_k of eq. 16 (a single one for 1-D targets).

    Inputs, in order: u_k, the earlier outputs (each w_j in [0, 1] as 2 w_j - 1, followed by
    its ``earlier_extra_inputs``), then for each parameter its scaled value followed by its
    scaled ``extra_inputs``.
    """

    n_inputs: int = Field(ge=1, le=1 + 2 * MAX_SUBNETS + 2 * MAX_PARAMETERS)
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
    earlier_extra_inputs: list[Literal["log_tail"]] = Field(
        default_factory=list, max_length=1,
        description="further inputs derived from each earlier output w_j, after its 2 w_j - 1 column; "
                    "log_tail: ln(max(1 - w_j, 2^-24)) / (12 ln 2) + 1 in [-1, 1], which resolves the top "
                    "end w_j -> 1 on a log scale (ic-isotropic-2d: z given mu depends on b(mu) = "
                    "2 gamma eps0 (1 - mu), which spans decades as mu -> 1)")

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
        if self.subnets[0].earlier_extra_inputs:
            raise ValueError("subnets[0] has no earlier output: earlier_extra_inputs must be empty there "
                             f"(got {list(self.subnets[0].earlier_extra_inputs)})")
        return self


class WeightsCard(_Strict):
    file: str = Field(pattern=r"^[A-Za-z0-9._-]+\.safetensors$", max_length=128)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    parameter_count: int = Field(ge=1, le=MAX_WEIGHTS)
    dtype: Literal["float32"]


class TrainingCard(_Strict):
    """Provenance of the weights, written by the recipe."""

    recipe: ShortText
    seed: int
    loss: Text
    steps: int = Field(ge=0)
    batch_size: int = Field(ge=1)
    final_loss: Optional[NonNegative] = Field(description="null until trained")
    parameter_grid: dict[Identifier, int] = Field(
        description="number of values per parameter in the training list (spaced evenly "
                    "in the parameter's input transform, endpoints included); the "
                    "validator holds out the midpoints")
    hardware: ShortText
    wall_time_s: NonNegative
    torch_version: ShortText
    hyperparameters: dict[Identifier, Optional[bool | int | Finite | ShortText]] = Field(
        default_factory=dict,
        description="the recipe's settings for this run (objective, steps, learning rate, L-BFGS rounds, "
                    "widths, ...), as data; written by the recipe")


class ParamPoint(_Strict):
    """A metric's value at one held-out point."""

    params: dict[Identifier, Finite]
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


class ExtensionMetric(_Strict):
    """One side of a parameter's range beyond the trained domain where the target tends to a limit
    (``zoo.targets.base.DomainExtension``), measured by ``zoo validate`` at random points there
    against the exact target. ``covered``: the measured KS and tails meet the goals, so the sampler
    (Python, fused kernel, export) accepts parameters in ``range`` as inside its domain."""

    parameter: Identifier
    side: Literal["below", "above"]
    range: tuple[Finite, Finite] = Field(description="the measured span beyond the trained edge, in the unit")
    limit: Text = Field(description="the physics the network's edge stands for there")
    n_points: int = Field(ge=1)
    ks_median: NonNegative
    ks_max: NonNegative
    worst: ParamPoint
    tails: list[TailMetric] = Field(default_factory=list, max_length=16)
    covered: bool = Field(description="KS max and the tail-mass errors at u = 1e-4 meet the goals "
                                      "(zoo.samplers.validation.EXTENSION_GOALS)")

    @model_validator(mode="after")
    def _ordered(self):
        if not self.range[0] < self.range[1]:
            raise ValueError(f"extension range {list(self.range)} must be increasing")
        return self


class Metrics(_Strict):
    """Accuracy against the exact target, written only by ``zoo validate``.

    ``digest`` ties the numbers to what they measured (``ModelCard.measured_digest``: target,
    domains, architecture, transforms, weights hash and held-out grid); a card whose digest
    does not match is refused, so edited cards cannot keep stale metrics.
    """

    zoo_version: ShortText
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
    heldout: Optional[str] = Field(
        default=None, max_length=400,
        description="how the held-out points were chosen (written by the validator; absent on cards "
                    "measured on the older midpoint grid)")
    extensions: list[ExtensionMetric] = Field(
        default_factory=list, max_length=2 * MAX_PARAMETERS,
        description="the target's limits beyond the trained domain, measured (ExtensionMetric)")
    wall_time_s: NonNegative

    def tail(self, u: float) -> "TailMetric | None":
        """The tail metric at level u (None if not measured)."""
        return next((t for t in self.tails if abs(t.u - u) <= 1e-12 * u), None)


class HubSource(_Strict):
    """Where the weights live on the Hugging Face Hub when not bundled."""

    repo_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=200)
    revision: ShortText = "main"

    @field_validator("revision")
    @classmethod
    def _revision(cls, v):
        return check_revision(v, "source.revision")


#: model kinds a card may declare (zoo.kinds holds their builders)
ModelKind = Literal["sampler"]


class _CardFile(_Strict):
    """Reading, checking and writing a card file (shared by every kind of card)."""

    @classmethod
    def model_validate_json(cls, json_data, **kwargs):
        """Validate JSON text, after refusing duplicate keys and NaN/Infinity (every path in)."""
        check_json_text(json_data)
        return super().model_validate_json(json_data, **kwargs)

    @classmethod
    def read(cls, path: str | Path, *, stale_metrics: Literal["refuse", "drop"] = "refuse"):
        """Read and validate a card file; ValueError naming the file and the bad fields on failure.

        Field values are never echoed (a card may hold anything). ``stale_metrics="drop"``
        loads a card whose metrics no longer match it without them, with a warning (for
        ``zoo validate``, which measures them anew).
        """
        path = Path(path)
        text = read_card_text(path)
        return cls._from_text(text, path, stale_metrics)

    @classmethod
    def _from_text(cls, text: str, path: Path, stale_metrics: str):
        try:
            return cls.model_validate_json(text)
        except ValidationError as err:
            if stale_metrics == "drop" and _only_stale(err):
                obj = json.loads(text)
                obj.pop("metrics", None)
                warnings.warn(f"{path}: {STALE_METRICS}; they were dropped", UserWarning, stacklevel=3)
                return cls.model_validate_json(json.dumps(obj))
            raise ValueError(f"invalid model card {path}:\n{format_validation_error(err)}") from None
        except ValueError as err:
            raise ValueError(f"invalid model card {path}: {err}") from None

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2) + "\n"

    def write(self, path: str | Path) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a card."""
        from .files import atomic_write

        atomic_write(path, self.to_json(), what="card path")


class ModelCard(_CardFile):
    schema_version: SchemaVersion
    name: CardName
    version: CardVersion
    kind: ModelKind = Field(default="sampler", description="what the model is; selects its builder in "
                            "zoo.load: 'sampler' (an inverse-CDF sampler, zoo.Sampler)")
    summary: Text
    variant: Literal["accurate", "fast"] = Field(
        default="accurate", description="'accurate': the network sized for accuracy margin; 'fast': the "
        "smallest network found that keeps the goals (KS max <= 1e-3, tail-mass errors <= 1e-2 at u = 1e-4) "
        "on random held-out points, sized for draws per second (issue 25)")
    sibling: Optional[CardName] = Field(
        default=None, description="the registry name of the other variant of the same target, if any")
    target: TargetCard
    architecture: Architecture
    weights: WeightsCard
    training: TrainingCard
    metrics: Optional[Metrics] = None
    code_sha256: Optional[str] = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="sha256 of the C (comments and spacing dropped) of everything between the networks "
                    "and the sample: the card's transforms (zoo/transforms.h) and its target's support and "
                    "coordinates (the process's coords.h), the one source the fused kernel and the export "
                    "compile and the torch/numpy forms are tested against (zoo.targets.code_sha256). "
                    "Written by `zoo validate --write-card`, part of the metrics digest; zoo.load refuses a "
                    "card whose maps changed since")
    source: Optional[HubSource] = None
    license: Text
    citation: Text

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
            per_earlier = 1 + len(sub.earlier_extra_inputs)
            want = 1 + k * per_earlier + n_params
            if sub.n_inputs != want:
                raise ValueError(f"subnet {k} must have n_inputs = 1 + {k} x {per_earlier} (earlier outputs) + "
                                 f"{n_params} (parameter columns) = {want}, got {sub.n_inputs}")
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

    def covered_domain(self) -> dict[str, tuple[float, float]]:
        """Per parameter, the range the sampler accepts as its domain: the trained one, widened by
        every side ``zoo validate`` measured covered (``Metrics.extensions``)."""
        out = {p.name: tuple(p.domain) for p in self.target.parameters}
        for e in (self.metrics.extensions if self.metrics is not None else ()):
            if e.covered and e.parameter in out:
                lo, hi = out[e.parameter]
                out[e.parameter] = (min(lo, e.range[0]), hi) if e.side == "below" else (lo, max(hi, e.range[1]))
        return out

    def measured_digest(self) -> str:
        """sha256 of everything the validator's numbers depend on (see ``Metrics.digest``)."""
        arch = self.architecture.model_dump(mode="json")
        for sub in arch["subnets"]:   # fields added later enter only when set (older digests stay valid)
            if not sub["earlier_extra_inputs"]:
                del sub["earlier_extra_inputs"]
        what = {"target": self.target.model_dump(mode="json"),
                "architecture": arch,
                "weights_sha256": self.weights.sha256,
                "parameter_grid": self.training.parameter_grid}
        if self.code_sha256 is not None:   # cards validated before it existed keep their digest
            what["code_sha256"] = self.code_sha256
        return hashlib.sha256(json.dumps(what, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# ==============================================================================================
# Field surrogates (kind "surrogate"): a network that maps bunch parameters or a charge density
# onto a 3-D field on a grid (issue 14). Same discipline as samplers: strict, bounded before
# anything is built, weights hashed, metrics written only by the validator under a digest.
# ==============================================================================================

#: the field components a CSR-wake surrogate predicts, in this order
MAX_COMPONENTS = 8          # output field components
MAX_GRID_POINTS = 256       # grid points per axis
MAX_CHANNELS = 512          # feature maps per convolution
MAX_LEVELS = 8              # decoder stages / U-Net levels

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class SurrogateInput(_Strict):
    """One input of a surrogate: a scalar with a trained domain, or a field on the output grid."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="the keyword of `predict`")
    unit: ShortText
    kind: Literal["scalar", "field"] = Field(
        description="scalar: one number (or one per batch entry) within `domain`; field: an array of the "
                    "output grid's shape, (n_s, n_x, n_y), or a batch of them")
    domain: Optional[tuple[Finite, Finite]] = Field(
        default=None, description="scalars: the trained range [lo, hi] in `unit` (predict refuses values "
                                  "outside it); fields: null")
    description: Text = ""
    components: Optional[list[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")]]] = Field(
        default=None, min_length=2, max_length=MAX_COMPONENTS,
        description="vector fields: the names of the components along the first axis of the array, shape "
                    "(n_components, *grid) (a current density: Jx, Jy, Jz); signed. null: one non-negative "
                    "component of the grid's shape (a charge density)")

    @model_validator(mode="after")
    def _domain_ok(self):
        if self.kind == "scalar":
            if self.domain is None:
                raise ValueError(f"scalar input {self.name!r} needs a domain [lo, hi]")
            lo, hi = self.domain
            if not lo < hi:
                raise ValueError(f"domain of {self.name!r} must have lo < hi, got {list(self.domain)}")
        elif self.domain is not None:
            raise ValueError(f"field input {self.name!r} has no domain (null)")
        if self.components is not None and self.kind != "field":
            raise ValueError(f"scalar input {self.name!r} has no components (null)")
        return self


class GridAxis(_Strict):
    """One axis of the output grid: ``n`` points evenly spaced from ``extent[0]`` to ``extent[1]``
    (metres). Its name is the process's (CSR wakes: s, x, y)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")
    n: int = Field(ge=4, le=MAX_GRID_POINTS)
    extent: tuple[Finite, Finite] = Field(description="first and last grid coordinate, in `unit`")
    unit: Literal["m"]

    @model_validator(mode="after")
    def _extent_ok(self):
        if not self.extent[0] < self.extent[1]:
            raise ValueError(f"axis {self.name!r}: extent must have lo < hi, got {list(self.extent)}")
        return self

    @property
    def spacing(self) -> float:
        return (self.extent[1] - self.extent[0]) / (self.n - 1)


class OutputComponent(_Strict):
    """One predicted field component (its name is the key of ``predict``'s result)."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
    unit: ShortText
    description: Text = ""
    y_parity: Optional[Literal["even", "odd"]] = Field(
        default=None, description="symmetry of this component under the mirror of the last grid axis, for "
                                  "inputs symmetric under it (CSR wakes: Ws, Wx even, Wy odd); needed by "
                                  "y_symmetry 'hard'")

    @property
    def parity(self) -> float:
        """+1 (even) or -1 (odd) under the mirror of the last axis."""
        return -1.0 if self.y_parity == "odd" else 1.0


class PhysicsBlock(_Strict):
    """The physical setting of a surrogate's training fields: ``process`` names the process package
    (``zoo/processes/<process>/``) whose ``PHYSICS`` model defines and checks the other fields
    (CSR wakes: ``zoo.processes.csr_wake.physics.WakePhysics``); checked when the model is built."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    process: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")


class SurrogateOutput(_Strict):
    """What ``predict`` returns: the components on a regular 3-D grid indexed [i_s, i_x, i_y]."""

    axes: list[GridAxis] = Field(min_length=3, max_length=3, description="the networks predict 3-D grids")
    components: list[OutputComponent] = Field(min_length=1, max_length=MAX_COMPONENTS)
    physics: PhysicsBlock
    vectors: Optional[dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")],
                           list[str]]] = Field(
        default=None, max_length=MAX_COMPONENTS,
        description="components that form vectors: predict also returns each as one array (n, *grid) under "
                    "its name (B: [Bx, By, Bz])")

    @model_validator(mode="after")
    def _order(self):
        for what, names in (("axes", [a.name for a in self.axes]), ("components", [c.name for c in self.components])):
            if len(set(names)) != len(names):
                raise ValueError(f"output.{what} names must be unique, got {names}")
        if self.axes[0].n * self.axes[1].n * self.axes[2].n > 1 << 24:
            raise ValueError("output grid has more than 2^24 points")
        comps = [c.name for c in self.components]
        for name, members in (self.vectors or {}).items():
            if name in comps or not members or any(m not in comps for m in members) or \
                    len(set(members)) != len(members):
                raise ValueError(f"output.vectors[{name!r}] must list distinct output components {comps} under a "
                                 f"name that is not a component's, got {members}")
        return self

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(a.n for a in self.axes)

    @property
    def y_symmetric(self) -> bool:
        """The y axis is symmetric about 0 (so mirroring in y maps the grid onto itself)."""
        lo, hi = self.axes[2].extent
        return abs(lo + hi) <= 1e-12 * max(abs(lo), abs(hi))


DropoutRate = Annotated[float, Field(ge=0, le=0.9, allow_inf_nan=False, description=(
    "dropout rate (kept active at prediction time for Monte Carlo dropout, off otherwise)"))]
YSymmetry = Annotated[Literal["none", "hard"], Field(description=(
    "hard: the architecture makes Ws, Wx exactly even and Wy exactly odd in y (sigma-mlp: predicts the "
    "y > 0 half and mirrors it; unet: averages f(lambda) and the mirrored f(mirrored lambda), exactly "
    "y-equivariant); none: unconstrained (a soft constraint is a training loss, recorded in "
    "training.hyperparameters)"))]
OutputScale = Annotated[tuple[Positive, ...], Field(min_length=1, max_length=MAX_COMPONENTS, description=(
    "per output component, in card order: the network's output is multiplied by it (a typical size of the training "
    "fields in the component's unit; unet: per unit max(lambda))"))]
Channels = Annotated[int, Field(ge=1, le=MAX_CHANNELS)]


class _SurrogateArch(_Strict):
    @property
    def parameter_count(self) -> int:
        """Weights of the network, counted from the card alone (no torch: ``zoo list``/``info`` read
        cards without it). tests/test_surrogate.py checks it against the network built on torch's
        meta device (``expected_shapes``) for the bundled and random architectures."""
        return self._count()

    def _count(self) -> int:
        raise NotImplementedError

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        from .surrogates.nets import expected_shapes

        return expected_shapes(self)


class SigmaMLPArchitecture(_SurrogateArch):
    """sigma-NN: scalar inputs -> MLP -> a coarse feature map -> transposed-convolution decoder ->
    3 components on the grid, each times exp(a learned log amplitude)."""

    kind: Literal["sigma-mlp"]
    n_inputs: int = Field(ge=1, le=8)
    input_transform: Literal["log", "identity"] = Field(
        description="each input is mapped affinely from its domain (after log for 'log') onto [-1, 1]")
    hidden: list[Annotated[int, Field(ge=1, le=MAX_WIDTH)]] = Field(min_length=1, max_length=MAX_HIDDEN_LAYERS)
    latent: tuple[Channels, Annotated[int, Field(ge=1, le=64)], Annotated[int, Field(ge=1, le=64)],
                  Annotated[int, Field(ge=1, le=64)]] = Field(
        description="(channels, n_s, n_x, n_y) of the decoder's first feature map; each stage doubles "
                    "n_s, n_x, n_y")
    decoder_channels: list[Channels] = Field(min_length=1, max_length=MAX_LEVELS)
    activation: Activation
    dropout: DropoutRate
    dropout_kind: Literal["standard", "spatial", "both"] = Field(
        description="standard: on the MLP's hidden units; spatial: whole feature maps of the decoder "
                    "(Tompson et al. 2015); both")
    y_symmetry: YSymmetry
    output_scale: OutputScale

    def _count(self) -> int:
        widths = [self.n_inputs, *self.hidden]
        n = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))               # MLP
        n += widths[-1] * math.prod(self.latent) + math.prod(self.latent)          # to_latent
        c = len(self.output_scale)                                                  # components
        n += widths[-1] * c + c                                                     # amplitude
        ch = self.latent[0]
        for out in self.decoder_channels:                                          # up 2x2x2, conv 3x3x3
            n += ch * out * 8 + out + out * out * 27 + out
            ch = out
        return n + ch * c * 27 + c                                                  # head 3x3x3

    @property
    def decoded_shape(self) -> tuple[int, int, int]:
        f = 2 ** len(self.decoder_channels)
        return (self.latent[1] * f, self.latent[2] * f, self.latent[3] * f)

    @model_validator(mode="after")
    def _bounded(self):
        if self.latent[0] * self.latent[1] * self.latent[2] * self.latent[3] > 1 << 20:
            raise ValueError("architecture.latent holds more than 2^20 values")
        if math.prod(self.decoded_shape) > 1 << 24:
            raise ValueError("architecture decodes more than 2^24 grid points")
        return self


class UNetArchitecture(_SurrogateArch):
    """lambda-NN: a 3-D U-Net from the charge density on the grid to the 3 components on the grid.

    The wake is linear in lambda; the network sees lambda / max(lambda) and its output is multiplied
    back by max(lambda) (exactly homogeneous of degree 1: a hard constraint of its own)."""

    kind: Literal["unet"]
    channels: list[Channels] = Field(
        min_length=2, max_length=MAX_LEVELS, description="feature maps per level, finest first; each "
                                                          "further level halves the grid (pooling)")
    convs_per_level: int = Field(default=2, ge=1, le=4)
    activation: Activation | Literal["identity"] = Field(
        description="identity with bias false and pooling avg: the network is exactly linear in lambda, as the "
                    "wake is (a hard constraint)")
    bias: bool = Field(default=True, description="convolutions with biases")
    pooling: Literal["max", "avg"] = Field(default="max", description="down-sampling between levels")
    dropout: DropoutRate
    dropout_kind: Literal["standard", "spatial"] = Field(
        description="spatial: whole feature maps (channel dropout, Tompson et al. 2015); standard: voxels")
    dropout_levels: Literal["all", "bottleneck"] = Field(
        default="all", description="the blocks with dropout: every level, or the coarsest only")
    y_symmetry: YSymmetry
    input_normalization: Literal["max"] = Field(
        default="max", description="W = max(lambda) * output_scale * f(lambda / max(lambda))")
    output_scale: OutputScale

    def _count(self) -> int:
        ch, n, b = list(self.channels), self.convs_per_level, 1 if self.bias else 0

        def block(cin, cout):                                       # n 3x3x3 convolutions
            return cin * cout * 27 + cout * b + (n - 1) * (cout * cout * 27 + cout * b)
        total, cin = 0, 1
        for c in ch:                                                # encoder
            total += block(cin, c)
            cin = c
        for i in range(len(ch) - 1):                                # up 2x2x2, then the decoder block
            total += ch[i + 1] * ch[i] * 8 + ch[i] * b + block(2 * ch[i], ch[i])
        c = len(self.output_scale)                                  # components
        return total + ch[0] * c + c * b                            # 1x1x1 head

    @property
    def linear(self) -> bool:
        """Exactly linear in lambda (identity activations, no biases, average pooling)."""
        return self.activation == "identity" and not self.bias and self.pooling == "avg"


class FoHMArchitecture(_SurrogateArch):
    """FoHM-NO (seed 002): a Fourier-Helmholtz-Maxwell neural operator, J^ -> A_perp^ = mu0 / |k|^2
    exp(g(k)) J_perp^ mode by mode with g an MLP of the wave vector, B^ = i k x A_perp^ (div B = 0 by
    construction). Its modes are those of the card's process (``zoo.processes.<process>.operator``)."""

    kind: Literal["fohm-no"]
    hidden: list[Annotated[int, Field(ge=1, le=MAX_WIDTH)]] = Field(min_length=1, max_length=MAX_HIDDEN_LAYERS,
                                                                    description="widths of g's hidden layers")
    activation: Activation
    dropout: DropoutRate
    features: Literal[6, 8] = Field(default=6, description="g's inputs: |k_i| h_i / pi and |k_i| / |k|, i = x, y, z; "
                                                          "8: also log(k_perp^2/|k|^2 + 1e-4) and log(k_z^2/|k|^2 "
                                                          "+ 1e-4) / log(1e4), which resolve the steep retardation "
                                                          "gain near k_perp -> 0")
    y_symmetry: Literal["none"] = "none"

    def _count(self) -> int:
        widths = [self.features, *self.hidden, 3]
        return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


SurrogateArchitecture = Annotated[Union[SigmaMLPArchitecture, UNetArchitecture, FoHMArchitecture],
                                  Field(discriminator="kind")]


class DatasetCard(_Strict):
    """The training set's provenance: how to regenerate it and the sha256 of its content."""

    generator: ShortText = Field(description="the script that generates it (relative to the repository)")
    command: Text = Field(description="the command line that regenerates exactly this set")
    sha256: Hex64 = Field(description="sha256 of the content (zoo.processes.csr_wake.dataset.content_sha256: "
                                      "every array's name, dtype, shape and bytes), independent of the file's "
                                      "container")
    densities: Text = Field(description="what the training densities are, e.g. 'gaussian'")
    sampling: Text = Field(description="how the inputs were drawn, e.g. 'grid 6x6x6' or 'latin-hypercube 216'")
    seed: int
    n_train: int = Field(ge=1)
    n_test: int = Field(ge=1)
    n_ood: int = Field(ge=0, description="further held-out densities unlike the training ones (two bunches, "
                                         "skewed, ...)")
    grid_n: tuple[int, int, int]
    grid_extent_m: tuple[tuple[Finite, Finite], tuple[Finite, Finite], tuple[Finite, Finite]]
    generation_wall_time_s: NonNegative
    generation_hardware: ShortText


class SurrogateTraining(_Strict):
    """Provenance of the weights, written by the recipe."""

    recipe: ShortText
    seed: int
    loss: Text
    steps: int = Field(ge=0)
    batch_size: int = Field(ge=1)
    final_loss: Optional[NonNegative] = Field(description="null until trained")
    hardware: ShortText
    wall_time_s: NonNegative
    torch_version: ShortText
    hyperparameters: dict[Identifier, Optional[bool | int | Finite | ShortText]] = Field(default_factory=dict)
    dataset: DatasetCard


class ComponentValues(_Strict):
    """One non-negative number per output component, by its name (``v.Ws`` or ``v["Ws"]``); the
    surrogate card checks that the names are its components'."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    __pydantic_extra__: dict[str, NonNegative]

    def names(self) -> tuple[str, ...]:
        return tuple(self.__pydantic_extra__)

    def values(self) -> tuple[float, ...]:
        return tuple(self.__pydantic_extra__.values())

    def __getitem__(self, name: str) -> float:
        return self.__pydantic_extra__[name]


class OODMetric(_Strict):
    """Accuracy on held-out densities unlike the training ones (one family, e.g. two bunches)."""

    name: ShortText = Field(max_length=64)
    n: int = Field(ge=1)
    mae_relative: ComponentValues
    calibration_2sigma: ComponentValues


class SurrogateMetrics(_Strict):
    """Accuracy on the held-out part of the training set, written only by the surrogate validator
    (``zoo validate NAME --data FILE --write-card``).

    ``mae_relative`` (the seed paper's metric): for each held-out field and component, the mean
    absolute error over the grid divided by the standard deviation of the true component over the
    grid; averaged over the held-out fields. ``calibration_2sigma``: the fraction of held-out grid
    values inside the Monte Carlo dropout mean +- 2 std (0.954 for calibrated Gaussian errors).
    ``digest`` ties the numbers to the card (SurrogateCard.measured_digest) as for samplers.
    """

    zoo_version: ShortText
    digest: Hex64
    n_test: int = Field(ge=1)
    n_train_measured: int = Field(ge=0, description="training fields measured for train_mae_relative")
    mc_samples: int = Field(ge=2, description="Monte Carlo dropout passes for the uncertainty metrics")
    test_mae_relative: ComponentValues
    train_mae_relative: Optional[ComponentValues] = None
    calibration_2sigma: ComponentValues
    std_relative: ComponentValues = Field(description="mean Monte Carlo std over the grid / std of the truth "
                                                      "(the size of the uncertainty band)")
    constraint_violation: ComponentValues = Field(
        description="y-symmetry on the held-out (y-symmetric) bunches: mean over the grid of |W - P W| / 2, "
                    "P the mirror in y with the component's parity, / std of the truth; 0 when exact")
    ood: list[OODMetric] = Field(default_factory=list, max_length=16)
    wall_time_s: NonNegative


class SurrogateCard(_CardFile):
    """The card of a field surrogate (kind "surrogate"): inputs, output grid, network, provenance."""

    schema_version: SchemaVersion
    name: CardName
    version: CardVersion
    kind: Literal["surrogate"] = Field(description="a field surrogate (zoo.load returns a zoo.Surrogate)")
    summary: Text
    inputs: list[SurrogateInput] = Field(min_length=1, max_length=8)
    output: SurrogateOutput
    architecture: SurrogateArchitecture
    weights: WeightsCard
    training: SurrogateTraining
    metrics: Optional[SurrogateMetrics] = None
    source: Optional[HubSource] = None
    license: Text
    citation: Text

    @model_validator(mode="after")
    def _consistent(self):
        names = [i.name for i in self.inputs]
        if len(set(names)) != len(names):
            raise ValueError("input names must be unique")
        arch, shape = self.architecture, self.output.shape
        if arch.kind == "sigma-mlp":
            if any(i.kind != "scalar" for i in self.inputs) or arch.n_inputs != len(self.inputs):
                raise ValueError(f"a sigma-mlp takes scalar inputs only, n_inputs = {len(self.inputs)}")
            if arch.input_transform == "log" and any(i.domain[0] <= 0 for i in self.inputs):
                raise ValueError("input_transform 'log' needs positive input domains")
            want = (shape[0], shape[1], shape[2] // 2 if arch.y_symmetry == "hard" else shape[2])
            if arch.y_symmetry == "hard" and shape[2] % 2:
                raise ValueError("a hard y-symmetric sigma-mlp needs an even number of y points")
            if arch.decoded_shape != want:
                raise ValueError(f"architecture decodes a {arch.decoded_shape} grid (latent x 2^stages); the output "
                                 f"grid needs {want}" + (" (the y > 0 half)" if arch.y_symmetry == "hard" else ""))
        elif arch.kind == "fohm-no":
            if len(self.inputs) != 1 or self.inputs[0].kind != "field" or len(self.inputs[0].components or ()) != 3:
                raise ValueError("a fohm-no takes exactly one vector field input of 3 components (the current density)")
        else:
            if len(self.inputs) != 1 or self.inputs[0].kind != "field":
                raise ValueError("a unet takes exactly one field input (the density)")
            f = 2 ** (len(arch.channels) - 1)
            if any(n % f for n in shape):
                raise ValueError(f"a unet of {len(arch.channels)} levels needs grid sizes divisible by {f}, "
                                 f"got {shape}")
        comps = tuple(c.name for c in self.output.components)
        if hasattr(arch, "output_scale") and len(arch.output_scale) != len(comps):
            raise ValueError(f"architecture.output_scale has {len(arch.output_scale)} values for the {len(comps)} "
                             f"output components {list(comps)}")
        if arch.y_symmetry == "hard" and not self.output.y_symmetric:
            raise ValueError("hard y-symmetry needs a y axis symmetric about 0")
        if arch.y_symmetry == "hard" and any(c.y_parity is None for c in self.output.components):
            raise ValueError("hard y-symmetry needs the y_parity of every output component")
        m = self.metrics
        if m is not None:
            values = [m.test_mae_relative, m.train_mae_relative, m.calibration_2sigma, m.std_relative,
                      m.constraint_violation, *(v for o in m.ood for v in (o.mae_relative, o.calibration_2sigma))]
            if any(v is not None and v.names() != comps for v in values):
                raise ValueError(f"metrics must give one value per output component {list(comps)}, in that order")
        ds = self.training.dataset
        if tuple(ds.grid_n) != shape or any(
                abs(a - b) > 1e-9 * max(abs(a), abs(b)) for ax, ext in zip(self.output.axes, ds.grid_extent_m)
                for a, b in zip(ax.extent, ext)):
            raise ValueError("training.dataset grid differs from the output grid")
        if arch.parameter_count > MAX_WEIGHTS:
            raise ValueError(f"architecture has {arch.parameter_count} weights; at most {MAX_WEIGHTS} are allowed")
        if self.weights.parameter_count != arch.parameter_count:
            raise ValueError(f"weights.parameter_count is {self.weights.parameter_count}, the architecture "
                             f"has {arch.parameter_count} weights")
        if self.metrics is not None and self.metrics.digest != self.measured_digest():
            raise ValueError(STALE_METRICS + ": the inputs, grid, architecture, weights or dataset changed "
                             "after validation; re-run `zoo validate NAME --data FILE --write-card`")
        return self

    def measured_digest(self) -> str:
        """sha256 of everything the validator's numbers depend on (see ``SurrogateMetrics.digest``)."""
        ds = self.training.dataset
        what = {"inputs": [_without_unset(i.model_dump(mode="json"), ("components",)) for i in self.inputs],
                "output": _without_unset(self.output.model_dump(mode="json"), ("vectors",)),
                "architecture": self.architecture.model_dump(mode="json"),
                "weights_sha256": self.weights.sha256,
                "dataset": {"sha256": ds.sha256, "n_train": ds.n_train, "n_test": ds.n_test, "n_ood": ds.n_ood}}
        return hashlib.sha256(json.dumps(what, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _without_unset(d: dict, keys: tuple[str, ...]) -> dict:
    """``d`` without those of ``keys`` (fields added after cards were first validated) that are null:
    a digest of an older card stays what it was."""
    return {k: v for k, v in d.items() if not (k in keys and v is None)}


#: every kind of card, by the ``kind`` field of card.json
CARD_CLASSES = {"sampler": ModelCard, "surrogate": SurrogateCard}
AnyCard = Union[ModelCard, SurrogateCard]


#: nesting levels a card's JSON may have (the deepest card today has 6)
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text) -> int:
    """The deepest nesting of arrays and objects in JSON text (strings skipped), with no recursion."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', str(text))):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def card_kind(text: str) -> str:
    """The ``kind`` a card's JSON text declares ("sampler" when absent or unreadable: the sampler
    card then reports what is wrong, as it always has)."""
    try:
        check_json_text(text)          # deep nesting, duplicate keys: refused by the card's parser
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return "sampler"
    kind = obj.get("kind", "sampler") if isinstance(obj, dict) else "sampler"
    return kind if isinstance(kind, str) and kind in CARD_CLASSES else "sampler"


def read_card(path: str | Path, *, stale_metrics: Literal["refuse", "drop"] = "refuse") -> AnyCard:
    """Read a card.json of any kind: the ``kind`` field picks the card class (``CARD_CLASSES``);
    sampler cards (and any other kind, which the sampler card refuses) read as ``ModelCard.read``."""
    path = Path(path)
    text = read_card_text(path)
    return CARD_CLASSES[card_kind(text)]._from_text(text, path, stale_metrics)


def parse_card_json(text: str | bytes) -> AnyCard:
    """Validate card JSON text of any kind (dispatch as ``read_card``)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return CARD_CLASSES[card_kind(text)].model_validate_json(text)


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
    """Refuse JSON that parsers read differently: duplicate keys, NaN/Infinity, deep nesting
    (over ``MAX_JSON_DEPTH`` levels, counted before any recursive parser sees the text)."""
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested too deeply ({depth} levels; a card has at most {MAX_JSON_DEPTH})")
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


def json_schema(kind: str = "sampler") -> dict:
    """JSON Schema of the model card of a kind ("sampler": registry/model_card.schema.json,
    "surrogate": registry/surrogate_card.schema.json)."""
    if kind not in CARD_CLASSES:
        raise ValueError(f"kind must be one of {sorted(CARD_CLASSES)}, got {shown(kind)}")
    return CARD_CLASSES[kind].model_json_schema()
