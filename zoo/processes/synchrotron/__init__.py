"""Classical synchrotron radiation: the photon number spectrum in x = E / E_c (``synchrotron``,
no parameters); closed-form normalisation and moments in ``physics``."""
from .target import Synchrotron

TARGETS = (Synchrotron(),)
