// PICSAR-QED's own engines (unmodified headers) running on radzoo's views (zoo export --lang picsar):
// tests/test_picsar_interface.py compiles this against ../shared/third_party/picsar_qed/include.
//   ./picsar_engines r CHI 0        -> G and T dN/dt (heaviside-lorentz units) at energy 1e3 m c^2, m c^2, alpha
//   ./picsar_engines q CHI N SEED   -> N photon xi = chi_photon / chi of generate_photon_update_momentum (binary doubles)
//   ./picsar_engines b CHI N SEED   -> N electron f = chi_electron / chi_gamma of generate_breit_wheeler_pairs
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <random>
#include <vector>
#include <picsar_qed/physics/quantum_sync/quantum_sync_engine_core.hpp>
#include <picsar_qed/physics/breit_wheeler/breit_wheeler_engine_core.hpp>
#include "radzoo_quantum_synchrotron_picsar.hpp"
#include "radzoo_breit_wheeler_picsar.hpp"

namespace pxr = picsar::multi_physics;
using pxr::math::vec3;
using pxr::phys::unit_system;

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    const char *mode = argv[1];
    const double chi = std::atof(argv[2]);
    const long n = std::atol(argv[3]);
    std::mt19937_64 rng(argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 12345);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    const double E = pxr::phys::heaviside_lorentz_electron_rest_energy<double>;
    if (mode[0] == 'r') {   // rates: dN/dt (heaviside-lorentz units) at energy 1e3 E, and the constants
        radzoo::quantum_synchrotron_dndt_view g;
        radzoo::breit_wheeler_dndt_view t;
        const double e = 1e3 * E;
        std::printf("%.17g %.17g %.17g %.17g\n",
            pxr::phys::quantum_sync::get_dN_dt<double, radzoo::quantum_synchrotron_dndt_view, unit_system::heaviside_lorentz>(e, chi, g),
            pxr::phys::breit_wheeler::get_dN_dt<double, radzoo::breit_wheeler_dndt_view, unit_system::heaviside_lorentz>(e, chi, t),
            E, pxr::phys::fine_structure<double>);
        return 0;
    }
    std::vector<double> out(n);
    const double gamma = 1e4;
    for (long i = 0; i < n; ++i) {
        if (mode[0] == 'q') {
            radzoo::quantum_synchrotron_photon_emission_view view;
            vec3<double> p{E * std::sqrt(gamma * gamma - 1.0), 0.0, 0.0}, ph;
            pxr::phys::quantum_sync::generate_photon_update_momentum<double, radzoo::quantum_synchrotron_photon_emission_view, unit_system::heaviside_lorentz>(chi, p, U(rng), view, ph);
            out[i] = pxr::math::norm(ph) / (E * (gamma - 1.0));              // xi = chi_photon / chi
        } else {
            radzoo::breit_wheeler_pair_production_view view;
            vec3<double> k{E * gamma, 0.0, 0.0}, ele, pos;
            pxr::phys::breit_wheeler::generate_breit_wheeler_pairs<double, radzoo::breit_wheeler_pair_production_view, unit_system::heaviside_lorentz>(chi, k, U(rng), view, ele, pos);
            const double pe = pxr::math::norm(ele) / E;
            out[i] = (std::sqrt(1.0 + pe * pe) - 1.0) / (gamma - 2.0);       // f = chi_electron / chi_gamma
        }
    }
    std::fwrite(out.data(), sizeof(double), n, stdout);
    return 0;
}
