"""`zoo export` (issue 13): the C, C++, CUDA and Fortran exports of every registry model.

Parity is measured against the torch path on random (u, parameters) spread over each
model's trained domain (4000 per model, seeded):

* float64 network: against the float64 torch evaluation (the map `zoo validate` measures).
  Measured max relative difference over random u: 5.9e-13 (ic-isotropic), 9.6e-15
  (bessel-test), 9.3e-14 (gaussian-2d), from libm vs torch transcendental functions and
  summation order; the bound is 1e-12. At u = 1e-12 the ic-isotropic map is ill-conditioned
  (a 1-ulp change of the raw output moves eps by ~1e-12 relative); measured 1.5e-12, bound 1e-11.
* float32 network: against Sampler's float32 CPU path, in CDF units (what the card's accuracy
  is stated in): measured max |C(x_C) - C(x_torch)| 3.5e-7 (ic-isotropic), 1.4e-7 (bessel-test);
  bound 1e-5, two orders below the cards' KS. Chains, per component (conditional CDF given
  torch's earlier components): measured 7.9e-8 (gaussian-2d), 4.5e-8 (klein-nishina-polarized),
  2.5e-7 (ic-isotropic-2d), same bound (a relative bound on x fails where mu = cos theta is near 0).
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import zoo
from zoo.cli import main
from zoo.cuda.philox import uniforms
from zoo.export import c_identifier, export, generate_c
from zoo.samplers.model import InverseCDFModel

MODELS = zoo.list(kind="sampler")
CC = shutil.which("gcc") or shutil.which("cc")
CXX = shutil.which("g++") or shutil.which("c++")
FC = shutil.which("gfortran")
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler (gcc/cc) on this machine")


@pytest.fixture(scope="module")
def samplers():
    return {n: zoo.load(n) for n in MODELS}


def random_inputs(s, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.random((n, s.dim))
    cols = []
    for p in s.card.target.parameters:
        lo, hi = p.domain
        cols.append(10 ** rng.uniform(np.log10(lo), np.log10(hi), n) if p.input_transform == "log10"
                    else rng.uniform(lo, hi, n))
    params = np.stack(cols, 1) if cols else np.zeros((n, 0))
    return u, params


def torch_reference(s, u, params, precision):
    model = InverseCDFModel(s.card, s.target)
    model.net.load_state_dict(s.model.net.state_dict())
    if precision == "float64":
        model = model.double()
    tp = {p.name: torch.from_numpy(params[:, j].copy()) for j, p in enumerate(s.card.target.parameters)}
    with torch.no_grad():
        return model(torch.from_numpy(u), tp)[0].numpy()


class Library:
    """The Fortran export's C wrappers (external linkage of the header's functions), via ctypes."""

    def __init__(self, s, folder: Path, precision: str):
        export(s, "fortran", folder, precision=precision)
        self.ident = c_identifier(s.card.name)
        so = folder / "lib.so"
        subprocess.run([CC, "-O2", "-march=native", "-shared", "-fPIC", "-o", str(so),
                        str(folder / f"radzoo_{self.ident}_bind.c"), "-lm"], check=True, capture_output=True)
        self.lib = ctypes.CDLL(str(so))
        self.dim, self.P = s.dim, len(s.card.target.parameters)
        dp = ctypes.POINTER(ctypes.c_double)
        self._ppf = getattr(self.lib, f"radzoo_{self.ident}_ppf_c")
        self._ppf.argtypes = [ctypes.c_size_t, dp, dp, dp]
        self.philox = self.lib.radzoo_philox_u_c
        self.philox.argtypes = [ctypes.c_ulonglong] * 3
        self.philox.restype = ctypes.c_double
        if self.dim == 1:
            self.ppf1 = getattr(self.lib, f"radzoo_{self.ident}_ppf1_c")
            self.ppf1.argtypes = [ctypes.c_double] * (1 + self.P)
            self.ppf1.restype = ctypes.c_double

    def ppf(self, u, params):
        u = np.ascontiguousarray(u, dtype=np.float64)
        params = np.ascontiguousarray(params, dtype=np.float64)
        out = np.empty((len(u), self.dim))
        dp = ctypes.POINTER(ctypes.c_double)
        self._ppf(len(u), u.ctypes.data_as(dp), params.ctypes.data_as(dp) if self.P else None,
                  out.ctypes.data_as(dp))
        return out


@pytest.fixture(scope="module")
def libraries(samplers, tmp_path_factory):
    return {(n, p): Library(samplers[n], tmp_path_factory.mktemp(f"{n}-{p}"), p)
            for n in MODELS for p in ("float64", "float32")}


# -- compiles as C99, C++ and CUDA (NVRTC) ---------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_header_compiles_as_c99_and_cpp_without_warnings(samplers, name, tmp_path):
    for precision in ("float64", "float32"):
        (header,) = export(samplers[name], "c", tmp_path / precision, precision=precision)
        src = tmp_path / precision / "use.c"
        src.write_text(f'#include "{header.name}"\n#include "{header.name}"\nint main(void) {{ return 0; }}\n')
        for compiler, std, ext in ((CC, "-std=c99", "c"), (CXX, "-std=c++17", "cpp")):
            if compiler is None:
                continue
            f = src.with_suffix("." + ext)
            f.write_text(src.read_text())
            out = subprocess.run([compiler, std, "-Wall", "-Wextra", "-O1", "-c", str(f), "-o", str(f) + ".o"],
                                 capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
            assert "warning" not in out.stderr, out.stderr


def test_every_model_in_one_translation_unit(samplers, tmp_path):
    """Every sampler's header included in one C99 file (-pedantic, no warnings): the supports' and
    coordinates' C that models share (klein-nishina and klein-nishina-polarized, the inverse-Compton
    targets) is defined once; each model's ppf1/ppf then agrees with the Python path at one point."""
    import torch

    headers = [export(samplers[n], "c", tmp_path, precision="float64")[0].name for n in MODELS]
    calls, want = [], []
    for n in MODELS:
        s = samplers[n]
        u, params = random_inputs(s, n=1, seed=3)
        ident = n.replace("-", "_")
        p = ", ".join(repr(float(v)) for v in params[0]) or "0.0"
        uu = ", ".join(repr(float(v)) for v in u[0])
        calls.append(f"    {{ const double u[] = {{{uu}}}, p[] = {{{p}}}; double o[{s.dim}]; "
                     f"radzoo_{ident}_ppf(1, u, p, o); for (int k = 0; k < {s.dim}; ++k) printf(\"%a\\n\", o[k]); }}")
        x = s.ppf(torch.as_tensor(u if s.dim > 1 else u[:, 0], dtype=torch.float64),
                  **{q.name: float(v) for q, v in zip(s.card.target.parameters, params[0])})
        want += list(np.atleast_1d(x.numpy()).ravel())
    src = tmp_path / "all.c"
    src.write_text("#include <stdio.h>\n" + "".join(f'#include "{h}"\n' for h in headers)
                   + "int main(void) {\n" + "\n".join(calls) + "\n    return 0;\n}\n")
    exe = tmp_path / "all"
    out = subprocess.run([CC, "-std=c99", "-Wall", "-Wextra", "-pedantic", "-O1", "-o", str(exe), str(src), "-lm"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "warning" not in out.stderr, out.stderr[-3000:]
    got = [float.fromhex(v) for v in subprocess.run([str(exe)], capture_output=True, text=True,
                                                    check=True).stdout.split()]
    # the float64 export and the float32 torch path: 1e-5 relative (the network's float32 rounding)
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_cuda_export_compiles_with_nvrtc_for_sm80_and_sm90(samplers, name, tmp_path):
    from zoo import cuda
    from zoo.cuda import nvrtc

    if not cuda.nvrtc_available():
        pytest.skip("NVRTC (the cuda extra) is not installed")
    for precision in ("float64", "float32"):
        src = generate_c(samplers[name].card, samplers[name].model.net.state_dict(), lang="cuda", precision=precision)
        assert "#include" not in src
        for arch in ("sm_80", "sm_90"):
            ptx = nvrtc.compile_source(src, arch, kind="ptx", name=f"radzoo_{c_identifier(name)}.cu").decode()
            assert f".entry radzoo_{c_identifier(name)}_ppf(" in ptx


# -- parity with the torch path -------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_float64_export_matches_the_float64_torch_map(samplers, libraries, name):
    s, lib = samplers[name], libraries[(name, "float64")]
    u, params = random_inputs(s)
    got, ref = lib.ppf(u, params), torch_reference(s, u, params, "float64")
    assert np.all(np.isfinite(got))
    assert np.all(np.abs(got - ref) <= 1e-12 * np.abs(ref)), (np.abs(got - ref) / np.abs(ref)).max()
    edges = np.array([0.0, 1.0, 1e-12, 1 - 1e-12])
    ue = np.repeat(edges[:, None], s.dim, 1)
    pe = params[:len(edges)]
    got, ref = lib.ppf(ue, pe), torch_reference(s, ue, pe, "float64")
    assert np.all(np.abs(got - ref) <= 1e-11 * np.abs(ref))  # conditioning at u = 1e-12 (module docstring)


@pytest.mark.parametrize("name", MODELS)
def test_float32_export_keeps_the_cards_accuracy(samplers, libraries, name):
    s, lib = samplers[name], libraries[(name, "float32")]
    u, params = random_inputs(s, seed=1)
    got, ref = lib.ppf(u, params), torch_reference(s, u, params, "float32")
    p = {q.name: params[:, j] for j, q in enumerate(s.card.target.parameters)}
    for k in range(s.dim):   # in CDF units, each conditional given torch's earlier components
        prev = ref[:, :k] if k else None
        dev = np.abs(s.target.component_cdf(k, got[:, k], prev, p)
                     - s.target.component_cdf(k, ref[:, k], prev, p)).max()
        assert dev < 1e-5, (k, dev)


@pytest.mark.parametrize("name", ["ic-isotropic", "bessel-test"])
def test_ppf1_is_the_batch_function_on_one_row(samplers, libraries, name):
    s, lib = samplers[name], libraries[(name, "float64")]
    u, params = random_inputs(s, n=50, seed=2)
    batch = lib.ppf(u, params)[:, 0]
    one = np.array([lib.ppf1(u[i, 0], *params[i]) for i in range(len(u))])
    # the one-sample path and the vectorised batch path differ only in FMA contraction
    np.testing.assert_allclose(one, batch, rtol=1e-13, atol=0)


@pytest.mark.parametrize("name", MODELS)
def test_bad_rows_are_nan_and_never_touch_good_ones(samplers, libraries, name):
    s, lib = samplers[name], libraries[(name, "float64")]
    u, params = random_inputs(s, n=40, seed=3)
    good = lib.ppf(u, params)
    bad_u, bad_p = u.copy(), params.copy()
    bad_u[3, 0], bad_u[7, -1], bad_u[11, 0] = -0.1, 1.5, np.nan
    if s.card.target.parameters:
        lo, hi = s.card.target.parameters[0].domain
        bad_p[13, 0], bad_p[17, 0], bad_p[19, 0], bad_p[23, 0] = lo - abs(lo) - 1, hi * 2 + 1, np.nan, np.inf
    out = lib.ppf(bad_u, bad_p)
    bad_rows = [3, 7, 11] + ([13, 17, 19, 23] if s.card.target.parameters else [])
    assert np.all(np.isnan(out[bad_rows]))
    rest = np.setdiff1d(np.arange(40), bad_rows)
    np.testing.assert_array_equal(out[rest], good[rest])


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 33])
def test_every_batch_length_is_handled(samplers, libraries, n):
    s, lib = samplers["ic-isotropic"], libraries[("ic-isotropic", "float64")]
    u, params = random_inputs(s, n=40, seed=4)
    full = lib.ppf(u, params)
    np.testing.assert_array_equal(lib.ppf(u[:n], params[:n]), full[:n])


