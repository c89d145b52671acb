"""A module imported on first use, so that the command line's light commands (``zoo --help``,
``list``, ``info``, ``schema``) never pay for torch (7-12 s on a cold disk; issue 23)."""
from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule(ModuleType):
    """Stands for module ``name``; the first attribute access imports it."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_lazy_target"] = None

    def _load(self) -> ModuleType:
        mod = self.__dict__["_lazy_target"]
        if mod is None:
            mod = importlib.import_module(self.__name__)
            self.__dict__["_lazy_target"] = mod
        return mod

    def __getattr__(self, attr: str):
        return getattr(self._load(), attr)


torch = LazyModule("torch")


def lazy_exports(package: str, names: dict[str, str], namespace: dict):
    """(__getattr__, __dir__) for a package whose public names live in submodules and are imported
    on first use (PEP 562): ``names`` maps each name to its submodule (relative to ``package``)."""

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(f".{names[name]}", package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
