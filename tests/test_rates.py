"""Rates in Python and in every export (issue 26): the number a Monte Carlo or PIC code needs to
decide whether an event happens, before radzoo draws it.

Every bundled sampler whose process defines a rate (``Target.kernel_rate``) is checked:
* the exported C (``radzoo_<name>_rate`` and ``_rate1``, all models in one C99 translation unit,
  compiled by gcc) against an independent reference in 50-digit mpmath (the textbook closed form,
  not the code under test), at random points drawn log-uniformly over the WHOLE physical range
  (far outside the trained domain) plus the range's ends: relative error <= 1e-12 (measured worst
  below; the issue asks <= 1e-9);
* ``Sampler.rate`` (numpy) against the exported C: the same arithmetic, <= 4 ulp;
* the published values and both asymptotes;
* the Fortran interface (gfortran), where installed.
"""
from __future__ import annotations

import ctypes
import math
import shutil
import subprocess

import mpmath as mp
import numpy as np
import pytest

import zoo
from zoo.export import export
from zoo.export.cgen import c_identifier
from zoo.targets import get_target

CC = shutil.which("gcc") or shutil.which("cc")
FC = shutil.which("gfortran")

#: bundled samplers with a rate
#: one model per rated target: a fast variant (issue 25) exports its target's rate from the same C as its
#: accurate sibling (tests/test_variants.py checks that the two share the target)
RATED = [n for n in zoo.list(kind="sampler") if get_target(zoo.load(n).card.target.id).kernel_rate is not None
         and zoo.load(n).card.variant == "accurate"]


def _kn_textbook(k):
    """sigma_KN / sigma_T, the textbook closed form, in 50-digit arithmetic (cancellation is harmless there)."""
    with mp.workdps(50):
        k = mp.mpf(k)
        if k == 0:
            return mp.mpf(1)
        if k < mp.mpf("1e-12"):   # (the textbook form cancels 1e-36 k^-3 ... keep 50 digits honest)
            return 1 - 2 * k + mp.mpf(26) / 5 * k**2
        lg = mp.log(1 + 2 * k)
        return mp.mpf(3) / 4 * ((1 + k) / k**3 * (2 * k * (1 + k) / (1 + 2 * k) - lg) + lg / (2 * k)
                                - (1 + 3 * k) / (1 + 2 * k) ** 2)


def _qed(which):
    from zoo.processes import qed_rates

    fn = qed_rates.rate_G if which == "G" else qed_rates.rate_T
    return lambda p: mp.mpf(float(fn(p[0])))


def _ic_quad(p, head_on=False):
    """R(gamma, eps0) = 3 Int_{q_min}^1 f(q; b) / (1 + b q)^2 dq by mpmath quadrature in ln q (30 digits);
    ``head_on``: without the q_min cut (ic-isotropic-2d's rate; from q = 1e-40 / max(1, b), which leaves
    out < 1e-40 of it)."""
    with mp.workdps(30):
        g, e0 = mp.mpf(p[0]), mp.mpf(p[1])
        b = 4 * g * e0
        q_min = mp.mpf("1e-40") / max(1, b) if head_on else 1 / (4 * g * (g - e0))

        def f(s):
            q = mp.e**s
            f_q = 2 * q * s + (1 + 2 * q) * (1 - q) + b * b * q * q / (2 * (1 + b * q)) * (1 - q)
            return f_q / (1 + b * q) ** 2 * q
        lo = mp.log(q_min)
        cuts = [-mp.log(b) + k for k in (-3, 0, 3)] if b > 0 else []
        if head_on:   # ln q spans ~100 here: panels of <= 5
            cuts += list(mp.linspace(lo, 0, int(-lo / 5) + 2))
        return 3 * mp.quad(f, sorted({lo, mp.mpf(0), *(c for c in cuts if lo < c < 0)}))