def test_philox_helper_reproduces_the_fused_kernels_stream(libraries):
    lib = libraries[("gaussian-2d", "float64")]
    for seed, offset in [(0, 0), (1, 0), (2**40 + 7, 3), (2**64 - 1, 2**63)]:
        want = uniforms(37, 2, seed=seed, offset=offset).reshape(-1)
        got = np.array([lib.philox(m, seed, offset) for m in range(len(want))])
        np.testing.assert_array_equal(got, want)
    # fed with it, the export reproduces Sampler.sample(seed=...) (float64 network: to 1e-12)
    s = zoo.load("bessel-test")
    lib_b = libraries[("bessel-test", "float32")]
    u = np.array([[lib_b.philox(m, 5, 0)] for m in range(200)])
    x = lib_b.ppf(u, np.full((200, 1), 1.0))[:, 0]
    ref = s.sample(200, seed=5, theta=1.0, dtype=torch.float64).numpy()
    assert np.max(np.abs(x - ref)) < 1e-5


# -- Fortran ----------------------------------------------------------------------------------------
FORTRAN_PROGRAM = """\
program check
  use, intrinsic :: iso_c_binding
  use {module}
  implicit none
  integer(c_size_t) :: n
  real(c_double), allocatable :: u(:, :), p(:, :), x(:, :)
  integer :: unit
  n = {n}
  allocate(u({d}, n), p({p1}, n), x({d}, n))
  open(newunit=unit, file="u.bin", access="stream", form="unformatted")
  read(unit) u
  close(unit)
  open(newunit=unit, file="p.bin", access="stream", form="unformatted")
  read(unit) p
  close(unit)
  call {module}_ppf(n, u, p, x)
  open(newunit=unit, file="x.bin", access="stream", form="unformatted", status="replace")
  write(unit) x
  close(unit)
end program check
"""


