"""The zoo's C headers, read by name: the one C source of the transforms (``zoo/transforms.h``) and
of every process's supports and coordinates (``zoo/processes/<p>/coords.h``, ``zoo/targets/coords.h``).

A header defines functions as ``RZ_FN <type> rz_<name>(...) { ... }`` in C that is valid both in the
fused CUDA kernel (``kernels/radzoo_coords.cuh`` sets the environment: ``RZ_FN``, the types, the
``rz_<fn>`` math) and in ``zoo export`` (``zoo/export/cgen.py``, float64); the Python objects that
hold each function's torch and numpy forms take its text from here, so the kernel and the export
compile the same text.
"""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

_FN_START = re.compile(r"^RZ_FN\s+[\w\s\*]+?\b(\w+)\s*\(", re.M)


def function_names(code: str) -> list[str]:
    """The names of the ``RZ_FN`` functions a piece of C defines, in order."""
    return _FN_START.findall(code)


@functools.lru_cache(maxsize=None)
def header_functions(path: str) -> dict[str, str]:
    """name -> text (the ``//`` comment lines just above it, then the function) of every ``RZ_FN``
    function of a header."""
    return functions_of(Path(path).read_text(encoding="utf-8"))


def functions_of(text: str) -> dict[str, str]:
    """name -> text (its ``//`` comment lines, then the function) of every ``RZ_FN`` function in C text."""
    out = {}
    for m in _FN_START.finditer(text):
        depth, i = 0, text.index("{", m.end())
        while True:   # the matching closing brace (no braces in the headers' comments or strings)
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        lines = text[:m.start()].split("\n")[:-1]
        comments = []
        while lines and lines[-1].startswith("//"):
            comments.insert(0, lines.pop())
        out[m.group(1)] = "\n".join([*comments, text[m.start():i + 1]])
    return out


def header_source(path, *names: str) -> str:
    """The text of the named functions of a header (each with the comment lines just above it), in
    the order given. ``names``: function names (``rz_support_kn``, ``rz_squash_sigmoid``)."""
    funcs = header_functions(str(path))
    missing = [n for n in names if n not in funcs]
    if missing:
        raise ValueError(f"{path} defines no RZ_FN function {', '.join(missing)}; it has {', '.join(funcs)}")
    return "\n".join(funcs[n] for n in names)


_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def digest(*codes: str) -> str:
    """sha256 of pieces of C with comments and spacing dropped: a changed formula changes it, a
    re-worded comment or re-indented line does not."""
    text = "\n".join(" ".join(_COMMENT.sub(" ", c).split()) for c in codes)
    return hashlib.sha256(text.encode()).hexdigest()
