"""The kernel's precision choices (numpy emulation) against the fp32 torch path."""
import numpy as np
import pytest
import torch

import zoo
from zoo.card import OutputTransform
from zoo.cuda import codegen, emulate, philox
from zoo.validation import heldout_grid

MODELS = zoo.list()


def _points(card, n_per_param=3):
    return heldout_grid(card, n_per_param)


def _torch(s, u, pt):
    with torch.no_grad():
        x, w = s.model(torch.as_tensor(u), {k: torch.tensor(v, dtype=torch.float64) for k, v in pt.items()})
    return x.numpy(), w.numpy()




@pytest.mark.parametrize("tanh", sorted(emulate.PARITY_BOUND))
@pytest.mark.parametrize("name", MODELS)
def test_emulated_kernel_within_bound_of_torch(name, tanh):
    """Sample by sample on the same u: |C(x_kernel) - C(x_torch)| <= PARITY_BOUND[tanh]."""
    s = zoo.load(name)
    blob = codegen.pack(s.card, s.model.net.state_dict())
    for j, pt in enumerate(_points(s.card)):
        u = philox.uniforms(4096, s.dim, seed=j)
        xe, we = emulate.emulate(s.card, blob, u, pt, tanh=tanh, seed=j)
        xt, wt = _torch(s, u, pt)
        assert np.abs(we - wt).max() < emulate.PARITY_BOUND[tanh], pt
        assert emulate.cdf_gap(s.target, xe, xt, pt) <= emulate.PARITY_BOUND[tanh], pt


def test_bound_is_not_vacuous():
    """A 2% error in the first-layer weights breaks the bound: the test can fail."""
    s = zoo.load("bessel-test")
    blob = bytearray(codegen.pack(s.card, s.model.net.state_dict()))
    lay = codegen.layout(s.card)[0][0]
    w_in = np.frombuffer(blob, dtype=np.float32, count=lay.widths[0] * lay.n_inputs, offset=lay.w_in).copy()
    blob[lay.w_in:lay.w_in + w_in.nbytes] = (w_in * 1.02).astype(np.float32).tobytes()  # a 2% weight error
    u = philox.uniforms(4096, 1, seed=0)
    pt = _points(s.card)[0]
    xe, _ = emulate.emulate(s.card, bytes(blob), u, pt, tanh="exact")
    assert emulate.cdf_gap(s.target, xe, _torch(s, u, pt)[0], pt) > emulate.PARITY_BOUND["exact"]


@pytest.mark.parametrize("name", MODELS)
def test_emulated_ks_keeps_card_accuracy(name):
    """KS of the emulated kernel map vs the exact target stays within the card's ks_max + bound."""
    s = zoo.load(name)
    if s.card.metrics is None:
        pytest.skip("card not validated")
    blob = codegen.pack(s.card, s.model.net.state_dict())
    grid = (np.arange(4096) + 0.5) / 4096
    for pt in _points(s.card, 2):
        u = np.repeat(grid[:, None], s.dim, axis=1)
        xe, _ = emulate.emulate(s.card, blob, u, pt)
        ks = max(float(np.abs(s.target.component_cdf(k, xe[:, k], xe[:, :k] if k else None, pt) - grid).max())
                 for k in range(s.dim))
        assert ks <= s.card.metrics.ks_max + emulate.PARITY_BOUND["f16x2"], (pt, ks)


@pytest.mark.parametrize("name", MODELS)
def test_mapping_fp64_matches_torch_transforms(name):
    """The kernel's coordinate code (mirrored here) equals zoo.transforms.to_physical in fp64."""
    from zoo.transforms import to_physical

    s = zoo.load(name)
    w = np.linspace(0.0, 1.0, 257)
    for pt in _points(s.card):
        tp = {k: torch.tensor(v, dtype=torch.float64) for k, v in pt.items()}
        for k, sub in enumerate(s.card.architecture.subnets):
            xe = emulate.map_component(s.card, k, w, pt, "fp64")
            prev = torch.full((w.size, k), 0.5, dtype=torch.float64) if k else None
            xt = to_physical(s.target, k, torch.as_tensor(w), prev, tp, sub.output_transform).numpy()
            np.testing.assert_allclose(xe, xt, rtol=1e-9, atol=0)


@pytest.mark.parametrize("coordinate", ["log_q", "log1p_bq", "linear"])
def test_ic_coordinates_fp64_vs_fp32_map(coordinate):
    """fp64 mapping is needed for IC: near eps_max = gamma b / (1 + b) ~ 1e10 the fp32 ulp is 1024."""
    from zoo.transforms import to_physical

    s = zoo.load("ic-isotropic")
    sub = s.card.architecture.subnets[0].model_copy(update={"output_transform": s.card.architecture.subnets[0]
                                                            .output_transform.model_copy(update={"coordinate": coordinate})})
    card = s.card.model_copy(update={"architecture": s.card.architecture.model_copy(update={"subnets": [sub]})})
    pt = {"gamma": 8.3e9, "eps0": 8.6e-3}
    w = np.linspace(0.0, 1.0, 1001)
    xt = to_physical(s.target, 0, torch.as_tensor(w), None, {k: torch.tensor(v, dtype=torch.float64) for k, v in pt.items()},
                     sub.output_transform).numpy()
    gap64 = np.abs(s.target.cdf(emulate.map_component(card, 0, w, pt, "fp64"), **pt) - s.target.cdf(xt, **pt)).max()
    assert gap64 < 1e-6
    if coordinate != "linear":  # the same map in fp32 is visibly off near eps_max
        gap32 = np.abs(s.target.cdf(emulate.map_component(card, 0, w, pt, "fp32"), **pt) - s.target.cdf(xt, **pt)).max()
        assert gap32 > 1e-2
    assert codegen.map_precision(card, codegen.KernelOptions()) == ("fp32" if coordinate == "linear" else "fp64")


@pytest.mark.parametrize("kind", OutputTransform.model_fields["squash"].annotation.__args__)
def test_squash_matches_torch(kind):
    from zoo.transforms import squash

    z = np.linspace(-3, 3, 2001, dtype=np.float32)
    ref = squash(torch.as_tensor(z, dtype=torch.float64), kind).numpy()
    np.testing.assert_allclose(emulate.squash(z, kind), ref, rtol=0, atol=3e-7)
