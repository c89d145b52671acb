"""Networks of field surrogates (kind "surrogate"): the sigma-NN decoder and the 3-D U-Net.

Both map physical inputs to physical fields (B, C, n_s, n_x, n_y), C components (CSR: Ws, Wx, Wy) in the
card's units: the input scaling and the output scale live here, in one place, so the recipes, the
validator and ``zoo.Surrogate`` evaluate exactly the same function. The state dict holds trainable
weights only (no buffers), so the weights file is the network.

* ``SigmaDecoder`` (architecture kind ``sigma-mlp``): inputs mapped onto [-1, 1] (after log),
  an MLP, a linear map onto a coarse feature map (``latent``), stages of (transposed convolution
  x2, convolution 3^3), a 3^3 convolution onto the 3 components, each times exp(a learned log
  amplitude) from the MLP (the fields' size varies by ~10x over the sigma domain).
* ``UNet3D`` (``unet``): lambda / max(lambda) -> levels of 3^3 convolutions, max pooling, transposed
  convolutions with skip concatenation -> 1^3 convolution onto 3 components, times max(lambda).
  The wake is linear in lambda: this makes the network exactly homogeneous of degree 1.

Monte Carlo dropout: the dropout modules are ``MCDropout``; ``set_mc_dropout(net, True)`` keeps
them active in eval mode. ``spatial`` dropout drops whole feature maps (Tompson et al. 2015).

Hard y-symmetry (``y_symmetry="hard"``), with P the mirror y -> -y times the component's parity
(+1 for Ws, Wx, -1 for Wy):

* sigma-mlp: the decoder produces the y > 0 half of the grid and the y < 0 half is P of it;
* unet: W = (f(lambda) + P f(P lambda)) / 2, both passes in one batch with the same dropout masks
  (``MCDropout.groups``), so W(P lambda) = P W(lambda) exactly, also per Monte Carlo sample, and
  W = P W for a y-symmetric density.

This module does not import ``zoo.card`` (the card computes parameter counts through
``expected_shapes``, on torch's meta device).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU, "identity": nn.Identity}


class MCDropout(nn.Module):
    """Dropout (inverted scaling) that can stay active at prediction time (``mc``).

    ``spatial``: one Bernoulli draw per (sample, channel), dropping whole feature maps; otherwise
    per element. ``groups`` > 1: the batch is ``groups`` stacked copies that share their masks.
    """

    def __init__(self, p: float, spatial: bool):
        super().__init__()
        self.p, self.spatial, self.mc, self.groups = float(p), bool(spatial), False, 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not (self.training or self.mc):
            return x
        b = x.shape[0] // self.groups
        shape = (b, x.shape[1], *([1] * (x.dim() - 2))) if self.spatial else (b, *x.shape[1:])
        keep = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(1.0 - self.p) / (1.0 - self.p)
        if self.groups > 1:
            keep = keep.repeat(self.groups, *([1] * (x.dim() - 1)))
        return x * keep

    def extra_repr(self) -> str:
        return f"p={self.p}, spatial={self.spatial}"


def set_mc_dropout(net: nn.Module, active: bool) -> None:
    """Keep every MCDropout of ``net`` active (Monte Carlo dropout) or not, whatever its mode."""
    for m in net.modules():
        if isinstance(m, MCDropout):
            m.mc = bool(active)


def mirror_y(w: torch.Tensor, parity: Sequence[float]) -> torch.Tensor:
    """P w: the fields (B, C, n_s, n_x, n_y) mirrored in the last axis, each component times its
    parity (+1 even, -1 odd; CSR: Ws, Wx even, Wy odd)."""
    p = torch.tensor(tuple(parity), dtype=w.dtype, device=w.device).view(1, -1, 1, 1, 1)
    return torch.flip(w, dims=(-1,)) * p


class SigmaDecoder(nn.Module):
    """sigma-mlp: scalar inputs (B, n_inputs) in physical units -> fields (B, C, n_s, n_x, n_y)."""

    def __init__(self, arch, domains: Sequence[tuple[float, float]], parity: Sequence[float] | None = None):
        super().__init__()
        if len(domains) != arch.n_inputs:
            raise ValueError(f"{len(domains)} input domains for {arch.n_inputs} inputs")
        self.log = arch.input_transform == "log"
        lo = [math.log(a) if self.log else a for a, _ in domains]
        hi = [math.log(b) if self.log else b for _, b in domains]
        self.lo, self.hi = tuple(lo), tuple(hi)
        self.hard = arch.y_symmetry == "hard"
        self.scale = tuple(float(s) for s in arch.output_scale)
        self.parity = _parity(arch, parity)
        act = _ACTIVATIONS[arch.activation]
        std = arch.dropout_kind in ("standard", "both")
        spatial = arch.dropout_kind in ("spatial", "both")
        layers: list[nn.Module] = []
        width = arch.n_inputs
        for h in arch.hidden:
            layers += [nn.Linear(width, h), act()]
            if std and arch.dropout > 0:
                layers.append(MCDropout(arch.dropout, spatial=False))
            width = h
        self.mlp = nn.Sequential(*layers)
        self.latent = tuple(arch.latent)
        self.to_latent = nn.Linear(width, math.prod(self.latent))
        self.amplitude = nn.Linear(width, len(self.scale))
        stages: list[nn.Module] = []
        ch = self.latent[0]
        for out in arch.decoder_channels:
            block = [nn.ConvTranspose3d(ch, out, kernel_size=2, stride=2), act(),
                     nn.Conv3d(out, out, kernel_size=3, padding=1), act()]
            if spatial and arch.dropout > 0:
                block.append(MCDropout(arch.dropout, spatial=True))
            stages.append(nn.Sequential(*block))
            ch = out
        self.stages = nn.Sequential(*stages)
        self.head = nn.Conv3d(ch, len(self.scale), kernel_size=3, padding=1)

    def scale_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Physical inputs (B, n) -> the network's inputs in [-1, 1]."""
        lo = torch.tensor(self.lo, dtype=x.dtype, device=x.device)
        hi = torch.tensor(self.hi, dtype=x.dtype, device=x.device)
        v = torch.log(x) if self.log else x
        return 2.0 * (v - lo) / (hi - lo) - 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.scale_inputs(x.to(self.head.weight.dtype))
        h = self.mlp(z)
        amp = torch.exp(self.amplitude(h))
        f = self.head(self.stages(self.to_latent(h).view(-1, *self.latent)))
        scale = torch.tensor(self.scale, dtype=f.dtype, device=f.device)
        f = f * (amp * scale)[:, :, None, None, None]
        if self.hard:     # f is the y > 0 half; the y < 0 half is its mirror
            f = torch.cat([mirror_y(f, self.parity), f], dim=-1)
        return f


