"""GPU checks of the fused kernel (skipped without a CUDA GPU): per-sample parity with the
torch path on the same Philox stream, and KS against the exact target on held-out points."""
import numpy as np
import pytest
import torch

import zoo
from zoo.cuda import available, emulate
from zoo.samplers.validation import heldout_grid

pytestmark = pytest.mark.skipif(not available(), reason="no CUDA GPU (torch.cuda.is_available() is False) "
                                                        "or the cuda extra is missing")
MODELS = zoo.list(kind="sampler")




@pytest.mark.parametrize("mma,tanh", emulate.MODES, ids=[emulate.mode_name(*m) for m in emulate.MODES])
@pytest.mark.parametrize("name", MODELS)
def test_parity_with_torch_path_sample_by_sample(name, mma, tanh):
    s = zoo.load(name)
    n = 100_003  # not a multiple of the chunk
    for j, pt in enumerate(heldout_grid(s.card, 3)):
        from zoo.cuda import codegen, launch

        params = s.check_params(pt, n, torch.device("cuda"))
        blob = torch.frombuffer(bytearray(codegen.pack(s.card, s.model.net.state_dict())), dtype=torch.uint8).cuda()
        xk = launch.run(s.card, blob, n, params, seed=j, out_dtype=torch.float64, mma=mma, tanh=tanh).cpu().numpy()
        xt = s.sample(n, seed=j, device="cuda", backend="torch", dtype=torch.float64, **pt).cpu().numpy()
        xt = xt.reshape(n, -1)
        assert np.isfinite(xk).all()
        assert emulate.cdf_gap(s.target, xk, xt, pt) <= emulate.PARITY_BOUND[emulate.mode_name(mma, tanh)], \
            (pt, mma, tanh)


@pytest.mark.parametrize("name", MODELS)
def test_ks_vs_exact_target_on_heldout_points(name):
    from scipy import stats

    s = zoo.load(name)
    card_ks = s.card.metrics.ks_max if s.card.metrics else 0.05
    for j, pt in enumerate(heldout_grid(s.card, 2)):
        x = s.sample(200_000, seed=100 + j, device="cuda", dtype=torch.float64, **pt).cpu().numpy().reshape(200_000, -1)
        for k in range(s.dim):
            c = s.target.component_cdf(k, x[:, k], x[:, :k] if k else None, pt)
            ks = stats.kstest(c, "uniform").statistic  # C(x) is U(0, 1) for exact samples
            assert ks <= card_ks + emulate.bound() + 5e-3, (pt, k, ks)


def test_default_backend_broadcast_vs_per_sample_and_dtypes():
    s = zoo.load("ic-isotropic")
    n = 50_000
    a = s.sample(n, seed=1, device="cuda", gamma=1e5, eps0=10**-4.5)
    assert a.device.type == "cuda" and a.dtype == torch.float32 and a.shape == (n,)
    g = torch.full((n,), 1e5, dtype=torch.float64, device="cuda")
    b = s.sample(n, seed=1, gamma=g, eps0=10**-4.5)  # per-sample gamma, broadcast eps0
    torch.testing.assert_close(a, b, rtol=1e-6, atol=0)
    c = s.sample(n, seed=1, device="cuda", dtype=torch.float64, gamma=1e5, eps0=10**-4.5)
    assert c.dtype == torch.float64
    torch.testing.assert_close(a.double(), c, rtol=1e-6, atol=0)
    assert not torch.equal(a, s.sample(n, seed=1, offset=1, device="cuda", gamma=1e5, eps0=10**-4.5))
    assert s.sample(0, device="cuda", gamma=1e5, eps0=1e-5).shape == (0,)
    gamma = torch.logspace(2, 8, n, dtype=torch.float64, device="cuda")
    x = s.sample(n, gamma=gamma, eps0=1e-6)
    lo, hi = s.target.support(gamma=gamma.cpu().numpy(), eps0=1e-6)
    xs = x.double().cpu().numpy()
    assert (xs >= lo * (1 - 1e-6)).all() and (xs <= hi * (1 + 1e-6)).all()


@pytest.mark.parametrize("precision", ["accurate", "fast"])
def test_sampler_precision_argument(precision):
    """Sampler.sample(precision=...) runs that kernel mode: same Philox u, within its bound of torch."""
    s = zoo.load("bessel-test")
    pt = heldout_grid(s.card, 2)[0]
    x = s.sample(65_536, seed=5, device="cuda", dtype=torch.float64, precision=precision, **pt).cpu().numpy()
    xt = s.sample(65_536, seed=5, device="cuda", backend="torch", dtype=torch.float64, **pt).cpu().numpy()
    assert emulate.cdf_gap(s.target, x[:, None], xt[:, None], pt) <= emulate.bound(precision)


def test_chained_model_on_gpu():
    s = zoo.load("gaussian-2d")
    x = s.sample(100_000, seed=3, device="cuda")
    assert x.shape == (100_000, 2) and ((x >= 0) & (x <= 1)).all()
    assert abs(float(x.mean()) - 0.5) < 0.01
