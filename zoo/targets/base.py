"""Common interface of the exact target distributions (the physics layer).

A target is a (possibly multivariate) distribution of sampled variables
``x = (x_0, ..., x_{d-1})`` that depends on physical parameters ``Z``. It is
described component by component, as the chained inverse-CDF method needs it
(eq. 8-17 of the seed paper): component ``k`` has a support, a pdf and a CDF
conditioned on the earlier components ``x_0 .. x_{k-1}`` and on ``Z``.

Exact references are evaluated in float64 numpy/scipy. ``torch_component_cdf``
wraps them as a differentiable torch function (its derivative with respect to
``x_k`` is the exact pdf), so recipes can train on the CDF loss of eq. 4/17.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import torch

from .. import csource
from ..csource import function_names  # noqa: F401  (re-exported: the targets and tests use it)

Params = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class ParameterSpec:
    """One physical parameter of a target.

    ``domain`` is the range where the target's formulas are valid (not the range a
    given network was trained on: that lives on the model card).
    """

    name: str
    unit: str
    description: str
    domain: tuple[float, float]


@dataclass(frozen=True)
class VariableSpec:
    """One sampled variable of a target."""

    name: str
    unit: str
    description: str


def gauss_legendre(order: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    t, w = np.polynomial.legendre.leggauss(order)
    return 0.5 * (t + 1.0), 0.5 * w


def bisect_increasing(g, y: np.ndarray, steps: int) -> np.ndarray:
    """t in [0, 1] with g(t) = y for a non-decreasing vectorised g, by ``steps`` halvings."""
    lo = np.zeros_like(y)
    hi = np.ones_like(y)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        below = g(mid) <= y
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def header_source(path, *names: str) -> str:
    """The text of the named functions of a process's ``coords.h`` (each with the comment lines just
    above it), in the order given: the one C source of its supports and coordinates, included by the
    fused kernel (NVRTC, ``RZ_FN`` = ``__device__ __forceinline__``, ``rz_map_t`` = float) and by the
    export (``rz_map_t`` = double), compiled by gcc in the tests. ``names``: function names
    (``rz_support_kn``, ``rz_prep_kn_log_eps``). See ``zoo.csource``."""
    return csource.header_source(path, *names)


def support_source(path, name: str) -> str:
    """``header_source`` of a support: ``rz_support_<name>``."""
    return header_source(path, f"rz_support_{name}")


def coordinate_source(path, name: str) -> str:
    """``header_source`` of a coordinate: ``rz_prep_<name>`` then ``rz_map_<name>``."""
    return header_source(path, f"rz_prep_{name}", f"rz_map_{name}")


#: the supports and coordinates of the base class (unit, linear, arcsine), in C
COORDS = Path(__file__).with_name("coords.h")


#: the most map constants (``RzMap.c``, in rz_map_t) a coordinate may use (the export's RzMap holds this many)
MAX_CONSTANTS = 4
_CONSTANT = re.compile(r"m->c\[(\d+)\]")


def map_constants(code: str) -> int:
    """How many of ``RzMap.c`` a support's or coordinate's C uses (the highest index + 1)."""
    return max((int(i) + 1 for i in _CONSTANT.findall(code)), default=0)


@dataclass(frozen=True)
class KernelSupport:
    """The support of a target's components in the fused kernel and its emulation.

    ``cuda``: the C of ``rz_support_<name>(int k, const double* p, const double* prev, RzMap* m)``
    (from the process's coords.h, ``support_source``), setting ``m->lo``, ``m->hi`` of component ``k``
    from the parameters ``p`` (card order) and the earlier components ``prev`` (float64; nullptr unless
    ``conditional``).
    ``emulate(k, p, prev)``: the same in numpy (p: list of arrays in card order, prev: (n, k)
    array or None) -> (lo, hi). ``conditional``: the support of components k >= 1 depends on
    earlier components (the kernel then evaluates it per sample, after them).
    """

    name: str
    cuda: str
    emulate: Callable
    conditional: bool = False


@dataclass(frozen=True)
class KernelCoordinate:
    """A coordinate (w in [0, 1] -> sample): one object holding every form of it.

    ``cuda``: its C (from the process's coords.h, ``coordinate_source``): ``rz_prep_<name>(const
    double* p, const double* prev, RzMap* m)`` (float64 constants of the map, after the support) and
    ``rz_map_<name>(rz_map_t w, const RzMap* m)`` returning the sample as double (the caller clamps it
    to [lo, hi] in fp64); the fused kernel and ``zoo export`` both use it. ``emulate_prep(p, prev)`` ->
    (constants, g) and ``emulate_map(w, lo, hi, c, g, t)`` -> x repeat the kernel in numpy (t: the
    map's float type). ``torch(w, lo, hi, params, prev)`` -> x is the reference form (float64 tensors,
    differentiable in w; ``lo``, ``hi`` the support when ``needs_support``, else None), which the base
    ``Target.to_physical`` calls. ``uses_prev``: the map's constants depend on the earlier components
    (the kernel prepares them per sample, after those components). ``components``: the components
    the coordinate applies to (None: all).
    """

    name: str
    cuda: str
    emulate_prep: Callable
    emulate_map: Callable
    uses_prev: bool = False
    torch: Callable | None = None
    needs_support: bool = False
    components: tuple[int, ...] | None = None

    @property
    def digest(self) -> str:
        """sha256 (12 hex) of the coordinate's forms: its C and the source of its torch and numpy
        functions (a changed formula under the same name gets a new quantile-table key)."""
        import hashlib
        import inspect

        parts = [self.cuda]
        for fn in (self.torch, self.emulate_prep, self.emulate_map):
            try:
                parts.append(inspect.getsource(fn) if fn is not None else "")
            except (OSError, TypeError):
                parts.append(getattr(fn, "__qualname__", repr(fn)))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _unit_support(k, p, prev):
    ref = np.asarray(p[0]) if p else (np.asarray(prev[..., 0]) if prev is not None else np.float64(0))
    return np.zeros_like(ref, dtype=np.float64), np.ones_like(ref, dtype=np.float64)


#: [0, 1] for every component (bessel-test, gaussian-2d)
UNIT_SUPPORT = KernelSupport(
    "unit", support_source(COORDS, "unit"), _unit_support)

#: x = lo + w (hi - lo), in fp64 (one DFMA; the support may reach 1e10)
LINEAR = KernelCoordinate(
    "linear",
    coordinate_source(COORDS, "linear"),
    emulate_prep=lambda p, prev: ((), None),
    emulate_map=lambda w, lo, hi, c, g, t: w.astype(np.float64) * (hi - lo) + lo,
    torch=lambda w, lo, hi, params, prev: lo + w * (hi - lo), needs_support=True)


def _arcsine_fraction(w: torch.Tensor) -> torch.Tensor:
    """(2/pi) atan2(sqrt(w), sqrt(1 - w)), the arcsine coordinate's fraction of the support."""
    return (2.0 / np.pi) * torch.atan2(torch.sqrt(w), torch.sqrt(1.0 - w))


#: x = lo + (hi - lo) (2/pi) atan2(sqrt(w), sqrt(1 - w)): x - lo ~ sqrt(w) and hi - x ~ sqrt(1 - w),
#: so where the density vanishes linearly at both ends (CDF ~ (x - lo)^2, ~ (hi - x)^2) the
#: exact map is linear in w in both tails (bessel-test)
ARCSINE = KernelCoordinate(
    "arcsine",
    coordinate_source(COORDS, "arcsine"),
    emulate_prep=lambda p, prev: ((), None),
    emulate_map=lambda w, lo, hi, c, g, t: (
        (t(2.0 / np.pi) * np.arctan2(np.sqrt(w.astype(t)), np.sqrt(t(1) - w.astype(t)))).astype(t)
        .astype(np.float64) * (hi - lo) + lo),
    torch=lambda w, lo, hi, params, prev: lo + (hi - lo) * _arcsine_fraction(w), needs_support=True)


@dataclass(frozen=True)
class KernelRate:
    """The rate that goes with a target's draws (issue 26): what a Monte Carlo or PIC code needs to
    decide whether an event happens, before drawing it.

    ``name``: the C function ``rz_rate_<name>(const double *p)`` (float64, parameters in card
    order), its text ``cuda`` from the process's rates.h (``header_source``, with the helpers it
    calls first), exported by ``zoo export`` as ``radzoo_<model>_rate``. ``python``: the exact
    rate in numpy, ``python(params)`` with ``params`` a dict of arrays (card names). ``unit`` and
    ``definition``: what the number is and how it becomes dN/dt (docs/rates.md, ``zoo info``).
    ``domain``: per parameter (card order), the closed range where the rate holds (the whole
    physical range, wider than a network's trained domain); the C returns NaN outside it.
    """

    name: str
    cuda: str
    python: Callable
    unit: str
    definition: str
    domain: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class DomainExtension:
    """One side of a parameter's physical range, beyond a network's trained domain, where the target
    tends to a limit the network already holds at its trained edge (issue 26, item 2).

    Beyond the edge the network's inputs see the parameter at the edge (and, with
    ``keep_product_with``, the partner parameter rescaled so that their product is kept, never
    below ``min(partner, partner_floor)``), while the support and coordinate still use the true
    parameters: where the model's coordinate makes the target's shape converge (Thomson limits,
    Thomson scaling) that is the limit itself. ``limit`` names the physics. Whether a side is
    covered is measured, never assumed: ``zoo validate`` draws random points beyond the edge (up
    to the target's physical bound), measures KS and tails against the exact target and writes
    them on the card (``Metrics.extensions``); a side is covered only where they meet the goals
    (``zoo.samplers.validation.EXTENSION_GOALS``). One form for all backends:
    ``network_parameters`` (torch, numpy) and ``network_parameters_c`` (the fused
    kernel and ``zoo export``).
    """

    parameter: str
    side: str
    limit: str
    keep_product_with: str | None = None
    partner_floor: float | None = None

    def __post_init__(self):
        if self.side not in ("below", "above"):
            raise ValueError(f"DomainExtension.side must be 'below' or 'above', got {self.side!r}")
        if self.keep_product_with is not None and (self.side != "below" or self.partner_floor is None):
            raise ValueError("DomainExtension.keep_product_with needs side 'below' and a partner_floor")


def network_parameters(params: Mapping, card_params, extensions=(), *, lib=torch) -> dict:
    """The parameters as the network's input columns see them (``Target.extensions``): a parameter
    beyond its trained edge on an extended side is taken at the edge, and a partner whose product
    with it the limit keeps (inverse Compton's Thomson scaling) is rescaled by p / edge, never below
    min(partner, floor). Identity inside the trained domain. ``lib``: torch or numpy (float64
    values); the C form is ``network_parameters_c``. The support and coordinate keep ``params``."""
    dom = {p.name: tuple(p.domain) for p in card_params}
    q = dict(params)
    for e in extensions:
        if e.keep_product_with is not None:
            lo = dom[e.parameter][0]
            p, g = params[e.parameter], params[e.keep_product_with]
            floor = lib.minimum(g, lib.full_like(g, e.partner_floor) if lib is torch else e.partner_floor)
            q[e.keep_product_with] = lib.where(p < lo, lib.maximum(g * (p / lo), floor), g)
    for e in extensions:
        for name in (e.parameter, e.keep_product_with):
            if name is not None:
                lo, hi = dom[name]
                q[name] = lib.clip(q[name], lo, hi) if lib is not torch else q[name].clamp(lo, hi)
    return q


def network_parameters_c(card_params, extensions, p: str, q: str, lit, *, symbolic: bool = False) -> list[str]:
    """``network_parameters`` as C statements on double arrays ``p`` (the parameters, card order)
    and ``q`` (the network's view), for the fused kernel and ``zoo export`` alike; ``lit(x)``
    writes a double literal. ``symbolic``: the trained edges as names (lo_j, hi_j), the rule without
    the card's numbers (``zoo.targets.code_sha256``)."""
    names = [c.name for c in card_params]
    dom = {c.name: tuple(c.domain) for c in card_params}
    if symbolic:
        dom = {n: (f"lo_{j}", f"hi_{j}") for j, n in enumerate(names)}
        number = lit

        def lit(x):
            return x if isinstance(x, str) else number(x)
    lines = [f"{q}[{j}] = {p}[{j}];" for j in range(len(names))]
    for e in extensions:
        if e.keep_product_with is not None:
            j, i, lo = names.index(e.parameter), names.index(e.keep_product_with), dom[e.parameter][0]
            lines.append(f"if ({p}[{j}] < {lit(lo)}) {q}[{i}] = fmax({p}[{i}] * ({p}[{j}] / {lit(lo)}), "
                         f"fmin({p}[{i}], {lit(e.partner_floor)}));")
    for e in extensions:
        for name in (e.parameter, e.keep_product_with):
            if name is not None:
                j = names.index(name)
                lo, hi = dom[name]
                lines.append(f"{q}[{j}] = fmin(fmax({q}[{j}], {lit(lo)}), {lit(hi)});")
    return lines


class Target:
    """Base class of an exact target distribution.

    Subclasses set ``id``, ``parameters``, ``variables`` and implement
    ``component_support``, ``component_pdf`` and ``component_cdf``. All methods take
    numpy arrays that broadcast against each other; ``prev`` is an array of shape
    ``(..., k)`` holding the earlier components (``None`` for ``k = 0``).
    """

    id: str = ""
    parameters: tuple[ParameterSpec, ...] = ()
    variables: tuple[VariableSpec, ...] = ()
    #: coordinates this target offers for mapping [0, 1] onto the support
    coordinates: tuple[str, ...] = ("linear",)
    #: whether histograms/JS bins over the support should be log-spaced
    log_binning: bool = False
    #: the narrowest dtype this target's samples may be returned in (a card's ``sample_dtype``
    #: may not be narrower: float32 rounding of a sample can leave the support or exceed the KS
    #: goal where the support spans decades or ends in a steep tail). Every bundled target
    #: needs float64; a target whose samples keep their accuracy in float32 may say so.
    min_sample_dtype: str = "float64"
    #: a parameter point of reference (e.g. the seed paper's section 4.4 point for inverse
    #: Compton): the validator reports the JS divergence there, benchmarks sample there
    reference_point: dict | None = None
    #: the C of the maps (the fused kernel and ``zoo export`` alike: zoo.cuda.codegen, zoo.export.cgen)
    #: and their numpy emulation (zoo.cuda.emulate): the support, every coordinate the target offers
    #: (by card name), and helper functions they share; the C comes from the process's coords.h
    kernel_support: KernelSupport | None = None
    kernel_coordinates: dict = {"linear": LINEAR}
    cuda_helpers: str = ""
    #: the rate of the process at the parameters (None: the target defines none)
    kernel_rate: KernelRate | None = None
    #: sides of the physical range where the sampler may switch to a limit beyond its trained domain
    #: (``DomainExtension``; covered only where ``zoo validate`` measured it within the goals)
    extensions: tuple[DomainExtension, ...] = ()

    def rate(self, params: Params) -> np.ndarray:
        """The exact rate at the parameters (``kernel_rate.python``; its unit: ``kernel_rate.unit``)."""
        if self.kernel_rate is None:
            raise ValueError(f"target {self.id!r} defines no rate")
        return np.asarray(self.kernel_rate.python(params), dtype=np.float64)

    @property
    def dim(self) -> int:
        return len(self.variables)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    # -- to be implemented -------------------------------------------------
    def component_support(self, k: int, prev, params: Params):
        """(lo, hi) of component k, arrays broadcast against the parameters."""
        raise NotImplementedError

    def component_pdf(self, k: int, x, prev, params: Params) -> np.ndarray:
        raise NotImplementedError

    def component_cdf(self, k: int, x, prev, params: Params) -> np.ndarray:
        """C_k(x | prev, Z); relative-accurate where it is small (the lower tail)."""
        raise NotImplementedError

    def component_sf(self, k: int, x, prev, params: Params) -> np.ndarray:
        """Survival function 1 - C_k(x | prev, Z), relative-accurate where it is small (the upper
        tail). The default, ``1 - component_cdf``, is only absolute-accurate (~1e-16): targets
        override it so that tail masses down to 1e-9 and below keep their relative accuracy."""
        return 1.0 - np.asarray(self.component_cdf(k, x, prev, params), dtype=np.float64)

    # -- coordinates (torch, used by the networks' output transforms) ---------
    def to_physical(self, k: int, w: torch.Tensor, prev: torch.Tensor | None,
                    params: Mapping[str, torch.Tensor], coordinate: str) -> torch.Tensor:
        """Map w in [0, 1] onto the support of component k through the coordinate object
        (``kernel_coordinates[coordinate].torch``; the base class offers ``linear``,
        x = lo + w (hi - lo), and ``arcsine``, x = lo + (hi - lo) (2/pi) atan2(sqrt(w), sqrt(1 - w)),
        for densities that vanish linearly at both ends); a target lists those it offers in
        ``coordinates``."""
        kc = self.kernel_coordinates.get(coordinate) if coordinate in self.coordinates else None
        if kc is None or kc.torch is None:
            raise ValueError(f"target {self.id!r} has no coordinate {coordinate!r}; "
                             f"allowed: {', '.join(self.coordinates)}")
        if kc.components is not None and k not in kc.components:
            allowed = [c for c in self.coordinates if k in (self.kernel_coordinates[c].components or (k,))]
            raise ValueError(f"target {self.id!r}: coordinate {coordinate!r} is for component(s) "
                             f"{list(kc.components)}; component {k} has {', '.join(allowed)}")
        lo, hi = self.torch_support(k, prev, params) if kc.needs_support else (None, None)
        return kc.torch(w, lo, hi, params, prev)

    def torch_support(self, k: int, prev, params: Mapping[str, torch.Tensor]):
        """Support of component k as torch tensors (default: via numpy)."""
        ref = next(iter(params.values()), None) if params else None
        if ref is None and prev is not None:
            ref = prev
        np_params = {n: v.detach().cpu().double().numpy() for n, v in params.items()}
        np_prev = None if prev is None else prev.detach().cpu().double().numpy()
        lo, hi = self.component_support(k, np_prev, np_params)
        dev = ref.device if ref is not None else None
        dtype = ref.dtype if ref is not None else torch.float64
        return (torch.as_tensor(np.asarray(lo), dtype=dtype, device=dev),
                torch.as_tensor(np.asarray(hi), dtype=dtype, device=dev))

    # -- convenience for 1-D targets ------------------------------------------
    def support(self, **params):
        """Support (lo, hi) of a 1-D target, or of the first component."""
        return self.component_support(0, None, _as_arrays(params))

    def pdf(self, x, **params) -> np.ndarray:
        """Probability density of a 1-D target (per unit of the sampled variable)."""
        self._require_1d("pdf")
        return self.component_pdf(0, np.asarray(x, dtype=np.float64), None, _as_arrays(params))

    def cdf(self, x, **params) -> np.ndarray:
        """Cumulative distribution function of a 1-D target."""
        self._require_1d("cdf")
        return self.component_cdf(0, np.asarray(x, dtype=np.float64), None, _as_arrays(params))

    def sf(self, x, **params) -> np.ndarray:
        """Survival function 1 - C(x) of a 1-D target, relative-accurate in the upper tail."""
        self._require_1d("sf")
        return self.component_sf(0, np.asarray(x, dtype=np.float64), None, _as_arrays(params))

    def _require_1d(self, what: str) -> None:
        if self.dim != 1:
            raise TypeError(f"{self.id} is {self.dim}-dimensional: use its own {what} "
                            "or component_{what}(k, x, prev, params)")

    def check_parameters(self, params: Params) -> None:
        """Raise ValueError if a parameter is outside the target's physical domain."""
        for spec in self.parameters:
            v = np.asarray(params[spec.name], dtype=np.float64)
            lo, hi = spec.domain
            if not np.all(np.isfinite(v)):
                raise ValueError(f"parameter {spec.name!r} must be finite")
            if np.any(v < lo) or np.any(v > hi):
                raise ValueError(f"parameter {spec.name!r} must lie in [{lo:g}, {hi:g}] "
                                 f"({spec.unit}) where the {self.id} formulas hold; got "
                                 f"values in [{v.min():g}, {v.max():g}]")


def _as_arrays(params: Mapping) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


class _ComponentCDF(torch.autograd.Function):
    """C_k(x_k | prev, Z) in float64 with d/dx_k = exact pdf (no grad to prev or Z)."""

    @staticmethod
    def forward(ctx, x, prev, target, k, names, *param_values):
        xn = x.detach().cpu().double().numpy()
        pn = None if prev is None else prev.detach().cpu().double().numpy()
        params = {n: v.detach().cpu().double().numpy() for n, v in zip(names, param_values)}
        c = target.component_cdf(k, xn, pn, params)
        ctx.save_for_backward(x)
        ctx.extra = (pn, target, k, params)
        return torch.as_tensor(np.asarray(c), dtype=x.dtype, device=x.device)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        pn, target, k, params = ctx.extra
        p = target.component_pdf(k, x.detach().cpu().double().numpy(), pn, params)
        g = grad * torch.as_tensor(np.asarray(p), dtype=x.dtype, device=x.device)
        return (g, None, None, None, None) + (None,) * len(params)


def torch_component_cdf(target: Target, k: int, x: torch.Tensor, prev: torch.Tensor | None,
                        params: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """Differentiable exact CDF of component k (gradient: the exact pdf)."""
    names = tuple(params)
    return _ComponentCDF.apply(x, prev, target, k, names, *(params[n] for n in names))
