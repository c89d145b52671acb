"""Input and output transforms, applied here and nowhere else.

* Parameters Z enter the network as ``2 (T(Z) - T(lo)) / (T(hi) - T(lo)) - 1`` in
  [-1, 1], with T the card's ``input_transform`` (identity or log10) and [lo, hi]
  the trained domain; each of the parameter's ``extra_inputs`` (T = inverse_square:
  1/Z^2) adds one more column scaled the same way.
* An earlier output w_j of a chain enters as 2 w_j - 1, then as each of the subnet's
  ``earlier_extra_inputs`` (log_tail: ln(1 - w_j) on [-1, 1]).
* The raw output z becomes w in [0, 1] through the card's ``squash``, then the
  physical sample through the target's ``coordinate`` (see ``OutputTransform``).
"""
from __future__ import annotations

from typing import Mapping

import torch

from .card import OutputTransform, ParameterCard
from .targets import Target

from .transform_defs import (EARLIER_COLUMNS, INPUT_COLUMNS, SQUASHES, TANH_PAPER_ALPHA, TANH_PAPER_BETA,  # noqa: F401
                             U_TRANSFORMS)



def _affine(value: torch.Tensor, kind: str, domain: tuple[float, float]) -> torch.Tensor:
    col = INPUT_COLUMNS[kind]
    lo, hi = col.py(domain[0]), col.py(domain[1])
    return 2.0 * (col.torch(value) - lo) / (hi - lo) - 1.0


def scale_parameter(value: torch.Tensor, spec: ParameterCard) -> torch.Tensor:
    """Map a parameter from its trained domain onto [-1, 1] (its main input column)."""
    return _affine(value, spec.input_transform, spec.domain)


def parameter_columns(value: torch.Tensor, spec: ParameterCard) -> list[torch.Tensor]:
    """All network input columns of one parameter: the scaled value, then its extra inputs."""
    return [scale_parameter(value, spec), *(_affine(value, kind, spec.domain) for kind in spec.extra_inputs)]


def earlier_columns(ws: list[torch.Tensor], extra: list[str], dtype: torch.dtype,
                    detach: bool = True) -> list[torch.Tensor]:
    """The network input columns (in ``dtype``, the network's) of the earlier outputs w_j (float64,
    in [0, 1]) of a chain: for each, 2 w_j - 1 (from w_j in ``dtype``), then its
    ``earlier_extra_inputs`` (``SubnetCard``; from w_j in float64), all in [-1, 1].
    ``detach``: no gradient flows back into the earlier sub-networks (eq. 17)."""
    cols = []
    for w in ws:
        w = w.detach() if detach else w
        cols.append(2.0 * w.to(dtype) - 1.0)
        cols += [_lookup(EARLIER_COLUMNS, kind, "earlier_extra_inputs").torch(w).to(dtype) for kind in extra]
    return cols


def _lookup(table: dict, kind: str, what: str):
    try:
        return table[kind]
    except KeyError:
        raise ValueError(f"unknown {what} {kind!r}; allowed: {', '.join(table)}") from None


def squash(z: torch.Tensor, kind: str) -> torch.Tensor:
    """Raw network output -> w in [0, 1]."""
    return _lookup(SQUASHES, kind, "squash").torch(z)


def transform_u(u: torch.Tensor, kind: str) -> torch.Tensor:
    """u in [0, 1] -> the network's u input (``SubnetCard.u_transform``)."""
    return _lookup(U_TRANSFORMS, kind, "u_transform").torch(u)


def inverse_squash(w: torch.Tensor, kind: str) -> torch.Tensor:
    """w in [0, 1] -> the raw output z that squashes to it (the regression target)."""
    return _lookup(SQUASHES, kind, "squash").inverse(w)


def to_physical(target: Target, k: int, w: torch.Tensor, prev: torch.Tensor | None,
                params: Mapping[str, torch.Tensor], transform: OutputTransform) -> torch.Tensor:
    """w in [0, 1] -> sample on the support of component k, clamped to the support."""
    x = target.to_physical(k, w, prev, params, transform.coordinate)
    lo, hi = target.torch_support(k, prev, params)
    return torch.minimum(torch.maximum(x, lo.to(x.dtype)), hi.to(x.dtype))
