"""Weights from the Hugging Face Hub: the real huggingface_hub download path, end to end.

Nothing in huggingface_hub is mocked: ``hf_hub_download`` talks HTTP to a local
Hub emulation (``tests/hf_server.py``) on 127.0.0.1 and caches into ``tmp_path``.

huggingface_hub reads its configuration (``HF_ENDPOINT``, ``HF_HOME``,
``HF_HUB_CACHE``, ``HF_HUB_OFFLINE``, ...) into ``huggingface_hub.constants`` once,
at import. ``route_hf`` therefore sets the environment variables *and* gives the
live ``constants`` module the values a fresh interpreter would compute from that
environment (it evaluates a private copy of ``constants.py`` and monkeypatches
whatever differs), so the two can never disagree and everything is restored after
each test.
"""
from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import pytest
import torch

from huggingface_hub import constants as hf_constants
from huggingface_hub.utils import close_session

import zoo
from zoo import hub
from zoo.hub import HubError
from zoo.weights import WeightsError

from hf_server import HubServer
from model_factory import build_test_model

REPO_ID = "radzoo-test/bessel-hub-test"


# -- routing huggingface_hub to the test server -------------------------------------------
def _constants_for_current_env():
    """A private evaluation of huggingface_hub/constants.py under the current os.environ."""
    spec = importlib.util.spec_from_file_location("_radzoo_test_hf_constants", hf_constants.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def route_hf(monkeypatch, **env: Optional[str]) -> None:
    """Set (or, with None, unset) environment variables and re-derive huggingface_hub's constants."""
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    fresh = _constants_for_current_env()
    for name, value in vars(fresh).items():
        if name.isupper() and hasattr(hf_constants, name) and getattr(hf_constants, name) != value:
            monkeypatch.setattr(hf_constants, name, value)


def set_offline(monkeypatch, offline: bool) -> None:
    route_hf(monkeypatch, HF_HUB_OFFLINE="1" if offline else None)


@pytest.fixture
def hf_cache(tmp_path) -> Path:
    return tmp_path / "hf_cache"


@pytest.fixture
def hub_server(tmp_path, hf_cache, monkeypatch):
    """A running test Hub that huggingface_hub (and so zoo) downloads from, with a private cache."""
    with HubServer() as server:
        no_proxy = ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get("NO_PROXY")]))
        route_hf(
            monkeypatch,
            HF_ENDPOINT=server.endpoint,
            HUGGINGFACE_CO_STAGING=None,          # would override HF_ENDPOINT
            HF_HOME=str(tmp_path / "hf_home"),    # token path, agent-registry cache, xet cache, ...
            HF_HUB_CACHE=str(hf_cache),
            HUGGINGFACE_HUB_CACHE=None,
            HF_HUB_OFFLINE=None,
            TRANSFORMERS_OFFLINE=None,
            HF_TOKEN=None,
            HUGGING_FACE_HUB_TOKEN=None,
            HF_HUB_DISABLE_IMPLICIT_TOKEN="1",    # never send a real token to the test server
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HUB_ETAG_TIMEOUT="5",              # a hang fails fast instead of stalling the suite
            HF_HUB_DOWNLOAD_TIMEOUT="5",
            NO_PROXY=no_proxy,
            no_proxy=no_proxy,
        )
        assert hf_constants.ENDPOINT == server.endpoint
        assert hf_constants.HF_HUB_CACHE == str(hf_cache)
        close_session()  # a fresh HTTP client: no pooled connection to an earlier test's server
        try:
            yield server
        finally:
            close_session()


@pytest.fixture
def published(hub_server, tmp_path):
    """A model folder holding only card.json, its weights published at REPO_ID@main."""
    model = build_test_model(tmp_path / "model", source={"repo_id": REPO_ID, "revision": "main"},
                             bundle_weights=False)
    commit = hub_server.commit(REPO_ID, {model.weights_file: model.weights, "card.json": model.card.to_json()})
    hub_server.reset_log()
    return SimpleNamespace(model=model, card=model.card, folder=model.folder, weights=model.weights,
                           file=model.weights_file, commit=commit, first_commit=commit)


def with_revision(model, revision: str, folder: Path):
    """The same model with its card pointing at another revision, in another folder (card only)."""
    card = model.card.model_copy(update={"source": model.card.source.model_copy(update={"revision": revision})})
    folder.mkdir(parents=True)
    card.write(folder / "card.json")
    return card, folder


# -- cache inspection ---------------------------------------------------------------------
def repo_cache(cache: Path) -> Path:
    return cache / ("models--" + REPO_ID.replace("/", "--"))