@pytest.mark.parametrize("name", MODELS)
def test_fortran_module_compiles_and_matches_torch(samplers, name, tmp_path):
    if FC is None:
        if os.environ.get("RADZOO_REQUIRE_FORTRAN"):
            pytest.fail("gfortran is required (RADZOO_REQUIRE_FORTRAN is set) but not installed")
        pytest.skip("gfortran is not installed (CI installs it: .ci/run)")
    s = samplers[name]
    files = export(s, "fortran", tmp_path, precision="float64")
    ident = c_identifier(name)
    u, params = random_inputs(s, n=2000, seed=5)
    u.tofile(tmp_path / "u.bin")
    (params if params.shape[1] else np.zeros((len(u), 1))).tofile(tmp_path / "p.bin")
    (tmp_path / "check.f90").write_text(FORTRAN_PROGRAM.format(module=f"radzoo_{ident}", n=len(u), d=s.dim,
                                                              p1=max(params.shape[1], 1)))
    run = lambda *cmd: subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=True)  # noqa: E731
    run(CC, "-O2", "-c", f"radzoo_{ident}_bind.c")
    run(FC, "-O2", f"radzoo_{ident}.f90", "check.f90", f"radzoo_{ident}_bind.o", "-o", "check")
    run(str(tmp_path / "check"))
    x = np.fromfile(tmp_path / "x.bin").reshape(len(u), s.dim)
    ref = torch_reference(s, u, params, "float64")
    assert np.all(np.abs(x - ref) <= 1e-12 * np.abs(ref))
    assert {f.name for f in files} == {f"radzoo_{ident}.h", f"radzoo_{ident}_bind.c", f"radzoo_{ident}.f90"}


