"""One definition per transform: each squash, u transform, parameter input column and earlier-output
column is one
object holding every form of it that the zoo evaluates.

* ``torch``: the reference form (float64 tensors), used by ``zoo.samplers.model`` and training;
* ``inverse`` (squashes): w -> z, the regression target of the quantile objective;
* ``emulate``: the kernel's arithmetic in numpy (float32), used by ``zoo.cuda.emulate``;
* ``fn`` / ``source``: its C function (``rz_squash_<name>``, ``rz_u_<name>``, ``rz_col_<name>``,
  ``rz_earlier_<name>``) and that function's text, read from ``zoo/transforms.h``: ONE C source,
  compiled into the fused kernel (float) by ``zoo.cuda.codegen`` and into ``zoo export`` (double).

``zoo.cuda.codegen``, ``zoo.cuda.emulate``, ``zoo.transforms`` and ``zoo.export`` iterate over
the registries below (``SQUASHES``, ``U_TRANSFORMS``, ``INPUT_COLUMNS``, ``EARLIER_COLUMNS``); a new transform is one
object here, its function in zoo/transforms.h (and its name in the card's Literal), and
tests/test_transform_defs.py checks every
registered object in every form. Coordinates and supports belong to the targets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from . import csource
from ._lazy import torch

#: the C of every transform (see the header's first lines for its two environments)
HEADER = Path(__file__).with_name("transforms.h")

f32 = np.float32

#: seed paper eq. 24-25: beta = 5 and alpha tanh(beta) = 1
TANH_PAPER_BETA = 5.0
TANH_PAPER_ALPHA = 1.0 / math.tanh(TANH_PAPER_BETA)


class _CFunction:
    """The C function of a transform in zoo/transforms.h: ``fn`` (its name) and ``source`` (its text)."""

    PREFIX = ""
    name: str

    @property
    def fn(self) -> str:
        return f"rz_{self.PREFIX}_{self.name}"

    @property
    def source(self) -> str:
        return csource.header_source(HEADER, self.fn)


@dataclass(frozen=True)
class Squash(_CFunction):
    """Raw network output z -> w in [0, 1]; C: ``rz_tf_t rz_squash_<name>(rz_tf_t z)``."""

    PREFIX = "squash"

    name: str
    torch: Callable[[torch.Tensor], torch.Tensor]
    inverse: Callable[[torch.Tensor], torch.Tensor]
    emulate: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class UTransform(_CFunction):
    """u in [0, 1] -> the network's u input (``SubnetCard.u_transform``); C: ``rz_tf_t rz_u_<name>(rz_tf_t u)``."""

    PREFIX = "u"

    name: str
    torch: Callable[[torch.Tensor], torch.Tensor]
    emulate: Callable[[np.ndarray, Optional[np.random.Generator]], np.ndarray]
    ends: tuple = (0.0, 1.0)   # v at u = 0 and u = 1


@dataclass(frozen=True)
class InputColumn(_CFunction):
    """T of a parameter's input column (``input_transform`` or one of ``extra_inputs``); the
    column is 2 (T(v) - T(lo)) / (T(hi) - T(lo)) - 1 over the trained domain [lo, hi].
    C: ``rz_tf_t rz_col_<name>(double p)`` (T only; the kernel and the export scale it)."""

    PREFIX = "col"

    name: str
    torch: Callable[[torch.Tensor], torch.Tensor]
    py: Callable[[float], float]                  # on Python floats (domain ends, float64)
    emulate: Callable[[np.ndarray], np.ndarray]   # float64 values -> T in float32, as the kernel


@dataclass(frozen=True)
class EarlierColumn(_CFunction):
    """A further network input derived from an earlier output w_j in [0, 1] of a chain
    (``SubnetCard.earlier_extra_inputs``), after its 2 w_j - 1 column, already in [-1, 1].
    C: ``rz_tf_t rz_earlier_<name>(rz_tf_t w)``."""

    PREFIX = "earlier"

    name: str
    torch: Callable[[torch.Tensor], torch.Tensor]   # float64 w -> float64 column
    emulate: Callable[[np.ndarray, Optional[np.random.Generator]], np.ndarray]   # fp32 w -> fp32, as the kernel


