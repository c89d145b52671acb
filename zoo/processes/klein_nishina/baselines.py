"""Peer samplers for the Compton models, vectorised in torch (CPU or GPU): the references the
benchmark compares the networks with (benchmarks/compton_baselines.py).

* ``geant4_klein_nishina``: Geant4's G4KleinNishinaCompton::SampleSecondaries (Butcher & Messel
  1960 mixture of 1/eps and eps densities, then rejection on 1 - eps sin^2 theta / (1 + eps^2));
  exact, about 1/0.6 ~ 1.7 rounds at k ~ 1;
* ``polarized_azimuth``: the azimuth phi given eps by rejection from a uniform phi with the
  acceptance (A - B cos^2 phi) / A (as Geant4's Livermore polarized Compton model samples it);

Each draws rounds on the still-rejected subset until none is left: exact samplers up to the RNG.
"""
from __future__ import annotations

import math

import torch


def rejection_rounds(n: int, propose, generator, device, dtype=torch.float64):
    """Fill n samples: propose(idx, generator) -> (values, accepted) for the pending indices."""
    out = torch.empty(n, dtype=dtype, device=device)
    pending = torch.arange(n, device=device)
    while pending.numel():
        vals, ok = propose(pending, generator)
        out[pending[ok]] = vals[ok]
        pending = pending[~ok]
    return out


def geant4_klein_nishina(n: int, k, *, generator=None, device="cpu") -> torch.Tensor:
    """eps = k'/k for photons of energy k [m_e c^2] (scalar or (n,) tensor), Geant4's algorithm."""
    k = torch.as_tensor(k, dtype=torch.float64, device=device).expand(n)
    eps0 = 1.0 / (1.0 + 2.0 * k)
    eps0sq = eps0 * eps0
    alpha1 = -torch.log(eps0)
    alpha2 = alpha1 + 0.5 * (1.0 - eps0sq)

    def propose(idx, gen):
        r = torch.rand((3, idx.numel()), generator=gen, dtype=torch.float64, device=device)
        a1, a2, e0sq, kk = alpha1[idx], alpha2[idx], eps0sq[idx], k[idx]
        eps = torch.where(a1 > a2 * r[0], torch.exp(-a1 * r[1]), torch.sqrt(e0sq + (1.0 - e0sq) * r[1]))
        onecost = (1.0 - eps) / (eps * kk)
        sint2 = onecost * (2.0 - onecost)
        greject = 1.0 - eps * sint2 / (1.0 + eps * eps)
        return eps, greject >= r[2]

    return rejection_rounds(n, propose, generator, device)


def polarized_azimuth(eps: torch.Tensor, k, *, generator=None) -> torch.Tensor:
    """phi in [0, 2 pi) given eps (n,) at energy k, by rejection: accept a uniform phi with
    probability (A - B cos^2 phi) / A, A = eps + 1/eps, B = 2 sin^2 theta."""
    n, device = eps.numel(), eps.device
    k = torch.as_tensor(k, dtype=torch.float64, device=device).expand(n)
    onecost = (1.0 - eps) / (eps * k)
    b = 2.0 * onecost * (2.0 - onecost)
    a = eps + 1.0 / eps

    def propose(idx, gen):
        r = torch.rand((2, idx.numel()), generator=gen, dtype=torch.float64, device=device)
        phi = 2.0 * math.pi * r[0]
        return phi, r[1] * a[idx] <= a[idx] - b[idx] * torch.cos(phi) ** 2

    return rejection_rounds(n, propose, generator, device)