# -- command line and errors ------------------------------------------------------------------------
def test_cli_export_writes_the_files(tmp_path, capsys):
    assert main(["export", "bessel-test", "--lang", "c", "--out", str(tmp_path)]) == 0
    header = tmp_path / "radzoo_bessel_test.h"
    assert str(header) in capsys.readouterr().out
    text = header.read_text()
    s = zoo.load("bessel-test")
    assert s.card.weights.sha256 in text and f'"{s.card.version}"' in text
    assert "double radzoo_bessel_test_ppf1(double u, double theta)" in text


def test_export_refuses_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="lang must be one of"):
        export("bessel-test", "rust", tmp_path)
    with pytest.raises(ValueError, match="precision must be one of"):
        export("bessel-test", "c", tmp_path, precision="float16")
    assert main(["export", "no-such-model", "--lang", "c", "--out", str(tmp_path)]) == 2


def test_weights_are_embedded_exactly(samplers, tmp_path):
    """Every float32 weight appears as its exact hex-float literal."""
    s = samplers["bessel-test"]
    text = generate_c(s.card, s.model.net.state_dict())
    w = s.model.net.state_dict()["subnets.0.layers.1.weight"].numpy().reshape(-1)
    for v in w[:20]:
        assert float(v).hex() in text


def test_vectorised_tanh_accuracy(samplers, tmp_path):
    """The header's own tanh (C path): measured max error 3.0 ulp in float64 and 5.4 ulp in
    float32 (Eigen's rational; 6.6 over 2e6 float32 points in [-10, 10]) on this grid; bounds
    5 and 8 ulp (FMA contraction may differ by compiler)."""
    (header,) = export(samplers["bessel-test"], "c", tmp_path)
    src = tmp_path / "t.c"
    src.write_text(f'#include "{header.name}"\n'
                   "void td(size_t n, const double *x, double *y) "
                   "{ for (size_t i = 0; i < n; ++i) y[i] = rz_tanh(x[i]); }\n"
                   "void tf(size_t n, const float *x, float *y) "
                   "{ for (size_t i = 0; i < n; ++i) y[i] = rz_tanhf(x[i]); }\n")
    subprocess.run([CC, "-O2", "-shared", "-fPIC", "-o", str(tmp_path / "t.so"), str(src), "-lm"], check=True)
    lib = ctypes.CDLL(str(tmp_path / "t.so"))
    x = np.concatenate([np.linspace(-30, 30, 600_001), np.geomspace(1e-30, 1, 10_001), [0.0, -0.0]])
    yd = np.empty_like(x)
    lib.td(ctypes.c_size_t(len(x)), x.ctypes.data_as(ctypes.c_void_p), yd.ctypes.data_as(ctypes.c_void_p))
    ref = np.tanh(x)
    ulp_d = np.abs(yd - ref) / np.spacing(np.abs(ref) + 1e-300)
    xf = x.astype(np.float32)
    yf = np.empty_like(xf)
    lib.tf(ctypes.c_size_t(len(xf)), xf.ctypes.data_as(ctypes.c_void_p), yf.ctypes.data_as(ctypes.c_void_p))
    reff = np.tanh(xf.astype(np.float64))
    ulp_f = np.abs(yf - reff) / np.spacing(np.abs(reff).astype(np.float32) + np.float32(1e-38)).astype(np.float64)
    assert ulp_d.max() <= 5, ulp_d.max()
    assert ulp_f.max() <= 8, ulp_f.max()
    assert np.all(np.sign(yd) == np.sign(ref)) and np.all(np.abs(yd) <= 1)