def _angle_average_quad(p):
    """3 H(1; 4 gamma eps0) as the angle average Int_{-1}^{1} (1 - mu)/2 sigma_KN(a (1 - mu)) / sigma_T dmu,
    a = gamma eps0: (1 / 2a^2) Int_0^{2a} t s(t) dt by mpmath quadrature in ln t (30 digits, textbook sigma_KN)."""
    with mp.workdps(30):
        a = mp.mpf(p[0]) * mp.mpf(p[1])
        if a == 0:
            return mp.mpf(1)
        top = 2 * a
        total = mp.quad(lambda t: t * _kn_textbook(t), [0, min(top, mp.mpf(1))])        # t <= 1: linear in t
        if top > 1:                                                                       # above: in ln t
            cuts = mp.linspace(0, mp.log(top), max(2, int(mp.log(top) / 16) + 2))
            total += mp.quad(lambda v: mp.e ** (2 * v) * _kn_textbook(mp.e ** v), cuts)
        return total / (2 * a * a)


def _sync_quad(p):
    """Int_0^inf s K_{5/3}(s) ds (the total of Int_x^inf K_{5/3}, integrated by parts) by mpmath quadrature,
    in t = s^(1/3) (s K_{5/3}(s) ~ s^(-2/3) at 0 becomes 3 t^5 K_{5/3}(t^3), smooth)."""
    with mp.workdps(30):
        return mp.quad(lambda t: 3 * t**5 * mp.besselk(mp.mpf(5) / 3, t**3), [0, 1, 2, 3, 5])


#: exact references of the bundled rates, by model (parameters in card order): the Klein-Nishina
#: family in 50-digit mpmath; G and T by the physics modules' quadrature (~1e-15, checked against
#: mpmath Bessel integrals in tests/test_qed.py) with their asymptotes outside [lo, hi] (their
#: crossover errors are checked below)
REFERENCE = {
    "klein-nishina": lambda p: _kn_textbook(p[0]),
    "klein-nishina-polarized": lambda p: _kn_textbook(p[0]),
    "ic-head-on": lambda p: _kn_textbook(mp.mpf(p[0]) / 2),
    "quantum-synchrotron": _qed("G"),
    "breit-wheeler": _qed("T"),
    "ic-isotropic": _ic_quad,
    "ic-isotropic-2d": lambda p: _angle_average_quad(p),
    "synchrotron": _sync_quad,
}
#: |Python rate / exported C rate - 1|: the same arithmetic for the Klein-Nishina family (4 ulp); the
#: Chebyshev fit of the QED rates (measured fit error 6.8e-14 for G, 6.1e-14 for T; python -m
#: zoo.processes.qed_rates); ic-isotropic's C dilogarithm vs scipy's spence (measured 4.9e-14)
PY_VS_C = {"quantum-synchrotron": 2e-13, "breit-wheeler": 2e-13, "ic-isotropic": 2e-13, "ic-isotropic-2d": 2e-13}


def _points(name, n=400, seed=0):
    """n random parameter points, log-uniform over each parameter's rate domain (a finite stand-in for
    open ends: 1e-300 .. 1e300), plus the domain's finite ends; ic-isotropic: gamma in 1..1e15, eps0 in
    1e-30..1e10 with eps0 < 0.9 gamma (its rate needs eps0 < gamma), plus eps0 = 0."""
    s = zoo.load(name)
    rng = np.random.default_rng(seed)
    if name == "ic-isotropic":
        g, e = 10.0 ** rng.uniform(0, 15, 4 * n), 10.0 ** rng.uniform(-30, 10, 4 * n)
        keep = e < 0.9 * g
        return np.concatenate([np.stack([g[keep], e[keep]], axis=1)[:n], [[1e5, 0.0], [1.0, 0.0]]])
    if not s.rate_domain:   # no parameters: one point
        return np.zeros((1, 0))
    cols = []
    for lo, hi in s.rate_domain.values():
        a, b = math.log10(max(lo, 1e-300)), math.log10(min(hi, 1e300))
        col = 10.0 ** rng.uniform(a, b, n)
        cols.append(np.concatenate([col, [lo if math.isfinite(lo) else 1e-300, min(hi, 1e300)]]))
    return np.stack(cols, axis=1)


