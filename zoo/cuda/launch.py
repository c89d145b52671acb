"""Launch the fused sampler kernel on PyTorch's current CUDA stream (cuda-python driver API).

Inputs and outputs are torch tensors used in place (no copies): float64 parameters of shape
() or (n,) on the GPU (the Sampler's checked parameters), a uint8 tensor with the packed
weights, and the output tensor (n, d). Modules are loaded once per (device, cubin).
"""
from __future__ import annotations

import ctypes
import hashlib

import torch

from . import codegen, nvrtc

_MODULES: dict[tuple[int, str], object] = {}
_CUBINS: dict[tuple, bytes] = {}  # in-process memo in front of the on-disk cache
#: blocks per SM launched (grid-stride loop over the chunks)
BLOCKS_PER_SM = 8


def _driver():
    try:
        from cuda.bindings import driver
    except ImportError as err:
        raise RuntimeError("the CUDA backend needs the cuda extra: pip install '.[cuda]' in a radzoo checkout") from err
    return driver


def _ok(result, what: str):
    driver = _driver()
    err = result[0] if isinstance(result, tuple) else result
    if err != driver.CUresult.CUDA_SUCCESS:
        raise RuntimeError(f"{what} failed: {getattr(err, 'name', err)}")
    if isinstance(result, tuple):
        return result[1] if len(result) == 2 else result[1:]
    return None


def device_arch(device: torch.device) -> str:
    major, minor = torch.cuda.get_device_capability(device)
    return f"sm_{major}{minor}"


def _function(device: torch.device, cubin: bytes, smem: int):
    """CUfunction of the kernel in the primary context of ``device`` (torch's context)."""
    driver = _driver()
    index = device.index if device.index is not None else torch.cuda.current_device()
    key = (index, hashlib.sha256(cubin).hexdigest())
    if key not in _MODULES:
        torch.cuda.init()
        _ok(driver.cuInit(0), "cuInit")
        dev = _ok(driver.cuDeviceGet(index), "cuDeviceGet")
        ctx = _ok(driver.cuDevicePrimaryCtxRetain(dev), "cuDevicePrimaryCtxRetain")
        _ok(driver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        module = _ok(driver.cuModuleLoadData(cubin), "cuModuleLoadData")
        func = _ok(driver.cuModuleGetFunction(module, codegen.KERNEL_NAME.encode()), "cuModuleGetFunction")
        if smem > 48 * 1024:
            attr = driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
            _ok(driver.cuFuncSetAttribute(func, attr, smem), "cuFuncSetAttribute")
        _MODULES[key] = func
    return _MODULES[key]


_SMEM_LIMITS: dict[int, int] = {}


def max_shared_bytes(device: torch.device) -> int:
    """Opt-in maximum of shared memory per block of the device (cuDeviceGetAttribute)."""
    driver = _driver()
    index = device.index if device.index is not None else torch.cuda.current_device()
    if index not in _SMEM_LIMITS:
        _ok(driver.cuInit(0), "cuInit")
        dev = _ok(driver.cuDeviceGet(index), "cuDeviceGet")
        attr = driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
        _SMEM_LIMITS[index] = int(_ok(driver.cuDeviceGetAttribute(attr, dev), "cuDeviceGetAttribute"))
    return _SMEM_LIMITS[index]


def kernel_options(params: dict[str, torch.Tensor], out_dtype: torch.dtype, **overrides) -> codegen.KernelOptions:
    broadcast = all(v.dim() == 0 for v in params.values())
    out = "float64" if out_dtype == torch.float64 else "float32"
    return codegen.KernelOptions(broadcast=broadcast, out_dtype=out, **overrides)


def run(card, weights: torch.Tensor, n: int, params: dict[str, torch.Tensor], *, seed: int, offset: int = 0,
        out_dtype: torch.dtype = torch.float32, **overrides) -> torch.Tensor:
    """Draw n samples (n, d) on the parameters' GPU; params are float64 tensors of shape () or (n,).

    ``overrides``: KernelOptions fields, e.g. ``precision="fast"`` (default ``"accurate"``),
    ``mma``, ``tanh``, ``map_precision``, ``block``. ``weights``: the whole ``codegen.pack`` blob
    (every mode reads its own part of it)."""
    device = weights.device
    opts = kernel_options(params, out_dtype, **overrides)
    arch = device_arch(device)
    key = (card.name, card.version, card.weights.sha256, card.architecture.model_dump_json(), opts, arch)
    if key not in _CUBINS:
        _CUBINS[key] = nvrtc.compile_source(codegen.generate(card, opts), arch)
    cubin = _CUBINS[key]
    smem = codegen.shared_bytes(card, opts)
    codegen.check_shared_memory(card, opts, max_shared_bytes(device))
    func = _function(device, cubin, smem)
    dim = len(card.target.variables)
    out = torch.empty((n, dim), dtype=torch.float64 if opts.out_dtype == "float64" else torch.float32, device=device)
    if n == 0:
        return out
    values = [out.data_ptr(), n, seed, offset, weights.data_ptr()]
    types = [ctypes.c_void_p, ctypes.c_longlong, ctypes.c_ulonglong, ctypes.c_ulonglong, ctypes.c_void_p]
    for spec in card.target.parameters:
        t = params[spec.name]
        if t.device != device or t.dtype != torch.float64 or t.dim() > 1:
            raise ValueError(f"parameter {spec.name!r} must be a float64 tensor of shape () or (n,) on {device}")
        t = params[spec.name] = t.contiguous()  # a copy only for strided views; kept alive in params
        values += [t.data_ptr(), 0 if t.dim() == 0 else 1]
        types += [ctypes.c_void_p, ctypes.c_longlong]
    rows = 16 * max(1, 8 // dim)
    chunks = -(-n // rows)
    sms = torch.cuda.get_device_properties(device).multi_processor_count
    grid = max(1, min(-(-chunks // (opts.block // 32)), sms * BLOCKS_PER_SM))
    stream = torch.cuda.current_stream(device).cuda_stream
    driver = _driver()
    _ok(driver.cuLaunchKernel(func, grid, 1, 1, opts.block, 1, 1, smem, driver.CUstream(stream),
                              (tuple(values), tuple(types)), 0), "cuLaunchKernel")
    return out
