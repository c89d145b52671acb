"""Issue 23, the second hardening: one test (or family) per defect class of the second fuzzing
campaign; each failed on main before the fix (card text into code: tests/test_sourcetext.py).
"""
from __future__ import annotations

import json
import sys
import warnings

import numpy as np
import pytest
import torch

import zoo
from zoo.cli import main
from zoo.export import export


from test_hardening import bessel, copy_model  # noqa: E402,F401 - the first hardening's fixture and helper
from test_processes import put_distribution  # noqa: E402


# -- 1.2 files are never written through a planted link -----------------------------------------
@pytest.mark.parametrize("planted", ["radzoo_bessel_test.h.tmp", "radzoo_bessel_test.h"])
def test_export_never_writes_through_a_planted_link(bessel, tmp_path, planted):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / planted).symlink_to(victim)
    (header,) = export(bessel, "c", out)
    assert victim.read_text() == "precious\n"                        # the link's target is untouched
    assert header.is_file() and not header.is_symlink() and "radzoo_bessel_test_ppf" in header.read_text()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]  # no leftovers


def test_sample_out_never_writes_through_a_planted_link(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "x.npy"
    out.symlink_to(victim)
    (tmp_path / "x.npy.tmp.npy").symlink_to(victim)
    assert main(["sample", "bessel-test", "-n", "10", "--param", "theta=1", "--out", str(out)]) == 0
    assert victim.read_text() == "precious\n" and np.load(out).shape == (10,)


def test_export_out_naming_a_file_or_too_long_is_a_clear_error(tmp_path, capsys):
    f = tmp_path / "a_file"
    f.write_text("x")
    with pytest.raises(ValueError, match="out .* is an existing file; it must name a folder"):
        export("bessel-test", "c", f)
    assert main(["export", "bessel-test", "--lang", "c", "--out", str(f)]) == 2
    assert "existing file" in capsys.readouterr().err
    long = tmp_path / ("d" * 300)
    with pytest.raises(ValueError, match="too long for the filesystem"):
        export("bessel-test", "c", long)
    assert main(["export", "bessel-test", "--lang", "c", "--out", str(long)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out") and "Traceback" not in err
    assert f.read_text() == "x"


def test_sample_out_too_long_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / ("x" * 300 + ".npy")
    assert main(["sample", "bessel-test", "-n", "10", "--param", "theta=1", "--out", str(out)]) == 2
    assert "too long for the filesystem" in capsys.readouterr().err


# -- 1.6 deep JSON: a ValueError naming the file on every parse path ------------------------------
@pytest.mark.parametrize("depth", [40, 1000, 100000])
def test_deeply_nested_cards_are_value_errors_naming_the_file(tmp_path, depth):
    from zoo.card import parse_card_json, read_card

    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "card.json").write_text('{"kind": ' * depth + '"sampler"' + "}" * depth)
    for call in (lambda: read_card(folder / "card.json"), lambda: zoo.load(folder)):
        with pytest.raises(ValueError, match=r"card.json.*nested too deeply"):
            call()
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_card_json((folder / "card.json").read_text())
    assert main(["info", str(folder)]) == 2


# -- 1.4 one plug-in cannot break the zoo ---------------------------------------------------------
PLUGINS = {
    "reuses_bundled": ("from zoo.processes.bessel_test import BesselTest\n"
                       "class Impostor(BesselTest):\n    pass\nTARGETS = (Impostor(),)\n",
                       "target id 'bessel-test' is a bundled process"),
    "empty_id": ("from zoo.processes.bessel_test import BesselTest\n"
                 "class Empty(BesselTest):\n    id = ''\nTARGETS = (Empty(),)\n", "empty id"),
    "exits": ("raise SystemExit(3)\n", "SystemExit"),
    "interrupts": ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    "not_a_target": ("TARGETS = (42,)\n", "is not a Target"),
}


@pytest.mark.parametrize("kind", sorted(PLUGINS))
def test_a_broken_plugin_is_skipped_with_a_warning_naming_it(kind, tmp_path, monkeypatch, capsys):
    import importlib

    from zoo import targets

    src, match = PLUGINS[kind]
    mod = f"radzoo_bad_{kind}"
    (tmp_path / f"{mod}.py").write_text(src)
    put_distribution(tmp_path, monkeypatch, mod, f"bad = {mod}")
    try:
        dist = mod.replace("_", "-")
        with pytest.warns(RuntimeWarning,
                          match=rf"plug-in entry point 'bad' \({mod}\) of distribution '{dist}'.*{match}"):
            targets.discover(force=True)
        # every bundled model still loads and samples, through the API and the CLI
        for name in zoo.list(kind="sampler"):
            zoo.load(name)
        assert type(targets.get_target("bessel-test")).__name__ == "BesselTest"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert main(["sample", "bessel-test", "-n", "3", "--param", "theta=1"]) == 0
    finally:
        sys.modules.pop(mod, None)
        monkeypatch.undo()
        importlib.invalidate_caches()
        targets.discover(force=True)


# -- 1.5 surrogates are bounded like samplers ------------------------------------------------------
def test_surrogate_batches_that_cannot_fit_are_refused_before_any_work(monkeypatch):
    import zoo.surrogates.model as S

    g = zoo.load("csr-wake-gaussian")
    calls = []
    monkeypatch.setattr(S.Surrogate, "_run", lambda self, *a: calls.append(a) or (_ for _ in ()).throw(AssertionError))
    sig = np.full(10**6, 5e-6)                      # 10^6 triples: 393 GB of float32 fields
    with pytest.raises(ValueError, match=r"predict at most \d+ inputs per call"):
        g.predict(sigma_s=sig, sigma_x=sig, sigma_y=sig)
    with pytest.raises(ValueError, match=r"mc_samples=1000 is 2000 network passes|predict at most 100 inputs"):
        g.predict(sigma_s=sig[:200], sigma_x=5e-6, sigma_y=5e-6, mc_samples=1000)
    with pytest.raises(ValueError, match="mc_samples = 10000 is more than the 1000 allowed"):
        g.predict(sigma_s=5e-6, sigma_x=5e-6, sigma_y=5e-6, mc_samples=10000)
    d = zoo.load("csr-wake-density")
    lam = np.broadcast_to(np.ones(d.shape, dtype=np.float32), (20000, *d.shape))   # a 20,000-density view
    monkeypatch.setattr("zoo.samplers.sampler.memory_of", lambda dev: 2 << 30)               # a 2 GiB machine
    with pytest.raises(ValueError, match=r"needs 7.32 GiB .* predict at most 5461 inputs per call"):
        d.predict(density=lam)
    assert calls == []                               # refused before any network pass


def test_surrogate_predict_returns_its_grid_axes():
    g = zoo.load("csr-wake-gaussian")
    w = g.predict(sigma_s=5e-6, sigma_x=5e-6, sigma_y=5e-6)
    assert set(w) == {"Ws", "Wx", "Wy"} and set(w.coords) == {"s", "x", "y"}   # still a dict of the fields
    assert w.units == {"Ws": "1/m^2", "Wx": "1/m^2", "Wy": "1/m^2"}
    for k, axis in enumerate(g.card.output.axes):
        c = w.coords[axis.name]
        assert c.shape == (w["Ws"].shape[k],) and c[0] == axis.extent[0] and c[-1] == axis.extent[1]


# -- 1.8 smaller ones ----------------------------------------------------------------------------
def _edited(tmp_path, name, edit):
    folder = copy_model(tmp_path, name)
    obj = json.loads((folder / "card.json").read_text())
    obj["metrics"] = None
    edit(obj)
    (folder / "card.json").write_text(json.dumps(obj))
    return folder


def test_a_float32_sample_dtype_for_a_float64_target_is_refused(tmp_path):
    folder = _edited(tmp_path, "ic-isotropic", lambda o: o["target"].__setitem__("sample_dtype", "float32"))
    with pytest.raises(ValueError, match="sample_dtype float32 is too narrow for target 'inverse-compton-isotropic'"):
        zoo.load(folder)


def test_earlier_extra_inputs_on_the_first_subnet_are_refused(tmp_path):
    def edit(o):
        sub = o["architecture"]["subnets"][0]
        sub["earlier_extra_inputs"] = ["log_tail"]
    folder = _edited(tmp_path, "ic-isotropic-2d", edit)
    with pytest.raises(ValueError, match=r"subnets\[0\] has no earlier output"):
        zoo.load(folder)


def test_a_second_cpu_device_is_refused(bessel):
    for dev in ("cpu:1", "cpu:7"):
        with pytest.raises(ValueError, match="one CPU device"):
            bessel.sample(4, theta=1.0, device=dev)
    assert bessel.sample(4, theta=1.0, device="cpu:0").shape == (4,)


def test_an_over_long_weights_file_name_is_a_card_error(tmp_path):
    folder = _edited(tmp_path, "bessel-test", lambda o: o["weights"].__setitem__("file", "w" * 300 + ".safetensors"))
    with pytest.raises(ValueError, match=r"invalid model card .*weights.file"):
        zoo.load(folder)


# -- 1.7 exact mode at tiny u: monotone, inside the support, and a warning ---------------------------
@pytest.mark.parametrize("name,params", [("synchrotron", {}), ("quantum-synchrotron", {"chi": 1.0})])
def test_exact_mode_below_the_float64_floor_is_monotone_and_warns(name, params):
    from zoo.samplers.sampler import ExactModeWarning

    s = zoo.load(name)
    u = torch.tensor(np.logspace(-320, -20, 301), dtype=torch.float64)
    u[0] = 5e-324
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = s.ppf(u, exact=True, **params).numpy()
    assert np.all(np.diff(x) >= 0), "exact mode must be monotone in u"
    assert np.all(x >= 0) and np.all(
        x <= float(s.target.component_support(0, None, {k: np.float64(v) for k, v in params.items()})[1]))
    tiny = np.finfo(np.float64).tiny
    assert np.all((x == 0) | (x >= tiny)), "no subnormal samples"
    assert any(issubclass(w.category, ExactModeWarning) and "cannot be met in float64" in str(w.message)
               for w in caught)
    assert s.last_refinement["floored"] == int(np.sum(x == 0)) > 0
    # above the floor the claim holds: |C(x)/u - 1| <= 1e-12 (or the nearest float64)
    C = s.target.cdf(x, **params) if params else s.target.cdf(x)
    big = x > 0
    assert np.max(np.abs(C[big] / u.numpy()[big] - 1)) <= 1e-11


# -- 3. what a new user tripped over -------------------------------------------------------------
@pytest.mark.parametrize("argv", [["--help"], ["schema"], ["info", "ic-isotropic"], ["info", "csr-wake-density"],
                                  ["list"], ["list", "ic-*"]])
def test_light_commands_do_not_import_torch(argv):
    """`zoo --help`, `schema`, `info`, `list`: no torch (7-12 s of start-up on a cold disk)."""
    import subprocess

    code = ("import sys, zoo.cli\n"
            "try:\n    zoo.cli.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    assert out.stderr.strip().endswith("NO-TORCH"), out.stderr[-2000:]


def test_zoo_list_takes_a_glob(capsys):
    assert main(["list", "ic-*"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == zoo.list("ic-*") and len(names) >= 3
    assert main(["list", "no-such-*"]) == 2
    assert "no bundled model matches" in capsys.readouterr().err


def test_ppf_takes_a_scalar_u(bessel):
    x = bessel.ppf(0.5, theta=1.0)
    assert x.dim() == 0
    assert float(x) == float(bessel.ppf(torch.tensor([0.5], dtype=torch.float64), theta=1.0)[0])
    with pytest.raises(TypeError, match="u must be"):
        bessel.ppf(True, theta=1.0)


def test_long_work_shows_a_progress_line(bessel, monkeypatch, capsys):
    import zoo.progress as P

    monkeypatch.setenv("RADZOO_PROGRESS", "1")
    monkeypatch.setattr(P, "DELAY_S", 0.0)
    bessel.ppf(torch.rand(300000, dtype=torch.float64), theta=1.0)
    assert "bessel-test" in capsys.readouterr().err
    monkeypatch.setenv("RADZOO_PROGRESS", "0")
    bessel.ppf(torch.rand(300000, dtype=torch.float64), theta=1.0)
    assert capsys.readouterr().err == ""
