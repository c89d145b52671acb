"""``zoo export``: a registry model as self-contained source for C, C++, CUDA and Fortran codes.

    from zoo.export import export
    export("ic-isotropic", "c", "out/")      # -> out/radzoo_ic_isotropic.h

The exported file holds the card's network (weights as exact hex-float constants) and its
whole map u -> sample: the u transform, parameter scalings, residual, squash, the target's
coordinate and support, and the clamp onto the support, in the same formulas as the torch
path (``zoo.samplers.model.InverseCDFModel``). Randomness stays the caller's: feed u in [0, 1]
(``radzoo_philox_u`` reproduces the fused kernel's Philox stream, so ``seed``/``offset`` give
the Python path's samples bit for bit).

``precision``: the network's arithmetic; the physical map is float64 in both. ``float32``
(default) is the arithmetic of ``Sampler``'s CPU path: it departs from it by at most 3.5e-7
in CDF units on the bundled models (far below their KS) and is more than twice as fast as
``float64`` (benchmarks/export_c.py: ic-isotropic 2.2e6 vs 9.0e5 samples/s per core).
``float64`` evaluates the float32 weights in float64: exactly the map that ``zoo validate``
measures for the card's metrics (agreeing with the float64 torch evaluation to 1e-12).
"""
from __future__ import annotations

from pathlib import Path

from ..files import atomic_write, make_folder
from .cgen import c_identifier, generate_c, generate_fortran

LANGS = ("c", "cuda", "fortran", "picsar")
PRECISIONS = ("float64", "float32")


def export(name_or_dir, lang: str, out: str | Path, *, precision: str = "float32") -> list[Path]:
    """Write the export of a model into folder ``out``; returns the files written.

    ``lang``: ``c`` (``radzoo_<name>.h``, C99, also valid C++), ``cuda``
    (``radzoo_<name>.cuh``: ``__device__`` functions and a ``__global__`` batch kernel) or
    ``fortran`` (``radzoo_<name>.h``, ``radzoo_<name>_bind.c`` and the module
    ``radzoo_<name>.f90`` with ``bind(C)`` interfaces) or ``picsar`` (``radzoo_<name>.h`` and
    ``radzoo_<name>_picsar.hpp``: PICSAR-QED's table interface on the host, ``radzoo_<name>.cuh`` and
    ``radzoo_<name>_picsar.cuh``: the same on the device, for quantum-synchrotron and breit-wheeler
    models; ``zoo.export.picsar``).
    """
    from ..api import load_sampler as load
    from ..samplers.sampler import Sampler

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    out = make_folder(out, what="out")       # before any work: a bad --out is named at once
    s = name_or_dir if isinstance(name_or_dir, Sampler) else load(name_or_dir)
    ident = c_identifier(s.card.name)
    if lang == "picsar":
        from .picsar import generate_picsar

        picsar = generate_picsar(s.card)     # refuses other processes before anything is written
        picsar_cuda = generate_picsar(s.card, device=True)
    state = s.model.net.state_dict()
    files: dict[str, str] = {}
    if lang == "cuda":
        files[f"radzoo_{ident}.cuh"] = generate_c(s.card, state, lang="cuda", precision=precision)
    else:
        files[f"radzoo_{ident}.h"] = generate_c(s.card, state, lang="c", precision=precision)
        if lang == "fortran":
            files.update(generate_fortran(s.card))
        if lang == "picsar":
            files[f"radzoo_{ident}_picsar.hpp"] = picsar
            files[f"radzoo_{ident}.cuh"] = generate_c(s.card, state, lang="cuda", precision=precision)
            files[f"radzoo_{ident}_picsar.cuh"] = picsar_cuda
    written = []
    for fname, text in files.items():
        written.append(atomic_write(out / fname, text, what="out"))
    return written


__all__ = ["LANGS", "PRECISIONS", "c_identifier", "export", "generate_c", "generate_fortran"]
