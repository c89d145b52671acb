"""The whole physical domain (issue 26, item 2): beyond a trained edge where the target tends to a limit
(``Target.extensions``), the network sees the parameter at its edge (inverse Compton: the Thomson
scaling), in torch, the kernel's numpy emulation, the fused kernel's C and the export's C alike; a side
counts as covered only where ``zoo validate`` measured it within the goals.

The accuracy checks here measure anew, against the exact target, at points beyond the edge that neither
the training nor the card's measurement used (their own seed), so they can fail where the card is wrong.
"""
from __future__ import annotations

import ctypes
import math
import shutil
import subprocess

import numpy as np
import pytest
import torch

import zoo
from zoo.cuda import codegen, emulate
from zoo.export import c_identifier, export
from zoo.registry import resolve
from zoo.samplers.sampler import OutOfDomainError
from zoo.samplers.validation import EXTENSION_GOALS, extension_range
from zoo.targets import get_target
from zoo.targets.base import network_parameters, network_parameters_c

CC = shutil.which("gcc") or shutil.which("cc")
SAMPLERS = zoo.list(kind="sampler")
EXTENDED = [n for n in SAMPLERS if get_target(resolve(n)[0].target.id).extensions]


def _beyond(s, ext, n, rng):
    """n random parameter rows (card order) with ext's parameter beyond its trained edge."""
    a, b = extension_range(s.card, s.target, ext)
    rows = []
    for p in s.card.target.parameters:
        lo, hi = (a, b) if p.name == ext.parameter else p.domain
        rows.append(10 ** rng.uniform(math.log10(lo), math.log10(hi), n) if p.input_transform == "log10" and lo > 0
                    else rng.uniform(lo, hi, n))
    return np.stack(rows, axis=1)


def test_the_extended_models():
    """The Thomson limits (klein-nishina and its polarized sibling, ic-head-on) and the Thomson scaling of
    inverse Compton (ic-isotropic, ic-isotropic-2d) are declared; a new target joins by declaring its own."""
    assert set(EXTENDED) >= {"klein-nishina", "klein-nishina-polarized", "ic-head-on", "ic-isotropic",
                             "ic-isotropic-2d"}


@pytest.mark.parametrize("name", EXTENDED)
def test_network_parameters_torch_numpy_and_c_agree(name, tmp_path):
    """One rule, three forms: identity inside the trained domain, the edge (and the rescaled partner)
    beyond it; the C (double) equals numpy to the last bit, torch likewise."""
    if CC is None:
        pytest.skip("no C compiler")
    s = zoo.load(name)
    cp, ext = s.card.target.parameters, s.target.extensions
    rng = np.random.default_rng(11)
    inside = np.stack([10 ** rng.uniform(math.log10(p.domain[0]), math.log10(p.domain[1]), 200) for p in cp], 1)
    rows = np.concatenate([inside, *(_beyond(s, e, 200, rng) for e in ext)])
    names = [p.name for p in cp]
    npq = network_parameters({n: rows[:, j] for j, n in enumerate(names)}, cp, ext, lib=np)
    tq = network_parameters({n: torch.from_numpy(rows[:, j].copy()) for j, n in enumerate(names)}, cp, ext)
    body = "\n    ".join(network_parameters_c(cp, ext, "p", "q", lambda x: float(x).hex()))
    src = tmp_path / "np.c"
    src.write_text(f"#include <math.h>\nvoid f(const double *p, double *q) {{\n    {body}\n}}\n")
    so = tmp_path / "np.so"
    subprocess.run([CC, "-std=c99", "-Wall", "-Werror", "-O2", "-shared", "-fPIC", "-o", str(so), str(src), "-lm"],
                   check=True)
    fn = ctypes.CDLL(str(so)).f
    dp = ctypes.POINTER(ctypes.c_double)
    cq = np.empty_like(rows)
    for i, row in enumerate(np.ascontiguousarray(rows)):
        out = np.empty(len(names))
        fn(np.ascontiguousarray(row).ctypes.data_as(dp), out.ctypes.data_as(dp))
        cq[i] = out
    for j, n in enumerate(names):
        np.testing.assert_array_equal(cq[:, j], npq[n])
        np.testing.assert_array_equal(tq[n].numpy(), npq[n])
        np.testing.assert_array_equal(npq[n][:200], inside[:, j])        # identity inside
        lo, hi = cp[j].domain
        assert np.all((npq[n] >= lo) & (npq[n] <= hi))                    # the network never extrapolates


