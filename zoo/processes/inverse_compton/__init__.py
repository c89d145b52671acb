"""Inverse Compton scattering: in an isotropic monochromatic photon field (seed paper eq. 27-29;
``isotropic``, with the total and differential rates in ``rates``), on photons from one direction in
the head-on approximation (``head_on``), the isotropic case as a chain of the interaction angle
and the head-on energy (``isotropic_2d``), and the spectra of electron populations (``spectra``,
``zoo spectrum``).

The targets are imported on first use (PEP 562): the command line's light commands import the
``spectra`` command-line module from here without torch.
"""
import importlib

_CLASSES = {"InverseComptonIsotropic": "isotropic", "InverseComptonHeadOn": "head_on",
            "InverseComptonIsotropic2D": "isotropic_2d"}


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
    if name == "TARGETS":   # one instance of each, made once
        targets = tuple(__getattr__(c)() for c in ("InverseComptonIsotropic", "InverseComptonHeadOn",
                                                   "InverseComptonIsotropic2D"))
        globals()["TARGETS"] = targets
        return targets
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_CLASSES, "TARGETS"])