def blobs(cache: Path) -> list[Path]:
    d = repo_cache(cache) / "blobs"
    return sorted(d.iterdir()) if d.is_dir() else []


def snapshot_entries(cache: Path, filename: str) -> list[Path]:
    d = repo_cache(cache) / "snapshots"
    return sorted(p for p in d.glob(f"*/{filename}") if p.exists() or p.is_symlink()) if d.is_dir() else []


def leftovers(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.name.endswith(".incomplete"))


def content_gets(server: HubServer) -> int:
    """GETs that carried file bytes (CDN downloads and direct /resolve downloads)."""
    return server.count("GET", listener="cdn") + server.count("GET", path_contains="/resolve/")


def assert_same_weights(sampler, model) -> None:
    got = sampler.model.net.state_dict()
    assert set(got) == set(model.state_dict)
    for key, value in model.state_dict.items():
        assert torch.equal(got[key], value), key


def assert_no_trace_of_weights(cache: Path, filename: str) -> None:
    """Nothing a later load could pick up: no snapshot entry, no blob, no partial file."""
    assert snapshot_entries(cache, filename) == []
    assert blobs(cache) == []
    assert leftovers(cache) == []


# -- first download -------------------------------------------------------------------------
@pytest.mark.parametrize("lfs", [True, False], ids=["lfs-via-cdn-redirect", "regular-file"])
def test_fetch_weights_downloads_through_the_server_into_the_private_cache(published, hub_server, hf_cache, lfs):
    if not lfs:
        hub_server.lfs_suffixes = ()  # served as a plain git file: 200 with ETag = git sha1, no redirect
    path = hub.fetch_weights(published.card)
    assert path.read_bytes() == published.weights
    assert path.is_relative_to(hf_cache)
    assert path == repo_cache(hf_cache) / "snapshots" / published.commit / published.file
    assert (repo_cache(hf_cache) / "refs" / "main").read_text() == published.commit
    assert hub_server.count("HEAD", path_contains=f"/{REPO_ID}/resolve/main/{published.file}") == 1
    if lfs:
        assert hub_server.count("GET", listener="cdn") == 1
        assert hub_server.count("GET", path_contains="/resolve/") == 0
    else:
        assert hub_server.count("GET", listener="cdn") == 0
        assert hub_server.count("GET", path_contains=f"/resolve/main/{published.file}") == 1


def test_load_of_a_card_only_folder_downloads_the_weights(published, hub_server):
    assert not (published.folder / published.file).exists()
    sampler = zoo.load(published.folder)
    assert_same_weights(sampler, published.model)
    x = sampler.sample(1000, theta=1.0, generator=torch.Generator().manual_seed(0))
    assert x.shape == (1000,) and bool(((x >= 0) & (x <= 1)).all())
    assert content_gets(hub_server) == 1
    assert not (published.folder / published.file).exists(), "weights go to the HF cache, not the model folder"


# -- the cache --------------------------------------------------------------------------------
def test_second_load_is_served_from_the_cache(published, hub_server):
    zoo.load(published.folder)
    assert content_gets(hub_server) == 1
    heads = hub_server.count("HEAD")

    # Hub up: one metadata HEAD (the branch may have moved), no second download.
    assert_same_weights(zoo.load(published.folder), published.model)
    assert content_gets(hub_server) == 1
    assert hub_server.count("HEAD") == heads + 1

    # Hub gone (every connection cut): the cached copy is used.
    hub_server.stop()
    n = len(hub_server.requests)
    assert_same_weights(zoo.load(published.folder), published.model)
    assert len(hub_server.requests) == n


def test_pinned_commit_is_served_from_the_cache_without_any_request(published, hub_server, tmp_path):
    card, folder = with_revision(published.model, published.commit, tmp_path / "pinned")
    zoo.load(folder)
    assert content_gets(hub_server) == 1
    n = len(hub_server.requests)
    assert_same_weights(zoo.load(folder), published.model)
    assert len(hub_server.requests) == n  # a full commit sha that is cached needs no metadata call


def test_hub_outage_falls_back_to_the_cache(published, hub_server):
    zoo.load(published.folder)
    hub_server.outage = 503
    n = len(hub_server.requests)
    assert_same_weights(zoo.load(published.folder), published.model)
    assert len(hub_server.requests) == n + 1  # the HEAD got its 503; nothing was downloaded again


