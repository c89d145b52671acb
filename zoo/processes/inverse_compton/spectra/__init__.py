"""Photon spectra of particle populations (seed paper section 4.3, Fig. 5).

    from zoo.processes.inverse_compton.spectra import PowerLaw, SpectrumConfig, monte_carlo_spectrum, reference_spectrum
    cfg = SpectrumConfig(PowerLaw(3.2, 1.0, 1e9), PowerLaw(1.5, 1e-6, 1e-3))
    mc = monte_carlo_spectrum(zoo.load("ic-isotropic"), cfg)      # histogram with errors
    ref = reference_spectrum(cfg.electrons, cfg.photons, mc.edges)  # direct integration of eq. 28

Units: energies in m_e c^2; populations are number densities per unit gamma / per unit
eps0 (``total`` sets their integrals, e.g. in cm^-3); spectra are dN/(dt dV deps) in
units of sigma_T c x [n_e] x [n_ph] per unit eps. See docs/spectra.md.
"""
from ...._lazy import lazy_exports

#: public names and their modules, imported on first use (``zoo spectrum --help`` needs no torch)
_LAZY = {"Segment": "analytic", "fit_slope": "analytic", "segments": "analytic", "slope_table": "analytic",
         "MCSpectrum": "montecarlo", "SpectrumConfig": "montecarlo", "chi2": "montecarlo",
         "monte_carlo_spectrum": "montecarlo", "PowerLaw": "populations", "Tabulated": "populations",
         "parse_population": "populations", "reference_spectrum": "reference"}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())


__all__ = ["MCSpectrum", "PowerLaw", "Segment", "SpectrumConfig", "Tabulated", "chi2", "fit_slope",
           "monte_carlo_spectrum", "parse_population", "reference_spectrum", "segments", "slope_table"]
