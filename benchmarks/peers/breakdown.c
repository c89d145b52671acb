/* Where one batch draw of quantum-synchrotron-fast's export spends its cycles (docs/speed.md, issue 25):
   the whole ppf, the network's input columns, the network (FMAs and tanh) and the squash + physical map,
   each timed alone over 2^20 draws (best of 7), in cycles at the nominal 2.6 GHz.

     zoo export quantum-synchrotron-fast --lang c --out /tmp/b
     gcc -O3 -march=native -fno-math-errno -fno-trapping-math -I /tmp/b benchmarks/peers/breakdown.c -o /tmp/b/bd -lm
     taskset -c 1 /tmp/b/bd
*/
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include "radzoo_quantum_synchrotron_fast.h"
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
__attribute__((noinline)) void net(const float in[2][16], double z[16]) { radzoo_quantum_synchrotron_fast_net0_16(in, z); }
__attribute__((noinline)) void mapb(const double *w, const double *c, double *x) {
  for (int s = 0; s < 16; ++s) { double lo, hi, prev[1]; const double wk = rz_squash_sigmoid(w[s]);
    radzoo_quantum_synchrotron_fast_support(0, &c[s], prev, &lo, &hi);
    x[s] = radzoo_quantum_synchrotron_fast_coord_two_scale(wk, &c[s], prev, lo, hi); } }
__attribute__((noinline)) void inputs(const double *u, const double *c, float in[2][16]) {
  for (int s = 0; s < 16; ++s) { in[0][s] = (float)rz_u_logit(u[s]); in[1][s] = (float)(rz_col_log10(c[s]) / 3.0); } }
int main() {
  int n = 1 << 20; double *u = malloc(n * 8), *c = malloc(n * 8), *o = malloc(n * 8), s = 0;
  for (int i = 0; i < n; ++i) { u[i] = (i + 0.5) / n; c[i] = pow(10, -3 + 6.0 * ((i * 7919L) % n) / n); }
  double b[4] = {1e9, 1e9, 1e9, 1e9};
  for (int rep = 0; rep < 7; ++rep) {
    double t0 = now(); radzoo_quantum_synchrotron_fast_ppf(n, u, c, o); double t1 = now();
    float in[2][16] __attribute__((aligned(32))); double z[16];
    for (int i = 0; i < n; i += 16) { inputs(u + i, c + i, in); } double t2 = now();
    for (int i = 0; i < n; i += 16) { in[0][0] = (float)u[i]; net((const float (*)[16])in, z); s += z[3]; } double t3 = now();
    for (int i = 0; i < n; i += 16) { mapb(u + i, c + i, o + i); } double t4 = now();
    double d[4] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3};
    for (int k = 0; k < 4; ++k) if (d[k] < b[k]) b[k] = d[k];
  }
  printf("per draw (cycles at 2.6 GHz): ppf %.0f, inputs %.0f, network %.0f, squash+map %.0f (%g)\n", b[0]/n*2.6e9, b[1]/n*2.6e9, b[2]/n*2.6e9, b[3]/n*2.6e9, s + o[5]);
}
