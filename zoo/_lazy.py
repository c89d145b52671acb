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
