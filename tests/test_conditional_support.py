"""Conditional supports (issue 9): the support of a component may depend on earlier components.

A 2-D toy target: x1 on [0, 1] with density 2 x1, then x2 given x1 uniform on [0, x1]. An
untrained chained model of it must keep x2 inside [0, x1] on the torch path, in the kernel's
emulation and in the generated kernel (NVRTC), and the torch path and the emulation agree.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from zoo.cuda import codegen, emulate
from zoo.samplers.model import InverseCDFModel
from zoo.samplers.sampler import Sampler
from zoo.targets import register_target, unregister_target
from zoo.targets.base import LINEAR, KernelSupport, Target, VariableSpec
from zoo.samplers.training import base_card


class Triangle(Target):
    id = "triangle-test"
    parameters = ()
    variables = (VariableSpec("x1", "1", "first"), VariableSpec("x2", "1", "second, in [0, x1]"))
    kernel_support = KernelSupport(
        "triangle",
        "RZ_FN void rz_support_triangle(int k, const double* p, const double* prev, RzMap* m) "
        "{ (void)p; m->lo = 0.0; m->hi = k == 0 ? 1.0 : prev[0]; }",
        lambda k, p, prev: (np.float64(0.0) if k == 0 else np.zeros_like(prev[:, 0]),
                            np.float64(1.0) if k == 0 else prev[:, 0].astype(np.float64)),
        conditional=True)
    kernel_coordinates = {"linear": LINEAR}

    def component_support(self, k, prev, params):
        if k == 0:
            return np.float64(0.0), np.float64(1.0)
        return np.zeros_like(prev[..., 0]), np.asarray(prev[..., 0], dtype=np.float64)

    def torch_support(self, k, prev, params):
        if k == 0:
            return torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64)
        return torch.zeros_like(prev[:, 0]), prev[:, 0]

    def component_pdf(self, k, x, prev, params):
        x = np.asarray(x, dtype=np.float64)
        if k == 0:
            return np.where((x >= 0) & (x <= 1), 2 * x, 0.0)
        top = prev[..., 0]
        return np.where((x >= 0) & (x <= top), 1.0 / np.maximum(top, 1e-300), 0.0)

    def component_cdf(self, k, x, prev, params):
        x = np.asarray(x, dtype=np.float64)
        if k == 0:
            return np.clip(x, 0, 1) ** 2
        top = prev[..., 0]
        return np.clip(x / np.maximum(top, 1e-300), 0, 1)


@pytest.fixture(scope="module")
def sampler():
    register_target(Triangle())
    try:
        card = base_card(name="triangle-test", summary="conditional-support test model", target_id="triangle-test",
                         parameters=[], hidden=[16, 16], activation="tanh",
                         output_transform={"squash": "sigmoid", "coordinate": "linear"},
                         recipe="tests/test_conditional_support.py", seed=0, steps=0, batch_size=1,
                         parameter_grid={})
        torch.manual_seed(3)
        model = InverseCDFModel(card)
        yield Sampler(card, ".", model.net.state_dict())
    finally:
        unregister_target("triangle-test")


def test_torch_path_keeps_x2_inside_0_x1(sampler):
    x = sampler.sample(20000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert x.shape == (20000, 2)
    assert bool((x[:, 1] >= 0).all()) and bool((x[:, 1] <= x[:, 0]).all())
    assert float(x[:, 1].max()) > 0.5 * float(x[:, 0].max())     # the support really is [0, x1], not [0, 0]


def test_emulation_agrees_with_torch_and_keeps_the_support(sampler):
    u = np.random.default_rng(1).random((5000, 2))
    xt = sampler.ppf(torch.from_numpy(u), dtype=torch.float64).numpy()
    blob = codegen.pack(sampler.card, sampler.model.net.state_dict())
    xe, _ = emulate.emulate(sampler.card, blob, u, {})
    assert np.all(xe[:, 1] >= 0) and np.all(xe[:, 1] <= xe[:, 0])
    np.testing.assert_allclose(xe, xt, rtol=0, atol=1e-5)   # split-f16 kernel arithmetic vs fp32 torch
    # the mapping alone, given x1: x2 = w x1 exactly as torch maps it
    w = np.linspace(0, 1, 101)
    prev = np.full((101, 1), 0.37)
    x2 = emulate.map_component(sampler.card, 1, w, {}, "fp64", prev)
    np.testing.assert_allclose(x2, 0.37 * w, rtol=1e-15, atol=0)


def test_generated_kernel_evaluates_the_support_after_the_earlier_components(sampler):
    from zoo import cuda

    for broadcast in (True, False):
        src = codegen.generate(sampler.card, codegen.KernelOptions(broadcast=broadcast))
        assert "rz_support_triangle(1, p, x, &mk)" in src and "rz_support_triangle(0, p, nullptr, &m[0])" in src
        if cuda.nvrtc_available():
            from zoo.cuda import nvrtc

            ptx = nvrtc.compile_source(src, "sm_80", kind="ptx", use_cache=False)
            assert b"mma.sync.aligned.m16n8k16" in ptx


# -- an earlier output's extra input column (SubnetCard.earlier_extra_inputs) ---------------------
@pytest.fixture(scope="module")
def tail_sampler():
    """The triangle chain with x2's subnet also fed log_tail(w1) = ln(1 - w1) / (12 ln 2) + 1."""
    register_target(Triangle())
    try:
        card = base_card(name="triangle-tail-test", summary="earlier_extra_inputs test model",
                         target_id="triangle-test", parameters=[], hidden=[16, 16], activation="tanh",
                         output_transform={"squash": "sigmoid", "coordinate": "linear"},
                         recipe="tests/test_conditional_support.py", seed=0, steps=0, batch_size=1,
                         parameter_grid={}, earlier_extra_inputs=("log_tail",))
        torch.manual_seed(4)
        model = InverseCDFModel(card)
        with torch.no_grad():   # make the log_tail column matter: a strong weight on it
            model.net.subnets[1].layers[0].weight[:, 2] *= 8.0
        yield Sampler(card, ".", model.net.state_dict())
    finally:
        unregister_target("triangle-test")


