// Inverse Compton total rate in C (float64): R(gamma, eps0), the scattering rate of an electron of
// Lorentz factor gamma in an isotropic field of photons of energy eps0 [m_e c^2], per unit photon number
// density, in units of sigma_T c (seed paper eq. 28 integrated; zoo/processes/inverse_compton/rates.py):
//     R = 3 [H(1; b) - H(q_min; b)],   b = 4 gamma eps0,   q_min = 1 / (4 gamma (gamma - eps0)),
// H(q; b) = Int_0^q f(q'; b) / (1 + b q')^2 dq' by its power series in y = b q below 0.1 and in closed
// form (with the dilogarithm Li2(-y)) above, as the Python antiderivative
// (zoo/processes/inverse_compton/isotropic.py). R -> 1 in the Thomson limit b -> 0. tests/test_rates.py.

// Li2(-y), y >= 0: its series for y <= 1/2, Landen's identity Li2(-y) = -Li2(y / (1 + y)) - ln^2(1 + y) / 2
// for 1/2 < y <= 2 (y / (1 + y) <= 2/3), the inversion Li2(-y) = -pi^2/6 - ln^2(y)/2 - Li2(-1/y) above
RZ_FN double rz_ic_li2_neg(double y) {
    double sum = 0.0, p, w, l;
    int k;
    if (y > 2.0) {
        l = log(y);
        return -1.6449340668482264 - 0.5 * l * l - rz_ic_li2_neg(1.0 / y);
    }
    if (y > 0.5) {
        w = y / (1.0 + y);
        l = log1p(y);
        for (k = 1, p = w; k <= 110; ++k, p *= w) sum += p / ((double)k * (double)k);   /* (2/3)^110 < 1e-19 */
        return -sum - 0.5 * l * l;
    }
    for (k = 1, p = -y; k <= 64; ++k, p *= -y) sum += p / ((double)k * (double)k);          /* 2^-64 */
    return sum;
}

// H(q; b) for y = b q <= 0.1: term-wise integral of the series in y (18 terms)
RZ_FN double rz_ic_h_series(double q, double b) {
    const double y = b * q;
    const double lnq = q > 0.0 ? log(q) : 0.0;
    double a = 0.0, c = 0.0, p = 1.0;
    int k;
    for (k = 0; k < 18; ++k, p *= -y) {
        const double k1 = k + 1.0, k2 = k + 2.0, k3 = k + 3.0, k4 = k + 4.0;
        a += k1 * p * (2.0 * q * (lnq / k2 - 1.0 / (k2 * k2)) + 1.0 / k1 + q / k2 - 2.0 * q * q / k3);
        c += 0.5 * k1 * k2 * p * (1.0 / k3 - q / k4);
    }
    return q * a + 0.5 * y * y * q * c;
}

// H(q; b) in closed form (for y = b q >= 0.1)
RZ_FN double rz_ic_h_closed(double q, double b) {
    const double y = b * q, s = 1.0 + y, ln_s = log1p(y), lnq = log(q), ys = y / s;
    const double part_a = (2.0 / (b * b)) * (lnq * (ln_s - ys) + rz_ic_li2_neg(y) + ln_s);
    const double i0 = ys, i1 = ln_s - ys, i2 = y - 2.0 * ln_s + ys;
    const double part_b = (i0 + i1 / b - 2.0 * i2 / (b * b)) / b;
    const double j2 = ln_s + 2.0 / s - 0.5 / (s * s) - 1.5;
    const double j3 = s - 3.0 * ln_s - 3.0 / s + 0.5 / (s * s) + 1.5;
    const double part_c = (j2 - j3 / b) / (2.0 * b);
    return part_a + part_b + part_c;
}

// H(q; b) = Int_0^q f / (1 + b q')^2 for 0 <= q <= 1, b > 0
RZ_FN double rz_ic_h(double q, double b) {
    const double qs = 0.1 / b;
    if (q <= qs) return rz_ic_h_series(q, b);
    return rz_ic_h_series(qs, b) + (rz_ic_h_closed(q, b) - rz_ic_h_closed(qs, b));
}

// R(gamma, eps0) [sigma_T c per unit photon density]; NaN unless gamma >= 1 and 0 <= eps0 < gamma
RZ_FN double rz_ic_total_rate(double gamma, double eps0) {
    if (!(gamma >= 1.0) || !(eps0 >= 0.0) || !(eps0 < gamma)) return RZ_NAN;
    const double b = 4.0 * gamma * eps0, q_min = 1.0 / (4.0 * gamma * (gamma - eps0));
    if (b == 0.0) return 3.0 * (rz_ic_h_series(1.0, 0.0) - rz_ic_h_series(q_min, 0.0));   /* eps0 = 0 */
    return 3.0 * (rz_ic_h(1.0, b) - rz_ic_h(q_min, b));
}

// the rate of model ic-isotropic: R(gamma, eps0), p = {gamma, eps0}
RZ_FN double rz_rate_ic_total(const double *p) { return rz_ic_total_rate(p[0], p[1]); }

// the head-on approximation's total rate, 3 H(1; b): R without its q_min cut, which is the angle average
// Int_{-1}^{1} (1 - mu)/2 sigma_KN(gamma eps0 (1 - mu)) / sigma_T dmu (model ic-isotropic-2d); NaN unless
// gamma >= 1 and eps0 >= 0
RZ_FN double rz_ic_head_on_total_rate(double gamma, double eps0) {
    if (!(gamma >= 1.0) || !(eps0 >= 0.0) || !(gamma * eps0 < 1e300)) return RZ_NAN;
    const double b = 4.0 * gamma * eps0;
    if (b == 0.0) return 3.0 * rz_ic_h_series(1.0, 0.0);
    return 3.0 * rz_ic_h(1.0, b);
}

// the rate of model ic-isotropic-2d, p = {gamma, eps0}
RZ_FN double rz_rate_ic_2d_total(const double *p) { return rz_ic_head_on_total_rate(p[0], p[1]); }
