"""The Sampler API on the bundled models: shapes, supports, monotone ppf, bad input."""
import shutil

import numpy as np
import pytest
import torch

import zoo
from zoo.registry import bundled_registry_dir
from zoo.samplers.validation import heldout_grid
from zoo.weights import WeightsError

MODELS = zoo.list(kind="sampler")


@pytest.fixture(scope="module")
def samplers():
    return {name: zoo.load(name) for name in MODELS}


def test_list_has_the_seed_models():
    assert {"ic-isotropic", "bessel-test", "gaussian-2d"} <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_samples_inside_support_with_right_shape(samplers, name):
    s = samplers[name]
    assert s.path.is_dir() and (s.path / "card.json").is_file()
    gen = torch.Generator().manual_seed(1)
    for params in heldout_grid(s.card, 3):
        x = s.sample(5000, generator=gen, dtype=torch.float64, **params)
        assert x.shape == ((5000,) if s.dim == 1 else (5000, s.dim))
        assert torch.isfinite(x).all()
        xs = x.numpy().reshape(5000, s.dim)
        p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        for k in range(s.dim):   # each component inside its (conditional) support
            lo, hi = s.target.component_support(k, xs[:, :k] if k else None, p)
            assert np.all(xs[:, k] >= lo) and np.all(xs[:, k] <= hi), k


@pytest.mark.parametrize("name", ["ic-isotropic", "bessel-test"])
def test_ppf_is_monotone_in_u(samplers, name):
    s = samplers[name]
    u = torch.linspace(0, 1, 1 << 15, dtype=torch.float64)
    for params in heldout_grid(s.card, 4):
        x = s.ppf(u, dtype=torch.float64, **params)
        assert torch.all(x[1:] >= x[:-1]), params


def test_ppf_matches_exact_quantiles_roughly(samplers):
    # not the accuracy goal (see card metrics), but a wrong transform would be far off
    s = samplers["ic-isotropic"]
    u = np.linspace(0.01, 0.99, 99)
    x = s.ppf(torch.as_tensor(u), dtype=torch.float64, gamma=3e6, eps0=3e-7).numpy()
    assert np.max(np.abs(s.target.cdf(x, gamma=3e6, eps0=3e-7) - u)) < 0.05


