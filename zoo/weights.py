"""Weights files: sha256 check, safetensors only, shapes checked against the card."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ._lazy import torch

from .card import Architecture, WeightsCard
from .checks import read_bounded_file
from .files import atomic_write


def _st():
    """safetensors' torch API (imported on first use: it imports torch)."""
    import safetensors.torch

    return safetensors.torch


class WeightsError(ValueError):
    """A weights file that does not match its card (hash, names, shapes or dtype)."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: bytes a safetensors header may take beyond the tensor data: 8 (length) + JSON header
HEADER_ALLOWANCE = 8 + 4096
HEADER_PER_TENSOR = 256


def shapes_of(arch) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes a card's architecture needs (a sampler's ``Architecture`` or a
    surrogate's, which knows its own)."""
    from .samplers.nets import expected_shapes   # torch: imported when weights are checked

    return arch.expected_shapes() if hasattr(arch, "expected_shapes") else expected_shapes(arch)


def size_bounds(spec: WeightsCard, arch: Architecture) -> tuple[int, int]:
    """(min, max) size in bytes of a safetensors file holding the card's float32 weights."""
    data = 4 * spec.parameter_count
    n_tensors = len(shapes_of(arch))
    return data + 8, data + HEADER_ALLOWANCE + HEADER_PER_TENSOR * n_tensors


def load_checked(path: str | Path, spec: WeightsCard, arch: Architecture) -> dict[str, torch.Tensor]:
    """Read a safetensors file, verify its size and sha256 first, then names, shapes, dtype, values.

    The file size is compared with what the card implies before a byte is read (a huge or
    truncated file costs nothing), the file is hashed as it is read, and the bytes that were
    hashed are the bytes that are parsed, so a file cannot change between the check and its
    use. NaN or inf weights are refused.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        raise WeightsError(f"{path}: only .safetensors weights are accepted (never pickle)")
    lo, hi = size_bounds(spec, arch)
    try:
        size = path.stat().st_size
    except OSError:
        size = None  # missing or unreadable: read_bounded_file names the reason
    if size is not None and not lo <= size <= hi:
        raise WeightsError(f"weights file {path} has {size} bytes, but {spec.parameter_count} float32 "
                           f"weights take {lo}..{hi} bytes: it does not belong to this card; refusing to read it")
    data, digest = read_bounded_file(path, hi, what="weights file", error=WeightsError)
    if digest != spec.sha256:
        raise WeightsError(f"weights file {path} has sha256 {digest}, but its card says {spec.sha256}: "
                           "the file is corrupted or does not belong to this card; refusing to load it")
    try:
        tensors = _st().load(data)
    except Exception as err:  # safetensors raises its own error types
        raise WeightsError(f"weights file {path} is not a valid safetensors file: {err}") from None
    want = shapes_of(arch)
    missing = sorted(set(want) - set(tensors))
    extra = sorted(set(tensors) - set(want))
    if missing or extra:
        raise WeightsError(f"weights file {path} does not match the card's architecture: "
                           f"missing tensors {missing}, unexpected tensors {extra}")
    for name, shape in want.items():
        if tuple(tensors[name].shape) != shape:
            raise WeightsError(f"weights file {path}: tensor {name!r} has shape {tuple(tensors[name].shape)}, "
                               f"the card's architecture needs {shape}")
        if tensors[name].dtype != torch.float32:
            raise WeightsError(f"weights file {path}: tensor {name!r} is {tensors[name].dtype}, card says float32")
        if not bool(torch.isfinite(tensors[name]).all()):
            raise WeightsError(f"weights file {path}: tensor {name!r} holds NaN or inf; refusing to load it")
    count = sum(t.numel() for t in tensors.values())
    if count != spec.parameter_count:
        raise WeightsError(f"weights file {path} holds {count} parameters, card says {spec.parameter_count}")
    return tensors


def save(state: dict[str, torch.Tensor], path: str | Path) -> tuple[str, int]:
    """Write float32 weights (atomically); returns (sha256, parameter count)."""
    path = Path(path)
    tensors = {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in state.items()}
    atomic_write(path, _st().save(tensors), what="weights path")
    return sha256_file(path), sum(t.numel() for t in tensors.values())
