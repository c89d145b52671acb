"""Contract of every registered transform (zoo/transform_defs.py): one object, every form.

For each squash, u transform, parameter input column and earlier-output column: the torch form
behaves at both ends,
the inverse (squashes) inverts it, the kernel emulation agrees with torch to float32 rounding,
its C function (zoo/transforms.h, one source for the kernel and the export) compiled by gcc in
the export's float64 environment agrees with torch to float64 rounding, and the same text
compiles for the device (NVRTC, when the cuda extra is installed). A new transform is added to
the registries and zoo/transforms.h, and this test covers it with no edit.
"""
from __future__ import annotations

import ctypes
import re
import shutil
import subprocess

import numpy as np
import pytest
import torch

from zoo.transform_defs import (EARLIER_COLUMNS, HEADER, INPUT_COLUMNS, LOG_TAIL_SCALE, SQUASHES, TANH_PAPER_ALPHA,
                                TANH_PAPER_BETA, U_TRANSFORMS, c_definitions, every_transform)

CC = shutil.which("gcc") or shutil.which("cc")
Z = np.concatenate([np.linspace(-30, 30, 2001), [-1e6, 1e6, 0.0, 1.0, 0.5]])
U = np.concatenate([np.linspace(0, 1, 2001), [1e-12, 1 - 1e-12]])
V = np.geomspace(1e-10, 1e10, 201)


def c_eval(transform, x: np.ndarray, tmp_path) -> np.ndarray:
    """Evaluate a transform's C function (its zoo/transforms.h text) over x (double), compiled by the
    system C compiler in the export's environment (rz_tf_t = double, its rz_tanh included)."""
    from zoo.export.cgen import _MAP_ENV, _common_c

    src = tmp_path / "e.c"
    src.write_text(_common_c() + _MAP_ENV + transform.source + "\n"
                   f"void f(size_t n, const double *x, double *y) {{ for (size_t i = 0; i < n; ++i) "
                   f"y[i] = {transform.fn}(x[i]); }}\n")
    so = tmp_path / "e.so"
    subprocess.run([CC, "-std=c99", "-O1", "-Wall", "-Werror", "-Wno-unused-function", "-shared", "-fPIC",
                    "-o", str(so), str(src), "-lm"], check=True)
    lib = ctypes.CDLL(str(so))
    y = np.empty_like(x)
    lib.f(ctypes.c_size_t(len(x)), x.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p))
    return y


