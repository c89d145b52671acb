"""Test tiers (issue 24): the README's ``python -m pytest -q`` is the fast tier; ``--full`` adds the rest.

The fast tier holds every unit and contract test and, for tests that repeat over the bundled models,
one representative model per code path (``REPRESENTATIVES``); the full tier (tests marked ``full``)
repeats them over every model and adds the slow campaigns: every kernel mode, recipe smoke runs of
every model, fuzzing, the validator re-measuring every card. Model lists come from the registry
(``zoo.list``), never by hand, so a new model joins the full tier by being bundled.
"""
from __future__ import annotations

import pytest

#: the samplers the fast tier repeats the per-model kernel, emulation, validation and recipe tests on,
#: one per code path of the network and kernel: bessel-test (a one-parameter 1-D map, identity
#: column, arcsine coordinate) and gaussian-2d (a chain without parameters). The other code paths
#: have their own unit tests in the fast tier: conditional supports (test_conditional_support.py),
#: coordinates that use earlier components and every coordinate's kernel form
#: (test_cuda_codegen.py::test_every_coordinate_compiles_alone, test_transform_defs.py), extra input
#: columns (test_cuda_emulate.py::test_extra_input_columns), the exports of every model (test_export.py).
#: Measured (fresh clone, this 2-core machine kind): the per-model tests cost 5-60 s per model and
#: kernel mode, ~10 min per model for the whole suite's share of ic-isotropic-2d.
REPRESENTATIVES = ("bessel-test", "gaussian-2d")


def by_tier(names, fast=REPRESENTATIVES):
    """pytest params over ``names``: those in ``fast`` run in the fast tier, the others in the full tier."""
    return [pytest.param(n, marks=() if n in fast else pytest.mark.full, id=str(n)) for n in names]
