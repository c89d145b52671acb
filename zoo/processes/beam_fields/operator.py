"""The FoHM-NO (Fourier-Helmholtz-Maxwell neural operator, seed 002) and the comparison networks.

**FoHM-NO** (architecture kind ``fohm-no``), J (B, 3, n_x, n_y, n_z) [A/m^2] -> (B, 6, ...) =
(B_x, B_y, B_z [T], A_x, A_y, A_z [T m]):

    J^ = modes of J (the pipe's images, ``spectral``);  J_perp^ = J^ - k (k . J^) / |k|^2
    A_perp^(k) = mu0 / |k|^2 * exp(g_c(k)) * J_perp,c^(k)       (a learned, mode-wise operator)
    A_perp^ <- its transverse part;  B^ = i k x A_perp^

The Helmholtz prior mu0 / |k|^2 is Maxwell's static operator (the seed's |k|^2 A_perp^ = J_perp^
without the time derivative); the network g (an MLP of the mode's |k_x| h_x / pi, |k_y| h_y / pi,
|k_z| h_z / pi and its direction cosines |k_i| / |k|, one output per component) learns what the
moving source adds (the retardation: for the quasi-static reference g = log(|k|^2 / (k_perp^2 +
k_z^2 / gamma^2)), between 0 and 2 log gamma). g is even in every k_i, so the operator maps real
fields to real fields and keeps the images' parities (the walls). B is a curl of the output on the
same modes: div B = i k . (i k x A) = 0 by construction (to float32 rounding, ~1e-7 of |k|max |B|),
and div A_perp = 0 too. The operator is linear in J, as Maxwell's equations are.

Monte Carlo dropout: dropout on the MLP's hidden units, one mask per pass for all modes (a whole
operator drawn per pass: the spread of the fields is that of the operator, not noise per mode).
With dropout off the operator g is computed once and cached (the weights are the state dict; the
cache is not).

**Comparison networks** (not published; ``benchmarks/beam_fields_operators.py`` trains and measures
them on the same data): ``ConstrainedUNet`` wraps zoo.surrogates.nets.UNet3D (3 input channels,
J / max|J|):

* ``none``: U-Net J -> B directly (no constraint);
* ``pinn``: the same network, trained with the soft penalty w |div B|^2 (the divergence on the
  modes, as measured);
* ``curl``: U-Net J -> A, B = curl A by central differences (images at the walls, periodic z): hard
  for the finite-difference divergence, not for the spectral one.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .spectral import MU0, PARITY, PipeGrid, Spectral, extend

_ACT = {"tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU, "relu": nn.ReLU}


class FoHMNO(nn.Module):
    """FoHM-NO on a pipe grid (see the module docstring); ``arch``: a FoHMArchitecture."""

    def __init__(self, arch, grid: PipeGrid | None):
        super().__init__()
        from ...surrogates.nets import MCDropout

        self.grid = grid
        self._spectral = {}
        layers: list[nn.Module] = []
        self.n_features = width = arch.features
        for h in arch.hidden:
            layers += [nn.Conv1d(width, h, kernel_size=1), _ACT[arch.activation]()]
            if arch.dropout > 0:
                layers.append(MCDropout(arch.dropout, spatial=True))
            width = h
        self.mlp = nn.Sequential(*layers)
        self.head = nn.Conv1d(width, 3, kernel_size=1)
        nn.init.zeros_(self.head.weight)        # start from the Helmholtz prior (g = 0)
        nn.init.zeros_(self.head.bias)
        self._cache = None

    def spectral(self, device, dtype) -> Spectral:
        key = (str(device), str(dtype))
        if key not in self._spectral:
            self._spectral[key] = Spectral(self.grid, dtype=dtype, device=device)
        return self._spectral[key]

    def features(self, sp: Spectral) -> torch.Tensor:
        """(1, 6 or 8, modes): |k_i| h_i / pi and |k_i| / |k| per mode of the extended grid (8: and the
        logs of k_perp^2 / |k|^2 and k_z^2 / |k|^2, + 1e-4, / log 1e4)."""
        kx, ky, kz = (k.abs() for k in sp.k)
        hx, hy, hz = self.grid.h
        shape = torch.broadcast_shapes(kx.shape, ky.shape, kz.shape)
        kn = torch.sqrt(kx * kx + ky * ky + kz * kz)
        kn = torch.where(kn > 0, kn, torch.ones_like(kn))
        f = [kx * hx / math.pi, ky * hy / math.pi, kz * hz / math.pi, kx / kn, ky / kn, kz / kn]
        if self.n_features == 8:
            f += [torch.log((kx * kx + ky * ky) / (kn * kn) + 1e-4) / math.log(1e4),
                  torch.log(kz * kz / (kn * kn) + 1e-4) / math.log(1e4)]
        return torch.stack([t.expand(shape) for t in f]).reshape(1, len(f), -1)

    def gain(self, sp: Spectral) -> torch.Tensor:
        """mu0 / |k|^2 exp(g(k)): (3, 2 n_x, 2 n_y, n_z), one operator per component."""
        from ...surrogates.nets import MCDropout

        stochastic = any(m.mc or m.training for m in self.modules() if isinstance(m, MCDropout) and m.p > 0)
        if not stochastic and not self.training and self._cache is not None and self._cache[0] == (sp.device, sp.dtype):
            return self._cache[1]
        kx, ky, kz = sp.k
        k2 = kx * kx + ky * ky + kz * kz
        prior = torch.where(k2 > 0, MU0 / torch.where(k2 > 0, k2, torch.ones_like(k2)), torch.zeros_like(k2))
        g = self.head(self.mlp(self.features(sp))).reshape(3, *prior.shape)
        out = prior * torch.exp(g)
        if not stochastic and not self.training:
            self._cache = ((sp.device, sp.dtype), out.detach())
        return out

    def train(self, mode: bool = True):
        self._cache = None
        return super().train(mode)

    def forward(self, J: torch.Tensor) -> torch.Tensor:
        sp = self.spectral(J.device, self.head.weight.dtype)
        Jh = sp.project(sp.fft(J.to(self.head.weight.dtype), "J"))
        Ah = sp.project(self.gain(sp) * Jh)
        Bh = sp.curl(Ah)
        return torch.cat([sp.ifft(Bh), sp.ifft(Ah)], dim=-4)


def build_network(arch, card=None) -> FoHMNO:
    """The FoHM-NO of a beam-fields card (its pipe grid); without a card, one with no grid (for the
    weights' shapes only)."""
    return FoHMNO(arch, PipeGrid.of_card(card) if card is not None else None)


def fd_curl(A: torch.Tensor, grid: PipeGrid) -> torch.Tensor:
    """curl A by second-order central differences (images at the walls, periodic z): (B, 3, ...)."""
    nx, ny, _ = grid.n
    hx, hy, hz = grid.h
    E = extend(A, PARITY["A"])                 # periodic on the extended grid

    def d(f, dim, h):
        return (torch.roll(f, -1, dims=dim) - torch.roll(f, 1, dims=dim)) / (2 * h)

    ax, ay, az = E[:, 0], E[:, 1], E[:, 2]
    B = torch.stack([d(az, -2, hy) - d(ay, -1, hz), d(ax, -1, hz) - d(az, -3, hx),
                     d(ay, -3, hx) - d(ax, -2, hy)], dim=1)
    return B[..., :nx, :ny, :]


class ConstrainedUNet(nn.Module):
    """A 3-D U-Net on J / max|J| with one of the comparison constraints ('none', 'pinn', 'curl'):
    returns B (B, 3, ...) [T] (and for 'curl' the A it differentiated, as ``self.last_A``)."""

    def __init__(self, constraint: str, grid: PipeGrid, *, channels=(8, 16, 32), dropout: float = 0.05,
                 b_scale=(0.1, 0.1, 5e-4), a_scale=(3e-7, 3e-7, 3e-5)):
        super().__init__()
        from types import SimpleNamespace

        from ...surrogates.nets import UNet3D

        if constraint not in ("none", "pinn", "curl"):
            raise ValueError(f"constraint must be 'none', 'pinn' or 'curl', got {constraint!r}")
        self.constraint, self.grid = constraint, grid
        scale = tuple(a_scale if constraint == "curl" else b_scale)      # per component, per unit max|J| / j_ref
        arch = SimpleNamespace(activation="gelu", dropout_kind="spatial", channels=list(channels), convs_per_level=2,
                               bias=True, y_symmetry="none", output_scale=scale, pooling="max",
                               dropout=dropout, dropout_levels="all", in_channels=3)
        self.unet = UNet3D(arch)
        self.j_ref = 1e9                       # A/m^2: the fields are per max|J| / j_ref
        self.last_A = None

    def forward(self, J: torch.Tensor) -> torch.Tensor:
        out = self.unet(J / self.j_ref)        # homogeneous of degree 1 in J (UNet3D's max normalisation)
        if self.constraint == "curl":
            self.last_A = out
            return fd_curl(out, self.grid)
        return out
