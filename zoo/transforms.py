"""Input and output transforms, applied here and nowhere else.

* Parameters Z enter the network as ``2 (T(Z) - T(lo)) / (T(hi) - T(lo)) - 1`` in
  [-1, 1], with T the card's ``input_transform`` (identity or log10) and [lo, hi]
  the trained domain.
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


def scale_parameter(value: torch.Tensor, spec: ParameterCard) -> torch.Tensor:
    """Map a parameter from its trained domain onto [-1, 1]."""
    lo, hi = spec.domain
    if spec.input_transform == "log10":
        value, lo, hi = torch.log10(value), math.log10(lo), math.log10(hi)
    return 2.0 * (value - lo) / (hi - lo) - 1.0


def squash(z: torch.Tensor, kind: str) -> torch.Tensor:
    """Raw network output -> w in [0, 1]."""
    if kind == "sigmoid":
        return torch.sigmoid(z)
    if kind == "clamp":
        return z.clamp(0.0, 1.0)
    if kind == "tanh_paper":
        return (0.5 * (1.0 + TANH_PAPER_ALPHA * torch.tanh(TANH_PAPER_BETA * z))).clamp(0.0, 1.0)
    raise ValueError(f"unknown squash {kind!r}; allowed: sigmoid, clamp, tanh_paper")


def to_physical(target: Target, k: int, w: torch.Tensor, prev: torch.Tensor | None,
                params: Mapping[str, torch.Tensor], transform: OutputTransform) -> torch.Tensor:
    """w in [0, 1] -> sample on the support of component k, clamped to the support."""
    x = target.to_physical(k, w, prev, params, transform.coordinate)
    lo, hi = target.torch_support(k, prev, params)
    return torch.minimum(torch.maximum(x, lo.to(x.dtype)), hi.to(x.dtype))
