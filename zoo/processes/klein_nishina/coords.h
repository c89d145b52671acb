// Supports and coordinates of zoo/processes/klein_nishina: the one C source
// of their maps (w in [0, 1] -> sample). The fused CUDA kernel includes these functions (NVRTC:
// RZ_FN = __device__ __forceinline__, rz_map_t = float or double, kernels/radzoo_coords.cuh) and the
// tests compile this file with gcc (tests/test_coords_headers.py). The torch and numpy forms, and
// the map constants' meaning, are beside them in Python (KernelSupport, KernelCoordinate).
// Signatures: rz_support_<s>(int k, const double* p, const double* prev, RzMap* m) sets m->lo, m->hi;
// rz_prep_<c>(const double* p, const double* prev, RzMap* m) sets the map constants (fp64);
// rz_map_<c>(rz_map_t w, const RzMap* m) returns the sample (double).

// Klein-Nishina, p[0] = k [m_e c^2]: eps = k'/k in [1 / (1 + 2k), 1]
RZ_FN void rz_support_kn(int k, const double* p, const double* prev, RzMap* m) {
    (void)k; (void)prev;
    m->lo = 1.0 / (1.0 + 2.0 * p[0]);
    m->hi = 1.0;
}

// Klein-Nishina `log_eps`: eps = exp(-(1 - w) S), S = ln(1 + 2k) (c[0]), from the nearer end:
// eps_min (1 + expm1(w S)) below w = 1/2, 1 / (1 + expm1((1 - w) S)) above; expm1 in rz_map_t, rest fp64
RZ_FN void rz_prep_kn_log_eps(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    m->c[0] = (rz_map_t)log1p(2.0 * p[0]);
}
RZ_FN double rz_map_kn_log_eps(rz_map_t w, const RzMap* m) {
    if (w < (rz_map_t)0.5) return m->lo * (1.0 + (double)rz_expm1(w * m->c[0]));
    return 1.0 / (1.0 + (double)rz_expm1(((rz_map_t)1 - w) * m->c[0]));
}

// polarized Klein-Nishina, p[0] = k [m_e c^2]: eps in [1 / (1 + 2k), 1], then phi in [0, 2 pi]
RZ_FN void rz_support_kn_polarized(int k, const double* p, const double* prev, RzMap* m) {
    (void)prev;
    m->lo = k == 0 ? 1.0 / (1.0 + 2.0 * p[0]) : 0.0;
    m->hi = k == 0 ? 1.0 : 6.283185307179586;
}

// the constants both azimuth coordinates start from, p[0] = k, prev[0] = eps (azimuth_alpha_beta in
// target.py): alpha = *al, gamma = (pi^2/6) beta = *ga; sets the cubic's root constants c[0], c[1]
RZ_FN void rz_kn_azimuth_root(const double* p, const double* prev, RzMap* m, double* alpha, double* gamma) {
    const double k = p[0], eps = prev[0];
    const double t = (1.0 - eps) / eps, ct = (k - t) / k, h = (t / k) * (2.0 - t / k);
    const double a = (1.0 - eps) * (1.0 - eps) / eps + 2.0 * ct * ct;
    const double al = fmax(a / (a + h), 1e-20), ga = 1.6449340668482264 * fmax(h / (a + h), 1e-30), nn = al + ga;
    m->c[0] = (rz_map_t)(2.0 * sqrt(al / (3.0 * ga)));
    m->c[1] = (rz_map_t)(2.598076211353316 * nn * sqrt(ga) / (al * sqrt(al)));
    *alpha = al;
    *gamma = ga;
}

