"""Build small, untrained but complete model folders for tests (no training needed).

    from model_factory import build_test_model
    model = build_test_model(tmp_path / "m", source={"repo_id": "org/m"}, bundle_weights=False)
    model.card, model.folder, model.weights   # card.json written; weights bytes kept in memory

The model samples the ``bessel-test`` target with one parameter ``theta`` on
[0, pi] through a single tanh MLP (2 inputs, hidden [8]); its weights are a
seeded random initialisation saved with ``zoo.weights.save``, so the card's
sha256 and parameter count are the real ones.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

import torch

from zoo import weights as zoo_weights
from zoo.card import (CARD_FILENAME, Architecture, HubSource, ModelCard, OutputTransform, ParameterCard,
                      SubnetCard, TargetCard, TrainingCard, VariableCard, WeightsCard)
from zoo.samplers.nets import build_network

__all__ = ["BuiltModel", "build_test_model", "make_card"]


@dataclass(frozen=True)
class BuiltModel:
    card: ModelCard
    folder: Path
    weights: bytes                       # the safetensors file's bytes (what the card's sha256 is of)
    state_dict: dict[str, torch.Tensor]  # the tensors those bytes hold

    @property
    def weights_file(self) -> str:
        return self.card.weights.file


def _architecture(hidden: Sequence[int]) -> Architecture:
    return Architecture(kind="mlp", subnets=[SubnetCard(
        n_inputs=2, hidden=list(hidden), activation="tanh",
        output_transform=OutputTransform(squash="sigmoid", coordinate="linear"))])


def make_card(*, name: str, sha256: str, parameter_count: int, seed: int = 0, hidden: Sequence[int] = (8,),
              source: Optional[Mapping[str, str] | HubSource] = None) -> ModelCard:
    """A valid card for the bessel-test toy model (weights fields as given)."""
    if source is not None and not isinstance(source, HubSource):
        source = HubSource(**source)
    return ModelCard(
        schema_version=1,
        name=name,
        version="0.0.1",
        summary="untrained bessel-test model built by tests/model_factory.py",
        target=TargetCard(
            id="bessel-test",
            variables=[VariableCard(name="x", unit="1")],
            parameters=[ParameterCard(name="theta", unit="rad", domain=(0.0, math.pi),
                                      input_transform="identity")]),
        architecture=_architecture(hidden),
        weights=WeightsCard(file=f"{name}.safetensors", sha256=sha256, parameter_count=parameter_count,
                            dtype="float32"),
        training=TrainingCard(recipe="tests/model_factory.py (untrained)", seed=seed, loss="none", steps=0,
                              batch_size=1, final_loss=0.0, parameter_grid={"theta": 2}, hardware="cpu",
                              wall_time_s=0.0, torch_version=torch.__version__),
        source=source,
        license="MIT",
        citation="test fixture",
    )


def build_test_model(folder: str | Path, *, name: str = "bessel-hub-test", seed: int = 0,
                     hidden: Sequence[int] = (8,), source: Optional[Mapping[str, str] | HubSource] = None,
                     bundle_weights: bool = True) -> BuiltModel:
    """Write ``card.json`` (and, if ``bundle_weights``, ``<name>.safetensors``) into ``folder``.

    The weights are always returned as bytes, so a test can publish them elsewhere
    (e.g. on a test Hub) when the folder is to hold the card only.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arch = _architecture(hidden)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        state = {k: v.detach().clone() for k, v in build_network(arch).state_dict().items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.safetensors"
        sha256, count = zoo_weights.save(state, path)
        data = path.read_bytes()
    card = make_card(name=name, sha256=sha256, parameter_count=count, seed=seed, hidden=hidden, source=source)
    card.write(folder / CARD_FILENAME)
    if bundle_weights:
        (folder / card.weights.file).write_bytes(data)
    return BuiltModel(card=card, folder=folder, weights=data, state_dict=state)
