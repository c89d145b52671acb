/* radzoo export: the common part of every exported C header (inlined into each by zoo export,
   zoo/export/cgen.py; the guard lets several exported models share a translation unit). */
#ifndef RADZOO_COMMON_H_
#define RADZOO_COMMON_H_
#include <math.h>
#include <stddef.h>
#include <string.h>
#define RZ_FN static inline
#define RZ_API static inline   /* the public functions, the network and the block */
#if defined(__GNUC__) || defined(__clang__)
/* the batch map's small functions (rz_vm_*, rz_tanh(f), the map's C in the batch path) are always
   inlined: the loops over draws vectorise only with them inlined, and gcc's inliner stops inlining in
   a translation unit that holds many models */
#define RZ_VFN static inline __attribute__((always_inline))
#else
#define RZ_VFN static inline
#endif
#define RZ_DATA static const
#define RZ_NAN ((double)NAN)
#if defined(__GNUC__) || defined(__clang__)   /* vector extensions: the batch network */
#define RZ_VECTOR 1
#define RZ_ALIGN __attribute__((aligned(32)))
typedef double rz_v4d __attribute__((vector_size(32), aligned(32), may_alias));
typedef float rz_v8f __attribute__((vector_size(32), aligned(32), may_alias));
typedef double rz_v4du __attribute__((vector_size(32), aligned(8), may_alias));   /* unaligned loads */
typedef float rz_v8fu __attribute__((vector_size(32), aligned(4), may_alias));
#else
#define RZ_VECTOR 0
#define RZ_ALIGN
#endif

/* The export's float64 log, log1p, log10, exp, expm1 and pow (rz_vm_*): written without branches
   (selects only) and with bit operations through memcpy, so that compilers vectorise the batch
   map's loop over draws (libm's are scalar calls). The supports' and coordinates' C (the kernel's
   text, zoo/processes/<p>/coords.h) calls them in the export in place of libm's (zoo export routes
   the calls). Accuracy against glibc (tests/test_export.py): log, log1p, exp <= 1 ulp, expm1 <= 2 ulp
   on 4e6 random arguments; pow(x, y) = exp(y log x) for x > 0 (relative error ~ |y ln x| 2^-53).
   Special values as libm's: log(0) = -inf, log(x < 0) = NaN, exp(-inf) = 0, NaN propagates; pow of
   a negative base is NaN (the maps never take one). GCC vectorises the selects on AVX-512 as they
   are, and on AVX2 with -fno-trapping-math (which changes no result; clang's default). */
