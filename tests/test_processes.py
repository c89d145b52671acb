"""Processes are packages (issue 9): the bundled ones are found in zoo/processes/, and a
third-party distribution adds one through the ``radzoo.processes`` entry-point group without
editing radzoo: its card loads, samples, validates and compiles to a kernel."""
from __future__ import annotations

import importlib
import sys
import textwrap

import numpy as np
import pytest
import torch

import zoo
from zoo import targets
from zoo.cuda import codegen
from zoo.samplers.model import InverseCDFModel
from zoo.samplers.training import base_card, write_model
from zoo.samplers.validation import validate

TOY = textwrap.dedent('''
    """An out-of-tree process: x in [0, 1] with density (a + 1) x^a, parameter a in [0.5, 3]."""
    import numpy as np
    import torch

    from zoo.targets.base import LINEAR, UNIT_SUPPORT, ParameterSpec, Target, VariableSpec


    class PowerLaw(Target):
        id = "toy-power"
        parameters = (ParameterSpec("a", "1", "index", (0.5, 3.0)),)
        variables = (VariableSpec("x", "1", "on [0, 1]"),)
        kernel_support = UNIT_SUPPORT
        kernel_coordinates = {"linear": LINEAR}

        def component_support(self, k, prev, params):
            a = np.asarray(params["a"], dtype=np.float64)
            return np.zeros_like(a), np.ones_like(a)

        def component_pdf(self, k, x, prev, params):
            a = np.asarray(params["a"], dtype=np.float64)
            x = np.asarray(x, dtype=np.float64)
            return np.where((x >= 0) & (x <= 1), (a + 1) * np.clip(x, 0, 1) ** a, 0.0)

        def component_cdf(self, k, x, prev, params):
            a = np.asarray(params["a"], dtype=np.float64)
            return np.clip(np.asarray(x, dtype=np.float64), 0, 1) ** (a + 1)


    TARGETS = (PowerLaw(),)
''')


def put_distribution(where, monkeypatch, name: str, entry_point: str) -> None:
    """A distribution's metadata on sys.path (not installed) declaring one radzoo.processes entry
    point, as a pip install leaves it."""
    dist = where / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[radzoo.processes]\n{entry_point}\n")
    monkeypatch.syspath_prepend(str(where))
    importlib.invalidate_caches()


@pytest.fixture
def toy_distribution(tmp_path, monkeypatch):
    (tmp_path / "radzoo_toyproc").mkdir()
    (tmp_path / "radzoo_toyproc" / "__init__.py").write_text(TOY)
    put_distribution(tmp_path, monkeypatch, "radzoo_toyproc", "toy = radzoo_toyproc")
    yield tmp_path
    targets.unregister_target("toy-power")
    sys.modules.pop("radzoo_toyproc", None)
    targets.discover(force=True)


def test_bundled_processes_are_packages_declaring_their_targets():
    import pkgutil

    from zoo import processes

    names = sorted(m.name for m in pkgutil.iter_modules(processes.__path__) if m.ispkg)
    assert {"bessel_test", "csr_wake", "gaussian_2d", "inverse_compton", "klein_nishina"} <= set(names)
    modules = [importlib.import_module(f"zoo.processes.{n}") for n in names]
    assert all(isinstance(m.TARGETS, tuple) for m in modules)      # every package declares them (maybe none)
    ids = {t.id for m in modules for t in m.TARGETS}
    assert {"bessel-test", "gaussian-2d", "inverse-compton-isotropic", "inverse-compton-head-on",
            "inverse-compton-isotropic-2d", "klein-nishina", "klein-nishina-polarized"} <= ids
    assert ids <= set(targets.target_ids())


def test_an_out_of_tree_process_loads_samples_validates_and_compiles(toy_distribution, tmp_path):
    with pytest.raises(ValueError, match="unknown target 'toy-power'"):
        targets.get_target("toy-power")
    targets.discover(force=True)
    assert targets.get_target("toy-power").id == "toy-power"
    card = base_card(name="toy-power", summary="out-of-tree test", target_id="toy-power",
                     parameters=[{"name": "a", "domain": (0.5, 3.0), "input_transform": "identity"}],
                     hidden=[16, 16], activation="tanh", output_transform={"squash": "sigmoid", "coordinate": "linear"},
                     recipe="tests/test_processes.py", seed=0, steps=0, batch_size=1, parameter_grid={"a": 4})
    torch.manual_seed(0)
    model = InverseCDFModel(card)
    card = write_model(model, tmp_path / "model", validation_kwargs=dict(n_points=2, u_grid=256, js_bins=20))
    s = zoo.load(tmp_path / "model")
    assert s.card.metrics is not None and s.card.metrics.n_points == 2
    x = s.sample(1000, a=2.0, generator=torch.Generator().manual_seed(0))
    assert bool(((x >= 0) & (x <= 1)).all())
    m = validate(s.model, n_points=2, u_grid=256, js_bins=20)
    assert m.ks_max == pytest.approx(s.card.metrics.ks_max, rel=1e-9)
    src = codegen.generate(s.card)
    assert "rz_support_unit(0, p, nullptr, &m[0])" in src
    from zoo import cuda

    if cuda.nvrtc_available():
        from zoo.cuda import nvrtc

        assert nvrtc.compile_source(src, "sm_80", kind="ptx", use_cache=False).count(b".entry radzoo_sample") == 1


def test_a_broken_entry_point_warns_and_the_rest_still_works(tmp_path, monkeypatch):
    put_distribution(tmp_path, monkeypatch, "radzoo_broken", "broken = no_such_module_xyz")
    with pytest.warns(RuntimeWarning, match="broken"):
        targets.discover(force=True)
    assert "inverse-compton-isotropic" in targets.target_ids()
    assert np.isfinite(zoo.load("bessel-test").sample(10, theta=1.0).numpy()).all()


def test_register_target_refuses_another_target_under_a_known_id():
    from zoo.processes.bessel_test import BesselTest

    class Impostor(BesselTest):
        pass

    with pytest.raises(ValueError, match="already registered"):
        targets.register_target(Impostor())
