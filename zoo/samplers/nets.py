"""Networks: the dense MLP of eq. 3 and the chained ("Camel") network of eq. 16.

These modules only map input vectors to raw outputs z; how inputs are assembled
and how z becomes a physical sample lives in ``zoo.samplers.model`` and ``zoo.transforms``.
"""
from __future__ import annotations

import torch
from torch import nn

from ..card import Architecture

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU}


class MLP(nn.Module):
    """x_{i+1} = sigma(W_i x_i + b_i) for the hidden layers, then a linear output (eq. 3)."""

    def __init__(self, n_inputs: int, hidden: list[int], activation: str, n_outputs: int = 1):
        super().__init__()
        widths = [n_inputs, *hidden, n_outputs]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.act = _ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)


class ChainedNet(nn.Module):
    """One MLP per sampled dimension; H_k sees u_k, the earlier outputs and Z (eq. 16).

    The chaining itself (feeding H_k's output to H_{k+1}) is done by the caller,
    which owns the output transforms; ``subnets[k]`` is H_k.
    """

    def __init__(self, arch: Architecture):
        super().__init__()
        self.subnets = nn.ModuleList(MLP(s.n_inputs, list(s.hidden), s.activation) for s in arch.subnets)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def build_network(arch: Architecture) -> ChainedNet:
    """The network a card's architecture describes (1-D models are a chain of one)."""
    return ChainedNet(arch)


def expected_shapes(arch: Architecture) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes the weights file must hold for this architecture.

    Computed from the card alone (nothing is allocated), in the order and with the names of
    ``build_network(arch).state_dict()``.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    for k, sub in enumerate(arch.subnets):
        widths = [sub.n_inputs, *sub.hidden, 1]
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            shapes[f"subnets.{k}.layers.{i}.weight"] = (b, a)
            shapes[f"subnets.{k}.layers.{i}.bias"] = (b,)
    return shapes