@pytest.mark.parametrize("name", SQUASHES)
def test_squash_contract(name, tmp_path):
    sq = SQUASHES[name]
    w = sq.torch(torch.from_numpy(Z)).numpy()
    assert np.all((w >= 0) & (w <= 1)) and np.all(np.diff(w[:2001]) >= 0)      # onto [0, 1], monotone
    assert w[Z == -1e6][0] <= 1e-6 and w[Z == 1e6][0] >= 1 - 1e-6                # both ends reached
    inner = torch.linspace(0.001, 0.999, 999, dtype=torch.float64)
    torch.testing.assert_close(sq.torch(sq.inverse(inner)), inner, rtol=0, atol=1e-9)
    with np.errstate(over="ignore"):  # exp(-z) overflows to inf for z << 0 in float32: w = 0, as on the GPU
        em = sq.emulate(Z.astype(np.float32))
    assert em.dtype == np.float32 and np.max(np.abs(em - w)) <= 4e-7             # float32 rounding
    if CC:
        np.testing.assert_allclose(c_eval(sq, Z, tmp_path), w, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", U_TRANSFORMS)
def test_u_transform_contract(name, tmp_path):
    t = U_TRANSFORMS[name]
    v = t.torch(torch.from_numpy(U)).numpy()
    assert (v[0], v[2000]) == pytest.approx(t.ends, rel=1e-15) and np.all(np.diff(v[:2001]) >= 0)
    # the kernel holds u in float32 (its Philox u are multiples of 2^-24): compare at those u;
    # float32 rounding of v (|v| up to 36.7 for logit) and of 1 - u (6e-8, logit below u = 1/2)
    u32 = U.astype(np.float32).astype(np.float64)
    v32 = t.torch(torch.from_numpy(u32)).numpy()
    scale = np.maximum(1.0, np.abs(v32))
    assert np.max(np.abs(t.emulate(U, None) - v32) / scale) <= 2e-7
    rng = np.random.default_rng(0)                                                # with the error model
    assert np.max(np.abs(t.emulate(U, rng) - v32) / scale) <= 4e-7
    if CC:
        np.testing.assert_allclose(c_eval(t, U, tmp_path), v, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("name", INPUT_COLUMNS)
def test_input_column_contract(name, tmp_path):
    col = INPUT_COLUMNS[name]
    tv = col.torch(torch.from_numpy(V)).numpy()
    np.testing.assert_allclose(tv, [col.py(float(v)) for v in V], rtol=1e-15)
    np.testing.assert_allclose(col.emulate(V), tv, rtol=3e-7)
    if CC:
        np.testing.assert_allclose(c_eval(col, V, tmp_path), tv, rtol=1e-15)


#: earlier outputs w as the kernel holds them (fp32 squash outputs), dense near both ends
W32 = np.unique(np.concatenate([np.linspace(0, 1, 2001), 1 - np.geomspace(2.0**-26, 0.5, 400),
                                np.geomspace(1e-12, 0.5, 200)]).astype(np.float32)).astype(np.float64)


@pytest.mark.parametrize("name", EARLIER_COLUMNS)
def test_earlier_column_contract(name, tmp_path):
    col = EARLIER_COLUMNS[name]
    tv = col.torch(torch.from_numpy(W32)).numpy()
    assert np.all(np.abs(tv) <= 1.0) and tv[0] == pytest.approx(1.0, abs=1e-15)   # in [-1, 1]
    assert tv[-1] == pytest.approx(-1.0, abs=1e-15) and np.all(np.diff(tv) <= 0)  # w = 1: -1; monotone
    # fp32 rounding of the column (|col| <= 1: 6e-8) and of ln(1 - w) (|ln| <= 16.6: 1e-6, times the
    # 0.12 scale); with logf's 1-ulp error model twice that: measured 1.2e-7 / 2.8e-7
    assert np.max(np.abs(col.emulate(W32, None) - tv)) <= 2e-7
    assert np.max(np.abs(col.emulate(W32, np.random.default_rng(0)) - tv)) <= 4e-7
    if CC:
        np.testing.assert_allclose(c_eval(col, W32, tmp_path), tv, rtol=1e-14, atol=1e-15)


def test_every_transforms_device_code_compiles():
    from zoo import cuda

    if not cuda.nvrtc_available():
        pytest.skip("NVRTC (the cuda extra) is not installed")
    from zoo.cuda import nvrtc

    from zoo.cuda.codegen import kernels_dir

    calls = [f"out[0] += {t.fn}(x);" for t in every_transform()]
    env = (kernels_dir() / "radzoo_coords.cuh").read_text()
    src = ("typedef float rz_map_t;\n#define RZ_NC 1\n" + env + c_definitions()
           + '\nextern "C" __global__ void k(float *out, float x) {\n    ' + "\n    ".join(calls) + "\n}\n")
    ptx = nvrtc.compile_source(src, "sm_80", kind="ptx", name="transforms.cu", use_cache=False).decode()
    assert ".entry k(" in ptx


def _coordinate_cases():
    """Every (target, coordinate, component) the coordinate objects allow, conditional supports and
    maps that use the earlier components included."""
    from zoo.targets import get_target, target_ids

    for tid in target_ids():
        t = get_target(tid)
        if t.kernel_support is None:
            continue
        for coord in t.coordinates:
            comps = t.kernel_coordinates[coord].components
            for k in (comps if comps is not None else range(t.dim)):
                yield pytest.param(tid, coord, k, id=f"{tid}/{coord}/{k}")


@pytest.mark.parametrize("tid,coord,k", list(_coordinate_cases()))
def test_every_coordinate_kernel_form_matches_its_torch_form(tid, coord, k):
    """For every registered target, coordinate and component it applies to: the kernel's fp64
    emulation (KernelSupport + KernelCoordinate) equals the torch form (to_physical, torch_support),
    maps w = 0 and w = 1 onto the ends of the support, and is non-decreasing; its C names the
    functions the generator calls. The earlier components sit in the middle of their supports."""
    from zoo.targets import get_target

    t = get_target(tid)
    kc = t.kernel_coordinates[coord]
    assert f"rz_prep_{kc.name}(" in kc.cuda and f"rz_map_{kc.name}(" in kc.cuda
    points = [t.reference_point] if t.reference_point else []
    points.append({p.name: (p.domain[0] * p.domain[1]) ** 0.5 if p.domain[0] > 0 else 0.5 * sum(p.domain)
                   for p in t.parameters})
    w = np.linspace(0.0, 1.0, 513)
    for params in points:
        p = [np.asarray(params[q.name], dtype=np.float64) for q in t.parameters]
        prev = tprev = None
        for i in range(k):   # each earlier component at the middle of its (conditional) support
            a, b = (np.broadcast_to(np.asarray(v, dtype=np.float64), (w.size,))
                    for v in t.kernel_support.emulate(i, p, prev))
            col = (0.5 * (a + b))[:, None]
            prev = col if prev is None else np.concatenate([prev, col], axis=1)
        if prev is not None:
            tprev = torch.from_numpy(prev)
        lo, hi = (np.asarray(v, dtype=np.float64) for v in t.kernel_support.emulate(k, p, prev))
        consts, g = kc.emulate_prep(p, prev)
        x = np.minimum(np.maximum(kc.emulate_map(w, lo, hi, tuple(np.asarray(c) for c in consts), g, np.float64),
                                  lo), hi)
        tp = {n: torch.tensor(v, dtype=torch.float64) for n, v in params.items()}
        xt = t.to_physical(k, torch.from_numpy(w), tprev, tp, coord).numpy()
        tlo, thi = (float(torch.as_tensor(v).max()) for v in t.torch_support(k, tprev, tp))
        np.testing.assert_allclose(x, np.clip(xt, tlo, thi), rtol=1e-9, atol=0)
        assert x[0] == pytest.approx(tlo, rel=1e-9) and x[-1] == pytest.approx(thi, rel=1e-9)
        assert np.all(np.diff(x) >= 0)


def test_a_changed_coordinate_form_changes_the_quantile_table_key(monkeypatch):
    """A table holds w of one coordinate's formula: a new torch, numpy or C form under the same name
    gets a new cache key (a changed azimuth_cubic once reused a cached table)."""
    import dataclasses

    import zoo
    from zoo.samplers.quantiles import table_key
    from zoo.targets import get_target

    card = zoo.load("klein-nishina-polarized").card
    t = get_target(card.target.id)
    before = table_key(card, 257, 0, True)
    kc = t.kernel_coordinates["azimuth_kepler"]
    for change in (dict(torch=lambda w, lo, hi, params, prev: w), dict(cuda=kc.cuda + "\n// changed"),
                   dict(emulate_map=lambda w, lo, hi, c, g, t: w)):
        monkeypatch.setitem(t.kernel_coordinates, "azimuth_kepler", dataclasses.replace(kc, **change))
        assert table_key(card, 257, 0, True) != before, change
    monkeypatch.setitem(t.kernel_coordinates, "azimuth_kepler", kc)
    assert table_key(card, 257, 0, True) == before


def test_header_holds_every_transform_and_its_constants():
    """zoo/transforms.h defines exactly the registered transforms' functions, and the constants
    its C spells out in hexadecimal are the Python forms' constants (float64, bit for bit)."""
    from zoo.csource import header_functions

    assert set(header_functions(str(HEADER))) == {t.fn for t in every_transform()}
    text = HEADER.read_text()
    for value in (TANH_PAPER_ALPHA, TANH_PAPER_BETA, 2.0 / np.pi, LOG_TAIL_SCALE):
        assert f"RZ_C({re.sub(r'[.]?0+p', 'p', float(value).hex())})" in text, value
