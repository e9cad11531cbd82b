// Crash and resume: `skein data run` killed with SIGKILL at moments spread over a whole run, then
// run again to the end, leaves v2 holding exactly v1 through the transform — no row twice, none
// missing, no half-written partition — and v1 as it was.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "data/engine.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace skein {
namespace {

namespace fs = std::filesystem;
using testing::Contains;

const char* kManifest = R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: events-v2, owner: group:platform}
spec:
  from: core.events_v1
  to: core.events_v2
  columns:
    - {from: id, to: event_id}
    - {from: amount, type: "DECIMAL(18,2)", reverse: "CAST(amount AS DOUBLE)"}
    - {add: kind, type: VARCHAR, using: "CASE WHEN amount > 50 THEN 'big' ELSE 'small' END"}
  data: {partition_by: day, key: [id]}
)yaml";

std::string Catalog(const std::string& v1, const std::string& v2) {
  auto entity = [](const std::string& name, const std::string& id, const std::string& location) {
    return "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: " + name +
           "\n  annotations:\n    skein.dev/dataset-id: " + id + "\n    skein.dev/location: " + location +
           "\nspec: {type: dataset, owner: group:default/platform}\n";
  };
  return entity("events-v1", "core.events_v1", v1) + "---\n" + entity("events-v2", "core.events_v2", v2);
}

