"""Inverse Compton scattering in an isotropic monochromatic photon field (seed paper eq. 27-29):
the exact target (``target``) and the total and differential rates (``rates``)."""
from .target import InverseComptonIsotropic

TARGETS = (InverseComptonIsotropic(),)