def test_the_revision_selects_the_commit(published, hub_server, hf_cache, tmp_path):
    """main moves on to other weights: the card's revision (main) now gets them and refuses them,
    while a revision override (commit sha or tag) still reaches this card's weights."""
    zoo.load(published.folder)
    other = build_test_model(tmp_path / "other", seed=1, bundle_weights=False)
    assert other.weights != published.weights
    new_commit = hub_server.add_file(REPO_ID, published.file, other.weights)

    with pytest.raises(WeightsError, match="sha256"):
        zoo.load(published.folder)  # the old commit's cached copy is not served for the new main
    assert (repo_cache(hf_cache) / "refs" / "main").read_text() == new_commit
    assert content_gets(hub_server) == 3  # the new main's file, then once more over it before refusing

    n = len(hub_server.requests)
    assert_same_weights(zoo.load(published.folder, revision=published.commit), published.model)
    assert len(hub_server.requests) == n  # pinned and still cached
    hub_server.tag(REPO_ID, "v1", published.commit)
    assert_same_weights(zoo.load(published.folder, revision="v1"), published.model)
    assert content_gets(hub_server) == 3


# -- offline mode -------------------------------------------------------------------------------
def test_offline_with_a_cached_copy_works_without_any_request(published, hub_server, monkeypatch):
    zoo.load(published.folder)
    n = len(hub_server.requests)
    set_offline(monkeypatch, True)
    assert_same_weights(zoo.load(published.folder), published.model)
    assert len(hub_server.requests) == n


def test_offline_without_a_cached_copy_is_a_clear_hub_error(published, hub_server, monkeypatch):
    set_offline(monkeypatch, True)
    with pytest.raises(HubError) as info:
        zoo.load(published.folder)
    message = str(info.value)
    assert REPO_ID in message and published.file in message and "HF_HUB_OFFLINE" in message
    assert hub_server.requests == []
    # and once online again the same call downloads
    set_offline(monkeypatch, False)
    assert_same_weights(zoo.load(published.folder), published.model)


# -- corrupted files ------------------------------------------------------------------------------
def test_bytes_corrupted_in_transit_are_refetched_over_the_bad_copy(published, hub_server, hf_cache, monkeypatch):
    # The Hub's metadata is right (ETag = the true sha256) but the body arrives with a flipped byte.
    # The mismatch is answered by fetching again over the cached copy (never by deleting it):
    # the same call ends with the good weights, and the cache holds them.
    hub_server.inject(published.file, "corrupt")
    assert_same_weights(zoo.load(published.folder), published.model)
    assert content_gets(hub_server) == 2
    assert leftovers(hf_cache) == []
    set_offline(monkeypatch, True)
    assert_same_weights(zoo.load(published.folder), published.model)


def assert_not_cached_then_reloads(monkeypatch, published):
    """Offline, the model is not in the cache (nothing bad was kept); online, it downloads and loads."""
    set_offline(monkeypatch, True)
    with pytest.raises(HubError, match="not in the local cache"):
        zoo.load(published.folder)
    set_offline(monkeypatch, False)
    assert_same_weights(zoo.load(published.folder), published.model)


def test_a_bad_file_on_the_hub_is_refused_then_a_fixed_commit_loads(published, hub_server, hf_cache):
    bad = bytearray(published.weights)
    bad[-1] ^= 0x01
    bad_commit = hub_server.add_file(REPO_ID, published.file, bytes(bad))
    with pytest.raises(WeightsError, match="sha256"):
        zoo.load(published.folder)
    assert content_gets(hub_server) == 2  # fetched once more over the cached copy, still wrong: refused
    assert (repo_cache(hf_cache) / "refs" / "main").read_text() == bad_commit
    with pytest.raises(WeightsError, match="sha256"):  # what stays cached is never loadable for this card
        zoo.load(published.folder)
    assert leftovers(hf_cache) == []

    fixed_commit = hub_server.add_file(REPO_ID, published.file, published.weights)
    path = hub.fetch_weights(published.card)
    assert path.parent.name == fixed_commit
    assert_same_weights(zoo.load(published.folder), published.model)


def _card_with_wrong_sha256(published, folder: Path):
    """Another card naming the same repo file and revision, with a sha256 that is not the file's."""
    bad = published.card.model_copy(update={"weights": published.card.weights.model_copy(update={"sha256": "0" * 64})})
    folder.mkdir(parents=True)
    bad.write(folder / "card.json")
    return folder


