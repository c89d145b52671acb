// Klein-Nishina rates in C (float64): the total cross section sigma_KN(k) / sigma_T of a photon of
// energy k [m_e c^2] on an electron at rest, for every k >= 0, relative error <= 1e-13 (tests:
// tests/test_rates.py against zoo.processes.klein_nishina.physics.total_cross_section, mpmath and the
// published values). The same closed form as the Python physics layer (zoo/processes/klein_nishina/
// physics.py): sigma / sigma_T = 3 H(S) / (8 k), S = ln(1 + 2k), H = A - (2/k) B + C / k^2 with
// A = S - expm1(-2S)/2, B = S + expm1(-S), C = 2 sinh S - 2 S, B and C by their power series below
// S = 1/2 (no cancellation); below k = 1e-4 the Taylor series of sigma itself (Thomson limit 1).
// Used by zoo export (RZ_FN = static inline, or __device__ in CUDA) through the targets' KernelRate.

// B(s) = s + expm1(-s) = sum_{n >= 2} (-s)^n / n!  (relative-accurate for s >= 0)
RZ_FN double rz_kn_func_b(double s) {
    if (s >= 0.5) return s + expm1(-s);
    double term = s * s / 2.0, sum = 0.0, t[24];
    int n, m = 0;
    for (n = 2; n < 26 && m < 24; ++n, ++m) {   // terms in increasing order, summed smallest first
        t[m] = term;
        term *= -s / (double)(n + 1);
    }
    for (n = m - 1; n >= 0; --n) sum += t[n];
    return sum;
}

// C(s) = 2 sinh s - 2 s = 2 sum_{n odd >= 3} s^n / n!  (relative-accurate for s >= 0)
RZ_FN double rz_kn_func_c(double s) {
    if (s >= 0.5) return expm1(s) - expm1(-s) - 2.0 * s;
    double term = s * s * s / 3.0, sum = 0.0, t[12];
    int n, m = 0;
    for (n = 3; m < 12; n += 2, ++m) {
        t[m] = term;
        term *= s * s / (double)((n + 1) * (n + 2));
    }
    for (n = m - 1; n >= 0; --n) sum += t[n];
    return sum;
}

// sigma_KN(k) / sigma_T, k >= 0 (NaN for k < 0 or NaN)
RZ_FN double rz_kn_sigma(double k) {
    if (!(k >= 0.0)) return RZ_NAN;
    if (k < 1e-4) {   // Taylor series in k: the first omitted term is < 1e-22 relative here
        return 1.0 + k * (-2.0 + k * (26.0 / 5.0 + k * (-133.0 / 10.0 + k * (1144.0 / 35.0
               + k * (-544.0 / 7.0)))));
    }
    const double s = log1p(2.0 * k);
    const double a = s - 0.5 * expm1(-2.0 * s);
    return 3.0 * ((a - (2.0 / k) * rz_kn_func_b(s)) + rz_kn_func_c(s) / k / k) / (8.0 * k);
}

// the rate of model klein-nishina(-polarized): sigma_KN(k) / sigma_T, p[0] = k
RZ_FN double rz_rate_kn_sigma(const double *p) { return rz_kn_sigma(p[0]); }

// the rate of model ic-head-on: the electron-frame cross section sigma_KN(b/2) / sigma_T, p[0] = b
RZ_FN double rz_rate_head_on_sigma(const double *p) { return rz_kn_sigma(0.5 * p[0]); }
