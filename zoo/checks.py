"""Checked arguments: the one place where user input becomes typed values, or a clear error.

Every public entry point (``zoo.load``, ``Sampler.sample``/``ppf``, the command line)
converts its arguments here. Each function either returns a value of the documented
type or raises ``TypeError`` (wrong kind of object) / ``ValueError`` (right kind, value
not allowed) whose message names the argument and says what is allowed. Messages never
echo long or arbitrary input: values are shown through ``shown()``, which truncates.
"""
from __future__ import annotations

import hashlib
import math
import numbers
import os
import re
from typing import Any

import numpy as np

from ._lazy import torch

#: a registry model name: what ``ModelCard.name`` allows (a name, never a path)
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_NAME_RE = re.compile(NAME_PATTERN)
#: a Hub revision: a branch or tag name (segments of [A-Za-z0-9._-], "/"-separated, e.g.
#: ``refs/pr/1``) or a commit sha; no "." or ".." segment, so it can never leave the cache
REVISION_PATTERN = r"^(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$"
_REVISION_RE = re.compile(REVISION_PATTERN)
MAX_REVISION_LENGTH = 128

#: the output dtypes a sampler can return
def _dtypes() -> dict:
    return {"float32": torch.float32, "float64": torch.float64}


def __getattr__(name):   # DTYPES without importing torch at import time
    if name == "DTYPES":
        return _dtypes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def shown(value: Any, limit: int = 40) -> str:
    """A short, safe rendering of a user value for an error message."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_bool(name: str, value: Any) -> bool:
    """A real ``bool`` (or numpy bool); ``"no"``, 0, 1 are refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {shown(value)}")


def check_count(name: str, value: Any, *, maximum: int | None = None) -> int:
    """A non-negative integer count. Integral floats (``1e6``) are accepted, here and
    everywhere a count is read (API and command line alike); strings are parsed only
    by the command line (``parse_count``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"{name} must be a non-negative integer, got {type(value).__name__} {shown(value)}")
    if isinstance(value, (numbers.Integral, np.integer)):
        n = int(value)
    else:
        f = float(value)
        if not math.isfinite(f) or f != math.floor(f):
            raise ValueError(f"{name} must be a non-negative integer, got {shown(value)}")
        n = int(f)
    if n < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {n}")
    if maximum is not None and n > maximum:
        raise ValueError(f"{name} = {n} is more than the {maximum} allowed")
    return n


def parse_count(name: str, text: str) -> int:
    """Command-line form of ``check_count``: ``1000000``, ``1e6`` and ``1_000_000`` all work."""
    s = str(text).strip().replace("_", "")
    try:
        value: Any = int(s)
    except ValueError:
        try:
            value = float(s)
        except ValueError:
            raise ValueError(f"{name} must be a non-negative integer (e.g. 1000000 or 1e6), "
                             f"got {shown(text)}") from None
    return check_count(name, value)


def check_seed(name: str, value: Any) -> int:
    """A Philox seed or offset: an integer in [0, 2**64)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer in [0, 2**64), got {type(value).__name__} {shown(value)}")
    v = int(value)
    if not 0 <= v < 2**64:
        raise ValueError(f"{name} must be an integer in [0, 2**64), got {shown(v)}")
    return v


def check_generator(value: Any) -> torch.Generator | None:
    if value is None or isinstance(value, torch.Generator):
        return value
    raise TypeError(f"generator must be a torch.Generator or None, got {type(value).__name__} {shown(value)} "
                    "(for a seed, pass torch.Generator().manual_seed(seed) or seed=)")


def check_device(value: Any, name: str = "device") -> torch.device:
    """``"cpu"``, ``"cuda"``/``"cuda:N"`` (only where a CUDA device N exists) or a torch.device."""
    if not isinstance(value, (str, torch.device)):
        raise TypeError(f"{name} must be a str or torch.device ('cpu', 'cuda', 'cuda:0'), "
                        f"got {type(value).__name__} {shown(value)}")
    try:
        dev = torch.device(value)
    except (RuntimeError, ValueError):
        raise ValueError(f"{name} {shown(value)} is not a device; allowed: 'cpu', 'cuda', 'cuda:N'") from None
    if dev.type == "cpu":
        if dev.index not in (None, 0):
            raise ValueError(f"{name} {shown(value)}: there is one CPU device; allowed: 'cpu', 'cuda', 'cuda:N'")
        return dev
    if dev.type != "cuda":
        raise ValueError(f"{name} {shown(value)}: only 'cpu' and 'cuda' devices are supported")
    if not torch.cuda.is_available():
        raise ValueError(f"{name}={shown(value)} but no CUDA device is available here "
                         f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'}); use device='cpu'")
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"{name}={shown(value)} but only {torch.cuda.device_count()} CUDA device(s) exist")
    return dev


def check_dtype(value: Any) -> torch.dtype:
    """``torch.float32``/``torch.float64`` (or their names, or numpy's)."""
    if isinstance(value, torch.dtype):
        if value in _dtypes().values():
            return value
    elif isinstance(value, str) and value.removeprefix("torch.") in _dtypes():
        return _dtypes()[value.removeprefix("torch.")]
    elif isinstance(value, (type, np.dtype)):
        try:
            name = np.dtype(value).name
        except TypeError:
            name = ""
        if name in _dtypes():
            return _dtypes()[name]
    raise TypeError(f"dtype must be torch.float32 or torch.float64, got {shown(value)}")


