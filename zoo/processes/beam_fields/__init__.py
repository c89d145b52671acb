"""Magnetic fields of electron bunches in a beam pipe (issue 27, seed 002's FoHM-NO): the data and
the exact reference that the field operators learn. See docs/beam_fields.md.

* ``physics``  the card's physics block (``PHYSICS``: gamma, pipe, period) and the grid (no torch);
* ``spectral`` the exact solver: the quasi-static vector potential of a bunch moving with a common
  velocity in a perfectly conducting square pipe, (k_perp^2 + k_z^2 / gamma^2) A^ = mu0 J^, solved
  mode by mode in the pipe's sine/cosine basis (odd/even images about the walls, FFT), the
  transverse (Coulomb-gauge) part A_perp, B = curl A_perp, the spectral divergence; and the closed
  forms it is verified against (Lienard-Wiechert of a uniformly moving charge, a Gaussian bunch);
* ``beams``    a solenoid, a Boris pusher (external fields only, no space charge), beams (Gaussian;
  "complex": beamlets, rings, tilts, chirps) and their deposition (cloud in cell) as rho and J;
* ``dataset``  the training set: complex beams (train + validation), Gaussian beams (test, never
  trained on); J stored, A and B recomputed by the exact solver on loading;
* ``training`` the FoHM-NO recipe and the three comparison networks; ``validation`` its metrics.

Not a sampler process: it declares no target (``TARGETS = ()``). Importing the package needs no
torch (``zoo info`` reads the physics block); the solver and the networks import it on use.
"""
from .physics import AXES, COMPONENTS, PHYSICS, VECTORS, BeamFieldsPhysics

#: this package contributes no sampler target (zoo.targets' discovery requires the attribute)
TARGETS = ()


def validate_surrogate(model, dataset, **kwargs):
    """The card metrics of a beam-fields surrogate (``zoo validate NAME --data FILE``): see
    ``zoo.processes.beam_fields.validation.validate``."""
    from .validation import validate

    return validate(model, dataset, **kwargs)


__all__ = ["TARGETS", "PHYSICS", "BeamFieldsPhysics", "AXES", "COMPONENTS", "VECTORS", "validate_surrogate"]
