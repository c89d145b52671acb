"""Nonlinear Breit-Wheeler pair creation (LCFA): the electron's share f = chi_-/chi_gamma of a
photon's quantum parameter chi_gamma (``breit-wheeler``); the spectrum, the rate function
T(chi_gamma) and its asymptotes in ``physics``."""
from .target import BreitWheeler

TARGETS = (BreitWheeler(),)
