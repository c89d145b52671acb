"""The seed paper's 1-D test distribution (eq. 18-19), a Bessel-function shape with parameter theta."""
from .target import BesselTest

TARGETS = (BesselTest(),)
