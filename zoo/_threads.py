"""Thread use for small batches.

On a 2-core machine that is busy with other work, torch's intra-op thread pool makes small
batches much slower than one thread: every matrix product waits for a second core that is
not free (``zoo validate ic-isotropic`` measured 235 s with 2 threads vs 11 s with 1 on a
loaded machine). Measured here (ic-isotropic ``ppf``, ns per row, 2 threads / 1 thread;
``python benchmarks/validate_threads.py`` for validation):

    rows            256    1024   4096   16384  65536
    idle machine    0.97   0.83   0.66   0.62   0.63
    one busy core   4.06   2.61   2.31   2.16   1.50

No fixed choice wins both rows; below ``SMALL_BATCH_ROWS`` one thread bounds the worst
case (at most ~1.6x slower when the machine is idle, instead of 2-4x, and up to 20x,
slower when it is not). Larger batches keep torch's setting.
"""
from __future__ import annotations

import contextlib
import threading

import torch

#: batches with fewer rows than this run on a single torch thread
SMALL_BATCH_ROWS = 1 << 15

_lock = threading.Lock()
_depth = 0
_saved = 0


@contextlib.contextmanager
def single_thread():
    """Run the block with one torch intra-op thread (re-entrant; restores the setting)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = torch.get_num_threads()
            if _saved != 1:
                torch.set_num_threads(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved != 1:
                torch.set_num_threads(_saved)


def threads_for_rows(rows: int):
    """``single_thread()`` for a batch below SMALL_BATCH_ROWS rows, else torch's own setting."""
    return single_thread() if rows < SMALL_BATCH_ROWS else contextlib.nullcontext()
