// The synthetic fleet generator: deterministic for a seed, and discovery finds exactly the
// references it says it planted, and the shadow and stale consumers it made.
#include "tools/fleetgen/fleetgen.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "catalog/descriptor_reader.h"
#include "catalog/lineage.h"
#include "discover/consumers.h"
#include "discover/scanner.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using skein::testing::TempDir;

fleetgen::FleetSpec SmallSpec(uint64_t seed) {
  fleetgen::FleetSpec spec;
  spec.repos = 40;
  spec.datasets = 12;
  spec.size_mb = 12;  // enough for padding files, a few big chunked files and binaries
  spec.seed = seed;
  spec.catalog = true;
  spec.consumer_share = 0.5;
  return spec;
}

// Every file under `root` with its content, by relative path.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    files[fs::relative(entry.path(), root).string()] = content.str();
  }
  return files;
}

TEST(Fleetgen, SameSeedWritesTheSameFleetWhateverTheThreads) {
  TempDir a, b, c;
  fleetgen::FleetSpec spec = SmallSpec(7);
  spec.threads = 1;
  auto first = fleetgen::GenerateFleet(spec, a.path());
  ASSERT_TRUE(first.ok()) << first.status().message();
  spec.threads = 3;
  auto second = fleetgen::GenerateFleet(spec, b.path());
  ASSERT_TRUE(second.ok());
  auto tree = Tree(a.path());
  EXPECT_GT(tree.size(), 200u);
  EXPECT_TRUE(tree == Tree(b.path()));
  EXPECT_GE(first->bytes, 12u << 20);
  spec.seed = 8;
  ASSERT_TRUE(fleetgen::GenerateFleet(spec, c.path()).ok());
  EXPECT_FALSE(tree == Tree(c.path()));
}

TEST(Fleetgen, RefusesToWriteOverAFleetWithoutReplace) {
  TempDir dir;
  fleetgen::FleetSpec spec = SmallSpec(1);
  spec.size_mb = 0;
  spec.repos = 3;
  ASSERT_TRUE(fleetgen::GenerateFleet(spec, dir.path()).ok());
  auto again = fleetgen::GenerateFleet(spec, dir.path());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(fleetgen::GenerateFleet(spec, dir.path(), /*replace=*/true).ok());
}

TEST(Fleetgen, DatasetIdsAreUniqueAndParse) {
  EXPECT_EQ(fleetgen::FleetDatasetId(0), "core.user_profile_v1");
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = fleetgen::FleetDatasetId(i);
    EXPECT_TRUE(ids.insert(id).second) << id;
    EXPECT_TRUE(ParseDatasetPattern(id).ok()) << id;
  }
}

// The scanner finds exactly what `spec` planted, per repository and dataset, in whole reads and
// in small overlapping chunks.
void ExpectDiscoveryFindsPlanted(const fleetgen::FleetSpec& spec) {
  TempDir dir;
  auto manifest = fleetgen::GenerateFleet(spec, dir.path());
  ASSERT_TRUE(manifest.ok()) << manifest.status().message();
  auto patterns = ParseDatasetPatterns(manifest->datasets);
  ASSERT_TRUE(patterns.ok());
  ReferenceMatcher matcher(*patterns);
  auto repos = ResolveRepositories({dir.path() / "repos"});
  ASSERT_TRUE(repos.ok());
  ASSERT_EQ(static_cast<int>(repos->size()), spec.repos);
  for (size_t chunk : {size_t{1} << 20, size_t{8192}}) {
    ScanOptions options;
    options.chunk_bytes = chunk;
    ScanReport report = ScanRepositories(*repos, matcher, options);
    std::map<std::string, std::map<std::string, int>> found;  // repo -> dataset -> count
    for (const Reference& ref : report.references) ++found[ref.repo][manifest->datasets[ref.dataset]];
    int planted_total = 0;
    for (const fleetgen::PlantedRepo& repo : manifest->repos) {
      EXPECT_EQ(found[repo.name], repo.references)
          << repo.name << " (seed " << spec.seed << ", chunk " << chunk << ")";
      for (const auto& [id, n] : repo.references) planted_total += n;
    }
    EXPECT_EQ(static_cast<int>(report.references.size()), planted_total);
    EXPECT_GT(planted_total, spec.repos);
    EXPECT_EQ(report.stats.bytes_scanned, manifest->text_bytes);
    EXPECT_GT(report.stats.binary_files_skipped, 0u);
  }
}

TEST(Fleetgen, DiscoveryFindsExactlyThePlantedReferences) {
  for (uint64_t seed : {5, 42, 1234}) ExpectDiscoveryFindsPlanted(SmallSpec(seed));
}

TEST(Fleetgen, CatalogMakesTheShadowAndStaleConsumersTheManifestNames) {
  TempDir dir;
  auto manifest = fleetgen::GenerateFleet(SmallSpec(5), dir.path());
  ASSERT_TRUE(manifest.ok());
  CatalogRead read = ReadCatalogPaths({dir.path() / "catalog"});
  ASSERT_TRUE(read.ok()) << read.status().message();
  std::vector<Entity> entities;
  for (const DescriptorSet& set : read.sets)
    entities.insert(entities.end(), set.entities.begin(), set.entities.end());
  CatalogGraph graph(entities);

  auto patterns = ParseDatasetPatterns(manifest->datasets);
  ASSERT_TRUE(patterns.ok());
  auto repos = ResolveRepositories({dir.path() / "repos"});
  ASSERT_TRUE(repos.ok());
  ScanReport report = ScanRepositories(*repos, ReferenceMatcher(*patterns));
  auto consumers = ClassifyConsumers(graph, *repos, *patterns, report.references, fs::current_path());
  ASSERT_EQ(consumers.size(), manifest->datasets.size());
  int shadow = 0, stale = 0;
  for (const DatasetConsumers& dataset : consumers) {
    const std::string& id = dataset.dataset_id;
    EXPECT_TRUE(dataset.resource.has_value()) << id;
    EXPECT_EQ(static_cast<int>(dataset.references), manifest->References(id)) << id;
    EXPECT_EQ(static_cast<int>(dataset.consumers.size()), manifest->ConsumerRepos(id)) << id;
    EXPECT_EQ(static_cast<int>(dataset.ShadowCount()), manifest->ShadowConsumers(id)) << id;
    EXPECT_EQ(static_cast<int>(dataset.stale.size()), manifest->StaleConsumers(id)) << id;
    shadow += static_cast<int>(dataset.ShadowCount());
    stale += static_cast<int>(dataset.stale.size());
  }
  EXPECT_GT(shadow, 0);
  EXPECT_GT(stale, 0);
}

}  // namespace
}  // namespace skein
