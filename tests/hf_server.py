"""A tiny local stand-in for the Hugging Face Hub, for tests (stdlib, plus PyYAML for validate-yaml).

It speaks the part of the Hub protocol that ``huggingface_hub.hf_hub_download``
(checked against huggingface_hub 2.4.0) uses, over plain HTTP on 127.0.0.1:

``HEAD|GET {endpoint}/[datasets/|spaces/]{repo_id}/resolve/{revision}/{filename}``
    * regular ("git") files: ``200`` with ``X-Repo-Commit`` (the 40-hex commit the
      revision resolved to), ``ETag`` (the git blob sha1, quoted) and
      ``Content-Length``; a GET carries the bytes.
    * LFS files (``*.safetensors`` and anything added with ``lfs=True``): ``302`` to
      ``{cdn_endpoint}/cdn/...`` with ``X-Repo-Commit``, ``X-Linked-Etag`` (the
      sha256, quoted) and ``X-Linked-Size``. The CDN is a second listener on another
      port, i.e. another origin, so huggingface_hub does not follow the redirect on
      its HEAD call (it reads the metadata from the 302 itself, as with the real
      CDN) and downloads from the ``Location`` directly.
    * errors as the Hub reports them, with ``X-Error-Code`` / ``X-Error-Message``
      headers (what ``huggingface_hub.utils.hf_raise_for_status`` dispatches on):
      unknown repository: 401 ``RepoNotFound``; unknown revision: 404
      ``RevisionNotFound``; no such file at that commit: 404 ``EntryNotFound``
      (with ``X-Repo-Commit``, which the client uses to cache the absence).

``GET {cdn_endpoint}/cdn/{sha256}/{filename}`` serves the bytes, honouring
``Range: bytes=a-[b]`` with ``206`` (huggingface_hub resumes an interrupted
download that way).

Repositories live in memory: each has named refs (branches/tags) pointing at
commits, and each commit is a full snapshot ``{filename: bytes}``. Every change
makes a new commit with a fresh 40-hex sha, as on the Hub.

Uploads (what ``HfApi.create_repo``, ``create_branch``, ``create_commit`` /
``upload_file`` / ``upload_folder`` and ``repo_info`` use). Every write needs an
``Authorization: Bearer <token>`` header (any token, or one of ``HubServer.tokens``
when that is set); otherwise ``401`` "Invalid credentials in Authorization header".

``POST {endpoint}/api/repos/create``
    JSON ``{name, organization, type, visibility}``; ``200 {"url": ...}`` and, as on
    the Hub, an initial commit on ``main`` holding ``.gitattributes``; ``409`` if it
    exists (``create_repo(exist_ok=True)`` then carries on).
``POST {endpoint}/api/{type}s/{repo_id}/branch/{branch}``
    JSON ``{startingPoint?}`` (default ``main``); ``409`` if the branch exists.
``POST {endpoint}/api/validate-yaml``
    JSON ``{content, repoType}`` (a README.md about to be committed): its YAML front
    matter must parse to a mapping (``model-index``, if present, a list of
    ``{name, results}``); ``400 {"errors": [{"message"}]}`` otherwise.
``POST {endpoint}/api/{type}s/{repo_id}/preupload/{revision}``
    Answers ``uploadMode: "regular"`` for every file (so its bytes come base64 inline
    in the commit, with or without ``hf_xet`` installed: no LFS/Xet upload protocol is
    emulated), ``shouldIgnore: false`` and ``oid`` = the git blob sha1 of the file
    already at that path (the client then drops unchanged files from the commit).
``POST {endpoint}/api/{type}s/{repo_id}/commit/{revision}``
    The NDJSON commit (``header`` with ``summary`` and optional ``parentCommit``;
    ``file`` base64; ``lfsFile`` only for bytes the server already holds;
    ``deletedFile``/``deletedFolder``). The branch must exist (or be ``main`` of a
    repository without commits); a stale ``parentCommit`` is ``412``. Answers
    ``{"success": true, "commitOid", "commitUrl"}``; the new commit is served at
    once by the download routes, by branch and by sha. ``create_pr`` is refused.
``GET {endpoint}/api/{type}s/{repo_id}[/revision/{revision}]``
    Repo info: ``{id, sha, private, siblings: [{rfilename}], lastModified}``.

Test hooks: ``requests`` (a log of every request, see ``count``), ``inject(...)``
(faults for the next content GETs of a file: truncated body, dropped connection,
corrupted bytes, 5xx, a short body), ``outage`` (answer every request with a
status code) and ``stop()``/``start()`` (start again on the same port).

``commit_messages(repo_id)`` lists the commits made with a message (oldest first).

Extending it: add ``(method, regex, handler-method-name)`` rows to ``_Handler.ROUTES``; handler
methods get the regex match, can read the request body with ``_read_body()`` /
``_read_json()``, reply with ``_send_json()`` / ``_send_error_json()``, and change
the repositories through the ``HubServer`` methods (``create_repo``, ``commit``),
which take the lock.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable, Mapping, Optional, Union
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["HubServer", "Request", "FAULTS", "git_blob_sha1", "is_commit_sha"]

FileData = Union[bytes, bytearray, memoryview, str, os.PathLike]

_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
#: a content GET can be made to misbehave in these ways (see ``HubServer.inject``)
FAULTS = (
    "truncate",   # full Content-Length, half the body, then the connection is closed
    "drop",       # the connection is closed before any response is sent
    "corrupt",    # the right length and headers, one byte flipped in the body
    "short",      # a complete, well-formed response, but of only the first half of the file
    "error500",   # 500 Internal Server Error
    "error503",   # 503 Service Unavailable
    "stall",      # headers sent, then no byte of the body until the server stops (a stalled connection)
)
#: files tracked by LFS by default (like the Hub's default .gitattributes, trimmed)
DEFAULT_LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".onnx", ".npz", ".npy")
_REPO_TYPE_PREFIX = {"datasets": "dataset", "spaces": "space", "kernels": "kernel"}
_API_REPO = r"^/api/(?P<plural>models|datasets|spaces|kernels)/(?P<repo>[^/]+/[^/]+)"


def git_blob_sha1(data: bytes) -> str:
    """The git object id of a blob (what the Hub sends as ETag for non-LFS files)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_commit_sha(revision: str) -> bool:
    return bool(_COMMIT_RE.match(revision))


