"""Throughput of the fused kernel against torch baselines, on one GPU in one run.

Methods (samples/s, including RNG and the physical mapping):
  kernel_broadcast   the fused kernel in its default mode (precision="accurate": split-f16
                     MMAs, tanhf), scalar parameters
  kernel_per_sample  the same, one float64 value per sample for every parameter
  kernel_broadcast_<mma>_<tanh>, kernel_per_sample_<mma>_<tanh>
                     every other kernel mode of emulate.MODES (e.g. f16_f16x2 = precision="fast");
                     tanh-only variants are timed for models with tanh activations only
  torch_fp32_eager   the reference path, Sampler.sample(backend="torch")
  torch_fp16_compile the network in fp16 under torch.compile (u drawn in fp16, mapping in fp64)
  table_searchsorted inverse-CDF table sampler: torch.searchsorted on an exact 1e4-point CDF
                     table with linear interpolation (1-D models, scalar parameters)
Timing: CUDA events around each call, warm-up first, median of ``repeat`` calls.
"""
from __future__ import annotations

import math
import statistics
from typing import Callable

import numpy as np
import torch

from . import codegen, launch

TABLE_POINTS = 10_000


def default_params(sampler) -> dict[str, float]:
    """The target's reference point (IC: the paper's gamma 1e5, eps0 10^-4.5), else the middle of
    each trained domain."""
    if sampler.target.reference_point is not None:
        return dict(sampler.target.reference_point)
    out = {}
    for p in sampler.card.target.parameters:
        lo, hi = p.domain
        out[p.name] = math.sqrt(lo * hi) if p.input_transform == "log10" else 0.5 * (lo + hi)
    return out