// v2 as a Parquet folder (files renamed into place) or a DuckDB table (one transaction each).
class CrashResume : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    engine_ = std::move(OpenDuckDbEngine()).value();
    // 40 days of 15,000 events: enough partitions that kills land inside the run.
    Status made = engine_->Execute(
        "COPY (SELECT i AS id, DATE '2024-03-01' + (i % 40)::INTEGER AS day, (i * 7919 % 10000) / 100.0 AS "
        "amount, "
        "'note ' || i AS note FROM range(600000) r(i)) TO '" +
        V1().string() + "' (FORMAT parquet, PARTITION_BY (day))");
    ASSERT_TRUE(made.ok()) << made.message();
    dir_.Write("events-v2.yaml", kManifest);
    dir_.Write("catalog/events.yaml", Catalog("parquet:v1", GetParam()));
    auto imported = Skein({"catalog", "import", "catalog"});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    v1_before_ = Fingerprint("v1");
  }
  void TearDown() override { EXPECT_EQ(Fingerprint("v1"), v1_before_) << "v1 was modified"; }

  fs::path V1() const { return dir_.path() / "v1"; }
  testing::CommandResult Skein(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", "skein.db"});
    return testing::RunSkein(args, dir_.path());
  }

  // Starts `skein data run` and kills it with SIGKILL after `delay`; returns whether it was
  // still running then (else it had finished).
  bool RunAndKill(std::chrono::milliseconds delay) {
    fs::path binary = fs::path(SKEIN_BINARY);
    std::string cwd = dir_.path().string();
    std::vector<std::string> args = {binary.string(), "--store", cwd + "/skein.db",
                                     "data",          "run",     cwd + "/events-v2.yaml"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(spawned, 0);
    if (spawned != 0) return false;
    std::this_thread::sleep_for(delay);
    bool running = ::kill(pid, SIGKILL) == 0;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return running && WIFSIGNALED(status);
  }

  std::string Fingerprint(const std::string& folder) {
    auto rows = engine_->Query(
        "SELECT string_agg(filename || ':' || md5(content), ',' ORDER BY filename) FROM "
        "read_blob('" +
        (dir_.path() / folder).string() + "/**/*.parquet')");
    return rows.ok() ? rows->rows[0][0].value_or("") : rows.status().message();
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlEngine> engine_;
  std::string v1_before_;
};

TEST_P(CrashResume, KilledAtAnyMomentARerunLeavesExactData) {
  // How long one whole run takes here: the kills are spread over it.
  auto start = std::chrono::steady_clock::now();
  auto first = Skein({"data", "run", "events-v2.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  auto whole =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  ASSERT_EQ(Skein({"data", "rollback", "events-v2.yaml"}).exit_code, 0);

  int interrupted = 0;
  for (int k = 1; k <= 8; ++k) {
    interrupted += RunAndKill(whole * k / 9) ? 1 : 0;
    // Nothing half-written is ever visible: every staged partition folder holds one whole file.
    if (fs::exists(dir_.path() / "v2" / ".skein-staging")) {
      for (const auto& folder : fs::directory_iterator(dir_.path() / "v2" / ".skein-staging")) {
        if (!fs::exists(folder.path() / "data.parquet")) continue;
        auto read = engine_->Query("SELECT count(*) FROM read_parquet('" +
                                   (folder.path() / "data.parquet").string() + "')");
        EXPECT_TRUE(read.ok()) << "a staged file that cannot be read: " << read.status().message();
      }
    }
  }
  EXPECT_GT(interrupted, 0) << "no kill landed inside a run";

  auto resumed = Skein({"data", "run", "events-v2.yaml"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(Contains(resumed.out, "published " + GetParam())) << resumed.out;

  // v2 is exactly v1 through the transform: the same multiset of rows, both ways.
  bool files = GetParam().starts_with("parquet:");
  std::string v2 =
      "read_parquet('" + (dir_.path() / "v2").string() + "/*/*.parquet', hive_partitioning = false)";
  if (!files) {
    ASSERT_TRUE(
        engine_->Execute("ATTACH '" + (dir_.path() / "v2.duckdb").string() + "' AS v2db (READ_ONLY)").ok());
    v2 = "v2db.core.events_v2";
  }
  std::string expected =
      "SELECT id AS event_id, day, CAST(amount AS DECIMAL(18,2)) AS amount, note, "
      "CASE WHEN amount > 50 THEN 'big' ELSE 'small' END AS kind FROM read_parquet('" +
      V1().string() + "/*/*.parquet', hive_partitioning = true)";
  std::string actual = "SELECT event_id, day, amount, note, kind FROM " + v2;
  auto counts = engine_->Query("SELECT (SELECT count(*) FROM (" + actual + ")), (SELECT count(*) FROM ((" +
                               expected + ") EXCEPT ALL (" + actual + "))), (SELECT count(*) FROM ((" +
                               actual + ") EXCEPT ALL (" + expected + ")))");
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->rows[0][0], "600000");
  EXPECT_EQ(counts->rows[0][1], "0") << "rows missing from v2";
  EXPECT_EQ(counts->rows[0][2], "0") << "rows in v2 that v1 does not have (duplicates)";
  bool leftovers = false;
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
    leftovers |= entry.path().filename().string().find(".tmp-") != std::string::npos;
  }
  EXPECT_FALSE(leftovers) << "a temporary file of a killed run was published";
}

// `skein data run` whose verification fails (v1 has rows with a NULL key)
// publishes nothing and rolls back what it staged; --keep-failed keeps it for a look.
TEST(FailedRun, PublishesNothingAndRollsBackWhatItStaged) {
  testing::TempDir dir;
  auto engine = std::move(OpenDuckDbEngine()).value();
  Status made = engine->Execute(
      "COPY (SELECT CASE WHEN i < 90 THEN i END AS id, DATE '2024-03-01' + (i % 2)::INTEGER AS day, i * 1.5 AS "
      "amount, 'n' AS note FROM range(100) r(i)) TO '" +
      (dir.path() / "v1").string() + "' (FORMAT parquet, PARTITION_BY (day))");
  ASSERT_TRUE(made.ok()) << made.message();
  dir.Write("events-v2.yaml", kManifest);
  dir.Write("catalog/events.yaml", Catalog("parquet:v1", "parquet:v2"));
  auto skein = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", "skein.db"});
    return testing::RunSkein(args, dir.path());
  };
  ASSERT_EQ(skein({"catalog", "import", "catalog"}).exit_code, 0);

  auto kept = skein({"data", "run", "events-v2.yaml", "--keep-failed"});
  EXPECT_EQ(kept.exit_code, 1) << kept.out << kept.err;
  EXPECT_TRUE(Contains(
      kept.out,
      "FAIL keys: partition 2024-03-01: v1 through the transform: key (event_id, day) is NULL in"))
      << kept.out;
  EXPECT_TRUE(Contains(kept.out, "what was staged is kept")) << kept.out;
  EXPECT_TRUE(fs::exists(dir.path() / "v2" / ".skein-staging" / "day=2024-03-01" / "data.parquet"));

  auto failed = skein({"data", "run", "events-v2.yaml", "--json"});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_TRUE(Contains(failed.out, "\"rolled_back\": true")) << failed.out;
  EXPECT_TRUE(Contains(failed.out, "\"state\": \"failed\"")) << failed.out;
  EXPECT_FALSE(fs::exists(dir.path() / "v2" / "day=2024-03-01")) << "a failed verification never publishes";
  EXPECT_FALSE(fs::exists(dir.path() / "v2" / ".skein-staging")) << "what was staged is rolled back";
}

INSTANTIATE_TEST_SUITE_P(Targets, CrashResume,
                         ::testing::Values("parquet:v2", "duckdb:v2.duckdb#core.events_v2"),
                         [](const auto& info) {
                           return info.param.starts_with("parquet") ? "Parquet" : "DuckDbTable";
                         });

}  // namespace
}  // namespace skein