@pytest.mark.parametrize("name", EXTENDED)
def test_every_declared_side_is_measured_on_the_card(name):
    """``zoo validate`` wrote one ExtensionMetric per declared side, from the physical bound to the trained
    edge, and ``covered`` is exactly the goals applied to the measured numbers."""
    s = zoo.load(name)
    got = {(e.parameter, e.side): e for e in s.card.metrics.extensions}
    for ext in s.target.extensions:
        e = got[(ext.parameter, ext.side)]
        assert tuple(e.range) == extension_range(s.card, s.target, ext)
        t = next(t for t in e.tails if t.u == EXTENSION_GOALS["tail_u"])
        meets = e.ks_max <= EXTENSION_GOALS["ks_max"] and max(t.lower_max, t.upper_max) <= EXTENSION_GOALS["tail_max"]
        assert e.covered == meets
        assert e.covered, f"{name}: the declared side {ext.parameter} {ext.side} misses the goals: {e}"
    lo, hi = s.card.covered_domain()[s.target.extensions[0].parameter]
    assert lo < next(p for p in s.card.target.parameters if p.name == s.target.extensions[0].parameter).domain[0]


def _ks_and_tails(s, params, n_u=1 << 14):
    """KS over a dense u grid and the tail-mass errors at u = 1e-4 of the first component, against the
    exact target (relative-accurate C and S)."""
    u = np.concatenate([np.linspace(0.0, 1.0, n_u), [1e-4, 1.0 - 1e-4]])
    u_in = torch.from_numpy(u if s.dim == 1 else np.stack([u, np.full(len(u), 0.5)], 1))
    x = s.ppf(u_in, **{k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}).numpy()
    x0 = x if s.dim == 1 else x[:, 0]
    p = {k: np.float64(v) for k, v in params.items()}
    ks = np.abs(s.target.component_cdf(0, x0[:n_u], None, p) - u[:n_u]).max()
    tail = max(abs(s.target.component_cdf(0, x0[n_u:n_u + 1], None, p)[0] / 1e-4 - 1),
               abs(s.target.component_sf(0, x0[n_u + 1:], None, p)[0] / 1e-4 - 1))
    return ks, tail


@pytest.mark.parametrize("name,params", [
    ("klein-nishina", {"k": 3.7e-8}),
    ("klein-nishina-polarized", {"k": 2.2e-7}),
    ("ic-head-on", {"b": 4.1e-8}),
    ("ic-isotropic", {"gamma": 3.3, "eps0": 2.7e-17}),          # Thomson, mildly relativistic
    ("ic-isotropic", {"gamma": 2.0e9, "eps0": 7.0e-13}),        # b = 5.6e-3: the scaled gamma' = 1.4e7
    ("ic-isotropic", {"gamma": 4.0e12 / 4e3, "eps0": 1e-19}),   # ultra-relativistic Thomson at the floor
    ("ic-isotropic-2d", {"gamma": 6.0e8, "eps0": 3.0e-15}),
])
def test_beyond_the_edge_meets_the_goals_against_the_exact_target(name, params):
    s = zoo.load(name)
    ks, tail = _ks_and_tails(s, params)
    assert ks <= EXTENSION_GOALS["ks_max"], ks
    assert tail <= EXTENSION_GOALS["tail_max"], tail


