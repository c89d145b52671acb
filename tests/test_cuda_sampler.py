"""Sampler.sample backend selection, seed handling and compile_kernel on a machine without a GPU."""
import pytest
import torch

import zoo
from zoo.cli import main


def test_default_backend_is_torch_on_cpu():
    s = zoo.load("bessel-test")
    x = s.sample(100, theta=1.0)
    assert x.shape == (100,) and x.dtype == torch.float64   # the card's sample_dtype
    assert s._backend(None, torch.device("cpu")) == "torch"


def test_backend_errors():
    s = zoo.load("bessel-test")
    with pytest.raises(ValueError, match="backend must be"):
        s.sample(10, theta=1.0, backend="triton")
    with pytest.raises(ValueError, match="CUDA device"):
        s.sample(10, theta=1.0, backend="cuda")
    with pytest.raises(ValueError, match="seed"):
        s.sample(10, theta=1.0, seed=1, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="trained domain"):   # checks still run first
        s.sample(10, theta=7.0, seed=1)
    with pytest.raises(ValueError, match="precision must be"):
        s.sample(10, theta=1.0, precision="medium")


def test_seeded_torch_path_is_reproducible_and_generator_path_unchanged():
    s = zoo.load("ic-isotropic")
    a = s.sample(500, seed=11, gamma=1e5, eps0=1e-5)
    assert torch.equal(a, s.sample(500, seed=11, gamma=1e5, eps0=1e-5))
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    assert torch.equal(s.sample(500, generator=g1, gamma=1e5, eps0=1e-5),
                       s.sample(500, generator=g2, gamma=1e5, eps0=1e-5))


def test_compile_kernel_without_gpu(tmp_path, monkeypatch):
    monkeypatch.setenv("RADZOO_CACHE", str(tmp_path))
    s = zoo.load("gaussian-2d")
    cubin = s.compile_kernel("sm_90")
    assert cubin[:4] == b"\x7fELF"
    assert "radzoo_sample" in s.kernel_source() and "rz_subnet_1" in s.kernel_source()
    assert s.compile_kernel("sm_90") == cubin and len(list(tmp_path.glob("*.cubin"))) == 1


def test_bench_cli_without_gpu_says_so(capsys):
    assert main(["bench", "bessel-test"]) == 2
    assert "no CUDA GPU" in capsys.readouterr().err


def test_bench_static_without_gpu(capsys):
    assert main(["bench", "bessel-test", "--static", "--arch", "sm_80"]) == 0
    out = capsys.readouterr().out
    assert "no throughput" in out and "accurate" in out and "fast" in out and "3xf16/exact" in out


def test_bench_record_writes_sidecar(tmp_path):
    from zoo.cuda.cli import record_benchmark

    (tmp_path / "card.json").write_text("{}")
    rec = {"gpu": "Test GPU", "samples_per_s": {"kernel_broadcast": 1.0e9}, "n": 10}
    path = record_benchmark(tmp_path, rec)
    assert path.name == "benchmarks.json"
    import json
    assert json.loads(path.read_text())["Test GPU"]["samples_per_s"]["kernel_broadcast"] == 1.0e9


@pytest.mark.parametrize("name", ["ic-isotropic", "bessel-test"])
def test_bench_table_baseline_is_a_correct_sampler(name):
    """The table baseline of the benchmark samples the exact target (checked on the CPU)."""
    from scipy import stats

    from zoo.cuda import bench

    s = zoo.load(name)
    params = bench.default_params(s)
    torch.manual_seed(0)
    x = bench.table_sampler(s, params, torch.device("cpu"))(200_000).double().numpy()
    c = s.target.cdf(x, **params)
    assert stats.kstest(c, "uniform").statistic < 0.01


def test_bench_times_every_kernel_mode():
    """zoo bench / benchmarks/throughput.py time the default mode and every other emulated mode."""
    from zoo.cuda import bench, codegen, emulate

    modes = bench.kernel_modes(zoo.load("ic-isotropic"))       # a tanh model: every mode
    assert modes[0] == ("", {})                                # kernel_broadcast = the default mode
    opts = [codegen.KernelOptions(**m) for _, m in modes]
    assert sorted((o.mma, o.tanh) for o in opts) == sorted(emulate.MODES)
    assert ("_f16_f16x2", {"mma": "f16", "tanh": "f16x2"}) in modes   # precision="fast"


def test_bench_report_ratios():
    from zoo.cuda import bench

    text = bench.report({"gpu": "G", "n": 8, "params": {}, "samples_per_s": {"kernel_broadcast": 1e11,
                                                                              "torch_fp32_eager": 1e9}})
    assert "G" in text and "100.00" in text and "1.00" in text


def test_available_is_false_not_an_error_when_the_driver_is_missing(monkeypatch):
    """torch claiming a GPU while cuInit cannot load the driver (this machine) -> False, torch backend."""
    from zoo import cuda

    try:
        from cuda.bindings import driver
        (err,) = driver.cuInit(0)
        driver_ok = err == driver.CUresult.CUDA_SUCCESS
    except Exception:  # noqa: BLE001
        driver_ok = False
    if driver_ok:
        pytest.skip("a CUDA driver is installed here")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert cuda.available() is False
    assert zoo.load("bessel-test")._backend(None, torch.device("cuda")) == "torch"