class _Block(nn.Sequential):
    def __init__(self, cin: int, cout: int, n: int, act, dropout: float, spatial: bool, bias: bool = True):
        layers: list[nn.Module] = []
        for i in range(n):
            layers += [nn.Conv3d(cin if i == 0 else cout, cout, kernel_size=3, padding=1, bias=bias), act()]
        if dropout > 0:
            layers.append(MCDropout(dropout, spatial=spatial))
        super().__init__(*layers)


class UNet3D(nn.Module):
    """unet: densities (B, n_s, n_x, n_y) [1/m^3] -> fields (B, C, n_s, n_x, n_y)."""

    def __init__(self, arch, parity: Sequence[float] | None = None):
        super().__init__()
        act = _ACTIVATIONS[arch.activation]
        spatial = arch.dropout_kind == "spatial"
        ch = list(arch.channels)
        n = arch.convs_per_level
        bias = arch.bias
        self.hard = arch.y_symmetry == "hard"
        self.scale = tuple(float(s) for s in arch.output_scale)
        self.parity = _parity(arch, parity)
        self.down = nn.ModuleList()
        cin = getattr(arch, "in_channels", 1)      # input components (a density: 1; a current density: 3)
        for k, c in enumerate(ch):
            p = arch.dropout if arch.dropout_levels == "all" or k == len(ch) - 1 else 0.0
            self.down.append(_Block(cin, c, n, act, p, spatial, bias))
            cin = c
        self.pool = nn.MaxPool3d(2) if arch.pooling == "max" else nn.AvgPool3d(2)
        self.upconv = nn.ModuleList(nn.ConvTranspose3d(ch[i + 1], ch[i], kernel_size=2, stride=2, bias=bias)
                                    for i in range(len(ch) - 1))
        up_p = arch.dropout if arch.dropout_levels == "all" else 0.0
        self.up = nn.ModuleList(_Block(2 * ch[i], ch[i], n, act, up_p, spatial, bias) for i in range(len(ch) - 1))
        self.head = nn.Conv3d(ch[0], len(self.scale), kernel_size=1, bias=bias)

    def core(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = self.pool(x)
        for i in reversed(range(len(self.up))):
            x = self.up[i](torch.cat([self.upconv[i](x), skips[i]], dim=1))
        return self.head(x)

    def forward(self, density: torch.Tensor) -> torch.Tensor:
        lam = density.to(self.head.weight.dtype)
        if lam.dim() == 4:                         # (B, n_s, n_x, n_y): one component
            lam = lam[:, None]
        m = lam.abs().amax(dim=(1, 2, 3, 4), keepdim=True)[:, 0]
        m = torch.where(m > 0, m, torch.ones_like(m))
        x = lam / m[:, None]
        if self.hard:
            b = x.shape[0]
            drops = [d for d in self.modules() if isinstance(d, MCDropout)]
            for d in drops:
                d.groups = 2
            try:
                out = self.core(torch.cat([x, torch.flip(x, dims=(-1,))], dim=0))
            finally:
                for d in drops:
                    d.groups = 1
            out = 0.5 * (out[:b] + mirror_y(out[b:], self.parity))
        else:
            out = self.core(x)
        scale = torch.tensor(self.scale, dtype=out.dtype, device=out.device).view(1, -1, 1, 1, 1)
        return out * scale * m[:, None]


def _parity(arch, parity) -> tuple[float, ...]:
    """The components' parities under the mirror of the last axis (needed by hard symmetry)."""
    if parity is None:
        if arch.y_symmetry == "hard":
            raise ValueError("a hard y-symmetric network needs the parity of every output component")
        return (1.0,) * len(arch.output_scale)
    parity = tuple(float(p) for p in parity)
    if len(parity) != len(arch.output_scale) or any(p not in (1.0, -1.0) for p in parity):
        raise ValueError(f"parity must be +1 or -1 per output component ({len(arch.output_scale)}), got {parity}")
    return parity


def build_surrogate_network(arch, domains: Sequence[tuple[float, float]] = (),
                            parity: Sequence[float] | None = None, card=None) -> nn.Module:
    """The network a surrogate architecture describes (``domains``: the scalar inputs' trained
    ranges, for the sigma-mlp's input scaling; ``parity``: +1/-1 per output component under the
    mirror of the last axis, ``OutputComponent.parity``, needed for y_symmetry 'hard'; ``card``: the
    card, for operators whose modes are its process's: ``fohm-no`` is built by
    ``zoo.processes.<process>.operator.build_network(arch, card)``, beam_fields without a card)."""
    if arch.kind == "fohm-no":
        import importlib

        process = card.output.physics.process if card is not None else "beam_fields"
        return importlib.import_module(f"zoo.processes.{process}.operator").build_network(arch, card)
    if arch.kind == "sigma-mlp":
        return SigmaDecoder(arch, domains, parity)
    if arch.kind == "unet":
        return UNet3D(arch, parity)
    raise ValueError(f"unknown surrogate architecture {arch.kind!r}")


def expected_shapes(arch) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes of the weights file, from the architecture alone (meta device)."""
    domains = [(1.0, 2.0)] * getattr(arch, "n_inputs", 0)
    with torch.device("meta"):
        net = build_surrogate_network(arch, domains, parity=(1.0,) * len(getattr(arch, "output_scale", ())))
    return {k: tuple(v.shape) for k, v in net.state_dict().items()}
