"""Quantum synchrotron emission (nonlinear Compton, LCFA): the photon's share xi = chi_gamma/chi
of an electron's or positron's quantum parameter chi (``quantum-synchrotron``); the spectrum, the
rate function G(chi) and its asymptotes in ``physics``."""
from .target import QuantumSynchrotron

TARGETS = (QuantumSynchrotron(),)
