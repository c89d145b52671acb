"""The seed paper's 2-D test distribution (eq. 22), for the chained architecture."""
from .target import Gaussian2D

TARGETS = (Gaussian2D(),)