@dataclass
class Request:
    """One request the server received (``listener`` is ``"hub"`` or ``"cdn"``).

    It is logged before any byte of the answer is sent, so a client that has seen a
    response always finds its request in the log; ``status`` is 0 for a connection
    closed without an answer.
    """

    listener: str
    method: str
    path: str
    headers: Mapping[str, str]
    status: Optional[int] = None

    @property
    def range(self) -> Optional[str]:
        return self.headers.get("range")


@dataclass
class _Repo:
    repo_type: str
    repo_id: str
    refs: dict = field(default_factory=dict)      # branch/tag -> commit sha
    commits: dict = field(default_factory=dict)   # commit sha -> {filename: bytes}
    lfs: set = field(default_factory=set)          # filenames forced to LFS
    private: bool = False                          # unauthenticated requests see RepoNotFound
    messages: dict = field(default_factory=dict)   # commit sha -> commit message (commits made with one)


def _as_bytes(data: FileData) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    return Path(data).read_bytes()


class _Listener(ThreadingHTTPServer):
    """One listening socket; keeps track of its open connections so ``stop`` can cut them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, hub: "HubServer", role: str, port: int):
        self.hub = hub
        self.role = role
        self.open_connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            (self.open_connections.add if alive else self.open_connections.discard)(conn)

    def cut_connections(self) -> None:
        with self._conn_lock:
            conns = list(self.open_connections)
            self.open_connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class HubServer:
    """A local Hub on 127.0.0.1 (ephemeral ports); use as a context manager.

    ``repos`` seeds it: ``{repo_id: {revision: {filename: bytes | str | path}}}``;
    a branch name (e.g. ``"main"``) gets one commit holding those files, a 40-hex
    key creates that exact commit (not on any branch). ``endpoint`` is what
    ``HF_ENDPOINT`` must be set to.
    """

    def __init__(self, repos: Optional[Mapping[str, Mapping[str, Mapping[str, FileData]]]] = None, *,
                 lfs_suffixes: Iterable[str] = DEFAULT_LFS_SUFFIXES):
        self.lfs_suffixes = tuple(lfs_suffixes)
        self.requests: list[Request] = []
        #: when set to a status code, every request is answered with it (a Hub outage)
        self.outage: Optional[int] = None
        #: when set, every API POST (create repo/branch, preupload, commit) stalls until the server stops
        self.api_stall = False
        self._lock = threading.RLock()
        self._repos: dict[tuple[str, str], _Repo] = {}
        self._faults: dict[str, deque] = {}
        self._counter = itertools.count(1)
        self._ports = {"hub": 0, "cdn": 0}
        self._listeners: dict[str, _Listener] = {}
        self._threads: list[threading.Thread] = []
        #: set when the server stops: releases the handlers of "stall" faults
        self.release = threading.Event()
        #: tokens accepted for writes (``Authorization: Bearer <token>``); None accepts any token
        self.tokens: Optional[set[str]] = None
        for repo_id, revisions in (repos or {}).items():
            self.create_repo(repo_id, exist_ok=True)
            for revision, files in revisions.items():
                if is_commit_sha(revision):
                    self._add_commit(repo_id, "model", revision, {k: _as_bytes(v) for k, v in files.items()})
                else:
                    self.commit(repo_id, files, revision=revision)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> "HubServer":
        """Start listening (again on the same ports after a ``stop``)."""
        if self._listeners:
            return self
        self.release.clear()
        for role in ("hub", "cdn"):
            listener = _Listener(self, role, self._ports[role])
            self._ports[role] = listener.server_address[1]
            thread = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"hf-test-{role}", daemon=True)
            thread.start()
            self._listeners[role] = listener
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop listening and cut every open (keep-alive) connection: the Hub is gone."""
        listeners, self._listeners = self._listeners, {}
        self.release.set()
        for listener in listeners.values():
            listener.shutdown()
            listener.server_close()
            listener.cut_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    @property
    def running(self) -> bool:
        return bool(self._listeners)

    def __enter__(self) -> "HubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        if not self._ports["hub"]:
            raise RuntimeError("the server has not been started")
        return f"http://127.0.0.1:{self._ports['hub']}"

    @property
    def cdn_endpoint(self) -> str:
        if not self._ports["cdn"]:
            raise RuntimeError("the server has not been started")
        return f"http://127.0.0.1:{self._ports['cdn']}"

    # -- repositories ----------------------------------------------------------
    def create_repo(self, repo_id: str, *, repo_type: str = "model", private: bool = False,
                    exist_ok: bool = False) -> None:
        """An empty repository (its ``main`` branch appears with the first commit)."""
        with self._lock:
            key = (repo_type, repo_id)
            if key in self._repos:
                if not exist_ok:
                    raise ValueError(f"repository {repo_type}:{repo_id} exists")
                return
            self._repos[key] = _Repo(repo_type, repo_id, private=private)

    def delete_repo(self, repo_id: str, *, repo_type: str = "model") -> None:
        with self._lock:
            self._repos.pop((repo_type, repo_id), None)

    def commit(self, repo_id: str, files: Mapping[str, Optional[FileData]], *, revision: str = "main",
               repo_type: str = "model", lfs: Iterable[str] = (), message: Optional[str] = None) -> str:
        """Commit onto branch ``revision`` (created if new): add/replace files, ``None`` deletes.

        Creates the repository if needed. Returns the new commit sha.
        """
        if is_commit_sha(revision):
            raise ValueError("commit onto a branch name, not a commit sha")
        with self._lock:
            self.create_repo(repo_id, repo_type=repo_type, exist_ok=True)
            repo = self._repos[(repo_type, repo_id)]
            parent = repo.refs.get(revision)
            tree = dict(repo.commits[parent]) if parent else {}
            for name, data in files.items():
                if data is None:
                    tree.pop(name, None)
                else:
                    tree[name] = _as_bytes(data)
            repo.lfs.update(lfs)
            digest = hashlib.sha1(f"{repo_type}/{repo_id}\n{revision}\n{parent}\n{next(self._counter)}\n".encode())
            for name in sorted(tree):
                digest.update(f"{name}\0{hashlib.sha256(tree[name]).hexdigest()}\n".encode())
            sha = digest.hexdigest()
            self._add_commit(repo_id, repo_type, sha, tree)
            repo.refs[revision] = sha
            if message is not None:
                repo.messages[sha] = message
            return sha

    def commit_messages(self, repo_id: str, *, repo_type: str = "model") -> list[tuple[str, str]]:
        """``(sha, message)`` of the commits made with a message (uploads), oldest first."""
        with self._lock:
            return list(self._repos[(repo_type, repo_id)].messages.items())

    def add_file(self, repo_id: str, filename: str, data: FileData, *, revision: str = "main",
                 repo_type: str = "model", lfs: Optional[bool] = None) -> str:
        """Commit one file; returns the new commit sha."""
        return self.commit(repo_id, {filename: data}, revision=revision, repo_type=repo_type,
                           lfs=[filename] if lfs else ())

    def tag(self, repo_id: str, tag: str, revision: str = "main", *, repo_type: str = "model") -> str:
        """Point ref ``tag`` at what ``revision`` resolves to; returns that sha."""
        with self._lock:
            repo = self._repos[(repo_type, repo_id)]
            sha = self._resolve(repo, revision)
            if sha is None:
                raise ValueError(f"no revision {revision!r} in {repo_id}")
            repo.refs[tag] = sha
            return sha

    def resolve(self, repo_id: str, revision: str = "main", *, repo_type: str = "model") -> Optional[str]:
        """The commit sha a revision resolves to (None if the repo or revision does not exist)."""
        with self._lock:
            repo = self._repos.get((repo_type, repo_id))
            return self._resolve(repo, revision) if repo else None

    def files(self, repo_id: str, revision: str = "main", *, repo_type: str = "model") -> dict[str, bytes]:
        with self._lock:
            sha = self.resolve(repo_id, revision, repo_type=repo_type)
            if sha is None:
                raise KeyError(f"{repo_id}@{revision}")
            return dict(self._repos[(repo_type, repo_id)].commits[sha])

    def _add_commit(self, repo_id: str, repo_type: str, sha: str, tree: dict[str, bytes]) -> None:
        with self._lock:
            self.create_repo(repo_id, repo_type=repo_type, exist_ok=True)
            self._repos[(repo_type, repo_id)].commits[sha] = tree

    @staticmethod
    def _resolve(repo: _Repo, revision: str) -> Optional[str]:
        if revision in repo.refs:
            return repo.refs[revision]
        if revision in repo.commits:
            return revision
        return None

    def _is_lfs(self, repo: _Repo, filename: str) -> bool:
        return filename in repo.lfs or filename.endswith(self.lfs_suffixes)

    def _blob(self, sha256: str) -> Optional[bytes]:
        with self._lock:
            for repo in self._repos.values():
                for tree in repo.commits.values():
                    for data in tree.values():
                        if hashlib.sha256(data).hexdigest() == sha256:
                            return data
        return None

    # -- faults and request log ------------------------------------------------
    def inject(self, filename: str, *faults: str) -> None:
        """Make the next content GETs of ``filename`` (in any repository) misbehave, in order.

        Each GET that would send the file's bytes (a direct download or the CDN one,
        including a resumed ``Range`` request) consumes one fault; once they are used
        up the file is served normally again. See ``FAULTS``.
        """
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}; known: {FAULTS}")
        with self._lock:
            self._faults.setdefault(filename, deque()).extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _next_fault(self, filename: str) -> Optional[str]:
        with self._lock:
            queue = self._faults.get(filename)
            return queue.popleft() if queue else None

    def _log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def count(self, method: Optional[str] = None, *, listener: Optional[str] = None,
              path_contains: Optional[str] = None) -> int:
        """Number of requests received, optionally filtered."""
        with self._lock:
            return sum(1 for r in self.requests
                       if (method is None or r.method == method)
                       and (listener is None or r.listener == listener)
                       and (path_contains is None or path_contains in r.path))

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, like the Hub
    server_version = "hf-test-hub/1"
    server: _Listener

    # (method, path regex, method name); the first match wins. Paths are matched raw
    # (still percent-encoded) and the groups are unquoted before use.
    ROUTES: list = [
        ("HEAD", re.compile(r"^/(?:(?P<prefix>datasets|spaces|kernels)/)?(?P<repo>[^/]+/[^/]+)/resolve/"
                            r"(?P<revision>[^/]+)/(?P<filename>.+)$"), "_resolve"),
        ("GET", re.compile(r"^/(?:(?P<prefix>datasets|spaces|kernels)/)?(?P<repo>[^/]+/[^/]+)/resolve/"
                           r"(?P<revision>[^/]+)/(?P<filename>.+)$"), "_resolve"),
        ("HEAD", re.compile(r"^/cdn/(?P<sha256>[0-9a-f]{64})/(?P<filename>.+)$"), "_cdn"),
        ("GET", re.compile(r"^/cdn/(?P<sha256>[0-9a-f]{64})/(?P<filename>.+)$"), "_cdn"),
        # huggingface_hub fetches this once per process (agent detection for its user agent)
        ("GET", re.compile(r"^/api/agent-harnesses$"), "_agent_harnesses"),
        # uploads (HfApi.create_repo / create_branch / create_commit) and repo info
        ("POST", re.compile(r"^/api/repos/create$"), "_api_create_repo"),
        ("POST", re.compile(r"^/api/validate-yaml$"), "_api_validate_yaml"),
        ("POST", re.compile(_API_REPO + r"/branch/(?P<branch>[^/]+)$"), "_api_create_branch"),
        ("POST", re.compile(_API_REPO + r"/preupload/(?P<revision>[^/]+)$"), "_api_preupload"),
        ("POST", re.compile(_API_REPO + r"/commit/(?P<revision>[^/]+)$"), "_api_commit"),
        ("GET", re.compile(_API_REPO + r"(?:/revision/(?P<revision>[^/]+))?$"), "_api_repo_info"),
    ]

    # -- plumbing ----------------------------------------------------------------
    def setup(self):
        super().setup()
        self.server.track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def do_HEAD(self):
        self._dispatch()

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    @property
    def hub(self) -> HubServer:
        return self.server.hub

    def _dispatch(self):
        path = urlsplit(self.path).path
        self._record = Request(self.server.role, self.command, path, {k.lower(): v for k, v in self.headers.items()})
        self.hub._log(self._record)
        if self.hub.outage:
            self._send_error_json(self.hub.outage, None, "the test Hub is having an outage")
            return
        if self.hub.api_stall and self.command == "POST":
            self.hub.release.wait(120)          # a stalled endpoint: no answer until the server stops
            self._hang_up()
            return
        for method, pattern, name in self.ROUTES:
            if method != self.command:
                continue
            match = pattern.match(path)
            if match and (name == "_cdn") == (self.server.role == "cdn"):
                getattr(self, name)({k: unquote(v) if v is not None else None for k, v in match.groupdict().items()})
                return
        self._send_error_json(404, None, f"no route for {self.command} {path}")

    def _send_head(self, status: int, headers: Mapping[str, str]):
        self._record.status = status
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def _send_bytes(self, status: int, body: bytes, headers: Mapping[str, str] = {}):
        self._send_head(status, {"Content-Length": str(len(body)), **headers})
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, payload, headers: Mapping[str, str] = {}):
        self._send_bytes(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers})

    def _send_error_json(self, status: int, code: Optional[str], message: str, headers: Mapping[str, str] = {}):
        extra = {"X-Error-Message": message, **headers}
        if code:
            extra["X-Error-Code"] = code
        self._send_json(status, {"error": message}, extra)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_json(self):
        return json.loads(self._read_body() or b"null")

    def _authenticated(self) -> bool:
        return bool(self.headers.get("Authorization"))

    # -- routes --------------------------------------------------------------------
    def _resolve(self, m: dict):
        repo_type = _REPO_TYPE_PREFIX.get(m["prefix"] or "", "model")
        repo_id, revision, filename = m["repo"], m["revision"], m["filename"]
        with self.hub._lock:
            repo = self.hub._repos.get((repo_type, repo_id))
            if repo is None or (repo.private and not self._authenticated()):
                self._send_error_json(401, "RepoNotFound", "Repository not found")
                return
            sha = self.hub._resolve(repo, revision)
            if sha is None:
                self._send_error_json(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                return
            data = repo.commits[sha].get(filename)
            if data is None:
                self._send_error_json(404, "EntryNotFound", f"{filename} does not exist on \"{revision}\"",
                                      {"X-Repo-Commit": sha})
                return
            lfs = self.hub._is_lfs(repo, filename)
        if lfs:
            sha256 = hashlib.sha256(data).hexdigest()
            location = f"{self.hub.cdn_endpoint}/cdn/{sha256}/{quote(filename)}"
            self._send_bytes(302, b"", {
                "Location": location,
                "X-Repo-Commit": sha,
                "X-Linked-Etag": f'"{sha256}"',
                "X-Linked-Size": str(len(data)),
                "ETag": f'"{git_blob_sha1(data)}"',
            })
            return
        self._send_content(data, filename, {"X-Repo-Commit": sha, "ETag": f'"{git_blob_sha1(data)}"'})

    def _agent_harnesses(self, m: dict):
        self._send_json(200, {"standardEnvVars": [], "harnesses": {}})

    def _cdn(self, m: dict):
        data = self.hub._blob(m["sha256"])
        if data is None:
            self._send_error_json(404, None, "NoSuchKey")
            return
        self._send_content(data, m["filename"], {"ETag": f'"{m["sha256"]}"'})

    def _send_content(self, data: bytes, filename: str, headers: dict):
        """Send a file's bytes (or just its headers for HEAD), honouring Range and faults."""
        headers = {"Accept-Ranges": "bytes", "Content-Type": "application/octet-stream", **headers}
        total = len(data)
        status, start, end = 200, 0, total
        spec = self.headers.get("Range")
        if spec:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", spec.strip())
            if not m or int(m.group(1)) >= max(total, 1):
                self._send_error_json(416, None, f"Range {spec!r} not satisfiable",
                                      {"Content-Range": f"bytes */{total}"})
                return
            start = int(m.group(1))
            end = min(int(m.group(2)) + 1, total) if m.group(2) else total
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{total}"
        body = data[start:end]
        if self.command == "HEAD":
            self._send_head(status, {**headers, "Content-Length": str(len(body))})
            return

        fault = self.hub._next_fault(filename)
        if fault is None:
            self._send_bytes(status, body, headers)
        elif fault == "truncate":
            self._send_head(status, {**headers, "Content-Length": str(len(body))})
            self.wfile.write(body[: len(body) // 2])
            self._hang_up()
        elif fault == "drop":
            self._record.status = 0
            self._hang_up()
        elif fault == "corrupt":
            bad = bytearray(body)
            if bad:
                bad[len(bad) // 2] ^= 0xFF
            self._send_bytes(status, bytes(bad), headers)
        elif fault == "short":
            headers.pop("Content-Range", None)
            self._send_bytes(status, body[: len(body) // 2], headers)
        elif fault == "stall":
            self._send_head(status, {**headers, "Content-Length": str(len(body))})
            self.wfile.flush()
            self.hub.release.wait(120)
            self._hang_up()
        elif fault in ("error500", "error503"):
            self._send_error_json(int(fault[-3:]), None, "injected server error")

    def _hang_up(self):
        """Close the connection now (mid-response or before it)."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- uploads ---------------------------------------------------------------------
    def _write_allowed(self) -> bool:
        """A write needs a (known) bearer token; answers 401 and returns False otherwise."""
        auth = self.headers.get("Authorization") or ""
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if token and (self.hub.tokens is None or token in self.hub.tokens):
            return True
        self._read_body()  # keep the connection usable
        self._send_error_json(401, None, "Invalid credentials in Authorization header")
        return False

    def _api_repo(self, m: dict, *, write: bool) -> Optional[_Repo]:
        """The repository of an /api/{type}s/{repo_id}/... route, or None after answering an error."""
        if write and not self._write_allowed():
            return None
        repo = self.hub._repos.get((m["plural"][:-1], m["repo"]))
        if repo is None or (repo.private and not self._authenticated()):
            if write:
                self._read_body()
            self._send_error_json(404 if write else 401, "RepoNotFound", "Repository not found")
            return None
        return repo

    def _writable_branch(self, repo: _Repo, revision: str) -> bool:
        """Commits go onto an existing branch (or ``main`` of an empty repository); 404 otherwise."""
        if revision in repo.refs and not is_commit_sha(revision) or (revision == "main" and not repo.refs):
            return True
        self._read_body()
        self._send_error_json(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return False

    def _repo_url(self, repo: _Repo) -> str:
        prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
        return f"{self.hub.endpoint}/{prefix}{repo.repo_id}"

    def _api_create_repo(self, m: dict):
        if not self._write_allowed():
            return
        payload = self._read_json() or {}
        name, org = payload.get("name"), payload.get("organization")
        repo_type = payload.get("type") or "model"
        if not name or not org or repo_type not in ("model", "dataset", "space", "kernel"):
            self._send_error_json(400, None, "name, organization and a valid type are required")
            return
        repo_id = f"{org}/{name}"
        with self.hub._lock:
            if (repo_type, repo_id) in self.hub._repos:  # the Hub's 409 carries the url too
                message = "You already created this model repo"
                self._send_json(409, {"error": message, "url": self._repo_url(self.hub._repos[(repo_type, repo_id)])},
                                {"X-Error-Message": message})
                return
            self.hub.create_repo(repo_id, repo_type=repo_type, private=payload.get("visibility") == "private")
            attributes = "".join(f"*{suffix} filter=lfs diff=lfs merge=lfs -text\n" for suffix in self.hub.lfs_suffixes)
            self.hub.commit(repo_id, {".gitattributes": attributes}, repo_type=repo_type, message="initial commit")
            repo = self.hub._repos[(repo_type, repo_id)]
        self._send_json(200, {"url": self._repo_url(repo), "name": repo_id, "id": repo_id})

    def _api_create_branch(self, m: dict):
        with self.hub._lock:
            repo = self._api_repo(m, write=True)
            if repo is None:
                return
            start = (self._read_json() or {}).get("startingPoint") or "main"
            if m["branch"] in repo.refs:
                self._send_error_json(409, None, f"Reference already exists: refs/heads/{m['branch']}")
                return
            sha = self.hub._resolve(repo, start)
            if sha is None:
                self._send_error_json(404, "RevisionNotFound", f"Invalid rev id: {start}")
                return
            repo.refs[m["branch"]] = sha
        self._send_json(200, {})

    def _api_validate_yaml(self, m: dict):
        import yaml  # a dependency of huggingface_hub

        content = (self._read_json() or {}).get("content") or ""
        front = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", content, re.S)
        if front is None:
            self._send_json(200, {"errors": [],
                                  "warnings": [{"message": "empty or missing yaml metadata in repo card"}]})
            return
        errors = []
        try:
            meta = yaml.safe_load(front.group(1))
        except yaml.YAMLError as err:
            meta, errors = None, [f"YAML parse error: {err}"]
        if not errors and not isinstance(meta, dict):
            errors.append("the YAML metadata must be a mapping")
        elif not errors and "model-index" in meta:
            index = meta["model-index"]
            if not isinstance(index, list) or not all(isinstance(e, dict) and "name" in e and "results" in e
                                                        for e in index):
                errors.append('"model-index" must be a list of {name, results}')
        if errors:
            self._send_json(400, {"errors": [{"message": e} for e in errors]})
        else:
            self._send_json(200, {"errors": [], "warnings": []})

    def _api_preupload(self, m: dict):
        with self.hub._lock:
            repo = self._api_repo(m, write=True)
            if repo is None or not self._writable_branch(repo, m["revision"]):
                return
            payload = self._read_json() or {}
            sha = repo.refs.get(m["revision"])
            tree = repo.commits[sha] if sha else {}
        files = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                  "oid": git_blob_sha1(tree[f["path"]]) if f["path"] in tree else None}
                 for f in payload.get("files", [])]
        self._send_json(200, {"files": files, "commitOid": sha})

    def _api_commit(self, m: dict):
        if "create_pr" in parse_qs(urlsplit(self.path).query):
            self._read_body()
            self._send_error_json(400, None, "pull requests are not supported by the test Hub")
            return
        with self.hub._lock:
            repo = self._api_repo(m, write=True)
            if repo is None or not self._writable_branch(repo, m["revision"]):
                return
            try:
                items = [json.loads(line) for line in self._read_body().splitlines() if line.strip()]
                header = next(item["value"] for item in items if item["key"] == "header")
                if not header.get("summary"):
                    raise ValueError("empty commit summary")
            except (ValueError, KeyError, TypeError, StopIteration) as err:
                self._send_error_json(400, None, f"malformed commit payload: {err!r}")
                return
            parent = repo.refs.get(m["revision"])
            if header.get("parentCommit") and not (parent or "").startswith(header["parentCommit"]):
                self._send_error_json(412, None, f"parent commit {header['parentCommit']} is not the head of "
                                                 f"{m['revision']} ({parent})")
                return
            tree = repo.commits[parent] if parent else {}
            changes: dict[str, Optional[bytes]] = {}
            for item in items:
                key, value = item.get("key"), item.get("value") or {}
                if key == "header":
                    continue
                path = value.get("path")
                if key == "file" and value.get("encoding") == "base64":
                    changes[path] = base64.b64decode(value.get("content", ""), validate=True)
                elif key == "lfsFile":
                    data = self.hub._blob(value.get("oid", ""))
                    if data is None or len(data) != value.get("size"):
                        self._send_error_json(400, None, f"LFS object {value.get('oid')} of {path} was not uploaded")
                        return
                    changes[path] = data
                elif key == "deletedFile" and path in tree:
                    changes[path] = None
                elif key == "deletedFolder":
                    prefix = path.rstrip("/") + "/"
                    changes.update({name: None for name in tree if name.startswith(prefix)})
                elif key == "deletedFile":
                    self._send_error_json(404, "EntryNotFound", f"A file with this name doesn't exist: {path}")
                    return
                else:
                    self._send_error_json(400, None, f"unsupported commit operation {key!r}")
                    return
            sha = self.hub.commit(repo.repo_id, changes, revision=m["revision"], repo_type=repo.repo_type,
                                  message=header["summary"])
        self._send_json(200, {"success": True, "commitOid": sha, "commitUrl": f"{self._repo_url(repo)}/commit/{sha}",
                              "hookOutput": ""})

    def _api_repo_info(self, m: dict):
        with self.hub._lock:
            repo = self._api_repo(m, write=False)
            if repo is None:
                return
            revision = m["revision"] or "main"
            sha = self.hub._resolve(repo, revision)
            if sha is None and (m["revision"] or repo.refs):
                self._send_error_json(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                return
            tree = repo.commits[sha] if sha else {}
        self._send_json(200, {"id": repo.repo_id, "sha": sha, "private": repo.private,
                              "lastModified": "2026-01-01T00:00:00.000Z",
                              "siblings": [{"rfilename": name} for name in sorted(tree)]})
