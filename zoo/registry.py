"""Finding models: one resolution rule, used by ``zoo.load`` and the CLI.

Names are names and folders are paths, never one for the other:

* a ``pathlib.Path`` (any ``os.PathLike``), or a string that looks like a path (holds a
  ``/``, or starts with ``.`` or ``~``), is a folder holding ``card.json``;
* ``"hf:org/name"`` or ``"hf:org/name@revision"`` is a Hugging Face Hub repository: its
  ``card.json`` is fetched (into the HF cache; the folder is the cached snapshot), then the
  weights as for any card;
* any other string must be a model name (``[a-z0-9][a-z0-9-]*``, at most 64 characters) and
  names a bundled model (``registry/<name>/`` shipped in the wheel). A name can never reach
  outside the bundled registry.

Weights are read from the model's folder when present; otherwise, when the card
has a Hugging Face ``source``, from the Hub (through its cache). Either way the
sha256 on the card is checked before any weight is used.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import hub
from .card import CARD_FILENAME, AnyCard, HubSource, card_kind, read_card, read_card_text
from .checks import check_name, check_revision, shown
from .weights import WeightsError, load_checked

if TYPE_CHECKING:  # annotations only: importing the registry (``zoo --help``) must not import torch
    import torch

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_registry_dir() -> Path:
    """The registry folder: inside the installed package, or at the repository root."""
    for candidate in (_PACKAGE_DIR / "_registry", _PACKAGE_DIR.parent / "registry"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled registry is missing from this installation of radzoo")


#: prefix of a Hub repository in ``zoo.load`` ("hf:org/name[@revision]")
HF_PREFIX = "hf:"


def bundled_names(kind: str | None = None) -> list[str]:
    """Names of the bundled models (of one card ``kind`` if given)."""
    root = bundled_registry_dir()
    names = sorted(p.parent.name for p in root.glob(f"*/{CARD_FILENAME}"))
    return names if kind is None else [n for n in names if bundled_kind(n) == kind]


def is_path_like(name_or_dir) -> bool:
    """Whether an argument means a folder (see the module docstring)."""
    if isinstance(name_or_dir, os.PathLike):
        return True
    return isinstance(name_or_dir, str) and (
        "/" in name_or_dir or os.sep in name_or_dir or name_or_dir.startswith((".", "~")))


def parse_hub_spec(spec: str) -> tuple[str, str | None]:
    """"hf:org/name[@revision]" -> (repo_id, revision or None); ValueError naming what is wrong."""
    body = spec[len(HF_PREFIX):]
    repo_id, _, revision = body.partition("@")
    try:
        HubSource(repo_id=repo_id)
    except ValueError:
        raise ValueError(f"{shown(spec)} is not a Hub model: write hf:ORG/NAME or hf:ORG/NAME@REVISION") from None
    return repo_id, (check_revision(revision) if revision else None)


def bundled_kind(name: str) -> str:
    """The ``kind`` a bundled model's card declares (read from the JSON, not validated)."""
    return card_kind(read_card_text(bundled_registry_dir() / name / CARD_FILENAME))


def resolve(name_or_dir: str | Path, *, stale_metrics: str = "refuse") -> tuple[AnyCard, Path]:
    """(card, folder) for a model name, a folder path or a Hub repository ("hf:org/name[@rev]");
    ValueError/TypeError naming the problem."""
    if isinstance(name_or_dir, str) and name_or_dir.startswith(HF_PREFIX):
        repo_id, revision = parse_hub_spec(name_or_dir)
        path = hub.fetch_file(repo_id, CARD_FILENAME, revision)
        card = read_card(path, stale_metrics=stale_metrics)
        if revision is not None or card.source is None:
            # the weights come from the repository and revision the card itself came from
            card = _with_source(card, {"repo_id": repo_id, "revision": revision or "main"})
        return card, path.parent
    if is_path_like(name_or_dir):
        try:
            folder = Path(name_or_dir).expanduser()
            found = (folder / CARD_FILENAME).is_file()
            folder = folder.resolve() if found else folder
        except (OSError, ValueError) as err:
            raise ValueError(f"model folder {shown(str(name_or_dir))} cannot be used: "
                             f"{getattr(err, 'strerror', None) or err}") from None
        if not found:
            raise ValueError(f"no model card: folder {shown(str(name_or_dir))} holds no {CARD_FILENAME}")
        registry = None
    else:
        if not isinstance(name_or_dir, str):
            raise TypeError(f"name_or_dir must be a model name (str) or a folder (pathlib.Path), "
                            f"got {type(name_or_dir).__name__}")
        known = ", ".join(bundled_names()) or "none"
        try:
            check_name(name_or_dir, "model name")
        except ValueError as err:
            raise ValueError(f"{err}; bundled: {known}") from None
        registry = bundled_registry_dir().resolve()
        folder = registry / name_or_dir
        if not (folder / CARD_FILENAME).is_file() or folder.resolve().parent != registry:
            raise ValueError(f"no bundled model {name_or_dir!r} (bundled: {known}); "
                             f"for a folder, pass a path such as ./{name_or_dir}")
    card = read_card(folder / CARD_FILENAME, stale_metrics=stale_metrics)
    if registry is not None and card.name != folder.name:
        raise ValueError(f"bundled folder {folder.name!r} holds a card named {card.name!r}")
    return card, folder


def _with_source(card: AnyCard, source: dict) -> AnyCard:
    return type(card).model_validate_json(card.model_copy(update={"source": HubSource(**source)}).model_dump_json())


def load_weights(card: AnyCard, folder: Path, revision: str | None = None) -> dict[str, torch.Tensor]:
    """Checked weight tensors of a card: from its folder, else from the Hub."""
    local = folder / card.weights.file
    if local.is_file() and revision is None:
        return load_checked(local, card.weights, card.architecture)
    fetched = hub.fetch_weights(card, revision=revision)
    try:
        return load_checked(fetched, card.weights, card.architecture)
    except WeightsError:
        # The cached file does not match this card: it may be damaged, or it may be the valid
        # weights of another card naming the same repo file and revision. Never delete it;
        # fetch it again over itself (atomic replace) and check once more.
        if hub.offline():
            raise
        refetched = hub.fetch_weights(card, revision=revision, force=True)
        return load_checked(refetched, card.weights, card.architecture)
