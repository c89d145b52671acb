"""Test tiers (issue 24): the README's ``python -m pytest -q`` is the fast tier; ``--full`` adds the rest.

The fast tier holds every unit and contract test and, for tests that repeat over the bundled models,
one representative model per code path (``REPRESENTATIVES``); the full tier (tests marked ``full``)
repeats them over every model and adds the slow campaigns: every kernel mode, recipe smoke runs of
every model, fuzzing, the validator re-measuring every card. Model lists come from the registry
(``zoo.list``), never by hand, so a new model joins the full tier by being bundled.
"""
from __future__ import annotations

import pytest

#: one sampler per code path of the samplers, exports and kernels:
#: bessel-test   one parameter (identity column), arcsine coordinate, shared support
#: gaussian-2d   a chain without parameters (linear coordinate, unit support)
#: ic-isotropic  two parameters, an extra input column (inverse_square), a conditional-free tail map
#: ic-isotropic-2d  a chain with a conditional support (z given mu), earlier extra columns (log_tail)
#: klein-nishina-polarized  a chain with per-component widths and a map that uses earlier components
REPRESENTATIVES = ("bessel-test", "gaussian-2d", "ic-isotropic", "ic-isotropic-2d", "klein-nishina-polarized")


def by_tier(names, fast=REPRESENTATIVES):
    """pytest params over ``names``: those in ``fast`` run in the fast tier, the others in the full tier."""
    return [pytest.param(n, marks=() if n in fast else pytest.mark.full, id=str(n)) for n in names]
