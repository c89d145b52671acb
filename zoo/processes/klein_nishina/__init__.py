"""Compton scattering on an electron at rest (Klein-Nishina): the scattered photon's energy share,
unpolarized (``klein-nishina``), and with the azimuth from a linear polarization
(``klein-nishina-polarized``); closed forms and the total cross section in ``physics``."""
from .target import KleinNishina, KleinNishinaPolarized

TARGETS = (KleinNishina(), KleinNishinaPolarized())
