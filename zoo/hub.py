"""Weights from the Hugging Face Hub, through ``huggingface_hub`` and its cache.

``HF_ENDPOINT``, ``HF_HOME``/``HF_HUB_CACHE`` and ``HF_HUB_OFFLINE`` are honoured
as huggingface_hub defines them. A downloaded file whose sha256 does not match the
card is removed from the cache (so the next attempt fetches it again) and refused.
"""
from __future__ import annotations

import os
from pathlib import Path

from .card import ModelCard


class HubError(RuntimeError):
    """The weights could not be fetched from the Hub (with the reason)."""


def fetch_weights(card: ModelCard, revision: str | None = None) -> Path:
    """Download (or find in the local HF cache) the weights file a card points at."""
    if card.source is None:
        raise HubError(f"model {card.name!r}: weights {card.weights.file} are not bundled and the "
                       "card has no `source` (Hugging Face repo) to fetch them from")
    from huggingface_hub import hf_hub_download
    from huggingface_hub import errors as hf_errors

    repo_id = card.source.repo_id
    rev = revision or card.source.revision
    where = f"{repo_id}@{rev}/{card.weights.file}"
    try:
        return Path(hf_hub_download(repo_id=repo_id, filename=card.weights.file, revision=rev))
    except hf_errors.LocalEntryNotFoundError as err:
        offline = os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE")
        why = "HF_HUB_OFFLINE is set" if offline else "the Hub could not be reached"
        raise HubError(f"{where}: not in the local cache and {why} ({err.__class__.__name__})") from None
    except hf_errors.EntryNotFoundError:
        raise HubError(f"{where}: the repository has no such file") from None
    except hf_errors.RevisionNotFoundError:
        raise HubError(f"{where}: no such revision in {repo_id}") from None
    except hf_errors.RepositoryNotFoundError:
        raise HubError(f"{where}: repository {repo_id} not found (or private)") from None
    except hf_errors.HfHubHTTPError as err:
        raise HubError(f"{where}: download failed: {err}") from None
    except Exception as err:  # noqa: BLE001 - transport errors (connection drops, short bodies) of any HTTP stack
        # huggingface_hub has already retried and removed its partial file; say what failed, keep the cause
        raise HubError(f"{where}: download interrupted or incomplete ({type(err).__name__}: {err}); "
                       "nothing was cached, try again") from err


def evict(path: Path) -> None:
    """Remove a cached file (the snapshot link and the blob it points to)."""
    path = Path(path)
    blob = path.resolve()
    for p in {path, blob}:
        try:
            p.unlink()
        except FileNotFoundError:
            pass
