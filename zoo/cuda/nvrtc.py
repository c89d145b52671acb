"""Compile CUDA source with NVRTC (cuda-python) to a cubin or PTX, cached on disk.

The cache key is the sha256 of the source, the options, the target architecture and the
NVRTC version; cubins live in ``$RADZOO_CACHE`` or ``$XDG_CACHE_HOME/radzoo/cubin``
(default ``~/.cache/radzoo/cubin``). NVRTC needs no GPU and no driver.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from ..files import atomic_write

BASE_OPTIONS = ("-std=c++17", "--fmad=true")


class CompileError(RuntimeError):
    """NVRTC rejected the source; the message holds the compiler log."""


def _nvrtc():
    try:
        from cuda.bindings import nvrtc
    except ImportError as err:
        raise RuntimeError("compiling the CUDA kernel needs the cuda extra: pip install '.[cuda]' in a radzoo "
                           "checkout") from err
    return nvrtc


def _check(result, what: str, prog=None):
    err = result[0]
    nvrtc = _nvrtc()
    if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
        log = _log(prog) if prog is not None else ""
        raise CompileError(f"{what} failed: {err.name}\n{log}")
    return result[1:] if len(result) > 2 else (result[1] if len(result) == 2 else None)


def _log(prog) -> str:
    nvrtc = _nvrtc()
    _, size = nvrtc.nvrtcGetProgramLogSize(prog)
    buf = b" " * size
    nvrtc.nvrtcGetProgramLog(prog, buf)
    return buf.decode(errors="replace").rstrip("\x00 \n")


def version() -> tuple[int, int]:
    """NVRTC (toolkit) version, e.g. (12, 9)."""
    return tuple(_check(_nvrtc().nvrtcVersion(), "nvrtcVersion"))


def check_arch(arch: str) -> int:
    """'sm_90' -> 90; the kernel's mma.m16n8k16 needs sm_80 or newer."""
    m = re.fullmatch(r"(?:sm|compute)_(\d+)[a-z]?", arch)
    if not m:
        raise ValueError(f"arch must look like 'sm_90', got {arch!r}")
    cc = int(m.group(1))
    if cc < 80:
        raise ValueError(f"the sampler kernel uses mma.m16n8k16 (f16 -> f32), which needs sm_80 or newer; got {arch}")
    return cc


def include_dirs() -> list[str]:
    """CUDA header directories found by cuda.pathfinder (the kernel itself needs none)."""
    try:
        from cuda.pathfinder import find_nvidia_header_directory
        found = find_nvidia_header_directory("cudart")
    except Exception:  # pathfinder missing, or no headers installed: fine, the kernel is header-free
        return []
    return [found] if found else []


def cache_dir() -> Path:
    root = os.environ.get("RADZOO_CACHE")
    if root:
        return Path(root).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "radzoo" / "cubin"


def cache_key(source: str, options: tuple[str, ...], arch: str, kind: str) -> str:
    blob = json.dumps({"source": source, "options": list(options), "arch": arch, "kind": kind,
                       "nvrtc": list(version())}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def compile_source(source: str, arch: str = "sm_90", *, kind: str = "cubin", name: str = "radzoo_sampler.cu",
                   options: tuple[str, ...] = (), use_cache: bool = True) -> bytes:
    """Compile ``source`` for ``arch`` ('sm_80', 'sm_90', ...) to a cubin (or PTX with kind='ptx')."""
    if kind not in ("cubin", "ptx"):
        raise ValueError(f"kind must be 'cubin' or 'ptx', got {kind!r}")
    cc = check_arch(arch)
    target = f"-arch={'sm' if kind == 'cubin' else 'compute'}_{cc}"
    opts = (*BASE_OPTIONS, *options, target)
    key = cache_key(source, opts, arch, kind)
    path = cache_dir() / f"{key}.{kind}"
    if use_cache and path.is_file():
        return path.read_bytes()
    out = _compile(source, name, opts + tuple(f"-I{d}" for d in include_dirs()), kind)
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, out, what="NVRTC cache file")
        except (OSError, ValueError):
            pass  # a read-only cache is not an error
    return out


def resource_usage(source: str, arch: str = "sm_90") -> dict[str, int]:
    """ptxas's report for the kernel (no cache): registers per thread and spill bytes.

    Returns {"registers", "spill_stores", "spill_loads", "stack"} parsed from ``--ptxas-options=-v``."""
    nvrtc = _nvrtc()
    cc = check_arch(arch)
    opts = [o.encode() for o in (*BASE_OPTIONS, f"-arch=sm_{cc}", "--ptxas-options=-v",
                                 *(f"-I{d}" for d in include_dirs()))]
    prog = _check(nvrtc.nvrtcCreateProgram(source.encode(), b"radzoo_sampler.cu", 0, [], []), "nvrtcCreateProgram")
    try:
        _check(nvrtc.nvrtcCompileProgram(prog, len(opts), opts), "nvrtcCompileProgram", prog)
        log = _log(prog)
    finally:
        nvrtc.nvrtcDestroyProgram(prog)
    out = {}
    for key, pattern in (("registers", r"Used (\d+) registers"), ("stack", r"(\d+) bytes stack frame"),
                         ("spill_stores", r"(\d+) bytes spill stores"), ("spill_loads", r"(\d+) bytes spill loads")):
        m = re.search(pattern, log)
        out[key] = int(m.group(1)) if m else -1
    return out


def _compile(source: str, name: str, opts: tuple[str, ...], kind: str) -> bytes:
    nvrtc = _nvrtc()
    prog = _check(nvrtc.nvrtcCreateProgram(source.encode(), name.encode(), 0, [], []), "nvrtcCreateProgram")
    try:
        enc = [o.encode() for o in opts]
        _check(nvrtc.nvrtcCompileProgram(prog, len(enc), enc), "nvrtcCompileProgram", prog)
        if kind == "cubin":
            size = _check(nvrtc.nvrtcGetCUBINSize(prog), "nvrtcGetCUBINSize")
            buf = b" " * size
            _check(nvrtc.nvrtcGetCUBIN(prog, buf), "nvrtcGetCUBIN")
        else:
            size = _check(nvrtc.nvrtcGetPTXSize(prog), "nvrtcGetPTXSize")
            buf = b" " * size
            _check(nvrtc.nvrtcGetPTX(prog, buf), "nvrtcGetPTX")
            buf = buf.rstrip(b"\x00")
        return buf
    finally:
        nvrtc.nvrtcDestroyProgram(prog)
