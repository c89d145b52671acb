"""Tiers: ``python -m pytest -q`` runs the fast tier; ``python -m pytest -q --full`` (or RADZOO_FULL_TESTS=1)
runs everything; ``python -m pytest -q --full -m full`` runs only what the fast tier leaves out.
See tests/tiers.py."""
import os


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="radzoo: run the full suite (every model x every mode, recipe smoke runs, fuzzing, "
                          "re-validation of every card); without it only the fast tier runs")


def pytest_configure(config):
    config.addinivalue_line("markers", "full: in the full tier only (pytest --full); see tests/tiers.py")


def _full(config) -> bool:
    return config.getoption("--full") or os.environ.get("RADZOO_FULL_TESTS") == "1"


def pytest_report_header(config):
    return "radzoo tier: " + ("full (every test)" if _full(config) else
                              "fast (tests marked 'full' deselected; python -m pytest --full runs them)")


def pytest_collection_modifyitems(config, items):
    if _full(config):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("full") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
