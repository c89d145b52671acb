"""Peer sampler for head-on inverse Compton (benchmarks/compton_baselines.py): z by rejection in
s = -ln(1 - z), uniform on [0, ln(1 + b)], with envelope 1 >= dN/ds (acceptance >= 1/2 at every b;
head_on.density_s). Exact up to the RNG.
"""
from __future__ import annotations

import torch

from ..klein_nishina.baselines import rejection_rounds


def head_on_rejection(n: int, b, *, generator=None, device="cpu") -> torch.Tensor:
    """z of head-on inverse Compton at b = 2 gamma eps0 (1 - cos theta), by rejection in s."""
    b = torch.as_tensor(b, dtype=torch.float64, device=device).expand(n)
    big_l = torch.log1p(b)

    def propose(idx, gen):
        r = torch.rand((2, idx.numel()), generator=gen, dtype=torch.float64, device=device)
        s = r[0] * big_l[idx]
        rr = torch.expm1(s) / b[idx]
        em = -torch.expm1(-s)
        dens = torch.exp(-s) * ((1.0 - rr) ** 2 + rr * rr) + 0.5 * em * em
        return em, r[1] <= dens

    return rejection_rounds(n, propose, generator, device)
