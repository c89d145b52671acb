"""The user-facing ``Sampler``: checked inputs in, physical samples out."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .card import ModelCard
from .model import InverseCDFModel
from .targets import Target, get_target

#: rows evaluated per network call (bounds memory for very large n)
CHUNK = 1 << 20


class ExtrapolationWarning(UserWarning):
    """A parameter outside the trained domain was accepted (allow_extrapolation=True)."""


def check_card_against_target(card: ModelCard, target: Target) -> None:
    """The card's parameters must be the target's, with trained domains inside the physical ones."""
    names = [p.name for p in card.target.parameters]
    if names != list(target.parameter_names):
        raise ValueError(f"card {card.name!r} lists parameters {names}, target {target.id!r} needs "
                         f"{list(target.parameter_names)} (in that order)")
    if [v.name for v in card.target.variables] != [v.name for v in target.variables]:
        raise ValueError(f"card {card.name!r} variables do not match target {target.id!r}")
    for p, spec in zip(card.target.parameters, target.parameters):
        if p.domain[0] < spec.domain[0] or p.domain[1] > spec.domain[1]:
            raise ValueError(f"card {card.name!r}: trained domain of {p.name!r} {list(p.domain)} exceeds the "
                             f"target's physical domain {list(spec.domain)}")
    for k, sub in enumerate(card.architecture.subnets):
        if sub.output_transform.coordinate not in target.coordinates:
            raise ValueError(f"card {card.name!r}: subnet {k} uses coordinate {sub.output_transform.coordinate!r}; "
                             f"target {target.id!r} offers {list(target.coordinates)}")


class Sampler:
    """A registry model ready to sample.

    Attributes: ``card`` (the ModelCard), ``path`` (folder holding card and weights),
    ``target`` (the exact distribution, with ``pdf``/``cdf``).

    Parameters are passed by name (see ``card.target.parameters`` for names, units
    and trained domains), each a scalar or a tensor/array of length n (one value per
    sample, e.g. every particle its own ``gamma``).
    """

    def __init__(self, card: ModelCard, path: str | Path, tensors: dict[str, torch.Tensor]):
        self.card = card
        self.path = Path(path)
        self.target: Target = get_target(card.target.id)
        check_card_against_target(card, self.target)
        model = InverseCDFModel(card, self.target)
        model.net.load_state_dict(tensors)
        model.eval().requires_grad_(False)
        self._models: dict[torch.device, InverseCDFModel] = {torch.device("cpu"): model}
        self._packed: dict[torch.device, torch.Tensor] = {}  # kernel weights per device (zoo.cuda)

    def __repr__(self) -> str:
        params = ", ".join(f"{p.name} in [{p.domain[0]:g}, {p.domain[1]:g}] {p.unit}" for p in self.card.target.parameters)
        return f"Sampler({self.card.name!r} v{self.card.version}, {self.dim}-D, {params or 'no parameters'})"

    @property
    def dim(self) -> int:
        """Number of sampled variables (1 for ``(n,)`` outputs, d for ``(n, d)``)."""
        return len(self.card.target.variables)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.card.target.parameters)

    @property
    def model(self) -> InverseCDFModel:
        """The torch reference model on the CPU (float32 network, float64 transforms)."""
        return self._models[torch.device("cpu")]

    def _model(self, device: torch.device) -> InverseCDFModel:
        if device not in self._models:
            self._models[device] = InverseCDFModel(self.card, self.target).to(device).eval().requires_grad_(False)
            self._models[device].net.load_state_dict(self._models[torch.device("cpu")].net.state_dict())
        return self._models[device]

    # -- input checks ------------------------------------------------------------
    def check_params(self, params: dict[str, Any], n: int, device: torch.device,
                     allow_extrapolation: bool = False) -> dict[str, torch.Tensor]:
        """Validate parameters; returns float64 tensors of shape () or (n,) on ``device``."""
        names = self.parameter_names
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"{self.card.name}: unknown parameter(s) {unknown}; expected {list(names)}")
        missing = [p for p in names if p not in params]
        if missing:
            raise ValueError(f"{self.card.name}: missing parameter(s) {missing}; "
                             + "; ".join(self._describe(p) for p in missing))
        out = {}
        for spec in self.card.target.parameters:
            v = params[spec.name]
            t = torch.as_tensor(v.detach() if isinstance(v, torch.Tensor) else np.asarray(v, dtype=np.float64),
                                dtype=torch.float64)
            if t.dim() > 1 or (t.dim() == 1 and t.shape[0] != n):
                raise ValueError(f"parameter {spec.name!r} must be a scalar or have shape ({n},), "
                                 f"got shape {tuple(t.shape)}")
            if not torch.isfinite(t).all():
                raise ValueError(f"parameter {spec.name!r} contains NaN or inf; {self._describe(spec.name)}")
            lo, hi = spec.domain
            t_lo, t_hi = (float(t.min()), float(t.max())) if t.numel() else (lo, hi)
            if t_lo < lo or t_hi > hi:
                msg = (f"parameter {spec.name!r} = [{t_lo:g}, {t_hi:g}] is outside the trained domain "
                       f"[{lo:g}, {hi:g}] ({spec.unit})")
                if not allow_extrapolation:
                    raise ValueError(msg + "; pass allow_extrapolation=True to extrapolate (accuracy not guaranteed)")
                warnings.warn(msg + "; extrapolating, accuracy not guaranteed", ExtrapolationWarning, stacklevel=3)
            out[spec.name] = t.to(device)
        if allow_extrapolation:
            self.target.check_parameters({k: v.cpu().numpy() for k, v in out.items()})
        return out

    def _describe(self, name: str) -> str:
        p = next(p for p in self.card.target.parameters if p.name == name)
        return f"{name!r} allowed in [{p.domain[0]:g}, {p.domain[1]:g}] ({p.unit})"

    def _check_u(self, u) -> torch.Tensor:
        t = u if isinstance(u, torch.Tensor) else torch.as_tensor(np.asarray(u, dtype=np.float64))
        want = "(n,)" if self.dim == 1 else f"(n, {self.dim})"
        ok = t.dim() == 1 if self.dim == 1 else (t.dim() == 2 and t.shape[1] == self.dim)
        if not ok:
            raise ValueError(f"u must have shape {want} for {self.card.name}, got {tuple(t.shape)}")
        if not torch.is_floating_point(t):
            t = t.double()
        if not torch.isfinite(t).all():
            raise ValueError("u contains NaN or inf; u must lie in [0, 1]")
        if t.numel() and (float(t.min()) < 0.0 or float(t.max()) > 1.0):
            raise ValueError(f"u must lie in [0, 1], got values in [{float(t.min()):g}, {float(t.max()):g}]")
        return t if self.dim > 1 else t[:, None]

    # -- evaluation ---------------------------------------------------------------
    def ppf(self, u, *, device=None, dtype=None, allow_extrapolation: bool = False, **params) -> torch.Tensor:
        """Deterministic network map from u in [0, 1] to samples (the learned inverse CDF).

        ``u`` has shape (n,) for 1-D models, (n, d) otherwise; the result has the same
        shape, in the units of ``card.target.variables``, as ``dtype`` (default: torch's
        default dtype) on ``device`` (default: u's device). Monotone in u for 1-D models
        (checked on a dense grid by ``zoo validate``).
        """
        u2 = self._check_u(u)
        dev = torch.device(device) if device is not None else u2.device
        n = u2.shape[0]
        p = self.check_params(params, n, dev, allow_extrapolation)
        model = self._model(dev)
        u2 = u2.to(dev, torch.float64)
        out = torch.empty((n, self.dim), dtype=torch.float64, device=dev)
        with torch.no_grad():
            for start in range(0, n, CHUNK):
                sl = slice(start, min(start + CHUNK, n))
                chunk_params = {k: (v[sl] if v.dim() == 1 else v) for k, v in p.items()}
                out[sl] = model(u2[sl], chunk_params)[0]
        out = out.to(dtype or torch.get_default_dtype())
        return out[:, 0] if self.dim == 1 else out

    def sample(self, n: int, *, generator: torch.Generator | None = None, device=None, dtype=None,
               allow_extrapolation: bool = False, backend: str | None = None, seed: int | None = None,
               offset: int = 0, precision: str = "accurate", **params) -> torch.Tensor:
        """Draw n samples: shape (n,) for 1-D models, (n, d) otherwise.

        ``generator`` makes the draw reproducible (u is drawn on its device). ``device``
        defaults to the device of a tensor parameter, else the CPU.

        ``backend``: ``"cuda"`` (the fused tensor-core kernel, default on a CUDA device when
        the ``cuda`` extra is installed) or ``"torch"`` (the reference path, default elsewhere).
        ``seed`` (and ``offset``, a sub-stream number) select the counter-based Philox stream
        of ``zoo.cuda.philox``: both backends then see identical u. Without a seed the kernel
        draws one from ``generator`` (or torch's global generator). ``precision`` (CUDA backend
        only): ``"accurate"`` (split-f16 tensor-core products and tanhf, within 1e-4 of the torch
        path in CDF units) or ``"fast"`` (f16 products, tanh.approx.f16x2); see docs/cuda.md.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        n = int(n)
        if device is None:
            device = next((v.device for v in params.values() if isinstance(v, torch.Tensor)), torch.device("cpu"))
        dev = torch.device(device)
        checked = self.check_params(params, n, dev, allow_extrapolation)  # fail before drawing
        if seed is not None and generator is not None:
            raise ValueError("pass either seed (the Philox stream) or generator, not both")
        from .cuda.codegen import PRECISIONS

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
        backend = self._backend(backend, dev)
        if backend == "cuda":
            return self._sample_cuda(n, dev, dtype, checked, generator, seed, offset, precision)
        if seed is not None:
            from .cuda.philox import uniforms

            u = torch.from_numpy(uniforms(n, self.dim, seed=seed, offset=offset)).to(dev)
        else:
            gen_dev = generator.device if generator is not None else dev
            u = torch.rand((n, self.dim), generator=generator, dtype=torch.float64, device=gen_dev).to(dev)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)  # already warned above
            return self.ppf(u if self.dim > 1 else u[:, 0], device=dev, dtype=dtype,
                            allow_extrapolation=allow_extrapolation, **params)

    # -- CUDA backend (zoo.cuda) -------------------------------------------------------
    def _backend(self, backend: str | None, dev: torch.device) -> str:
        if backend not in (None, "torch", "cuda"):
            raise ValueError(f"backend must be 'torch' or 'cuda', got {backend!r}")
        if backend == "cuda" and dev.type != "cuda":
            raise ValueError(f"backend='cuda' needs a CUDA device, got device={dev}")
        if backend is None:
            from . import cuda

            backend = "cuda" if dev.type == "cuda" and cuda.available() else "torch"
        return backend

    def _sample_cuda(self, n, dev, dtype, params, generator, seed, offset, precision="accurate") -> torch.Tensor:
        from .cuda import codegen, launch

        if seed is None:
            gen_dev = generator.device if generator is not None else torch.device("cpu")
            seed = int(torch.randint(0, 2**62, (), generator=generator, device=gen_dev))
        if dev not in self._packed:
            blob = codegen.pack(self.card, self.model.net.state_dict())
            self._packed[dev] = torch.frombuffer(bytearray(blob), dtype=torch.uint8).to(dev)
        want = dtype or torch.get_default_dtype()
        out = launch.run(self.card, self._packed[dev], n, params, seed=seed, offset=offset,
                         out_dtype=torch.float64 if want == torch.float64 else torch.float32, precision=precision)
        out = out.to(want)
        return out[:, 0] if self.dim == 1 else out

    def kernel_source(self, *, broadcast: bool = True, **options) -> str:
        """The CUDA source of this model's fused sampler kernel (see zoo.cuda.codegen.KernelOptions)."""
        from .cuda import codegen

        return codegen.generate(self.card, codegen.KernelOptions(broadcast=broadcast, **options))

    def compile_kernel(self, arch: str = "sm_90", *, broadcast: bool = True, **options) -> bytes:
        """The cubin of this model's kernel for ``arch`` (NVRTC; works without a GPU, cached on disk)."""
        from .cuda import nvrtc

        return nvrtc.compile_source(self.kernel_source(broadcast=broadcast, **options), arch)