# -- squashes ---------------------------------------------------------------------------------
def _emulate_tanh_paper(z):
    z = z.astype(f32)
    w = f32(0.5) * (f32(1) + f32(TANH_PAPER_ALPHA) * np.tanh(f32(TANH_PAPER_BETA) * z))
    return np.clip(w, f32(0), f32(1)).astype(f32)


SQUASHES: dict[str, Squash] = {s.name: s for s in (
    Squash(
        "sigmoid",
        torch=lambda z: torch.sigmoid(z),
        inverse=lambda w: torch.log(w.clamp(1e-12, 1.0 - 1e-12)) - torch.log1p(-w.clamp(1e-12, 1.0 - 1e-12)),
        emulate=lambda z: (f32(1) / (f32(1) + np.exp(-z.astype(f32)))).astype(f32)),
    Squash(
        "clamp",
        torch=lambda z: z.clamp(0.0, 1.0),
        inverse=lambda w: w,
        emulate=lambda z: np.clip(z.astype(f32), f32(0), f32(1))),
    Squash(
        "tanh_paper",   # seed paper eq. 24-25: w = (1 + alpha tanh(beta z)) / 2, clamped
        torch=lambda z: (0.5 * (1.0 + TANH_PAPER_ALPHA * torch.tanh(TANH_PAPER_BETA * z))).clamp(0.0, 1.0),
        inverse=lambda w: torch.atanh(((2.0 * w - 1.0) / TANH_PAPER_ALPHA).clamp(-1 + 1e-12, 1 - 1e-12))
        / TANH_PAPER_BETA,
        emulate=_emulate_tanh_paper),
)}


# -- u transforms -----------------------------------------------------------------------------
#: CUDA atan2f: 3 ulp maximum error (the emulation's error model)
ATAN2F_REL_ERR = 3 * 2.0**-24


def _emulate_arcsine(u, rng=None):
    u32 = np.asarray(u).astype(f32)
    s, c = np.sqrt(u32), np.sqrt(f32(1) - u32)                   # correctly rounded sqrtf
    at = np.arctan2(s.astype(np.float64), c.astype(np.float64))  # atan2f: fp64 value, 3 ulp error model
    if rng is not None:
        at = at * (1.0 + ATAN2F_REL_ERR * rng.choice(np.array([-1.0, 1.0]), size=at.shape))
    return (f32(2 / np.pi) * at.astype(f32)).astype(f32)


#: logit u input: u is clamped to [LOGIT_FLOOR, 1 - LOGIT_FLOOR] (v within +-36.7)
LOGIT_FLOOR = 2.0**-53


def _torch_logit(u):
    return torch.log(u.clamp_min(LOGIT_FLOOR)) - torch.log((1.0 - u).clamp_min(LOGIT_FLOOR))


def _emulate_logit(u, rng=None):
    u32 = np.asarray(u).astype(f32)
    floor = f32(LOGIT_FLOOR)
    a = np.log(np.maximum(u32, floor).astype(np.float64))              # logf: fp64 value, 1 ulp error model
    b = np.log(np.maximum(f32(1) - u32, floor).astype(np.float64))     # 1 - u rounded to fp32, as the kernel
    if rng is not None:
        a = a * (1.0 + LOGF_REL_ERR * rng.choice(np.array([-1.0, 1.0]), size=a.shape))
        b = b * (1.0 + LOGF_REL_ERR * rng.choice(np.array([-1.0, 1.0]), size=b.shape))
    return (a.astype(f32) - b.astype(f32)).astype(f32)


#: CUDA logf: 1 ulp maximum error
LOGF_REL_ERR = 2.0**-23