RZ_VFN double rz_vm_bits2d(unsigned long long b) { double d; memcpy(&d, &b, 8); return d; }
RZ_VFN unsigned long long rz_vm_d2bits(double d) { unsigned long long b; memcpy(&b, &d, 8); return b; }
/* log: fdlibm's e_log.c kernel (< 1 ulp), x = 2^k m, m in [sqrt(1/2), sqrt(2)) */
RZ_VFN double rz_vm_log(double x) {
    const int sub = x < 0x1p-1022;
    const double xs = sub ? x * 0x1p54 : x;
    const unsigned long long b = rz_vm_d2bits(xs);
    const unsigned long long kb = (b - 0x3fe6a09e667f3bcdULL + 0x4000000000000000ULL) >> 52;  /* k + 1024 */
    const double k = rz_vm_bits2d(0x4330000000000000ULL | kb) - (0x1p52 + 1024.0) - (sub ? 54.0 : 0.0);
    const double m = rz_vm_bits2d(b - (kb << 52) + (1024ULL << 52));
    const double f = m - 1.0, s = f / (2.0 + f), z = s * s, w = z * z;
    const double t1 = w * (0x1.999999997fa04p-2 + w * (0x1.c71c51d8e78afp-3 + w * 0x1.39a09d078c69fp-3));
    const double t2 = z * (0x1.5555555555593p-1 + w * (0x1.2492494229359p-2 + w * (0x1.7466496cb03dep-3 + w * 0x1.2f112df3e5244p-3)));
    const double R = t2 + t1, hfsq = 0.5 * f * f;
    const double r = k * 0x1.62e42feep-1 - ((hfsq - (s * (hfsq + R) + k * 0x1.a39ef35793c76p-33)) - f);
    double y = x == 0.0 ? -(double)INFINITY : r;     /* flat selects: GCC vectorises these, */
    y = x < 0.0 ? (double)NAN : y;                  /* not nested ones */
    y = x == (double)INFINITY ? x : y;
    return x != x ? x : y;
}
RZ_VFN double rz_vm_log1p(double x) {
    const double u = 1.0 + x;
    const double r = rz_vm_log(u) - ((u - 1.0) - x) / u;
    double y = u == 1.0 ? x : r;
    y = x == -1.0 ? -(double)INFINITY : y;
    return x == (double)INFINITY ? x : y;
}
RZ_VFN double rz_vm_log10(double x) { return rz_vm_log(x) * 0x1.bcb7b1526e50ep-2; }
/* e^r - 1 on |r| <= ln2/2 (Taylor to r^14, < 1e-18) */
RZ_VFN double rz_vm_em1r(double r) {
    return r * (0x1.0000000000000p+0 + r * (0x1.0000000000000p-1 + r * (0x1.5555555555555p-3 + r * (0x1.5555555555555p-5 + r * (0x1.1111111111111p-7 + r * (0x1.6c16c16c16c17p-10 + r * (0x1.a01a01a01a01ap-13 + r * (0x1.a01a01a01a01ap-16 + r * (0x1.71de3a556c734p-19 + r * (0x1.27e4fb7789f5cp-22 + r * (0x1.ae64567f544e4p-26 + r * (0x1.1eed8eff8d898p-29 + r * (0x1.6124613a86d09p-33 + r * 0x1.93974a8c07c9dp-37)))))))))))));
}
/* the reduction exp and expm1 share: x (clamped to [-746, 710]) = k ln2 + r (Cody-Waite), |r| <= ln2/2,
   2^k = sa sb with each factor normal; returns k */
