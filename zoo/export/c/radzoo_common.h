/* radzoo export: the common part of every exported C header (inlined into each by zoo export,
   zoo/export/cgen.py; the guard lets several exported models share a translation unit). */
#ifndef RADZOO_COMMON_H_
#define RADZOO_COMMON_H_
#include <math.h>
#include <stddef.h>
#include <string.h>
#define RZ_FN static inline
#define RZ_DATA static const
#define RZ_NAN ((double)NAN)
#if defined(__GNUC__) || defined(__clang__)   /* vector extensions: the batch network */
#define RZ_VECTOR 1
#define RZ_ALIGN __attribute__((aligned(32)))
typedef double rz_v4d __attribute__((vector_size(32), aligned(32), may_alias));
typedef float rz_v8f __attribute__((vector_size(32), aligned(32), may_alias));
#else
#define RZ_VECTOR 0
#define RZ_ALIGN
#endif

/* tanh in float64 (a few ulp), written so that compilers vectorise it (libm's is scalar):
   tanh|x| = e / (e + 2), e = expm1(2|x|), |x| clamped to 20 on its bits (tanh(20) = 1);
   e = 2^k (r Q(r)) + (2^k - 1) with k = round(y / ln 2), r = y - k ln 2 (Cody-Waite) and
   r Q(r) = r + r^2/2! + ... + r^14/14! (Taylor; < 1e-18 on |r| <= ln2/2): relative-accurate for
   small y too (k = 0, r = y), with no branch or select, so compilers vectorise it. */
RZ_FN double rz_tanh(double x) {
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
RZ_FN float rz_tanhf(float x) {
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