def time_call(fn: Callable[[], object], repeat: int = 5, warmup: int = 2) -> float:
    """Median seconds of fn() on the current stream (CUDA events)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / 1e3)
    return statistics.median(times)


def table_sampler(sampler, params: dict[str, float], device) -> Callable[[int], torch.Tensor]:
    """Inverse-CDF table on TABLE_POINTS exact points (log-spaced for log-binned targets)."""
    lo, hi = (float(np.asarray(v)) for v in sampler.target.support(**params))
    if sampler.target.log_binning and lo > 0:
        x = np.geomspace(lo, hi, TABLE_POINTS)
    else:
        x = np.linspace(lo, hi, TABLE_POINTS)
    c = sampler.target.cdf(x, **params)
    c = np.maximum.accumulate(np.clip(c, 0.0, 1.0))
    c[0], c[-1] = 0.0, 1.0
    xt = torch.as_tensor(x, dtype=torch.float32, device=device)
    ct = torch.as_tensor(c, dtype=torch.float32, device=device)

    def draw(n: int) -> torch.Tensor:
        u = torch.rand(n, device=device)
        i = torch.searchsorted(ct, u).clamp(1, TABLE_POINTS - 1)
        c0, c1 = ct[i - 1], ct[i]
        f = ((u - c0) / (c1 - c0).clamp_min(1e-30)).clamp(0, 1)
        return xt[i - 1] + f * (xt[i] - xt[i - 1])
    return draw


def fp16_compiled(sampler, params: dict[str, float], device) -> Callable[[int], torch.Tensor]:
    """The reference model with its network in fp16, under torch.compile."""
    from ..samplers.model import InverseCDFModel

    model = InverseCDFModel(sampler.card, sampler.target).to(device)
    model.net.load_state_dict(sampler.model.net.state_dict())
    model = model.half().eval().requires_grad_(False)
    p = {k: torch.tensor(v, dtype=torch.float64, device=device) for k, v in params.items()}
    fwd = torch.compile(lambda u: model(u, p)[0])

    def draw(n: int) -> torch.Tensor:
        with torch.no_grad():
            return fwd(torch.rand((n, sampler.dim), device=device, dtype=torch.float16))
    return draw


def kernel_modes(sampler) -> list[tuple[str, dict]]:
    """(name suffix, launch options) of every kernel mode to time: the default first ("" suffix),
    then each other (mma, tanh) of emulate.MODES; tanh variants only for models using tanh."""
    from .emulate import MODES

    default = codegen.KernelOptions()
    uses_tanh = any(s.activation == "tanh" for s in sampler.card.architecture.subnets)
    out = [("", {})]
    for mma, tanh in MODES:
        if (mma, tanh) == (default.mma, default.tanh) or (not uses_tanh and tanh != "exact"):
            continue
        out.append((f"_{mma}_{tanh}", {"mma": mma, "tanh": tanh}))
    return out


def run(sampler, *, n: int = 1 << 26, params: dict[str, float] | None = None, repeat: int = 5,
        baselines: bool = True) -> dict:
    """Measure every method on the current GPU; returns {"gpu", "n", "params", "samples_per_s"}."""
    if not torch.cuda.is_available():
        raise RuntimeError("no CUDA GPU: torch.cuda.is_available() is False, nothing to benchmark")
    dev = torch.device("cuda", torch.cuda.current_device())
    params = dict(params or default_params(sampler))
    blob = torch.frombuffer(bytearray(codegen.pack(sampler.card, sampler.model.net.state_dict())),
                            dtype=torch.uint8).to(dev)
    scalar = sampler.check_params(params, n, dev)
    per_sample = {k: v.expand(n).contiguous() for k, v in scalar.items()}
    rates = {}
    seeds = iter(range(1 << 30))
    for suffix, mode in kernel_modes(sampler):
        for kind, p in (("broadcast", scalar), ("per_sample", per_sample)):
            if kind == "per_sample" and not per_sample:
                continue
            t = time_call(lambda: launch.run(sampler.card, blob, n, p, seed=next(seeds), **mode), repeat)
            rates[f"kernel_{kind}{suffix}"] = n / t
    if baselines:
        m = min(n, 1 << 24)  # the torch baselines' memory grows with n; rates are per sample
        rates["torch_fp32_eager"] = m / time_call(lambda: sampler.sample(m, device=dev, backend="torch", **params),
                                                  repeat)
        f16 = fp16_compiled(sampler, params, dev)
        rates["torch_fp16_compile"] = m / time_call(lambda: f16(m), repeat)
        if sampler.dim == 1:
            table = table_sampler(sampler, params, dev)
            rates["table_searchsorted"] = m / time_call(lambda: table(m), repeat)
    return {"gpu": torch.cuda.get_device_name(dev), "n": n, "params": params, "samples_per_s": rates,
            "torch": torch.__version__}


def static_cost(sampler, arch: str = "sm_90") -> list[dict]:
    """Per kernel mode, counts read off the compiled code (no GPU; not a throughput): tensor-core
    MMAs and MUFU-class PTX ops (tanh.approx, ex2.approx, rcp.approx, sqrt, lg2) in the whole
    kernel, PTX instructions, and ptxas's registers and spill bytes."""
    import re

    from . import nvrtc

    rows = []
    for suffix, mode in kernel_modes(sampler):
        opts = codegen.KernelOptions(**mode)
        src = codegen.generate(sampler.card, opts)
        ptx = nvrtc.compile_source(src, arch, kind="ptx").decode()
        body = [ln.strip() for ln in ptx.splitlines()
                if ln.strip() and not ln.strip().startswith((".", "/", "{", "}", "$", "@@"))]
        count = {op: len(re.findall(rf"\b{re.escape(op)}\b", ptx)) for op in
                 ("mma.sync", "tanh.approx", "ex2.approx", "rcp.approx", "lg2.approx")}
        rows.append({"mode": f"{opts.mma}/{opts.tanh}", "precision": next(
            (k for k, v in codegen.PRECISIONS.items() if v == (opts.mma, opts.tanh)), "-"),
            **count, "ptx_instructions": len(body), **nvrtc.resource_usage(src, arch),
            "shared_bytes": codegen.shared_bytes(sampler.card, opts)})
    return rows


def static_report(names=None, arch: str = "sm_90") -> str:
    """``python -m zoo.cuda.bench``: the static_cost table of every registry model."""
    from ..api import list_models, load

    keys = ["mma.sync", "tanh.approx", "ex2.approx", "rcp.approx", "ptx_instructions", "registers",
            "spill_stores", "shared_bytes"]
    lines = [f"static counts of the generated kernel ({arch}, NVRTC; PTX op counts are for the whole "
             "kernel, not per sample; no throughput)",
             f"{'model':14s} {'mode':15s} {'preset':9s} " + " ".join(f"{k:>12s}" for k in keys)]
    for name in names or list_models(kind="sampler"):
        for r in static_cost(load(name), arch):
            lines.append(f"{name:14s} {r['mode']:15s} {r['precision']:9s} " + " ".join(f"{r[k]:12d}" for k in keys))
    return "\n".join(lines)


def report(result: dict) -> str:
    """A table of samples/s with each method's ratio to the broadcast kernel."""
    rates = result["samples_per_s"]
    ref = rates["kernel_broadcast"]
    lines = [f"GPU: {result['gpu']}   n = {result['n']}   params = {result['params']}",
             f"{'method':32s} {'samples/s':>12s} {'kernel_broadcast / method':>26s}"]
    for name, r in rates.items():
        lines.append(f"{name:32s} {r:12.3e} {ref / r:26.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(static_report(sys.argv[1:] or None))
