// skein-fleetgen: the command line of the fleet generator (fleetgen.h documents the output).
//   skein-fleetgen --out DIR --repos N --datasets M [--size-mb S] [--seed X] [--catalog]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "tools/fleetgen/fleetgen.h"

int main(int argc, char** argv) {
  namespace fg = skein::fleetgen;
  CLI::App app{"Writes a synthetic fleet of repositories (see tools/fleetgen/fleetgen.h for the layout).",
               "skein-fleetgen"};
  fg::FleetSpec spec;
  std::string out;
  bool force = false;
  bool format_version = false;
  app.add_flag("--format-version", format_version, "Print the output format version and exit");
  app.add_option("--out", out, "Folder to write the fleet into");
  app.add_option("--repos", spec.repos, "Number of repositories")->check(CLI::PositiveNumber);
  app.add_option("--datasets", spec.datasets, "Number of datasets")->check(CLI::PositiveNumber);
  app.add_option("--size-mb", spec.size_mb, "Total size in MiB (0: each repository at its natural size)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", spec.seed, "Random seed: the same seed writes the same fleet");
  app.add_flag("--catalog", spec.catalog, "Also write a Backstage catalog under OUT/catalog");
  app.add_option("--consumer-share", spec.consumer_share, "Share of repositories that read datasets")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--known-share", spec.known_share, "Share of consumers the catalog knows")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--threads", spec.threads, "Writing threads (0: one per hardware thread)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--force", force, "Replace a fleet already in OUT");
  CLI11_PARSE(app, argc, argv);
  if (format_version) {
    std::printf("%d\n", fg::kFleetFormatVersion);
    return 0;
  }
  if (out.empty()) {
    std::fprintf(stderr, "skein-fleetgen: --out is required\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  auto manifest = fg::GenerateFleet(spec, out, force);
  if (!manifest.ok()) {
    std::fprintf(stderr, "skein-fleetgen: %s\n", manifest.status().message().c_str());
    return manifest.status().ExitCode();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %zu repositories, %llu files, %.1f MiB (%.1f MiB of text) to %s in %.1f s\n",
              manifest->repos.size(), static_cast<unsigned long long>(manifest->files),
              manifest->bytes / 1048576.0, manifest->text_bytes / 1048576.0, out.c_str(), seconds);
  for (const std::string& id : manifest->datasets) {
    std::printf("%s: %d references in %d repositories (%d shadow, %d stale)\n", id.c_str(),
                manifest->References(id), manifest->ConsumerRepos(id), manifest->ShadowConsumers(id),
                manifest->StaleConsumers(id));
  }
  return 0;
}
