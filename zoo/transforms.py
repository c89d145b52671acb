"""Input and output transforms, applied here and nowhere else.

* Parameters Z enter the network as ``2 (T(Z) - T(lo)) / (T(hi) - T(lo)) - 1`` in
  [-1, 1], with T the card's ``input_transform`` (identity or log10) and [lo, hi]
  the trained domain; each of the parameter's ``extra_inputs`` (T = inverse_square:
  1/Z^2) adds one more column scaled the same way.
* The raw output z becomes w in [0, 1] through the card's ``squash``, then the
  physical sample through the target's ``coordinate`` (see ``OutputTransform``).
"""
from __future__ import annotations

import math
from typing import Mapping

import torch

from .card import OutputTransform, ParameterCard
from .targets import Target

#: seed paper eq. 24-25: beta = 5 and alpha tanh(beta) = 1
TANH_PAPER_BETA = 5.0
TANH_PAPER_ALPHA = 1.0 / math.tanh(TANH_PAPER_BETA)


#: the functions T of input transforms and extra inputs, on tensors and on floats
INPUT_FUNCTIONS = {
    "identity": (lambda v: v, lambda v: v),
    "log10": (torch.log10, math.log10),
    "inverse_square": (lambda v: 1.0 / (v * v), lambda v: 1.0 / (v * v)),
}


# -- C forms (zoo export): the same functions as C99 expressions on double, beside their torch forms.
#    {v}, {u}, {z} stand for the argument; every name is a C standard library function.
C_INPUT_FUNCTIONS = {
    "identity": "({v})",
    "log10": "log10({v})",
    "inverse_square": "(1.0 / (({v}) * ({v})))",
}
C_U_TRANSFORMS = {
    "identity": "({u})",
    "arcsine": f"({(2.0 / math.pi).hex()} * atan2(sqrt({{u}}), sqrt(1.0 - ({{u}}))))",
}
C_SQUASHES = {
    "sigmoid": "(1.0 / (1.0 + exp(-({z}))))",
    "clamp": "fmin(fmax(({z}), 0.0), 1.0)",
    "tanh_paper": (f"fmin(fmax(0.5 * (1.0 + {TANH_PAPER_ALPHA.hex()} * tanh({TANH_PAPER_BETA.hex()} * ({{z}}))), "
                   "0.0), 1.0)"),
}


def _affine(value: torch.Tensor, kind: str, domain: tuple[float, float]) -> torch.Tensor:
    f_tensor, f_float = INPUT_FUNCTIONS[kind]
    lo, hi = f_float(domain[0]), f_float(domain[1])
    return 2.0 * (f_tensor(value) - lo) / (hi - lo) - 1.0


def scale_parameter(value: torch.Tensor, spec: ParameterCard) -> torch.Tensor:
    """Map a parameter from its trained domain onto [-1, 1] (its main input column)."""
    return _affine(value, spec.input_transform, spec.domain)


def parameter_columns(value: torch.Tensor, spec: ParameterCard) -> list[torch.Tensor]:
    """All network input columns of one parameter: the scaled value, then its extra inputs."""
    return [scale_parameter(value, spec), *(_affine(value, kind, spec.domain) for kind in spec.extra_inputs)]


def squash(z: torch.Tensor, kind: str) -> torch.Tensor:
    """Raw network output -> w in [0, 1]."""
    if kind == "sigmoid":
        return torch.sigmoid(z)
    if kind == "clamp":
        return z.clamp(0.0, 1.0)
    if kind == "tanh_paper":
        return (0.5 * (1.0 + TANH_PAPER_ALPHA * torch.tanh(TANH_PAPER_BETA * z))).clamp(0.0, 1.0)
    raise ValueError(f"unknown squash {kind!r}; allowed: sigmoid, clamp, tanh_paper")


def transform_u(u: torch.Tensor, kind: str) -> torch.Tensor:
    """u in [0, 1] -> the network's u input (``SubnetCard.u_transform``)."""
    if kind == "identity":
        return u
    if kind == "arcsine":
        return (2.0 / math.pi) * torch.atan2(torch.sqrt(u), torch.sqrt(1.0 - u))
    raise ValueError(f"unknown u_transform {kind!r}; allowed: identity, arcsine")


def inverse_squash(w: torch.Tensor, kind: str) -> torch.Tensor:
    """w in [0, 1] -> the raw output z that squashes to it (the regression target)."""
    if kind == "clamp":
        return w
    if kind == "sigmoid":
        w = w.clamp(1e-12, 1.0 - 1e-12)
        return torch.log(w) - torch.log1p(-w)
    if kind == "tanh_paper":
        return torch.atanh(((2.0 * w - 1.0) / TANH_PAPER_ALPHA).clamp(-1 + 1e-12, 1 - 1e-12)) / TANH_PAPER_BETA
    raise ValueError(f"unknown squash {kind!r}; allowed: sigmoid, clamp, tanh_paper")


def to_physical(target: Target, k: int, w: torch.Tensor, prev: torch.Tensor | None,
                params: Mapping[str, torch.Tensor], transform: OutputTransform) -> torch.Tensor:
    """w in [0, 1] -> sample on the support of component k, clamped to the support."""
    x = target.to_physical(k, w, prev, params, transform.coordinate)
    lo, hi = target.torch_support(k, prev, params)
    return torch.minimum(torch.maximum(x, lo.to(x.dtype)), hi.to(x.dtype))