def test_per_sample_parameters_match_broadcast(samplers):
    s = samplers["ic-isotropic"]
    u = torch.rand(1000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    gamma = torch.full((1000,), 1e6, dtype=torch.float64)
    gamma[500:] = 1e3
    x = s.ppf(u, gamma=gamma, eps0=1e-6, dtype=torch.float64)
    a = s.ppf(u[:500], gamma=1e6, eps0=1e-6, dtype=torch.float64)
    b = s.ppf(u[500:], gamma=1e3, eps0=1e-6, dtype=torch.float64)
    # the same network on the same inputs; only the float32 GEMM's blocking may differ with batch size
    # (float32 rounding of w, amplified by |ln q_min| ~ 30 in the log-q map)
    torch.testing.assert_close(x, torch.cat([a, b]), rtol=1e-5, atol=0.0)
    assert not torch.allclose(x[:500], x[500:])  # the per-sample gamma really was used


def test_generator_makes_draws_reproducible(samplers):
    s = samplers["bessel-test"]
    a = s.sample(100, generator=torch.Generator().manual_seed(7), theta=1.0)
    b = s.sample(100, generator=torch.Generator().manual_seed(7), theta=1.0)
    c = s.sample(100, generator=torch.Generator().manual_seed(8), theta=1.0)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.dtype == torch.float64  # bessel-test's card (v0.3.0): sample_dtype float64, for its upper tail


def test_two_dimensional_ppf_shape(samplers):
    s = samplers["gaussian-2d"]
    u = torch.rand(10, 2, dtype=torch.float64)
    assert s.ppf(u).shape == (10, 2)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        s.ppf(torch.rand(10))


def test_bad_inputs_raise_clear_errors(samplers):
    s = samplers["ic-isotropic"]
    ok = dict(gamma=1e5, eps0=1e-5)
    with pytest.raises(ValueError, match=r"u must lie in \[0, 1\]"):
        s.ppf(torch.tensor([0.5, 1.5]), **ok)
    with pytest.raises(ValueError, match="u contains NaN"):
        s.ppf(torch.tensor([0.5, float("nan")]), **ok)
    with pytest.raises(ValueError, match=r"'gamma'.*trained domain \[1, 1e\+10\]"):
        s.sample(10, gamma=1e11, eps0=1e-5)
    with pytest.raises(ValueError, match=r"'eps0' contains NaN.*\[1e-20, 0.01\]"):
        s.sample(10, gamma=1e5, eps0=float("nan"))
    with pytest.raises(ValueError, match=r"'eps0' contains NaN"):
        s.sample(10, gamma=1e5, eps0=float("inf"))
    with pytest.raises(ValueError, match="missing parameter"):
        s.sample(10, gamma=1e5)
    with pytest.raises(ValueError, match="unknown parameter"):
        s.sample(10, gamma=1e5, eps0=1e-5, theta=1.0)
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        s.sample(10, gamma=torch.ones(3) * 1e5, eps0=1e-5)
    with pytest.raises(ValueError, match="non-negative integer"):
        s.sample(-1, **ok)
    with pytest.raises(ValueError, match="non-negative integer"):
        s.sample(10.5, **ok)
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        s.ppf(torch.rand(4, 1), **ok)


def test_extrapolation_is_opt_in_and_warns(tmp_path):
    # the bundled ic-isotropic trained on gamma in [1, 1e10]; a copy whose card claims
    # only [1, 1e8] lets us step outside the trained domain but inside the physics one
    from zoo.card import ModelCard

    folder = tmp_path / "narrow"
    shutil.copytree(bundled_registry_dir() / "ic-isotropic", folder)
    card = ModelCard.read(folder / "card.json")
    gamma = card.target.parameters[0].model_copy(update={"domain": (1.0, 1e8)})
    target = card.target.model_copy(update={"parameters": [gamma, *card.target.parameters[1:]]})
    card.model_copy(update={"target": target, "metrics": None}).write(folder / "card.json")
    s = zoo.load(folder)
    with pytest.raises(ValueError, match=r"'gamma'.*trained domain \[1, 1e\+08\].*allow_extrapolation"):
        s.sample(10, gamma=1e9, eps0=1e-6)
    with pytest.warns(zoo.ExtrapolationWarning, match="gamma"):
        x = s.sample(10, gamma=1e9, eps0=1e-6, allow_extrapolation=True, dtype=torch.float64)
    lo, hi = s.target.support(gamma=1e9, eps0=1e-6)
    assert torch.isfinite(x).all() and float(x.min()) >= lo and float(x.max()) <= hi
    # outside the physics domain of the target even extrapolation is refused
    with pytest.raises(ValueError, match=r"'gamma' must lie in \[1, 1e\+10\]"):
        s.sample(10, gamma=2e10, eps0=1e-6, allow_extrapolation=True)


def test_flipped_byte_in_weights_is_refused(tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(bundled_registry_dir() / "ic-isotropic", folder)
    w = folder / "ic-isotropic.safetensors"
    data = bytearray(w.read_bytes())
    data[len(data) // 2] ^= 0x01
    w.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        zoo.load(folder)


def test_shapes_are_checked_against_the_architecture(tmp_path):
    from zoo.card import ModelCard
    from zoo.weights import sha256_file

    folder = tmp_path / "copy"
    shutil.copytree(bundled_registry_dir() / "bessel-test", folder)
    card = ModelCard.read(folder / "card.json")
    sub = card.architecture.subnets[0].model_copy(update={"hidden": [16, 16, 16]})
    arch = card.architecture.model_copy(update={"subnets": [sub]})
    card = card.model_copy(update={"architecture": arch, "metrics": None,
                                   "weights": card.weights.model_copy(
                                       update={"parameter_count": arch.parameter_count})})
    ModelCard.model_validate_json(card.model_dump_json()).write(folder / "card.json")
    assert sha256_file(folder / card.weights.file) == card.weights.sha256  # hash still fine
    with pytest.raises(WeightsError, match="bytes"):  # the file's size alone says it is not this card's
        zoo.load(folder)


def test_pickle_weights_are_never_loaded(tmp_path):
    from zoo.card import WeightsCard

    with pytest.raises(ValueError, match="safetensors"):
        WeightsCard(file="model.pt", sha256="0" * 64, parameter_count=1, dtype="float32")


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ValueError, match="bundled: .*ic-isotropic"):
        zoo.load("no-such-model")
