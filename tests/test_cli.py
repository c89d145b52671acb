"""The `zoo` command line."""
import json

import numpy as np

from zoo.cli import main


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("ic-isotropic", "bessel-test", "gaussian-2d"):
        assert name in out


def test_info_prints_the_card(capsys):
    assert main(["info", "bessel-test", "--json"]) == 0
    text = capsys.readouterr().out
    card = json.loads(text[text.index("{"):])
    assert card["name"] == "bessel-test"


def test_sample_writes_npy(tmp_path):
    out = tmp_path / "eps.npy"
    assert main(["sample", "ic-isotropic", "-n", "1000", "--param", "gamma=1e5", "--param", "eps0=3e-5",
                 "--seed", "3", "--out", str(out)]) == 0
    x = np.load(out)
    assert x.shape == (1000,) and x.dtype == np.float64
    assert x.min() >= 3e-5


def test_sample_bad_parameter_is_a_clear_error(capsys):
    assert main(["sample", "ic-isotropic", "-n", "10", "--param", "gamma=1e12", "--param", "eps0=1e-5"]) == 2
    assert "gamma" in capsys.readouterr().err
    assert main(["sample", "ic-isotropic", "-n", "10", "--param", "gamma"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err


def test_validate_with_plot_and_write_card(tmp_path, capsys):
    import shutil

    from zoo.registry import bundled_registry_dir

    folder = tmp_path / "b"
    shutil.copytree(bundled_registry_dir() / "bessel-test", folder)
    png = tmp_path / "b.png"
    assert main(["validate", str(folder), "--points", "2", "--u-grid", "512", "--js-bins", "50",
                 "--plot", str(png), "--write-card"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n_points"] == 2 and metrics["u_grid"] == 512
    assert png.stat().st_size > 10_000
    card = json.loads((folder / "card.json").read_text())
    assert card["metrics"]["u_grid"] == 512


def test_schema(capsys):
    assert main(["schema"]) == 0
    assert "ModelCard" in capsys.readouterr().out


def test_readme_table_matches_the_cards():
    from pathlib import Path

    from zoo.cli import models_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert models_table() in readme, "README's model table is stale: run `zoo list --markdown`"
    from zoo.describe import surrogates_table

    assert surrogates_table() in readme, "README's surrogate table is stale: run `zoo list --markdown`"


def test_readme_python_examples_run_as_written(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        namespace: dict = {}
        exec(compile(code, "README.md", "exec"), namespace)
        assert "s" in namespace and namespace["s"].card.name == "ic-isotropic"
