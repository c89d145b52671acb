"""Finding models: one resolution order, used by ``zoo.load`` and the CLI.

1. ``name_or_dir`` is a folder holding ``card.json``: that folder.
2. Otherwise a bundled model of that name (``registry/<name>/`` shipped in the wheel).

Weights are read from the model's folder when present; otherwise, when the card
has a Hugging Face ``source``, from the Hub (through its cache). Either way the
sha256 on the card is checked before any weight is used.
"""
from __future__ import annotations

from pathlib import Path

import torch

from . import hub
from .card import CARD_FILENAME, ModelCard
from .weights import WeightsError, load_checked

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_registry_dir() -> Path:
    """The registry folder: inside the installed package, or at the repository root."""
    for candidate in (_PACKAGE_DIR / "_registry", _PACKAGE_DIR.parent / "registry"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled registry is missing from this installation of radzoo")


def list_models() -> list[str]:
    """Names of the bundled models."""
    root = bundled_registry_dir()
    return sorted(p.parent.name for p in root.glob(f"*/{CARD_FILENAME}"))


def resolve(name_or_dir: str | Path) -> tuple[ModelCard, Path]:
    """(card, folder) for a model name or a folder; ValueError if neither exists."""
    as_path = Path(name_or_dir).expanduser()
    if (as_path / CARD_FILENAME).is_file():
        folder = as_path.resolve()
    else:
        folder = bundled_registry_dir() / str(name_or_dir)
        if not (folder / CARD_FILENAME).is_file():
            known = ", ".join(list_models()) or "none"
            raise ValueError(f"no model {str(name_or_dir)!r}: not a folder with a {CARD_FILENAME} and "
                             f"not a bundled model (bundled: {known})")
    card = ModelCard.read(folder / CARD_FILENAME)
    if folder.name != card.name and folder.parent == bundled_registry_dir():
        raise ValueError(f"bundled folder {folder.name!r} holds a card named {card.name!r}")
    return card, folder


def load_weights(card: ModelCard, folder: Path, revision: str | None = None) -> dict[str, torch.Tensor]:
    """Checked weight tensors of a card: from its folder, else from the Hub."""
    local = folder / card.weights.file
    if local.is_file() and revision is None:
        return load_checked(local, card.weights, card.architecture)
    fetched = hub.fetch_weights(card, revision=revision)
    try:
        return load_checked(fetched, card.weights, card.architecture)
    except WeightsError:
        hub.evict(fetched)  # never leave a bad file in the cache to be served again
        raise