RZ_VFN double rz_vm_reduce(double x, double *r, double *sa, double *sb) {
    const double xc = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
    const double kk = xc * 0x1.71547652b82fep+0 + 0x1.8p+52;
    const double k = kk - 0x1.8p+52;
    *r = (xc - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c7673p-45;
    const double kka = k * 0.5 + 0x1.8p+52;   /* 2^k = 2^ka 2^kb, each factor normal */
    const double kkb = (k - (kka - 0x1.8p+52)) + 0x1.8p+52;
    *sa = rz_vm_bits2d((rz_vm_d2bits(kka) + 1023ULL) << 52);
    *sb = rz_vm_bits2d((rz_vm_d2bits(kkb) + 1023ULL) << 52);
    return k;
}
RZ_VFN double rz_vm_exp(double x) {
    double r, sa, sb;
    rz_vm_reduce(x, &r, &sa, &sb);
    const double e = (1.0 + rz_vm_em1r(r)) * sa * sb;
    double y = x > 709.782712893384 ? (double)INFINITY : e;
    y = x < -745.2 ? 0.0 : y;
    return x != x ? x : y;
}
RZ_VFN double rz_vm_expm1(double x) {   /* e = 2^k (e^r - 1) + (2^k - 1): relative-accurate near 0 (k = 0) */
    double r, sa, sb;
    const double k = rz_vm_reduce(x, &r, &sa, &sb);
    const double q = rz_vm_em1r(r), s = sa * sb;
    const double e = k > 52.0 ? ((1.0 + q) * sa) * sb - 1.0 : s * q + (s - 1.0);   /* (no inf - inf near 709.78) */
    return x != x ? x : e;
}
/* fmax, fmin as libm's (a NaN argument yields the other) */
RZ_VFN double rz_vm_fmax(double x, double y) { return (x > y || y != y) ? x : y; }
RZ_VFN double rz_vm_fmin(double x, double y) { return (x < y || y != y) ? x : y; }
RZ_VFN double rz_vm_pow(double x, double y) {   /* x >= 0: exp(y ln x) (0^y: 0 or inf; 1^y = 1 exactly) */
    return y == 0.0 ? 1.0 : rz_vm_exp(y * rz_vm_log(x));
}

/* tanh in float64 (a few ulp), written so that compilers vectorise it (libm's is scalar):
   tanh|x| = e / (e + 2), e = expm1(2|x|), |x| clamped to 20 on its bits (tanh(20) = 1);
   e = 2^k (r Q(r)) + (2^k - 1) with k = round(y / ln 2), r = y - k ln 2 (Cody-Waite) and
   r Q(r) = r + r^2/2! + ... + r^14/14! (Taylor; < 1e-18 on |r| <= ln2/2): relative-accurate for
   small y too (k = 0, r = y), with no branch or select, so compilers vectorise it. */
RZ_VFN double rz_tanh(double x) {
    double a = fabs(x), s;
    unsigned long long ab, bits;
    memcpy(&ab, &a, sizeof ab);
    ab = ab < 0x4034000000000000ULL ? ab : 0x4034000000000000ULL;
    memcpy(&a, &ab, sizeof a);
    const double y = 2.0 * a;
    const double kk = y * 0x1.71547652b82fep+0 + 0x1.8p+52;  /* round(y / ln 2) in the low bits */
    const double k = kk - 0x1.8p+52;
    const double r = (y - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c7673p-45;
    memcpy(&bits, &kk, sizeof bits);
    bits = (bits + 1023ULL) << 52;                             /* 2^k */
    memcpy(&s, &bits, sizeof s);
    const double e = s * (r * (0x1.0000000000000p+0 + r * (0x1.0000000000000p-1 + r * (0x1.5555555555555p-3 + r * (0x1.5555555555555p-5 + r * (0x1.1111111111111p-7 + r * (0x1.6c16c16c16c17p-10 + r * (0x1.a01a01a01a01ap-13 + r * (0x1.a01a01a01a01ap-16 + r * (0x1.71de3a556c734p-19 + r * (0x1.27e4fb7789f5cp-22 + r * (0x1.ae64567f544e4p-26 + r * (0x1.1eed8eff8d898p-29 + r * (0x1.6124613a86d09p-33 + r * 0x1.93974a8c07c9dp-37)))))))))))))) + (s - 1.0);
    return copysign(e / (e + 2.0), x);
}

/* float32: a rational approximation x P(x^2) / Q(x^2) on |x| <= 7.9053111 (tanh = +-1 in
   float32 beyond), the coefficients of Eigen's float tanh; <= 7 ulp (tests/test_export.py) */
RZ_VFN float rz_tanhf(float x) {
    float c = fabsf(x);
    unsigned int cb;
    memcpy(&cb, &c, sizeof cb);
    cb = cb < 0x40fcf84fu ? cb : 0x40fcf84fu;                  /* min(|x|, 7.9053111) on the bits */
    memcpy(&c, &cb, sizeof c);
    const float x2 = c * c;
    const float p = c * (4.89352455891786e-03f + x2 * (6.37261928875436e-04f + x2 * (1.48572235717979e-05f
                  + x2 * (5.12229709037114e-08f + x2 * (-8.60467152213735e-11f + x2 * (2.00018790482477e-13f
                  + x2 * -2.76076847742355e-16f))))));
    const float q = 4.89352518554385e-03f + x2 * (2.26843463243900e-03f + x2 * (1.18534705686654e-04f
                  + x2 * 1.19825839466702e-06f));
    return copysignf(p / q, x);
}

#include "radzoo_philox.h"  /* inlined by zoo export */
#endif /* RADZOO_COMMON_H_ */
