"""CUDA backend: one NVRTC-compiled tensor-core kernel per model card, fused with its RNG
(Philox4x32-10) and physics mapping. See docs/cuda.md.

``zoo.cuda.available()`` says whether samples can be drawn on a GPU here; compiling
(``Sampler.compile_kernel``) needs only the ``cuda`` extra, not a GPU.
"""
from __future__ import annotations


def nvrtc_available() -> bool:
    """cuda-python's NVRTC bindings import (the ``cuda`` extra is installed)."""
    try:
        from cuda.bindings import nvrtc  # noqa: F401
    except ImportError:
        return False
    return True


def available() -> bool:
    """A CUDA GPU is visible to torch and the driver API initialises (the kernel can be launched).

    False, never an exception, without a GPU, without the cuda extra, or when cuInit fails
    (e.g. cuda-bindings present but no NVIDIA driver).
    """
    import torch

    if not torch.cuda.is_available() or not nvrtc_available():
        return False
    try:
        from cuda.bindings import driver

        (err,) = driver.cuInit(0)
        return err == driver.CUresult.CUDA_SUCCESS
    except Exception:  # noqa: BLE001 - ImportError, DynamicLibNotFoundError, ...
        return False