def test_earlier_extra_input_is_a_network_input_in_every_form(tail_sampler):
    card = tail_sampler.card
    assert [s.n_inputs for s in card.architecture.subnets] == [1, 3]   # u | u, 2 w1 - 1, log_tail(w1)
    u = np.random.default_rng(2).random((4000, 2))
    u[:200, 0] = 1.0 - np.geomspace(1e-7, 1e-2, 200)                   # w1 near 1: the column's range
    xt = tail_sampler.ppf(torch.from_numpy(u), dtype=torch.float64).numpy()
    # the column enters: dropping its weights changes x2 (so the agreements below can fail)
    other = InverseCDFModel(card)
    state = {k: v.clone() for k, v in tail_sampler.model.net.state_dict().items()}
    state["subnets.1.layers.0.weight"][:, 2] = 0.0
    other.net.load_state_dict(state)
    with torch.no_grad():
        xo = other(torch.from_numpy(u), {})[0].numpy()
    assert np.max(np.abs(xo[:, 1] - xt[:, 1])) > 1e-2
    # the kernel's emulation (fp32 w, logf): as the triangle test above, split-f16 vs fp32 torch
    blob = codegen.pack(card, tail_sampler.model.net.state_dict())
    xe, _ = emulate.emulate(card, blob, u, {})
    np.testing.assert_allclose(xe, xt, rtol=0, atol=1e-5)
    # the generated kernel calls the column's device function on w1
    src = codegen.generate(card)
    assert "rz_earlier_log_tail(w0[0])" in src and "rz_earlier_log_tail(w1[0])" in src


def test_earlier_extra_input_c_export_matches_torch(tail_sampler, tmp_path):
    from test_export import CC, Library, torch_reference

    if CC is None:
        pytest.skip("no C compiler (gcc/cc) on this machine")
    u = np.random.default_rng(3).random((2000, 2))
    u[:100, 0] = 1.0 - np.geomspace(1e-9, 1e-2, 100)
    lib = Library(tail_sampler, tmp_path, "float64")
    ref = torch_reference(tail_sampler, u, np.zeros((len(u), 0)), "float64")
    # float64 network in C and torch: libm vs torch transcendentals (1e-12 as tests/test_export.py)
    np.testing.assert_allclose(lib.ppf(u, np.zeros((len(u), 0))), ref, rtol=1e-12, atol=1e-15)