def test_vector_math_accuracy(samplers, tmp_path):
    """The export's branch-free float64 libm subset (rz_vm_*, radzoo_common.h) against numpy's
    (glibc's, < 1 ulp) on 2e6 random arguments over the whole range each map uses, plus the special
    values. Measured max: log 1.0, log1p 1.0, exp 1.0, expm1 2.0 ulp (4e6 points); bounds 2, 2, 2, 3 ulp.
    pow is exp(y log x): relative error <= (|y ln x| + 2) 2^-52, bounded here for |y ln x| <= 700."""
    (header,) = export(samplers["bessel-test"], "c", tmp_path)
    src = tmp_path / "vm.c"
    fns = ["log", "log1p", "exp", "expm1", "log10"]
    src.write_text(f'#include "{header.name}"\n' + "".join(
        f"void t_{f}(size_t n, const double *x, double *y) "
        f"{{ for (size_t i = 0; i < n; ++i) y[i] = rz_vm_{f}(x[i]); }}\n"
        for f in fns) + "void t_pow(size_t n, const double *x, const double *e, double *y) "
        "{ for (size_t i = 0; i < n; ++i) y[i] = rz_vm_pow(x[i], e[i]); }\n")
    subprocess.run([CC, "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-shared", "-fPIC",
                    "-o", str(tmp_path / "vm.so"), str(src), "-lm"], check=True)
    lib = ctypes.CDLL(str(tmp_path / "vm.so"))
    rng = np.random.default_rng(7)
    n = 2_000_000
    pos = np.exp(rng.uniform(-744, 709, n))
    small = rng.choice([-1, 1], n) * np.exp(rng.uniform(-80, 0, n)) * 0.999
    wide = rng.uniform(-745, 709.7, n)
    cases = {"log": pos, "log10": pos, "log1p": np.concatenate([small, np.exp(rng.uniform(0, 700, n // 4))]),
             "exp": wide, "expm1": np.concatenate([wide, small * 40])}
    refs = {"log": np.log, "log10": np.log10, "log1p": np.log1p, "exp": np.exp, "expm1": np.expm1}
    bounds = {"log": 2, "log10": 3, "log1p": 2, "exp": 2, "expm1": 3}

    def call(f, *args):
        y = np.empty_like(args[0])
        getattr(lib, f"t_{f}")(ctypes.c_size_t(len(y)), *(a.ctypes.data_as(ctypes.c_void_p) for a in args),
                               y.ctypes.data_as(ctypes.c_void_p))
        return y

    for f, x in cases.items():
        got, ref = call(f, x), refs[f](x)
        fine = np.abs(ref) > 1e-300   # (subnormal results: absolute error only)
        ulp = np.abs(got - ref)[fine] / np.spacing(np.abs(ref[fine]))
        assert ulp.max() <= bounds[f], (f, ulp.max(), x[fine][ulp.argmax()])
    special = np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, 1e-310])
    with np.errstate(all="ignore"):
        for f in fns:
            np.testing.assert_allclose(call(f, special), refs[f](special), rtol=1e-15, atol=0, equal_nan=True,
                                       err_msg=f)
    x, e = np.exp(rng.uniform(-300, 300, n)), rng.uniform(-2, 2, n)
    got, ref = call("pow", x, e), np.power(x, e)
    assert np.all(np.abs(got / ref - 1) <= (np.abs(e * np.log(x)) + 2) * 2.0 ** -52)


def test_batch_map_vectorises_with_gcc(samplers, tmp_path):
    """The point of rz_vm_*: gcc vectorises the block's loops over draws, the physical map's
    included, with -O3 -fno-math-errno -fno-trapping-math (docs/export.md) for AVX2 and AVX-512
    alike. A loop of the block function that stays scalar names its line (the first loop, reading
    the rows, may stay scalar on AVX2 for two-parameter models: it does no math)."""
    if not shutil.which("gcc"):
        pytest.skip("gcc is not on this machine (the vectorisation report is gcc's)")
    for name in ("quantum-synchrotron", "klein-nishina", "ic-isotropic"):
        (header,) = export(samplers[name], "c", tmp_path / name, precision="float32")
        ident = c_identifier(name)
        src = tmp_path / name / "v.c"
        src.write_text(f'#include "{header.name}"\nvoid run(size_t n, const double *u, const double *p, double *o) '
                       f"{{ radzoo_{ident}_ppf(n, u, p, o); }}\n")
        text = header.read_text()
        first = text.count("\n", 0, text.index(f"RZ_API void radzoo_{ident}_block_16(")) + 1
        last = text.count("\n", 0, text.index(f"RZ_API void radzoo_{ident}_block_1(")) + 1
        for arch in ("x86-64-v3", "x86-64-v4"):
            rep = subprocess.run(["gcc", "-O3", f"-march={arch}", "-fno-math-errno", "-fno-trapping-math", "-c",
                                  "-o", os.devnull, str(src), "-fopt-info-vec-all"], capture_output=True, text=True,
                                 check=True).stderr
            lines = {int(ln.split(":")[1]) for ln in rep.splitlines()
                     if ln.startswith(str(header)) and "missed: couldn't vectorize loop" in ln}
            # the block's loops over draws after the first (reading and checking the rows: strided loads of
            # the parameters, left to the compiler): the network's inputs (logit, log10) and the map
            scalar = sorted(x for x in lines if first + 6 <= x < last)
            assert not scalar, (name, arch, scalar, [text.splitlines()[x - 1].strip() for x in scalar])
