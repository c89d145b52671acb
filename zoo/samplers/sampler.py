"""The user-facing ``Sampler``: checked inputs in, physical samples out."""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._threads import threads_for_rows
from ..card import ModelCard
from ..checks import (DTYPES, check_bool, check_count, check_device, check_dtype, check_generator, check_seed,
                     real_tensor, shown)
from .model import InverseCDFModel
from ..targets import Target, get_target

#: rows evaluated per network call (bounds memory for very large n)
CHUNK = 1 << 20
#: precision presets of the CUDA backend (zoo.cuda.codegen.PRECISIONS holds what they mean)
PRECISIONS = ("accurate", "fast")


class ExactModeWarning(UserWarning):
    """exact=True: some points reached the iteration cap before the 1e-12 bound."""


class ExtrapolationWarning(UserWarning):
    """A parameter outside the trained domain was accepted (allow_extrapolation=True)."""


class OutOfDomainError(ValueError):
    """A parameter outside the trained domain (and maybe outside the physical one).

    ``str()`` suggests ``allow_extrapolation=True`` only where extrapolation is possible at
    all (trained domain narrower than the target's physical domain on that side);
    ``hint(flag)`` gives the same message naming a command-line flag instead.
    """

    def __init__(self, name: str, got: tuple[float, float], trained: tuple[float, float],
                 physical: tuple[float, float], unit: str, what: str = "trained domain", note: str = ""):
        self.name, self.got, self.trained, self.physical, self.unit = name, got, trained, physical, unit
        self.outside_physics = got[0] < physical[0] or got[1] > physical[1]
        self.base = (f"parameter {name!r} = [{got[0]:g}, {got[1]:g}] is outside the {what} "
                     f"[{trained[0]:g}, {trained[1]:g}] ({unit}){note}")
        super().__init__(self.hint("allow_extrapolation=True"))

    def hint(self, option: str) -> str:
        if self.outside_physics:
            return (self.base + f"; {self.name!r} must lie in [{self.physical[0]:g}, {self.physical[1]:g}] "
                    "where the target's formulas hold")
        return self.base + f"; pass {option} to extrapolate (accuracy not guaranteed)"