def test_a_card_with_a_wrong_hash_never_costs_another_card_its_cached_weights(published, hub_server, hf_cache,
                                                                              tmp_path, monkeypatch):
    """Issue 8, section 2: the file is the valid weights of `published`; a second card that names the
    same repo file and revision with a wrong sha256 is refused, and the good card still loads, offline
    (nothing was deleted from the shared cache) and byte for byte."""
    zoo.load(published.folder)
    blob_before = {p.name: p.read_bytes() for p in blobs(hf_cache)}
    wrong = _card_with_wrong_sha256(published, tmp_path / "wrong")
    with pytest.raises(WeightsError, match="sha256"):
        zoo.load(wrong)
    assert {p.name: p.read_bytes() for p in blobs(hf_cache)} == blob_before
    set_offline(monkeypatch, True)
    assert_same_weights(zoo.load(published.folder), published.model)
    with pytest.raises(WeightsError, match="sha256"):
        zoo.load(wrong)  # offline: refused, nothing fetched, nothing removed
    assert {p.name: p.read_bytes() for p in blobs(hf_cache)} == blob_before


def test_concurrent_loads_of_a_good_and_a_bad_card_never_fail_the_good_one(published, hub_server, tmp_path):
    import threading

    zoo.load(published.folder)
    wrong = _card_with_wrong_sha256(published, tmp_path / "wrong")
    outcomes: list = []

    def good():
        for _ in range(4):
            try:
                zoo.load(published.folder)
                outcomes.append("ok")
            except Exception as err:  # noqa: BLE001 - recorded and asserted below
                outcomes.append(err)

    def bad():
        for _ in range(4):
            with pytest.raises(WeightsError):
                zoo.load(wrong)

    threads = [threading.Thread(target=good), threading.Thread(target=bad), threading.Thread(target=good)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes == ["ok"] * 8, outcomes


@pytest.mark.parametrize("revision", ["../../../x", "..", "a/../../b", "refs/../../x", "-x", "main\n", "a" * 200,
                                      "x.lock", "/abs"])
def test_revisions_that_could_leave_the_cache_are_refused_before_any_request(published, hub_server, hf_cache,
                                                                             tmp_path, revision):
    outside = sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(hf_cache))
    with pytest.raises(ValueError, match="revision"):
        zoo.load(published.folder, revision=revision)
    # the same value on a card is refused when the card is read
    d = json.loads(published.card.to_json())
    d["source"]["revision"] = revision
    folder = tmp_path / "rev-card"
    folder.mkdir(exist_ok=True)
    (folder / "card.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match="source.revision"):
        zoo.load(folder)
    assert hub_server.requests == []
    assert sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(hf_cache)
                  and p != folder and p != folder / "card.json") == outside


@pytest.mark.parametrize("revision", ["main", "v1.0", "refs/pr/1", "release_2", "a" * 40])
def test_ordinary_revisions_are_accepted(revision):
    from zoo.checks import check_revision

    assert check_revision(revision) == revision


