// Classical synchrotron photon number rate in C (float64). The spectrum this target draws is
// dN/dx ~ Int_x^inf K_{5/3}(s) ds in x = E / E_c, and its total is
//     Int_0^inf Int_x^inf K_{5/3}(s) ds dx = Int_0^inf s K_{5/3}(s) ds = Gamma(1/6) Gamma(11/6) = 5 pi / 3,
// so an electron of Lorentz factor gamma on a curve of radius rho emits
//     dN/dt = (sqrt(3) / (2 pi)) alpha (gamma c / rho) x 5 pi / 3 = (5 / (2 sqrt 3)) alpha gamma c / rho
// photons per unit time (in a field B at pitch angle a, gamma c / rho = e B sin(a) / (m_e c)), with no
// dependence on gamma at fixed B. zoo/processes/synchrotron/physics.py (NORMALISATION); tests/test_rates.py.

// the rate of model synchrotron: 5 pi / 3 (no parameters; p may be NULL)
RZ_FN double rz_rate_sync_number(const double *p) {
    (void)p;
    return 5.2359877559829887;   // 5 pi / 3
}