U_TRANSFORMS: dict[str, UTransform] = {t.name: t for t in (
    UTransform("identity", torch=lambda u: u, emulate=lambda u, rng=None: np.asarray(u).astype(f32)),
    UTransform(
        "arcsine",   # v = (2/pi) atan2(sqrt(u), sqrt(1 - u)): straightens square-root ends
        torch=lambda u: (2.0 / math.pi) * torch.atan2(torch.sqrt(u), torch.sqrt(1.0 - u)),
        emulate=_emulate_arcsine),
    UTransform(
        "logit",     # v = ln u - ln(1 - u): tails become straight lines (w ~ c u^p <=> logit w ~ p v + ln c)
        torch=_torch_logit,
        emulate=_emulate_logit,
        ends=(math.log(LOGIT_FLOOR), -math.log(LOGIT_FLOOR))),
)}


# -- parameter input columns --------------------------------------------------------------------
def _emulate_inverse_square(v):
    v = np.asarray(v, dtype=np.float64)
    return (1.0 / (v * v)).astype(f32)


INPUT_COLUMNS: dict[str, InputColumn] = {c.name: c for c in (
    InputColumn("identity", torch=lambda v: v, py=lambda v: v,
                emulate=lambda v: np.asarray(v, dtype=np.float64).astype(f32)),
    InputColumn("log10", torch=lambda v: torch.log10(v), py=lambda v: math.log10(v) if v > 0 else math.nan,
                emulate=lambda v: np.log10(np.asarray(v, dtype=np.float64).astype(f32))),
    InputColumn("inverse_square",   # 1/v^2 (e.g. q_min = 1/(4 gamma^2) of inverse Compton), from fp64
                torch=lambda v: 1.0 / (v * v), py=lambda v: 1.0 / (v * v) if v * v != 0 else math.inf,
                emulate=_emulate_inverse_square),
)}


# -- earlier-output input columns -----------------------------------------------------------------
#: log_tail: 1 - w floored at 2^-24 (the kernel's fp32 sigmoid reaches 1 - 2^-24 before 1)
LOG_TAIL_FLOOR = 2.0**-24
#: log_tail = ln(max(1 - w, 2^-24)) * LOG_TAIL_SCALE + 1: 1 at w = 0, -1 at the floor
LOG_TAIL_SCALE = 1.0 / (12.0 * math.log(2.0))


def _emulate_log_tail(w, rng=None):
    w32 = np.asarray(w).astype(f32)
    t = np.log(np.maximum(f32(1) - w32, f32(LOG_TAIL_FLOOR)).astype(np.float64))   # logf: 1 ulp error model
    if rng is not None:
        t = t * (1.0 + LOGF_REL_ERR * rng.choice(np.array([-1.0, 1.0]), size=t.shape))
    return (t.astype(f32) * f32(LOG_TAIL_SCALE) + f32(1)).astype(f32)


EARLIER_COLUMNS: dict[str, EarlierColumn] = {c.name: c for c in (
    EarlierColumn(
        "log_tail",   # resolves w -> 1 on a log scale (a variable whose scale of interest is 1 - x)
        torch=lambda w: torch.log((1.0 - w).clamp_min(LOG_TAIL_FLOOR)) * LOG_TAIL_SCALE + 1.0,
        emulate=_emulate_log_tail),
)}


def every_transform() -> list:
    """Every registered transform object, in registry order."""
    return [*SQUASHES.values(), *U_TRANSFORMS.values(), *INPUT_COLUMNS.values(), *EARLIER_COLUMNS.values()]


def c_definitions() -> str:
    """The C of every registered transform (zoo/transforms.h, its functions in registry order): the
    fused kernel and the export include it after their environment (rz_tf_t, RZ_C, rz_<fn>)."""
    return "// ---- transforms (zoo/transforms.h) ----\n" + \
        csource.header_source(HEADER, *(t.fn for t in every_transform()))


def used_by(card) -> list:
    """The transform objects a sampler card uses (each once, in order: parameter columns, then per
    sub-network its u transform, squash and earlier-output columns)."""
    used = []
    for spec in card.target.parameters:
        used += [INPUT_COLUMNS[k] for k in (spec.input_transform, *spec.extra_inputs)]
    for sub in card.architecture.subnets:
        used += [U_TRANSFORMS[sub.u_transform], SQUASHES[sub.output_transform.squash]]
        used += [EARLIER_COLUMNS[e] for e in sub.earlier_extra_inputs]
    return list(dict.fromkeys(used))