@pytest.fixture(scope="module")
def rate_library(tmp_path_factory):
    """All rated models' exports in one C99 translation unit, as a shared library."""
    if CC is None:
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("rates")
    src = ["#include <stddef.h>"]
    for name in RATED:
        export(name, "c", d)
        src.append(f'#include "radzoo_{c_identifier(name)}.h"')
    for name in RATED:
        ident = c_identifier(name)
        src.append(f"double rate_{ident}(const double *p) {{ return radzoo_{ident}_rate(p); }}")
    (d / "rates.c").write_text("\n".join(src) + "\n")
    so = d / "rates.so"
    subprocess.run([CC, "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function", "-O2",
                    "-shared", "-fPIC", "-I", str(d), "-o", str(so), str(d / "rates.c"), "-lm"], check=True)
    lib = ctypes.CDLL(str(so))
    out = {}
    for name in RATED:
        fn = getattr(lib, f"rate_{c_identifier(name)}")
        fn.restype, fn.argtypes = ctypes.c_double, [ctypes.POINTER(ctypes.c_double)]
        out[name] = fn
    return out


def _c_rate(fn, p):
    row = np.ascontiguousarray(p, dtype=np.float64)
    return fn(row.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))


def test_every_rated_model_has_a_reference():
    assert set(RATED) == set(REFERENCE), "add the new rate's exact reference to REFERENCE"


@pytest.mark.parametrize("name", RATED)
def test_exported_rate_matches_the_exact_reference_over_the_whole_range(name, rate_library):
    """Measured worst relative error over 2000 log-uniform points in 1e-300..1e300 (seed 5): 8.9e-16
    (klein-nishina, at k = 0.0053), 4.4e-16 (ic-head-on), 1.3e-14 (quantum-synchrotron), 2.8e-14
    (breit-wheeler, where T is a normal float64); the bound sits 2-3 orders above. Most of these points
    lie where the asymptotes hold; the fitted decades get their own test below. ic-isotropic: 100 points
    against 30-digit quadrature (seed 0): 3.4e-13 (8.6e-13 over 300 points, seed 5, at b = 4 gamma eps0 ~ 3e25,
    where the closed form's terms cancel), bound 1e-11."""
    pts = _points(name, n={"ic-isotropic": 100, "ic-isotropic-2d": 30}.get(name, 400))
    worst = 0.0
    for p in pts:
        got, want = _c_rate(rate_library[name], p), REFERENCE[name](p)
        assert math.isfinite(got) and got >= 0, (name, p, got)
        if want < 1e-300:   # T underflows below chi_gamma ~ 3.6e-3 (< 1e-1100 below 1e-3): both 0 or denormal
            assert got < 1e-300, (name, p, got)
            continue
        worst = max(worst, float(abs(mp.mpf(got) / want - 1)))
    assert worst <= (1e-11 if name.startswith("ic-isotropic") else 1e-12), (name, worst)


def test_head_on_rate_is_the_angle_average_of_sigma_kn(rate_library):
    """ic-isotropic-2d's rate 3 H(1; b) (the Jones kernel integrated, as the C computes it) is the angle
    average of the textbook sigma_KN, a second derivation: 8 points, a = gamma eps0 in 1e-12 .. 1e6."""
    for a in (1e-12, 1e-6, 1e-3, 0.1, 0.7, 3.0, 50.0, 1e6):
        p = np.array([1e3, a / 1e3])
        got, want = _c_rate(rate_library["ic-isotropic-2d"], p), _angle_average_quad(p)
        assert abs(mp.mpf(got) / want - 1) <= 1e-12, (a, got, want)


@pytest.mark.parametrize("name", RATED)
def test_python_rate_is_the_exported_rate(name, rate_library):
    s = zoo.load(name)
    pts = _points(name, n=200, seed=1)
    py = np.broadcast_to(s.rate(**{n: pts[:, j] for j, n in enumerate(s.parameter_names)}), (len(pts),))
    c = np.array([_c_rate(rate_library[name], p) for p in pts])
    normal = py > 1e-300
    np.testing.assert_allclose(py[normal], c[normal], rtol=PY_VS_C.get(name, 4 * 2.0**-52), atol=0)
    assert np.all(c[~normal] < 1e-300)


