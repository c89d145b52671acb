"""The full inverse-CDF map x = NN(u, Z): input assembly, network, output transforms.

This is the one place where a card's architecture, its parameter scalings and its
output transforms are put together; the Sampler, the validator and the training
recipes all evaluate models through ``InverseCDFModel``.
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from ..card import ModelCard
from .nets import build_network
from ..targets import Target, get_target
from ..targets.base import network_parameters
from ..transforms import earlier_columns, parameter_columns, squash, to_physical, transform_u


class InverseCDFModel(nn.Module):
    """x = NN(u, Z) for one model card (eq. 3 for 1-D targets, eq. 16 when chained).

    The network runs in float32; squash and output transforms run in float64 so the
    mapping onto supports that span many decades keeps its precision.
    """

    def __init__(self, card: ModelCard, target: Target | None = None):
        super().__init__()
        self.card = card
        self.target = target if target is not None else get_target(card.target.id)
        self.net = build_network(card.architecture)

    @property
    def dim(self) -> int:
        return len(self.card.target.variables)

    def scaled_parameters(self, params: Mapping[str, torch.Tensor], n: int, like: torch.Tensor) -> torch.Tensor:
        seen = network_parameters(params, self.card.target.parameters, self.target.extensions)
        cols = [c.to(like.dtype).expand(n) for p in self.card.target.parameters
                for c in parameter_columns(seen[p.name], p)]
        return torch.stack(cols, dim=1) if cols else like.new_zeros((n, 0))

    def forward(self, u: torch.Tensor, params: Mapping[str, torch.Tensor],
                detach_conditioning: bool = True,
                fixed_w: torch.Tensor | None = None, return_raw: bool = False,
                teacher_w: torch.Tensor | None = None):
        """Map u of shape (n, d) and float64 parameters of shape (n,) or () to samples.

        Returns ``(x, w)``: physical samples (n, d) in float64 and the squashed
        outputs w in [0, 1]. ``detach_conditioning`` stops gradients from H_k into the
        earlier sub-networks through their outputs (eq. 17 trains each H_k on its own term).
        ``fixed_w`` (n, j) holds the first j components at given w instead of evaluating
        H_0..H_{j-1} (the validator uses it to probe the conditionals).
        ``return_raw`` also returns the raw network outputs z (n, d) before the squash
        (training penalises z outside [0, 1] for the ``clamp`` squash, whose gradient
        vanishes there).
        ``teacher_w`` (n, d): evaluate every H_k but condition H_k on teacher_w[:, :k] instead of the
        earlier networks' outputs (teacher forcing, eq. 17: one pass gives every z_k of the quantile
        objectives; the returned x and w are then the teacher's).
        """
        n = u.shape[0]
        net_dtype = next(self.net.parameters()).dtype
        z_params = self.scaled_parameters(params, n, u.to(net_dtype))
        xs, ws, zs = [], [], []
        for k, (subnet, spec) in enumerate(zip(self.net.subnets, self.card.architecture.subnets)):
            earlier = earlier_columns(ws, spec.earlier_extra_inputs, net_dtype, detach_conditioning)
            v_k = transform_u(u[:, k].to(torch.float64), spec.u_transform)
            inputs = torch.cat([v_k[:, None].to(net_dtype), *(e[:, None] for e in earlier), z_params], dim=1)
            if fixed_w is not None and k < fixed_w.shape[1]:
                w = fixed_w[:, k].to(torch.float64)
                z = w
            else:
                z = subnet(inputs)[:, 0].double()
                if spec.residual:
                    z = z + v_k
                w = squash(z, spec.output_transform.squash)
            zs.append(z)
            prev = torch.stack(xs, dim=1) if xs else None
            if teacher_w is not None:     # condition the later components on the teacher's w and x
                xs.append(to_physical(self.target, k, teacher_w[:, k].to(torch.float64), prev, params,
                                      spec.output_transform))
                ws.append(teacher_w[:, k].to(torch.float64))
                continue
            xs.append(to_physical(self.target, k, w, prev, params, spec.output_transform))
            ws.append(w)
        if return_raw:
            return torch.stack(xs, dim=1), torch.stack(ws, dim=1), torch.stack(zs, dim=1)
        return torch.stack(xs, dim=1), torch.stack(ws, dim=1)
