// Electrons radiating in a strong constant field through PICSAR-QED's own engine (unmodified headers),
// with radzoo's views (zoo export quantum-synchrotron --lang picsar) or PICSAR-QED's default tables.
// Driven by docs/examples/picsar_radiation.py (issue 26, item 4a).
//
//   ./picsar_radiation gen DIR                      generate PICSAR-QED's default quantum-synchrotron
//                                                   tables (256 chi for dN/dt; 256 x 256 for the photon
//                                                   emission, frac_min 1e-12) into DIR (needs Boost)
//   ./picsar_radiation run radzoo|DIR NE T DT SEED B
//       NE electrons, Lorentz factors 10^(3 + (i + 1/2) / NE) (log-uniform in [1e3, 1e4]), moving perpendicular to a constant
//       magnetic field B (in units of the Schwinger field, so chi = gamma B up to gamma -> p/mc), each
//       through T / DT steps of evolve_optical_depth; when the optical depth runs out,
//       generate_photon_update_momentum draws the photon and a new depth is added to what is left of the
//       old one (below zero: the overshoot within the step). The electron's
//       momentum is restored after each emission (test particles at fixed gamma and chi), so the
//       expected emission is exactly dN/dt(gamma, chi) x the exact spectrum. Writes to stdout, binary:
//       per emission (gamma, chi, xi = photon energy / (gamma - 1) m c^2), doubles; stderr gets
//       "emissions electron-time m_c^2 alpha": the totals and PICSAR-QED's constants.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <picsar_qed/physics/chi_functions.hpp>
#include <picsar_qed/physics/quantum_sync/quantum_sync_engine_core.hpp>
#include <picsar_qed/physics/quantum_sync/quantum_sync_engine_tables.hpp>
#ifdef WITH_TABLE_GEN
#include <picsar_qed/physics/quantum_sync/quantum_sync_engine_tables_generator.hpp>
#endif
#include "radzoo_quantum_synchrotron_picsar.hpp"

namespace pxr = picsar::multi_physics;
namespace qs = pxr::phys::quantum_sync;
using pxr::math::vec3;
using pxr::phys::unit_system;
using dndt_table = qs::dndt_lookup_table<double, std::vector<double>>;
using emission_table = qs::photon_emission_lookup_table<double, std::vector<double>>;

static std::vector<char> read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) { std::fprintf(stderr, "cannot read %s\n", path.c_str()); std::exit(3); }
    return std::vector<char>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

static void write_file(const std::string &path, const std::vector<char> &data) {
    std::ofstream f(path, std::ios::binary);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

template <typename DndtView, typename EmissionView>
static void run(const DndtView &dndt, const EmissionView &emission, long ne, double t_end, double dt,
                unsigned long long seed, double b_field) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    const double mc2 = pxr::phys::heaviside_lorentz_electron_rest_energy<double>;
    // B in units of the Schwinger field: E_S = m^2 c^3 / (e hbar); in Heaviside-Lorentz code units
    const double b_code = b_field * pxr::phys::heaviside_lorentz_schwinger_field<double>;
    const vec3<double> em_e{0.0, 0.0, 0.0}, em_b{0.0, 0.0, b_code};
    const long steps = static_cast<long>(std::llround(t_end / dt));
    long emissions = 0;
    std::vector<double> out;
    out.reserve(3 * 1024);
    for (long i = 0; i < ne; ++i) {
        const double gamma = std::pow(10.0, 3.0 + (static_cast<double>(i) + 0.5) / static_cast<double>(ne));
        const vec3<double> p0{mc2 * std::sqrt(gamma * gamma - 1.0), 0.0, 0.0};
        const double energy = gamma * mc2;
        const double chi = pxr::phys::chi_ele_pos<double, unit_system::heaviside_lorentz>(p0, em_e, em_b);
        double tau = qs::get_optical_depth<double>(U(rng));
        for (long s = 0; s < steps; ++s) {
            const bool has_event = qs::evolve_optical_depth<double, DndtView, unit_system::heaviside_lorentz>(
                energy, chi, dt, tau, dndt);
            // the optical depth left below zero belongs to the next emission (a constant rate is memoryless):
            // carried over, the count is exact for any dt (resetting it would lose half a step per emission)
            while (has_event && tau < 0.0) {
                vec3<double> p = p0, photon;
                qs::generate_photon_update_momentum<double, EmissionView, unit_system::heaviside_lorentz>(
                    chi, p, U(rng), emission, photon);
                out.push_back(gamma);
                out.push_back(chi);
                out.push_back(pxr::math::norm(photon) / (mc2 * (gamma - 1.0)));
                ++emissions;
                tau += qs::get_optical_depth<double>(U(rng));  // the momentum stays p0 (test particle)
                if (out.size() >= 3 * 1024) {
                    std::fwrite(out.data(), sizeof(double), out.size(), stdout);
                    out.clear();
                }
            }
        }
    }
    std::fwrite(out.data(), sizeof(double), out.size(), stdout);
    std::fprintf(stderr, "%ld %.17g %.17g %.17g\n", emissions, static_cast<double>(ne) * static_cast<double>(steps) * dt,
                 mc2, pxr::phys::fine_structure<double>);
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const std::string mode = argv[1], where = argv[2];
    if (mode == "gen") {
#ifdef WITH_TABLE_GEN
        dndt_table dndt{qs::default_dndt_lookup_table_params<double>};
        dndt.generate(false);
        write_file(where + "/qs_dndt.bin", dndt.serialize());
        emission_table em{qs::default_photon_emission_lookup_table_params<double>};
        em.generate(false);
        write_file(where + "/qs_emission.bin", em.serialize());
        return 0;
#else
        std::fprintf(stderr, "built without WITH_TABLE_GEN (Boost)\n");
        return 4;
#endif
    }
    if (mode != "run" || argc < 8) return 2;
    const long ne = std::atol(argv[3]);
    const double t_end = std::atof(argv[4]), dt = std::atof(argv[5]);
    const unsigned long long seed = std::strtoull(argv[6], nullptr, 10);
    const double b_field = std::atof(argv[7]);
    if (where == "radzoo") {
        run(radzoo::quantum_synchrotron_dndt_view{}, radzoo::quantum_synchrotron_photon_emission_view{},
            ne, t_end, dt, seed, b_field);
    } else {
        const dndt_table dndt{read_file(where + "/qs_dndt.bin")};
        const emission_table em{read_file(where + "/qs_emission.bin")};
        run(dndt.get_view(), em.get_view(), ne, t_end, dt, seed, b_field);
    }
    return 0;
}
