"""The wheel carries the registry (cards + weights) and the kernels inside the package."""
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_contains_registry_and_kernels(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(REPO)], check=True)
    (wheel,) = tmp_path.glob("radzoo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in ("ic-isotropic", "bessel-test", "gaussian-2d"):
        assert f"zoo/_registry/{model}/card.json" in names
        assert f"zoo/_registry/{model}/{model}.safetensors" in names
    assert any(n.startswith("zoo/_kernels/") for n in names)
    assert "zoo/cli.py" in names and "zoo/processes/inverse_compton/isotropic.py" in names
    assert "zoo/export/cgen.py" in names and "zoo/transform_defs.py" in names
    # the C sources of the supports, coordinates and transforms (read at import time), the export's
    # fixed C, and every recipe
    assert "zoo/targets/coords.h" in names and "zoo/processes/klein_nishina/coords.h" in names
    assert "zoo/transforms.h" in names
    assert {f"zoo/export/c/{f}" for f in ("radzoo_common.h", "radzoo_common.cuh", "radzoo_philox.h",
                                           "radzoo_map_env.h")} <= names
    assert all(f"zoo/_registry/{m}/recipe.toml" in names for m in ("ic-isotropic", "csr-wake-gaussian"))


def test_installed_package_loads_models_from_another_directory(tmp_path):
    code = ("import zoo, torch; s = zoo.load('bessel-test'); x = s.sample(10, theta=1.0); "
            "assert x.shape == (10,); print(zoo.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
