// Fault tests on real processes: a worker killed with SIGKILL mid-job (its job finished by
// another worker, with exactly one commit and one change request), the `skein run` process
// killed (running it again completes the campaign), PostgreSQL restarted mid-campaign (workers
// reconnect and it completes). Change requests go to the GitHub stand-in (tests/support), the
// branches to local bare repositories.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/store/store_test_databases.h"
#include "tests/support/forge_standin.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunProgram;
using testing::RunSkein;

constexpr const char* kToken = "fault-test-token";
const std::vector<std::string> kSlow = {"daily-active-users", "revenue-by-plan"};

void Replace(std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

class FleetFaults : public ::testing::Test {
 protected:
  FleetFaults() : github_(testing::ForgeStandin::Api::kGitHub, kToken) {}

  // The example organisation, with the two consumers the built-in agent can migrate made slow
  // (their build check sleeps) so that a fault can land mid-job; `github` sends their requests
  // to the stand-in and their branches to bare repositories.
  void Prepare(const std::string& store, bool github) {
    store_ = store;
    ASSERT_EQ(testing::LayOutExampleOrg(Org(), false), "");
    fs::path catalog = Org() / "catalog/pipelines.yaml";
    std::string text = testing::ReadFile(catalog);
    for (const std::string& name : kSlow) {
      std::string extra = "    skein.dev/verify-command: \"sleep 8\"\n";  // wide enough for a kill under load
      if (github) {
        fs::path bare = Org() / "remotes" / (name + ".git");
        auto cloned = RunProgram(
            {"git", "clone", "-q", "--bare", (Org() / "repos" / name).string(), bare.string()}, Org());
        ASSERT_EQ(cloned.exit_code, 0) << cloned.err;
        extra +=
            "    github.com/project-slug: acme/" + name + "\n    skein.dev/remote: " + bare.string() + "\n";
      }
      Replace(text, "    skein.dev/repo: repos/" + name + "\n",
              "    skein.dev/repo: repos/" + name + "\n" + extra);
    }
    std::ofstream(catalog) << text;
    fs::path manifest = Org() / "migrations/user-profile-v2.yaml";
    text = testing::ReadFile(manifest);
    Replace(text, "publish: {approval: required}", "publish: {approval: none}");
    Replace(text, "canary: 2", "canary: 10");
    Replace(text, "pause_on_failure_rate: 0.25", "pause_on_failure_rate: 1.0");
    Replace(text, "base: 30s, cap: 1h", "base: 1s, cap: 2s");
    Replace(text, "approval: {tiers: [tier-1]}", "approval: {tiers: []}");
    if (github) {
      Replace(text, "title: \"Move to core.user_profile_v2\"}",
              "title: \"Move to core.user_profile_v2\", forge: {api_url: \"" + github_.api_url() +
                  "\", token_env: SKEIN_TEST_GH_TOKEN}}");
    }
    std::ofstream(manifest) << text;
    auto imported = Skein({"catalog", "import", "catalog"});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  fs::path Org() const { return work_.path() / "org"; }
  std::vector<std::string> WithStore(std::vector<std::string> args) const {
    if (!store_.empty()) args.insert(args.begin(), {"--store", store_});
    return args;
  }
  std::vector<std::string> Env() const { return {std::string("SKEIN_TEST_GH_TOKEN=") + kToken}; }
  testing::CommandResult Skein(const std::vector<std::string>& args) {
    return RunSkein(WithStore(args), Org(), Env());
  }
  std::unique_ptr<testing::BackgroundProgram> Start(const std::vector<std::string>& args) {
    return testing::StartSkein(WithStore(args), Org(), Env());
  }
  std::unique_ptr<testing::BackgroundProgram> StartWorker() {
    return Start({"worker", "--slots", "2", "--lease-ttl", "2s", "--sweep", "500ms"});
  }

  json Status() {
    auto status = Skein({"status", "user-profile-v2", "--json"});
    return status.exit_code == 0 ? json::parse(status.out, nullptr, false) : json();
  }
  const json* Job(const json& status, const std::string& name) {
    if (!status.is_object()) return nullptr;
    for (const auto& j : status["job_list"]) {
      if (j["target"] == "component:default/" + name) return &j;
    }
    return nullptr;
  }
  // Waits (up to 60 s) until a slow consumer's job runs; its name.
  std::string WaitForASlowJobRunning() {
    for (int i = 0; i < 600; ++i) {
      json status = Status();
      for (const std::string& name : kSlow) {
        const json* job = Job(status, name);
        if (job != nullptr && (*job)["state"] == "running") return name;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no slow consumer job started within 60 s";
    return "";
  }
  std::string Git(const fs::path& repo, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git", "-C", repo.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunProgram(argv, Org());
    return r.exit_code == 0 ? r.out : "error: " + r.err;
  }
  void ExpectEachSlowConsumerMigratedOnce(bool github) {
    json status = Status();
    for (const std::string& name : kSlow) {
      const json* job = Job(status, name);
      ASSERT_NE(job, nullptr) << name;
      EXPECT_EQ((*job)["state"], "done") << name << ": " << (*job)["outcome"];
      fs::path where = github ? Org() / "remotes" / (name + ".git") : Org() / "repos" / name;
      EXPECT_EQ(Git(where, {"rev-list", "--count", "main..skein/user-profile-v2"}), "1\n") << name;
      if (github) {
        int requests = 0;
        for (const auto& r : github_.requests()) requests += r.project == "acme/" + name ? 1 : 0;
        EXPECT_EQ(requests, 1) << name << ": exactly one pull request";
      }
    }
  }

  testing::TempDir work_;
  testing::ForgeStandin github_;
  std::string store_;
};

TEST_F(FleetFaults, AKilledWorkersJobIsFinishedByAnotherWithOneCommitAndOneRequest) {
  auto db = testing::NewStoreDatabase("postgresql");
  Prepare(db->url(), /*github=*/true);
  auto first = StartWorker();
  auto run = Start({"run", "migrations/user-profile-v2.yaml", "--workers", "0"});
  std::string killed = WaitForASlowJobRunning();
  ASSERT_FALSE(killed.empty());
  first->Signal(SIGKILL);
  ASSERT_EQ(first->Wait(10), 128 + SIGKILL);
  auto second = StartWorker();
  int run_exit = run->Wait(120);
  ASSERT_NE(run_exit, -1) << "the campaign did not end within 120 s\n" << run->err() << second->err();
  EXPECT_EQ(run_exit, 1) << "the other example consumers fail: " << run->out();
  ExpectEachSlowConsumerMigratedOnce(/*github=*/true);
  json status = Status();
  const json* job = Job(status, killed);
  ASSERT_NE(job, nullptr);
  EXPECT_GE((*job)["attempts"], 2) << "the killed worker's attempt was lost, another one finished it";
  // SIGTERM: the second worker leaves cleanly.
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30), 0) << second->err();
  EXPECT_TRUE(testing::Contains(second->err(), "left")) << second->err();
}

TEST_F(FleetFaults, RunningAKilledRunAgainCompletesTheCampaign) {
  Prepare("", /*github=*/false);
  auto run = Start({"run", "migrations/user-profile-v2.yaml", "--lease-ttl", "2s", "--sweep", "500ms"});
  ASSERT_FALSE(WaitForASlowJobRunning().empty());
  run->Signal(SIGKILL);
  ASSERT_EQ(run->Wait(10), 128 + SIGKILL);
  auto again = Skein({"run", "migrations/user-profile-v2.yaml", "--lease-ttl", "2s", "--sweep", "500ms"});
  EXPECT_EQ(again.exit_code, 1) << again.err << again.out;  // the consumers the built-in agent cannot do
  EXPECT_TRUE(testing::Contains(again.out, "migrated:          2 consumer(s)")) << again.out;
  ExpectEachSlowConsumerMigratedOnce(/*github=*/false);
}

TEST_F(FleetFaults, AKilledWatchRestartedPlansOnceAndMigratesEachConsumerOnce) {
  Prepare("", /*github=*/false);
  fs::path manifest = Org() / "migrations/user-profile-v2.yaml";
  std::string text = testing::ReadFile(manifest);
  Replace(text, "  to: core.user_profile_v2\n", "  to: core.user_profile_v2\n  start: auto\n");
  std::ofstream(manifest) << text;
  std::vector<std::string> watch = {
      "watch",       "--catalog", "catalog", "--manifests", "migrations", "--tick", "500ms",
      "--lease-ttl", "2s",        "--sweep", "500ms",       "--workers",  "2"};
  auto first = Start(watch);
  ASSERT_FALSE(WaitForASlowJobRunning().empty()) << first->err();
  first->Signal(SIGKILL);
  ASSERT_EQ(first->Wait(10), 128 + SIGKILL);
  EXPECT_TRUE(testing::Contains(first->err(), "campaign user-profile-v2 started")) << first->err();

  auto again = Start(watch);
  std::string state;
  for (int i = 0; i < 1200 && state != "failed" && state != "completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    json status = Status();
    state = status.is_object() ? status.value("state", "") : "";
  }
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(30), 0) << again->err();
  EXPECT_EQ(state, "failed") << "the example's other consumers fail, as it intends\n" << again->err();
  ExpectEachSlowConsumerMigratedOnce(/*github=*/false);
  EXPECT_FALSE(testing::Contains(again->err(), " planned")) << again->err();
  EXPECT_FALSE(testing::Contains(again->err(), " started\n")) << again->err();
}

TEST_F(FleetFaults, WorkersReconnectAfterPostgresRestartsAndTheCampaignCompletes) {
  // A server of this test's own: the shared one serves other tests at the same time.
  fs::path pg = work_.path() / "pg";
  std::string script = (testing::SourceDir() / "scripts/pg-throwaway").string();
  auto started = RunProgram({script, "start", pg.string()}, work_.path());
  ASSERT_EQ(started.exit_code, 0) << started.err;
  std::string url = std::string(started.out.substr(0, started.out.find('\n')));
  Prepare(url, /*github=*/false);
  auto worker = StartWorker();
  auto run = Start({"run", "migrations/user-profile-v2.yaml", "--workers", "0"});
  ASSERT_FALSE(WaitForASlowJobRunning().empty());
  auto restarted = RunProgram({script, "restart", pg.string()}, work_.path());
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  int run_exit = run->Wait(120);
  ASSERT_NE(run_exit, -1) << "the campaign did not end within 120 s\n" << run->err() << worker->err();
  EXPECT_EQ(run_exit, 1) << run->out() << run->err();
  ExpectEachSlowConsumerMigratedOnce(/*github=*/false);
  worker->Signal(SIGTERM);
  EXPECT_EQ(worker->Wait(30), 0) << worker->err();
  RunProgram({script, "stop", pg.string()}, work_.path());
}

}  // namespace
}  // namespace skein
