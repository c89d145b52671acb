"""Restructurings must not change what a model computes (issue 9).

tests/data/pinned_outputs.json records, for every bundled model (identified by its weights'
sha256), 16 (u, x) pairs of the float64 evaluation of the map (network, transforms, coordinate,
support), made before the process/transform restructuring of issue 9 and checked bit-identical
against the pre-restructuring code on the recording machine (ppf, seeded sample, kernel
emulation and the PTX of every kernel). The float64 map is machine-independent to rounding
(~1e-16, amplified at most ~1e3 by the IC coordinate), so it is compared at 1e-12 relative;
the float32 Sampler path at 1e-5 (float32 rounding of the network output, amplified by the
coordinate: measured <= 9.4e-7).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import zoo
from zoo.samplers.model import InverseCDFModel

PINNED = json.loads((Path(__file__).parent / "data" / "pinned_outputs.json").read_text())


def _map64(s, rec) -> np.ndarray:
    """The float64 evaluation of the map at the record's u and parameters."""
    model = InverseCDFModel(s.card, s.target)
    model.net.load_state_dict(s.model.net.state_dict())
    model = model.double()
    tp = {k: torch.tensor(v, dtype=torch.float64) for k, v in rec["params"].items()}
    with torch.no_grad():
        return model(torch.from_numpy(np.array(rec["u"])), tp)[0].numpy()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_the_map_is_what_it_was(name):
    rec = PINNED[name]
    s = zoo.load(name)
    if s.card.weights.sha256 != rec["weights_sha256"]:
        pytest.skip(f"{name} has new weights; re-record tests/data/pinned_outputs.json")
    u = np.array(rec["u"])
    want = np.array(rec["x"])
    got64 = _map64(s, rec)
    np.testing.assert_allclose(got64, want, rtol=1e-12, atol=0)
    got32 = s.ppf(torch.from_numpy(u if s.dim > 1 else u[:, 0]), dtype=torch.float64, **rec["params"]).numpy()
    np.testing.assert_allclose(got32.reshape(want.shape), want, rtol=1e-5, atol=0)


def record(names) -> None:
    """Re-record the pinned (u, x) pairs of the given models after a retraining, or record a new
    model's: ``python tests/test_pinned_outputs.py ic-isotropic bessel-test`` (then review the diff)."""
    path = Path(__file__).parent / "data" / "pinned_outputs.json"
    data = json.loads(path.read_text())
    for name in names:
        s = zoo.load(name)
        if name not in data:  # a new model: 16 seeded u rows (two deep in the tails) at its reference point
            rng = np.random.default_rng(0)
            u = rng.random((16, s.dim))
            u[0], u[1] = 1e-7, 1 - 1e-7
            point = s.target.reference_point or {p.name: float(np.sqrt(np.prod(p.domain))) if p.domain[0] > 0
                                                 else float(np.mean(p.domain)) for p in s.card.target.parameters}
            data[name] = {"params": {k: float(v) for k, v in point.items()}, "u": u.tolist()}
        rec = data[name]
        x = _map64(s, rec)
        data[name] = {**rec, "weights_sha256": s.card.weights.sha256, "x": x.tolist()}
    path.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    import sys

    record(sys.argv[1:])
