"""Weights from the Hugging Face Hub, through ``huggingface_hub`` and its cache.

``HF_ENDPOINT``, ``HF_HOME``/``HF_HUB_CACHE`` and ``HF_HUB_OFFLINE`` are honoured as
huggingface_hub defines them. The shared cache is never pruned by radzoo: a cached file
that does not match a card may be another card's valid weights (every card that names the
same repository file and revision shares one blob), so a mismatch is answered by fetching
the file again over it (an atomic replace by what the Hub serves) and checking once more,
never by deleting it.

Time limits: a whole fetch (metadata, download, huggingface_hub's own retries) gives up
after ``RADZOO_HUB_TIMEOUT`` seconds (default 60) with a ``HubError``; each HTTP request
waits at most ``HF_HUB_ETAG_TIMEOUT`` / ``HF_HUB_DOWNLOAD_TIMEOUT`` seconds (huggingface_hub's
own settings, default 10) for an answer.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, TypeVar

from .card import ModelCard
from .checks import check_revision, env_seconds

#: environment variable: seconds a whole weights fetch may take
TIMEOUT_ENV = "RADZOO_HUB_TIMEOUT"
DEFAULT_TIMEOUT_S = 60.0

T = TypeVar("T")


class HubError(RuntimeError):
    """The weights could not be fetched from the Hub (with the reason)."""


def offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _with_deadline(fn: Callable[[], T], seconds: float, where: str) -> T:
    """fn() in a worker thread; HubError if it has not returned after ``seconds``.

    An abandoned download goes on in the background until huggingface_hub's own timeouts end
    it; it writes only to a private temporary file that is renamed into the cache when (and
    only when) complete, so abandoning it leaves nothing half-written.
    """
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = err

    worker = threading.Thread(target=run, name="radzoo-hub-fetch", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise HubError(f"{where}: no complete answer from the Hub within {seconds:g} s (a stalled connection?); "
                       f"set {TIMEOUT_ENV}=SECONDS to wait longer, or HF_HUB_OFFLINE=1 to use the cache only")
    if "error" in box:
        raise box["error"]
    return box["value"]


def fetch_weights(card: ModelCard, revision: str | None = None, *, force: bool = False) -> Path:
    """Download (or find in the local HF cache) the weights file a card points at.

    ``force`` downloads again even when cached (replacing the cached blob atomically).
    """
    if card.source is None:
        raise HubError(f"model {card.name!r}: weights {card.weights.file} are not bundled and the "
                       "card has no `source` (Hugging Face repo) to fetch them from")
    # card.source.revision was checked when the card was read; fetch_file checks an override
    return fetch_file(card.source.repo_id, card.weights.file,
                      revision if revision is not None else card.source.revision, force=force)


def fetch_file(repo_id: str, filename: str, revision: str | None = None, *, force: bool = False) -> Path:
    """One file of a Hub model repository, through the HF cache, under the ``RADZOO_HUB_TIMEOUT``
    deadline; every failure is a ``HubError`` naming repo, revision and file."""
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub import errors as hf_errors

    rev = check_revision(revision) if revision is not None else "main"
    where = f"{repo_id}@{rev}/{filename}"
    deadline = env_seconds(TIMEOUT_ENV, DEFAULT_TIMEOUT_S)
    etag_timeout = min(float(constants.HF_HUB_ETAG_TIMEOUT), deadline)
    try:
        return Path(_with_deadline(
            lambda: hf_hub_download(repo_id=repo_id, filename=filename, revision=rev,
                                    force_download=force, etag_timeout=etag_timeout),
            deadline, where))
    except HubError:
        raise
    except hf_errors.LocalEntryNotFoundError as err:
        why = "HF_HUB_OFFLINE is set" if offline() else "the Hub could not be reached"
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
