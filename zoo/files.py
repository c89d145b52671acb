"""Writing files safely: one place for every file the zoo writes (cards, weights, exports,
samples, caches, checkpoints).

``atomic_write`` creates its temporary file exclusively (``tempfile.mkstemp``: ``O_CREAT |
O_EXCL``, a fresh random name) in the target's own folder, writes through that descriptor and
renames it over the target (``os.replace``). So a crash never leaves half a file, and a link
planted at the target or at any guessable temporary name is replaced, never written through
(issue 23: a symlink at ``radzoo_<name>.h.tmp`` made ``zoo export`` overwrite its target).
Operating-system failures a user can cause (a path too long for the filesystem, a file where a
folder should be, no permission) become ``ValueError`` naming the argument.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO, Callable, Union

Data = Union[bytes, str, Callable[[BinaryIO], None]]

_REASONS = {
    errno.ENAMETOOLONG: "the path is too long for the filesystem",
    errno.ENOTDIR: "a component of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the filesystem is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EEXIST: "it exists and is not a folder",
    errno.ENOENT: "its folder does not exist",
}


def os_error(err: OSError, what: str, path) -> Exception:
    """An ``OSError`` a user's path caused, as a ``ValueError`` naming the argument; anything
    else unchanged."""
    reason = _REASONS.get(err.errno)
    if reason is None:
        return err
    shown = str(path)
    if len(shown) > 120:
        shown = shown[:60] + f"...({len(shown)} characters)..." + shown[-40:]
    return ValueError(f"{what} {shown!r} cannot be written: {reason}")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stat(path: Path, what: str):
    """``os.stat`` of path (None if absent), an ``OSError`` (path too long, ...) named."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise os_error(err, what, path) from None


def atomic_write(path, data: Data, *, what: str = "path") -> Path:
    """Write ``data`` (bytes, text as UTF-8, or a function that writes to a binary file) to
    ``path`` atomically, never through a link; returns the path. ``what`` names the argument
    in errors."""
    path = Path(path)
    if len(os.fsencode(path.name)) > 255:
        raise os_error(OSError(errno.ENAMETOOLONG, "name too long"), what, path)
    st = _stat(path, what)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{what} {str(path)!r} is a folder; give a file name")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:64]}.", suffix=".tmp")
    except OSError as err:
        raise os_error(err, what, path) from None
    try:
        with suppress(OSError):
            os.fchmod(fd, 0o666 & ~_umask())      # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException as err:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise os_error(err, what, path) from None
        raise
    return path


def make_folder(path, *, what: str = "out") -> Path:
    """``path`` as an existing folder (created with its parents), or ``ValueError`` naming
    ``what`` (an existing file there, a path too long, no permission)."""
    path = Path(path)
    st = _stat(path, what)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{what} {str(path)!r} is an existing file; it must name a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise os_error(err, what, path) from None
    return path