def real_tensor(name: str, value: Any, *, max_dim: int = 1) -> torch.Tensor:
    """A real, dense float64 (or float32, kept) tensor from a number, array, list or tensor.

    Refused with a message naming ``name``: strings (no silent parsing of ``"1e5"``),
    booleans, complex numbers, dicts and other objects, nested lists beyond ``max_dim``
    dimensions, numbers too large for float64, meta and sparse tensors.
    """
    what = f"{name} must be a real number or a {'1-D' if max_dim == 1 else f'{max_dim}-D'} array of them"
    if isinstance(value, torch.Tensor):
        if value.layout != torch.strided:
            raise TypeError(f"{what}; got a {value.layout} tensor (use .to_dense())")
        if value.device.type == "meta":
            raise TypeError(f"{what}; got a tensor on the meta device (it holds no values)")
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{what}; got a {value.dtype} tensor")
        t = value.detach()
        if not t.is_floating_point():
            t = t.double()
    else:
        if isinstance(value, (str, bytes, bytearray, dict, set, frozenset)) or value is None:
            raise TypeError(f"{what}; got {type(value).__name__} {shown(value)}")
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{what}; got bool {value}")
        if isinstance(value, numbers.Integral) and not isinstance(value, np.integer):
            if abs(value) > 2**1023:
                raise ValueError(f"{name} = {shown(value)} is too large for float64")
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError, OverflowError):
            raise TypeError(f"{what}; got {type(value).__name__} {shown(value)} (ragged or not numeric)") from None
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{what}; got {type(value).__name__} {shown(value)} of kind {arr.dtype}")
        try:
            arr = arr.astype(np.float64)
        except OverflowError:
            raise ValueError(f"{name} = {shown(value)} is too large for float64") from None
        t = torch.from_numpy(np.array(arr, dtype=np.float64, order="C"))  # (ascontiguousarray makes 0-d 1-d)
    if t.dim() > max_dim:
        raise ValueError(f"{what}; got shape {tuple(t.shape)}")
    return t


def check_name(value: Any, name: str = "name") -> str:
    """A registry model name (``[a-z0-9][a-z0-9-]*``, at most 64 characters)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not _NAME_RE.fullmatch(value):
        raise ValueError(f"{name} {shown(value)} is not a model name: names are lower-case letters, digits "
                         "and '-', at most 64 characters (pass a pathlib.Path or a path with '/' for a folder)")
    return value


def check_revision(value: Any, name: str = "revision") -> str:
    """A Hub branch, tag or commit sha that stays inside the cache once written as a ref file."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str (branch, tag or commit sha), got {type(value).__name__}")
    if len(value) > MAX_REVISION_LENGTH or not _REVISION_RE.fullmatch(value) or value.endswith(".lock"):
        raise ValueError(f"{name} {shown(value)} is not a valid revision: a branch or tag name of "
                         "letters, digits, '.', '_', '-' (segments separated by '/', none of them '.' or '..'), "
                         f"or a commit sha, at most {MAX_REVISION_LENGTH} characters")
    return value


def read_bounded_file(path, limit: int, *, what: str, error: type = ValueError) -> tuple[bytes, str]:
    """(bytes, sha256) of a file of at most ``limit`` bytes, read in blocks and hashed as it is
    read; ``error`` (naming ``what`` and the path) when it is missing, a folder, unreadable or
    larger than ``limit`` (then nothing beyond ``limit + 1`` bytes is read)."""
    h = hashlib.sha256()
    buf = bytearray()
    try:
        with open(path, "rb") as f:
            while len(buf) <= limit:
                block = f.read(min(1 << 20, limit + 1 - len(buf)))
                if not block:
                    break
                buf += block
                h.update(block)
    except FileNotFoundError:
        raise error(f"{what} {path} is missing") from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder") from None
    except OSError as err:
        raise error(f"cannot read {what} {path}: {err.strerror}") from None
    if len(buf) > limit:
        raise error(f"{what} {path} is larger than {limit} bytes; refusing it")
    return bytes(buf), h.hexdigest()


def env_seconds(var: str, default: float) -> float:
    """A positive number of seconds from an environment variable (ValueError naming it)."""
    raw = os.environ.get(var)
    if raw is None or raw.strip() == "":
        return default
    try:
        v = float(raw)
    except ValueError:
        raise ValueError(f"environment variable {var} must be a number of seconds, got {shown(raw)}") from None
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"environment variable {var} must be a positive number of seconds, got {shown(raw)}")
    return v


# -- command-line arguments (shared by every `zoo` subcommand) -------------------------------
def parse_params(items: list[str] | None) -> dict[str, float]:
    """``--param NAME=VALUE`` items -> {name: float}; each name at most once."""
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--param expects NAME=VALUE, got {shown(item)}")
        if key in out:
            raise ValueError(f"--param {shown(key)} given twice; give each parameter once")
        try:
            out[key] = float(value)
        except ValueError:
            raise ValueError(f"--param {shown(key)}: {shown(value)} is not a number") from None
    return out


def count_type(flag: str):
    """An argparse ``type=`` for counts: integers, also written as integral floats (1e6)."""
    import argparse

    def parse(text: str) -> int:
        try:
            return parse_count(flag, text)
        except (TypeError, ValueError) as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = "count"
    return parse


def require_extra(module: str, extra: str, purpose: str) -> None:
    """Check an optional dependency before any work starts (ValueError naming the extra)."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ValueError(f"{purpose} needs the optional package {module!r}, which is not installed: "
                         f"pip install '.[{extra}]' in a radzoo checkout (radzoo is not on PyPI)")
