"""Inverse Compton scattering: in an isotropic monochromatic photon field (seed paper eq. 27-29;
``isotropic``, with the total and differential rates in ``rates``), on photons from one direction in
the head-on approximation (``head_on``), and the isotropic case as a chain of the interaction angle
and the head-on energy (``isotropic_2d``)."""
from .head_on import InverseComptonHeadOn
from .isotropic_2d import InverseComptonIsotropic2D
from .isotropic import InverseComptonIsotropic

TARGETS = (InverseComptonIsotropic(), InverseComptonHeadOn(), InverseComptonIsotropic2D())