// polarized Klein-Nishina `azimuth_cubic`, p[0] = k, prev[0] = eps: quarters of [0, 2 pi) mirrored
// about the density maxima, psi = (pi/2) c[0] sinh(asinh(c[1] m) / 3) the root of alpha x + gamma x^3 = N m
RZ_FN void rz_prep_kn_azimuth(const double* p, const double* prev, RzMap* m) {
    double al, ga;
    rz_kn_azimuth_root(p, prev, m, &al, &ga);
    const double nn = al + ga;
    m->g = 6.0 * ga * nn / ((al + 3.0 * ga) * (al + 3.0 * ga));
}
RZ_FN double rz_map_kn_azimuth(rz_map_t w, const RzMap* m) {
    const rz_map_t s = (rz_map_t)4 * w;
    const int j = rz_clampi((int)floor(s), 0, 3);
    const rz_map_t r = (j & 1) ? (rz_map_t)(j + 1) - s : s - (rz_map_t)j, q = (rz_map_t)1 - r;
    const rz_map_t mm = r + ((rz_map_t)0.5 * (rz_map_t)m->g) * r * q * q;
    const rz_map_t z = m->c[1] * mm, zb = z > (rz_map_t)1 ? z : (rz_map_t)1;   // sinh(asinh(z)/3), cbrt form above 1
    const rz_map_t cb = rz_cbrt(zb * ((rz_map_t)1 + rz_sqrt((rz_map_t)1 + (rz_map_t)1 / (zb * zb))));
    const rz_map_t sh = z <= (rz_map_t)1 ? rz_sinh(rz_asinh(z) / (rz_map_t)3) : (rz_map_t)0.5 * (cb - (rz_map_t)1 / cb);
    const double psi = (double)((rz_map_t)1.5707963267948966 * m->c[0] * sh);
    return (j & 1) ? (j + 1) * 1.5707963267948966 - psi : j * 1.5707963267948966 + psi;
}

// polarized Klein-Nishina `azimuth_kepler`, p[0] = k, prev[0] = eps: quarters mirrored as in
// `azimuth_cubic`; per quarter Kepler's equation alpha psi + (beta/2)(2 psi - sin 2 psi) = (pi/2) r
// solved by 3 Newton steps from the cubic's root (m->c[0], m->c[1]); m->g = alpha, beta = 1 - alpha
RZ_FN void rz_prep_kn_kepler(const double* p, const double* prev, RzMap* m) {
    double al, ga;
    rz_kn_azimuth_root(p, prev, m, &al, &ga);
    m->g = al;
}
RZ_FN rz_map_t rz_kepler_xms(rz_map_t x) {   // x - sin x, series below 1/2
    const rz_map_t xs = x < (rz_map_t)0.5 ? x : (rz_map_t)0.5, x2 = xs * xs;
    const rz_map_t acc = (rz_map_t)0.16666666666666666 - x2 * (0.008333333333333333 - x2 * (0.0001984126984126984 - x2 * (2.7557319223985893e-06 - x2 * (2.505210838544172e-08 - x2 * (1.6059043836821613e-10 - x2 * (7.647163731819816e-13))))));
    return x < (rz_map_t)0.5 ? xs * x2 * acc : x - rz_sin(x);
}
RZ_FN double rz_map_kn_kepler(rz_map_t w, const RzMap* m) {
    const rz_map_t s = (rz_map_t)4 * w;
    const int j = rz_clampi((int)floor(s), 0, 3);
    const rz_map_t r = (j & 1) ? (rz_map_t)(j + 1) - s : s - (rz_map_t)j;
    const rz_map_t al = (rz_map_t)m->g, be = (rz_map_t)(1.0 - m->g), hp = (rz_map_t)1.5707963267948966;
    const rz_map_t z = m->c[1] * r, zb = z > (rz_map_t)1 ? z : (rz_map_t)1;
    const rz_map_t cb = rz_cbrt(zb * ((rz_map_t)1 + rz_sqrt((rz_map_t)1 + (rz_map_t)1 / (zb * zb))));
    rz_map_t psi = hp * m->c[0] * (z <= (rz_map_t)1 ? rz_sinh(rz_asinh(z) / (rz_map_t)3) : (rz_map_t)0.5 * (cb - (rz_map_t)1 / cb));
    const rz_map_t target = hp * r;
    for (int i = 0; i < 3; ++i) {
        const rz_map_t sn = rz_sin(psi);
        const rz_map_t f = al * psi + (rz_map_t)0.5 * be * rz_kepler_xms(psi + psi) - target;
        psi = psi - f / (al + (be + be) * sn * sn);
        psi = psi < (rz_map_t)0 ? (rz_map_t)0 : (psi > hp ? hp : psi);
    }
    return (j & 1) ? (j + 1) * 1.5707963267948966 - (double)psi : j * 1.5707963267948966 + (double)psi;
}
