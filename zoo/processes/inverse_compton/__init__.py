"""Inverse Compton scattering: in an isotropic monochromatic photon field (seed paper eq. 27-29;
``target``, with the total and differential rates in ``rates``), and on photons from one direction
in the head-on approximation (``head_on``)."""
from .head_on import InverseComptonHeadOn
from .target import InverseComptonIsotropic

TARGETS = (InverseComptonIsotropic(), InverseComptonHeadOn())
