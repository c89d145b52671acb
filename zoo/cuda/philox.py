"""The kernel's Philox4x32-10 stream on the CPU: see ``zoo.philox`` (kept here for the CUDA layer)."""
from ..philox import M0, M1, W0, W1, philox4x32, uniforms, words  # noqa: F401