@pytest.mark.parametrize("name,lo,hi", [("quantum-synchrotron", 1e-6, 1e9), ("breit-wheeler", 4e-3, 1e9)])
def test_qed_rates_inside_their_fitted_decades(name, lo, hi, rate_library):
    """3000 log-uniform points over the fitted decades and both crossovers (seed 7) against the exact
    quadrature: measured worst 4.2e-14 (G, at chi = 1e5), 5.7e-14 (T, at chi_gamma = 4.3e-3)."""
    x = 10.0 ** np.random.default_rng(7).uniform(math.log10(lo), math.log10(hi), 3000)
    want = zoo.load(name).rate(**{zoo.load(name).parameter_names[0]: x})
    got = np.array([_c_rate(rate_library[name], np.array([v])) for v in x])
    normal = want > 1e-300
    assert normal.sum() >= 2900
    assert np.max(np.abs(got[normal] / want[normal] - 1)) <= 5e-13


def test_qed_rates_picsar_check_values_and_asymptotes():
    """PICSAR-QED's check values to their quoted digits, and each asymptote against the exact quadrature
    at its crossover (the error the export makes beyond it; measured 3.5e-10, 2.1e-11, 5.3e-11)."""
    from zoo.processes import qed_rates
    from zoo.processes.breit_wheeler import physics as BW
    from zoo.processes.quantum_synchrotron import physics as QS

    qs, bw = zoo.load("quantum-synchrotron"), zoo.load("breit-wheeler")
    for chi, want in ((1e-3, 2.163071e-3), (1.0, 1.550871), (1e3, 217.8439)):
        assert float(qs.rate(chi=chi)) == pytest.approx(want, rel=5e-7)
    for chi, want in ((1.623777, 0.03742921), (11.28838, 0.1088413)):
        assert float(bw.rate(chi_gamma=chi)) == pytest.approx(want, rel=5e-7)
    lo, hi = qed_rates.RANGE["G"]
    assert abs(QS.G_ZERO * lo * (1 + QS.G_ZERO_1 * lo) / QS.G(lo) - 1) <= 1e-9
    assert abs((QS.G_INF * hi ** (2 / 3) + QS.G_INF_0) / QS.G(hi) - 1) <= 1e-9
    hi = qed_rates.RANGE["T"][1]
    assert abs((BW.T_INF * hi ** (-1 / 3) + BW.T_INF_1 / hi) / BW.T(hi) - 1) <= 1e-9
    assert float(bw.rate(chi_gamma=qed_rates.RANGE["T"][0])) < 1e-300   # T(1e-3) = e^-2667 ... underflows
    assert qed_rates.fit_error("G") <= 1e-13 and qed_rates.fit_error("T") <= 1e-13


def test_qed_rates_headers_are_generated():
    """The committed rates.h are exactly what the generator writes (python -m zoo.processes.qed_rates --write)."""
    from zoo.processes import qed_rates

    for which, path in qed_rates.PATHS.items():
        assert path.read_text() == qed_rates.header(which), f"run python -m zoo.processes.qed_rates --write ({path})"


@pytest.mark.parametrize("name", [n for n in RATED if zoo.load(n).parameter_names])
def test_rate_refuses_values_outside_its_physical_range(name, rate_library):
    s = zoo.load(name)
    good = {n: (lo if math.isfinite(lo) and lo > 0 else 1.0) for n, (lo, hi) in s.rate_domain.items()}
    pname = s.parameter_names[0]
    with pytest.raises(ValueError, match=f"parameter '{pname}' must lie in"):
        s.rate(**{**good, pname: -1.0})
    with pytest.raises(ValueError, match="and NaN"):
        s.rate(**{**good, pname: [2.0, math.nan]})
    with pytest.raises(ValueError, match="takes exactly the parameters"):
        s.rate(nonsense=1.0)
    assert math.isnan(_c_rate(rate_library[name], np.array([-1.0] * len(good))))   # the C says NaN