def test_a_side_measured_outside_the_goals_is_refused():
    """Only a covered side widens the domain: the same card with the side marked not covered refuses
    the point (the message names the range and the option), and a point beyond the physical bound is
    refused either way."""
    s = zoo.load("klein-nishina")
    assert s.ppf(0.5, k=5e-8).item() > 0
    with pytest.raises(OutOfDomainError, match=r"'k' must lie in \[1e-08, 1e\+08\]"):
        s.ppf(0.5, k=5e-9)
    m = s.card.metrics
    card = s.card.model_copy(update={"metrics": m.model_copy(update={"extensions": [
        e.model_copy(update={"covered": False}) for e in m.extensions]})})
    assert card.covered_domain()["k"] == tuple(card.target.parameters[0].domain)
    bare = zoo.Sampler(card, s.path, s.model.net.state_dict())
    with pytest.raises(OutOfDomainError, match="allow_extrapolation"):
        bare.ppf(0.5, k=5e-8)


def test_emulated_kernel_columns_are_the_torch_columns_beyond_the_edge():
    """The kernel's parameter columns (numpy emulation of rz_scale_params) see the edge like torch does."""
    s = zoo.load("ic-isotropic")
    rng = np.random.default_rng(5)
    rows = _beyond(s, s.target.extensions[0], 64, rng)
    pt = {"gamma": rows[:, 0], "eps0": rows[:, 1]}
    cols = np.stack(emulate.scale_params(s.card, pt, 64), 1)
    ref = s.model.scaled_parameters({k: torch.from_numpy(v) for k, v in pt.items()}, 64,
                                    torch.zeros(64, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(cols, ref, rtol=0, atol=2e-6)   # float32 columns (emulation) vs float64
    src = codegen.generate(s.card, codegen.KernelOptions())
    assert "fmax(p[0] * (p[1] /" in src                          # the scaling is in the kernel's C


@pytest.mark.skipif(CC is None, reason="no C compiler")
@pytest.mark.parametrize("name", ["klein-nishina", "ic-isotropic"])
def test_export_covers_the_extended_domain(name, tmp_path):
    """The exported C takes the covered side like Python (float64: 1e-12 relative) and keeps NaN beyond
    the physical bound."""
    s = zoo.load(name)
    export(s, "fortran", tmp_path, precision="float64")
    ident = c_identifier(name)
    so = tmp_path / "lib.so"
    subprocess.run([CC, "-O2", "-shared", "-fPIC", "-o", str(so), str(tmp_path / f"radzoo_{ident}_bind.c"), "-lm"],
                   check=True, capture_output=True)
    fn = getattr(ctypes.CDLL(str(so)), f"radzoo_{ident}_ppf_c")
    dp = ctypes.POINTER(ctypes.c_double)
    fn.argtypes = [ctypes.c_size_t, dp, dp, dp]
    rng = np.random.default_rng(8)
    params = np.ascontiguousarray(_beyond(s, s.target.extensions[0], 300, rng))
    u = np.ascontiguousarray(rng.random((300, 1)))
    out = np.empty((300, 1))
    fn(300, u.ctypes.data_as(dp), params.ctypes.data_as(dp), out.ctypes.data_as(dp))
    from zoo.samplers.model import InverseCDFModel
    model = InverseCDFModel(s.card, s.target)
    model.net.load_state_dict(s.model.net.state_dict())
    model = model.double()
    with torch.no_grad():
        ref = model(torch.from_numpy(u), {p.name: torch.from_numpy(params[:, j].copy())
                                          for j, p in enumerate(s.card.target.parameters)})[0].numpy()
    assert np.all(np.abs(out - ref) <= 1e-12 * np.abs(ref)), (np.abs(out - ref) / np.abs(ref)).max()
    j = [p.name for p in s.card.target.parameters].index(s.target.extensions[0].parameter)
    params[:5, j] = extension_range(s.card, s.target, s.target.extensions[0])[0] / 10
    fn(5, u.ctypes.data_as(dp), params.ctypes.data_as(dp), out.ctypes.data_as(dp))
    assert np.all(np.isnan(out[:5]))