def memory_of(dev: torch.device) -> int:
    """Bytes of memory a draw on ``dev`` can use: a GPU's free memory, the CPU's available
    memory (``MemAvailable``; total physical memory where that is not known); 0 if unknown."""
    try:
        if dev.type == "cuda":
            return int(torch.cuda.mem_get_info(dev)[0])
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError, RuntimeError):
        return 0


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
    if card.target.sample_dtype == "float32" and target.min_sample_dtype == "float64":
        raise ValueError(f"card {card.name!r}: sample_dtype float32 is too narrow for target {target.id!r}, whose "
                         "samples need float64 (float32 rounding leaves the support or exceeds the accuracy "
                         "goal); allowed: float64")
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
        covered = self.card.covered_domain()
        params = ", ".join(f"{p.name} in [{covered[p.name][0]:g}, {covered[p.name][1]:g}] {p.unit}"
                           for p in self.card.target.parameters)
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

    # -- input checks (all conversions go through zoo.checks) ------------------------------
    def check_params(self, params: dict[str, Any], n: int, device: torch.device,
                     allow_extrapolation: bool = False) -> dict[str, torch.Tensor]:
        """Validate parameters; returns float64 tensors of shape () or (n,) on ``device``.

        Raises ``TypeError`` for values that are not real numbers (strings, complex, dicts,
        nested lists, meta/sparse tensors), ``OutOfDomainError`` (a ``ValueError``) outside the
        trained domain, ``ValueError`` for NaN/inf or a wrong shape.
        """
        names = self.parameter_names
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"{self.card.name}: unknown parameter(s) {[shown(u) for u in unknown]}; "
                             f"expected {list(names)}")
        missing = [p for p in names if p not in params]
        if missing:
            raise ValueError(f"{self.card.name}: missing parameter(s) {missing}; "
                             + "; ".join(self._describe(p) for p in missing))
        out = {}
        covered = self.card.covered_domain()
        for spec, phys in zip(self.card.target.parameters, self.target.parameters):
            t = real_tensor(f"parameter {spec.name!r}", params[spec.name]).to(torch.float64)
            if t.dim() == 1 and t.shape[0] != n:
                raise ValueError(f"parameter {spec.name!r} must be a scalar or have shape ({n},), "
                                 f"got shape {tuple(t.shape)}")
            if not bool(torch.isfinite(t).all()):
                raise ValueError(f"parameter {spec.name!r} contains NaN or inf; {self._describe(spec.name)}")
            lo, hi = covered[spec.name]
            t_lo, t_hi = (float(t.min()), float(t.max())) if t.numel() else (lo, hi)
            if t_lo < lo or t_hi > hi:
                extended = (lo, hi) != tuple(spec.domain)
                err = OutOfDomainError(
                    spec.name, (t_lo, t_hi), (lo, hi), phys.domain, spec.unit,
                    "covered domain" if extended else "trained domain",
                    f" (trained [{spec.domain[0]:g}, {spec.domain[1]:g}], extended by the limits measured on its "
                    "card: metrics.extensions)" if extended else "")
                if not allow_extrapolation or err.outside_physics:
                    raise err
                warnings.warn(err.base + "; extrapolating, accuracy not guaranteed", ExtrapolationWarning,
                              stacklevel=3)
            out[spec.name] = t.to(device)
        return out

    # -- rates ------------------------------------------------------------------------------------
    def rate(self, **params) -> np.ndarray:
        """The process's rate at the parameters (float64 numpy, broadcast): what a Monte Carlo or PIC
        code needs to decide whether an event happens before drawing it, the same number
        ``zoo export``'s ``radzoo_<name>_rate`` returns. It holds over the whole physical range of
        each parameter (``rate_domain``), not only the trained one. Its unit and the formula that
        turns it into dN/dt: ``rate_unit``, ``rate_definition`` (docs/rates.md)."""
        kr = self.target.kernel_rate
        if kr is None:
            raise ValueError(f"{self.card.name}: its process ({self.target.id}) defines no rate")
        names = self.parameter_names
        unknown, missing = sorted(set(params) - set(names)), [p for p in names if p not in params]
        if unknown or missing:
            raise ValueError(f"{self.card.name}.rate takes exactly the parameters {list(names)}; "
                             f"unknown {[shown(u) for u in unknown]}, missing {missing}")
        out = {}
        for name, (lo, hi) in zip(names, kr.domain):
            a = real_tensor(f"parameter {name!r}", params[name]).to(torch.float64).cpu().numpy()
            if a.size and not (np.all(a >= lo) and np.all(a <= hi)):   # NaN fails too
                raise ValueError(f"{self.card.name}.rate: parameter {name!r} must lie in [{lo:g}, {hi:g}] "
                                 f"(the rate's physical range), got values in [{np.nanmin(a):g}, {np.nanmax(a):g}]"
                                 + (" and NaN" if np.isnan(a).any() else ""))
            out[name] = a
        return self.target.rate(out)

    @property
    def rate_unit(self) -> str:
        kr = self.target.kernel_rate
        return "" if kr is None else kr.unit

    @property
    def rate_definition(self) -> str:
        kr = self.target.kernel_rate
        return "" if kr is None else kr.definition

    @property
    def rate_domain(self) -> dict[str, tuple[float, float]]:
        kr = self.target.kernel_rate
        return {} if kr is None else dict(zip(self.parameter_names, kr.domain))

    def _describe(self, name: str) -> str:
        p = next(p for p in self.card.target.parameters if p.name == name)
        lo, hi = self.card.covered_domain()[name]
        return f"{name!r} allowed in [{lo:g}, {hi:g}] ({p.unit})"

    def _check_u(self, u, *, scalar_ok: bool = False) -> torch.Tensor:
        t = real_tensor("u", u, max_dim=2)
        if scalar_ok and self.dim == 1 and t.dim() == 0:
            t = t.reshape(1)
        want = "(n,)" if self.dim == 1 else f"(n, {self.dim})"
        ok = t.dim() == 1 if self.dim == 1 else (t.dim() == 2 and t.shape[1] == self.dim)
        if not ok:
            raise ValueError(f"u must have shape {want} for {self.card.name}, got {tuple(t.shape)}")
        if not bool(torch.isfinite(t).all()):
            raise ValueError("u contains NaN or inf; u must lie in [0, 1]")
        if t.numel() and (float(t.min()) < 0.0 or float(t.max()) > 1.0):
            raise ValueError(f"u must lie in [0, 1], got values in [{float(t.min()):g}, {float(t.max()):g}]")
        return t if self.dim > 1 else t[:, None]

    def _check_dtype(self, dtype) -> torch.dtype:
        """The output dtype: the card's ``sample_dtype`` by default; never a narrower one."""
        need = DTYPES[self.card.target.sample_dtype]
        if dtype is None:
            return need
        got = check_dtype(dtype)
        if torch.finfo(got).bits < torch.finfo(need).bits:
            raise ValueError(f"dtype={got} is too narrow for {self.card.name}: its card declares "
                             f"sample_dtype {self.card.target.sample_dtype} (rounding to {got} alone would "
                             "exceed the card's accuracy or leave the support); allowed: "
                             + ", ".join(str(d) for d in DTYPES.values()
                                         if torch.finfo(d).bits >= torch.finfo(need).bits))
        return got

    def _check_memory(self, n: int, dev: torch.device) -> None:
        """Refuse a draw whose u and samples alone would not fit in the device's memory."""
        need = n * self.dim * 16  # float64 u + float64 samples
        if need <= 1 << 28:  # 256 MiB: fits anywhere this runs; keeps /proc/meminfo off small calls
            return
        total = memory_of(dev)
        if total and need > total:
            most = total // (self.dim * 16)
            raise ValueError(f"n = {n} samples need {need / 2**30:.3g} GiB for u and the samples alone, more "
                             f"than the {total / 2**30:.3g} GiB available on {dev}; draw at most {most} per call, "
                             "in batches")

    # -- evaluation ---------------------------------------------------------------
    def ppf(self, u, *, device=None, dtype=None, allow_extrapolation: bool = False, exact: bool = False,
            **params) -> torch.Tensor:
        """Deterministic network map from u in [0, 1] to samples (the learned inverse CDF).

        ``u`` has shape (n,) for 1-D models (or is one number: the result is then a 0-d tensor),
        (n, d) otherwise; the result has the same shape, in the units of ``card.target.variables``,
        as ``dtype`` (default: the card's ``sample_dtype``; a narrower one is refused) on ``device``
        (default: u's device).
        Monotone in u for 1-D models (checked on a dense grid by ``zoo validate``).

        ``exact=True`` refines every value on the exact CDF (``zoo.samplers.exact``) until
        |C(x) - u| <= 1e-12 min(u, 1 - u), or x is one of the two float64 values bracketing the exact quantile
        where no float64 value meets that bound, or a small iteration cap is reached
        (``ExactModeWarning`` with the count; ``last_refinement`` holds the counts of the last
        call). The result is float64 unless ``dtype`` says otherwise (rounding to float32 would
        undo the refinement). Chained models refine component by component on the refined earlier ones. The
        CDF evaluations run in float64 on the CPU (values on a GPU travel there and back);
        see the README for the cost.
        """
        allow_extrapolation = check_bool("allow_extrapolation", allow_extrapolation)
        exact = check_bool("exact", exact)
        out_dtype = torch.float64 if exact and dtype is None else self._check_dtype(dtype)
        scalar = self.dim == 1 and np.ndim(u) == 0 and not isinstance(u, (str, bytes))
        u2 = self._check_u(u, scalar_ok=scalar)
        dev = check_device(device) if device is not None else check_device(u2.device)
        p = self.check_params(params, u2.shape[0], dev, allow_extrapolation)
        x = self._ppf(u2, p, dev, out_dtype, exact)
        return x[0] if scalar else x

    def _ppf(self, u2: torch.Tensor, p: dict[str, torch.Tensor], dev: torch.device,
             out_dtype: torch.dtype, exact: bool = False) -> torch.Tensor:
        """ppf on checked inputs: u (n, d), parameters from check_params."""
        n = u2.shape[0]
        model = self._model(dev)
        u2 = u2.to(dev, torch.float64)
        out = torch.empty((n, self.dim), dtype=torch.float64, device=dev)
        w = torch.empty((n, self.dim), dtype=torch.float64, device=dev) if exact else None
        from ..progress import bar

        with torch.no_grad(), threads_for_rows(n):
            for start in bar(range(0, n, CHUNK), desc=f"{self.card.name}", unit="chunk"):
                sl = slice(start, min(start + CHUNK, n))
                chunk_params = {k: (v[sl] if v.dim() == 1 else v) for k, v in p.items()}
                x_sl, w_sl = model(u2[sl], chunk_params)
                out[sl] = x_sl
                if exact:
                    w[sl] = w_sl
        if exact:
            out = self._refine(u2, w, p).to(dev)
        out = out.to(out_dtype)
        return out[:, 0] if self.dim == 1 else out

    def _refine(self, u2: torch.Tensor, w: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
        """The exact mode: every component refined on the exact (conditional) CDF (zoo.samplers.exact)."""
        from .exact import MAX_ITER, refine

        un, wn = u2.cpu().numpy(), w.cpu().numpy()
        pn = {k: v.cpu().numpy() for k, v in p.items()}
        xs, counts = [], {"converged": 0, "resolution": 0, "capped": 0, "floored": 0, "max_iterations": 0}
        from ..progress import bar

        for k, sub in enumerate(bar(self.card.architecture.subnets, desc=f"{self.card.name} exact", unit="component")):
            prev = None if k == 0 else np.stack(xs, axis=1)
            r = refine(self.target, k, un[:, k], wn[:, k], prev, pn, sub.output_transform.coordinate)
            xs.append(r.x)
            for key in ("converged", "resolution", "capped", "floored"):
                counts[key] += getattr(r, key)
            counts["max_iterations"] = max(counts["max_iterations"], int(r.iterations.max(initial=0)))
        self.last_refinement = counts
        if counts["capped"]:
            warnings.warn(f"exact=True: {counts['capped']} of {un.shape[0] * self.dim} values reached the cap of "
                          f"{MAX_ITER} iterations before the 1e-12 bound", ExactModeWarning, stacklevel=4)
        if counts["floored"]:
            warnings.warn(f"exact=True: {counts['floored']} of {un.shape[0] * self.dim} values have a tail mass (u or "
                          "1 - u) below that of the smallest normal float64 sample at the support's end: they are "
                          "the support's end, and the 1e-12 bound cannot be met in float64 there",
                          ExactModeWarning, stacklevel=4)
        return torch.from_numpy(np.stack(xs, axis=1))

    def sample(self, n: int, *, generator: torch.Generator | None = None, device=None, dtype=None,
               allow_extrapolation: bool = False, backend: str | None = None, seed: int | None = None,
               offset: int = 0, precision: str = "accurate", exact: bool = False, **params) -> torch.Tensor:
        """Draw n samples: shape (n,) for 1-D models, (n, d) otherwise.

        ``n``: a non-negative integer (integral floats such as ``1e6`` are accepted).
        ``generator`` makes the draw reproducible (u is drawn on its device). ``device``
        defaults to the device of a tensor parameter, else the CPU. ``dtype`` defaults to
        the card's ``sample_dtype`` (float64 for ic-isotropic); a narrower one is refused.

        ``backend``: ``"cuda"`` (the fused tensor-core kernel, default on a CUDA device when
        the ``cuda`` extra is installed) or ``"torch"`` (the reference path, default elsewhere).
        ``seed`` (and ``offset``, a sub-stream number), integers in [0, 2**64), select the
        counter-based Philox stream of ``zoo.philox``: both backends then see identical u.
        Without a seed the kernel draws one from ``generator`` (or torch's global generator).
        ``precision`` (CUDA backend only): ``"accurate"`` (split-f16 tensor-core products and
        tanhf, within 1e-4 of the torch path in CDF units) or ``"fast"`` (f16 products,
        tanh.approx.f16x2); see docs/cuda.md.

        ``exact=True``: each sample refined on the exact CDF, as ``ppf(..., exact=True)``
        describes (the torch backend draws u; with a ``seed`` the same u as the kernel).
        """
        n = check_count("n", n)
        allow_extrapolation = check_bool("allow_extrapolation", allow_extrapolation)
        exact = check_bool("exact", exact)
        generator = check_generator(generator)
        if seed is not None:
            seed = check_seed("seed", seed)
        offset = check_seed("offset", offset)
        if seed is not None and generator is not None:
            raise ValueError("pass either seed (the Philox stream) or generator, not both")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {shown(precision)}")
        out_dtype = torch.float64 if exact and dtype is None else self._check_dtype(dtype)
        if device is None:
            device = next((v.device for v in params.values()
                           if isinstance(v, torch.Tensor) and v.device.type in ("cpu", "cuda")), "cpu")
        dev = check_device(device)
        self._check_memory(n, dev)
        checked = self.check_params(params, n, dev, allow_extrapolation)  # fail before drawing
        backend_arg = backend
        backend = self._backend(backend, dev)
        if exact and backend == "cuda":
            if backend_arg == "cuda":
                raise ValueError("exact=True runs on the torch backend (the exact CDF is evaluated in float64 on "
                                 "the CPU); pass backend='torch' or leave backend unset")
            backend = "torch"
        if backend == "cuda":
            return self._sample_cuda(n, dev, out_dtype, checked, generator, seed, offset, precision)
        if seed is not None:
            from ..philox import uniforms  # numpy only: the CPU replica of the kernel's stream

            u = torch.from_numpy(uniforms(n, self.dim, seed=seed, offset=offset)).to(dev)
        else:
            gen_dev = generator.device if generator is not None else dev
            u = torch.rand((n, self.dim), generator=generator, dtype=torch.float64, device=gen_dev).to(dev)
        return self._ppf(u, checked, dev, out_dtype, exact)

    # -- CUDA backend (zoo.cuda) -------------------------------------------------------
    def _backend(self, backend: str | None, dev: torch.device) -> str:
        if backend not in (None, "torch", "cuda"):
            raise ValueError(f"backend must be 'torch' or 'cuda', got {shown(backend)}")
        if backend == "cuda" and dev.type != "cuda":
            raise ValueError(f"backend='cuda' needs a CUDA device, got device={dev}")
        if backend is None:
            backend = "torch"
            if dev.type == "cuda":  # the CPU path never imports zoo.cuda
                from .. import cuda

                backend = "cuda" if cuda.available() else "torch"
        return backend

    def _sample_cuda(self, n, dev, dtype, params, generator, seed, offset, precision="accurate") -> torch.Tensor:
        from ..cuda import codegen, launch

        if seed is None:
            gen_dev = generator.device if generator is not None else torch.device("cpu")
            seed = int(torch.randint(0, 2**62, (), generator=generator, device=gen_dev))
        if dev not in self._packed:
            blob = codegen.pack(self.card, self.model.net.state_dict())
            self._packed[dev] = torch.frombuffer(bytearray(blob), dtype=torch.uint8).to(dev)
        out = launch.run(self.card, self._packed[dev], n, params, seed=seed, offset=offset,
                         out_dtype=torch.float64 if dtype == torch.float64 else torch.float32, precision=precision)
        out = out.to(dtype)
        return out[:, 0] if self.dim == 1 else out

    def kernel_source(self, *, broadcast: bool = True, **options) -> str:
        """The CUDA source of this model's fused sampler kernel (see zoo.cuda.codegen.KernelOptions)."""
        from ..cuda import codegen

        return codegen.generate(self.card, codegen.KernelOptions(broadcast=broadcast, **options))

    def compile_kernel(self, arch: str = "sm_90", *, broadcast: bool = True, **options) -> bytes:
        """The cubin of this model's kernel for ``arch`` (NVRTC; works without a GPU, cached on disk)."""
        from ..cuda import nvrtc

        return nvrtc.compile_source(self.kernel_source(broadcast=broadcast, **options), arch)