def test_a_stalled_download_gives_up_at_the_stated_timeout(published, hub_server, hf_cache, monkeypatch):
    import time

    monkeypatch.setenv("RADZOO_HUB_TIMEOUT", "1.5")
    hub_server.inject(published.file, "stall")
    t0 = time.perf_counter()
    with pytest.raises(HubError, match="RADZOO_HUB_TIMEOUT") as info:
        zoo.load(published.folder)
    elapsed = time.perf_counter() - t0
    # 1.5 s deadline; generous slack for a loaded 2-core machine (the default without it: ~400 s)
    assert elapsed < 15, elapsed
    assert REPO_ID in str(info.value) and published.file in str(info.value)
    monkeypatch.setenv("RADZOO_HUB_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="RADZOO_HUB_TIMEOUT"):
        zoo.load(published.folder)


# -- missing repository / revision / file -----------------------------------------------------------
@pytest.mark.parametrize("missing", ["file", "repo", "revision"])
def test_missing_things_are_clear_hub_errors(published, hub_server, tmp_path, missing):
    folder, rev = published.folder, None
    if missing == "file":
        hub_server.commit(REPO_ID, {published.file: None})
        expect = "no such file"
    elif missing == "repo":
        hub_server.delete_repo(REPO_ID)
        expect = "not found"
    else:
        rev = "v9.9"
        expect = "no such revision"
    with pytest.raises(HubError) as info:
        zoo.load(folder, revision=rev)
    message = str(info.value)
    assert REPO_ID in message and published.file in message and expect in message
    if rev:
        assert rev in message
    assert content_gets(hub_server) == 0


def test_a_card_without_source_and_without_weights_is_a_clear_hub_error(tmp_path, hub_server):
    model = build_test_model(tmp_path / "m", bundle_weights=False)
    with pytest.raises(HubError, match="source"):
        zoo.load(model.folder)
    assert hub_server.requests == []


# -- interrupted downloads ---------------------------------------------------------------------------
def test_a_connection_dropped_mid_body_is_retried(published, hub_server, hf_cache):
    # Content-Length promised the whole file, half of it came, then the connection closed.
    # (A file this small is still in huggingface_hub's first 10 MiB chunk buffer when the
    # connection drops, so nothing was written yet and the retry starts again from byte 0.)
    hub_server.inject(published.file, "truncate")
    assert_same_weights(zoo.load(published.folder), published.model)
    assert content_gets(hub_server) == 2
    assert leftovers(hf_cache) == []


def test_a_large_download_dropped_mid_body_is_resumed_with_a_range_request(hub_server, hf_cache, tmp_path):
    # > 2 chunks (constants.DOWNLOAD_CHUNK_SIZE, 10 MiB), so that half the file is more than a
    # whole chunk: the first chunk reaches the disk before the drop and the retry asks for the rest.
    big = build_test_model(tmp_path / "big", name="bessel-big", hidden=[2600, 2600],
                           source={"repo_id": REPO_ID}, bundle_weights=False)
    chunk = hf_constants.DOWNLOAD_CHUNK_SIZE
    assert len(big.weights) > 2 * chunk
    hub_server.add_file(REPO_ID, big.weights_file, big.weights)
    hub_server.inject(big.weights_file, "truncate")
    assert_same_weights(zoo.load(big.folder), big)
    ranges = [r.range for r in hub_server.requests if r.listener == "cdn" and r.method == "GET"]
    assert ranges == [None, f"bytes={chunk}-"]
    assert leftovers(hf_cache) == []


def test_an_interrupted_download_that_cannot_be_resumed_fails_and_leaves_nothing(published, hub_server,
                                                                                   hf_cache, monkeypatch):
    hub_server.inject(published.file, "truncate", "error500")
    with pytest.raises(HubError) as info:
        zoo.load(published.folder)
    assert REPO_ID in str(info.value) and published.file in str(info.value)
    assert content_gets(hub_server) == 2
    assert_no_trace_of_weights(hf_cache, published.file)
    assert_not_cached_then_reloads(monkeypatch, published)


@pytest.mark.parametrize("fault", ["short", "drop"])
def test_a_failed_download_leaves_nothing_and_is_reported(published, hub_server, hf_cache, fault):
    """short: a well-formed response with fewer bytes than the metadata said (size check fails);
    drop: every attempt loses the connection (huggingface_hub gives up after 5 retries, ~5 s)."""
    hub_server.inject(published.file, *[fault] * 6)
    with pytest.raises(Exception) as info:
        zoo.load(published.folder)
    err = info.value
    assert not isinstance(err, WeightsError), "the download itself must fail, before any hashing"
    assert_no_trace_of_weights(hf_cache, published.file)
    hub_server.clear_faults()
    assert_same_weights(zoo.load(published.folder), published.model)
    assert isinstance(err, HubError), f"{type(err).__module__}.{type(err).__name__} escaped: {err}"
    assert REPO_ID in str(err) and published.file in str(err)


# -- zoo.load("hf:org/name[@revision]") ------------------------------------------------------------
def test_load_by_hub_repo_id_fetches_the_card_then_the_weights(published, hub_server, hf_cache, monkeypatch):
    s = zoo.load(f"hf:{REPO_ID}")
    assert_same_weights(s, published.model)
    assert s.card.name == published.card.name and s.path.is_relative_to(hf_cache)
    assert hub_server.count("GET", path_contains="card.json") + hub_server.count("GET", listener="cdn") >= 2
    # pinned to the commit: the same files, from the cache, without any request
    n = len(hub_server.requests)
    assert_same_weights(zoo.load(f"hf:{REPO_ID}@{published.commit}"), published.model)
    set_offline(monkeypatch, True)
    assert_same_weights(zoo.load(f"hf:{REPO_ID}@{published.commit}"), published.model)
    assert len(hub_server.requests) >= n


def test_hub_repo_ids_are_checked_and_errors_name_the_repo(published, hub_server):
    for bad in ("hf:", "hf:noslash", "hf:a/b/c", "hf:org/name@../x", "hf:org/na me"):
        with pytest.raises(ValueError):
            zoo.load(bad)
    with pytest.raises(HubError, match="radzoo-test/missing"):
        zoo.load("hf:radzoo-test/missing")
    assert hub_server.count("GET", path_contains="radzoo-test/missing") + hub_server.count("HEAD") >= 1


def test_a_hub_card_whose_weights_do_not_match_is_refused(published, hub_server):
    bad = published.card.model_copy(update={"weights": published.card.weights.model_copy(update={"sha256": "0" * 64})})
    hub_server.commit(REPO_ID, {"card.json": bad.to_json()})
    with pytest.raises(WeightsError, match="sha256"):
        zoo.load(f"hf:{REPO_ID}")
