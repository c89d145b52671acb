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
from zoo.model import InverseCDFModel
from zoo.sampler import Sampler
from zoo.targets import register_target, unregister_target
from zoo.targets.base import LINEAR, KernelSupport, Target, VariableSpec
from zoo.training import base_card


class Triangle(Target):
    id = "triangle-test"
    parameters = ()
    variables = (VariableSpec("x1", "1", "first"), VariableSpec("x2", "1", "second, in [0, x1]"))
    kernel_support = KernelSupport(
        "triangle",
        "__device__ __forceinline__ void rz_support_triangle(int k, const double*, const double* prev, RzMap& m) "
        "{ m.lo = 0.0; m.hi = k == 0 ? 1.0 : prev[0]; }",
        lambda k, p, prev: (np.float64(0.0) if k == 0 else np.zeros_like(prev[:, 0]),
                            np.float64(1.0) if k == 0 else prev[:, 0].astype(np.float64)),
        conditional=True)
    kernel_coordinates = {"linear": LINEAR}
    c_support = "*lo = 0.0;\n*hi = k == 0 ? 1.0 : prev[0];"

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
        assert "rz_support_triangle(1, p, x, mk)" in src and "rz_support_triangle(0, p, nullptr, m[0])" in src
        if cuda.nvrtc_available():
            from zoo.cuda import nvrtc

            ptx = nvrtc.compile_source(src, "sm_80", kind="ptx", use_cache=False)
            assert b"mma.sync.aligned.m16n8k16" in ptx
