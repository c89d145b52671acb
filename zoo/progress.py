"""Progress lines on long work (issue 23): one tqdm bar on stderr that appears only once the
work has run for ``DELAY_S`` seconds, and never where stderr is not a terminal (logs, CI, pipes)
unless ``RADZOO_PROGRESS=1`` forces it (``0`` silences it everywhere)."""
from __future__ import annotations

import os
import sys

#: seconds of work before a bar appears (short calls print nothing)
DELAY_S = 2.0


def enabled() -> bool:
    env = os.environ.get("RADZOO_PROGRESS")
    if env is not None:
        return env.strip() not in ("", "0")
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def bar(iterable=None, *, total=None, desc: str = "", unit: str = "it", **kw):
    """A tqdm bar (a silent one when disabled)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, delay=DELAY_S, disable=not enabled(),
                file=sys.stderr, dynamic_ncols=True, leave=False, **kw)