def test_klein_nishina_published_values_and_asymptotes(rate_library):
    s = zoo.load("klein-nishina")
    # the check values, to half a unit of their last digit
    assert float(s.rate(k=1.0)) == pytest.approx(0.430728, abs=5e-7)
    assert float(s.rate(k=100.0)) == pytest.approx(0.0215106, abs=5e-8)
    assert float(s.rate(k=0.0)) == 1.0                                     # Thomson
    k = np.array([1e-10, 1e-7])
    np.testing.assert_allclose(s.rate(k=k), 1 - 2 * k + 5.2 * k * k, rtol=1e-15)
    for k in (1e12, 1e100, 1e300):   # extreme Klein-Nishina: (3 / 8k)(ln 2k + 1/2) (1 + O(ln k / k))
        assert float(s.rate(k=k)) == pytest.approx(3 / (8 * k) * (math.log(2 * k) + 0.5), rel=1e-9)
    head_on = zoo.load("ic-head-on")
    assert float(head_on.rate(b=2.0)) == pytest.approx(float(s.rate(k=1.0)), rel=1e-15)


def test_rate_definitions_are_stated():
    for name in RATED:
        s = zoo.load(name)
        assert s.rate_unit and "dN/dt" in s.rate_definition, name


@pytest.mark.parametrize("name", ["klein-nishina"])
def test_fortran_rate(name, tmp_path):
    if FC is None or CC is None:
        pytest.skip("gfortran is not installed (CI installs it: .ci/run)")
    ident = c_identifier(name)
    export(name, "fortran", tmp_path)
    (tmp_path / "t.f90").write_text(f"""program t
  use radzoo_{ident}
  use, intrinsic :: iso_c_binding
  implicit none
  real(c_double) :: p(1)
  p(1) = 1.0d0
  print '(2es25.16)', radzoo_{ident}_rate(p), radzoo_{ident}_rate1(100.0d0)
end program t
""")
    subprocess.run([CC, "-O2", "-c", f"radzoo_{ident}_bind.c", "-I."], cwd=tmp_path, check=True)
    subprocess.run([FC, f"radzoo_{ident}.f90", "t.f90", f"radzoo_{ident}_bind.o", "-o", "t"], cwd=tmp_path, check=True)
    a, b = map(float, subprocess.run(["./t"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split())
    s = zoo.load(name)
    assert a == pytest.approx(float(s.rate(k=1.0)), rel=1e-15) and b == pytest.approx(float(s.rate(k=100.0)), rel=1e-15)


def test_cuda_rates_compile_and_are_called_from_a_kernel(tmp_path):
    """Every rated model's CUDA export, with a kernel that calls its rate (NVRTC to PTX; compile-only,
    no GPU needed): the rates are __device__ functions a PIC code calls per particle."""
    from zoo import cuda

    if not cuda.nvrtc_available():
        pytest.skip("NVRTC (the cuda extra) is not installed")
    from zoo.cuda import nvrtc

    src, calls = [], []
    for name in RATED:
        export(name, "cuda", tmp_path)
        ident = c_identifier(name)
        src.append((tmp_path / f"radzoo_{ident}.cuh").read_text())
        args = ", ".join(["x[i]"] * len(zoo.load(name).parameter_names))
        one = f"radzoo_{ident}_rate1({args}) + " if args else ""   # rate1 for one or two parameters
        calls.append(f"out[i] += {one}radzoo_{ident}_rate(x + i);")
    src.append('extern "C" __global__ void rates(const double *x, double *out, int n) {\n'
               "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n    if (i >= n) return;\n    out[i] = 0.0;\n    "
               + "\n    ".join(calls) + "\n}\n")
    ptx = nvrtc.compile_source("\n".join(src), "sm_80", kind="ptx", name="rates.cu", use_cache=False).decode()
    assert ".entry rates(" in ptx and ".global .align 8 .b8" in ptx   # the Chebyshev tables, in global memory
