"""The training-set files of field surrogates (numpy only, no torch): an .npz of arrays plus a
``meta`` JSON string, identified by ``content_sha256``. Each process's dataset module
(``zoo.processes.csr_wake.dataset``, ``zoo.processes.beam_fields.dataset``) writes its own arrays
and reads them back through ``read_checked``."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np


def content_sha256(arrays: dict[str, np.ndarray]) -> str:
    """sha256 of every array's name, dtype, shape and bytes (sorted by name; ``meta`` excluded)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        if name == "meta":
            continue
        a = np.ascontiguousarray(arrays[name])
        h.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def read_checked(path: str | Path, *, what: str, generator: str, need: set[str],
                 sha256: str | None = None) -> tuple[Path, dict, dict, str]:
    """Read a training-set .npz: (path, arrays, meta, content sha256). ValueError, naming ``what``
    the file should be, if it is missing (pointing to ``python -m generator``), unreadable, lacks
    arrays ``need``, is damaged (its hash is not the one in ``meta``) or is not ``sha256``."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"dataset {path} does not exist; generate it with python -m {generator}")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(str(arrays["meta"]))
    except Exception as err:  # noqa: BLE001 - a damaged or foreign file of any sort
        raise ValueError(f"dataset {path} cannot be read as a {what} ({type(err).__name__}: {err})") from None
    if not need <= set(arrays):
        raise ValueError(f"dataset {path} lacks arrays {sorted(need - set(arrays))}")
    digest = content_sha256(arrays)
    if digest != meta.get("sha256"):
        raise ValueError(f"dataset {path}: its content hash {digest[:12]}... differs from the one it was written "
                         "with: the file is damaged; generate it again")
    if sha256 is not None and digest != sha256:
        raise ValueError(f"dataset {path} has sha256 {digest}, the card was trained on {sha256}: "
                         "it is another training set (regenerate with the card's training.dataset.command)")
    return path, arrays, meta, digest
