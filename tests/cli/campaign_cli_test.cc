// `skein run` and the campaign commands on the example organisation, as a new user runs them on
// the embedded default: the campaign stops at its approval gates, the canary wave trips the wave
// threshold and pauses it, resuming carries it to its end, each migrated consumer gets one commit,
// rollback undoes it all; and bad input (an invalid manifest, two runs at once, an unknown
// campaign, a vanished repository, an unreachable database) gets a clear answer with the
// campaign's state intact.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunProgram;
using testing::RunSkein;

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

class CampaignCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(testing::LayOutExampleOrg(Org()), ""); }
  fs::path Org() const { return work_.path() / "org"; }
  std::string Manifest() const { return "migrations/user-profile-v2.yaml"; }

  // Edits the example manifest: each pair replaces a piece of its text.
  void EditManifest(const std::vector<std::pair<std::string, std::string>>& edits) {
    fs::path path = Org() / Manifest();
    std::string text = testing::ReadFile(path);
    for (const auto& [from, to] : edits) {
      size_t at = text.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      text.replace(at, from.size(), to);
    }
    WriteText(path, text);
  }

  json Status(const std::string& campaign = "user-profile-v2") {
    auto status = RunSkein({"status", campaign, "--json"}, Org());
    EXPECT_EQ(status.exit_code, 0) << status.err;
    return json::parse(status.out, nullptr, false);
  }

  std::string Git(const std::string& repo, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git", "-C", (Org() / "repos" / repo).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = RunProgram(argv, Org());
    return result.exit_code == 0 ? result.out : "error: " + result.err;
  }

  testing::TempDir work_;
};

const json* FindJob(const json& status, const std::string& target_suffix) {
  for (const auto& j : status["job_list"]) {
    const std::string target = j["target"].get<std::string>();
    if (target.size() >= target_suffix.size() &&
        target.compare(target.size() - target_suffix.size(), target_suffix.size(), target_suffix) == 0)
      return &j;
  }
  return nullptr;
}

TEST_F(CampaignCli, TheExampleCampaignRunsToItsEndThroughGatesAndAPause) {
  // 1. Data partitions are written, then publishing waits for an approval.
  auto first = RunSkein({"run", Manifest()}, Org());
  EXPECT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_TRUE(testing::Contains(first.out, "awaiting approval: 3")) << first.out;
  json status = Status();
  EXPECT_EQ(status["state"], "migrating-data");
  EXPECT_EQ(status["jobs"]["done"], 7) << "seven daily partitions staged";
  const json* publish = FindJob(status, "data");
  ASSERT_NE(publish, nullptr);
  EXPECT_EQ((*publish)["state"], "awaiting-approval");
  EXPECT_FALSE(fs::exists(Org() / "warehouse/core/user_profile_v2/dt=2026-01-01"))
      << "staged, not published before the approval";
  EXPECT_TRUE(fs::exists(Org() / "warehouse/core/user_profile_v2/.skein-staging/dt=2026-01-01"));

  // 2. Approve everything that waits; the canary wave (the two least critical consumers, which
  // the built-in agent cannot finish alone) fails, and the wave threshold pauses the campaign.
  auto approved = RunSkein({"approve", "--all", "--campaign", "user-profile-v2", "--by", "tester"}, Org());
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_TRUE(testing::Contains(approved.out, "approved 3 job(s)")) << approved.out;
  auto second = RunSkein({"run", Manifest()}, Org());
  EXPECT_EQ(second.exit_code, 1) << second.err << second.out;
  status = Status();
  EXPECT_EQ(status["state"], "paused");
  EXPECT_TRUE(testing::Contains(status["reason"].get<std::string>(), "wave 1 ended with 2 of 2"))
      << status["reason"];
  EXPECT_TRUE(fs::exists(Org() / "warehouse/core/user_profile_v2/dt=2026-01-01"))
      << "published after the approval";
  EXPECT_EQ(Git("daily-active-users", {"branch", "--list", "skein/*"}), "") << "wave 2 has not started";

  // 3. Resume: the remaining waves run; tier-1 consumers were approved ahead.
  ASSERT_EQ(RunSkein({"resume", "user-profile-v2"}, Org()).exit_code, 0);
  auto third = RunSkein({"run", Manifest()}, Org());
  EXPECT_EQ(third.exit_code, 1) << "some consumers failed: " << third.out;
  EXPECT_TRUE(testing::Contains(third.out, "migrated:          2 consumer(s)")) << third.out;
  status = Status();
  EXPECT_EQ(status["state"], "failed");
  for (const std::string consumer : {"daily-active-users", "revenue-by-plan"}) {
    const json* job = FindJob(status, "/" + consumer);
    ASSERT_NE(job, nullptr) << consumer;
    EXPECT_EQ((*job)["state"], "done") << consumer;
    EXPECT_EQ((*job)["approved_by"], "tester") << consumer;
    EXPECT_EQ(Git(consumer, {"rev-list", "--count", "main..skein/user-profile-v2"}), "1\n") << consumer;
  }
  for (const std::string consumer : {"profile-export", "user-segments", "churn-features", "signup-funnel"}) {
    const json* job = FindJob(status, "/" + consumer);
    ASSERT_NE(job, nullptr) << consumer;
    EXPECT_EQ((*job)["state"], "failed") << consumer;
    EXPECT_TRUE(testing::Contains((*job)["outcome"].get<std::string>(), "no verified change"))
        << (*job)["outcome"];
  }
  // Every attempt's lease is in the history: the events tell the story.
  std::string kinds;
  for (const auto& e : status["events"]) kinds += e["kind"].get<std::string>() + " ";
  EXPECT_TRUE(testing::Contains(kinds, "approval-needed")) << kinds;
  EXPECT_TRUE(testing::Contains(kinds, "paused")) << kinds;
  EXPECT_TRUE(testing::Contains(kinds, "resumed")) << kinds;

  // 4. An ended campaign is not silently started over.
  auto again = RunSkein({"run", Manifest()}, Org());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(testing::Contains(again.err, "campaign user-profile-v2 is failed")) << again.err;

  // 5. Rollback: requests closed (git: the branch deleted), v2 removed, jobs rolled back.
  auto rollback = RunSkein({"rollback", "user-profile-v2"}, Org());
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err << rollback.out;
  EXPECT_EQ(Git("daily-active-users", {"branch", "--list", "skein/*"}), "");
  EXPECT_EQ(Git("revenue-by-plan", {"branch", "--list", "skein/*"}), "");
  EXPECT_FALSE(fs::exists(Org() / "warehouse/core/user_profile_v2"));
  EXPECT_TRUE(fs::exists(Org() / "warehouse/core/user_profile_v1")) << "v1 is never touched";
  status = Status();
  EXPECT_EQ(status["state"], "rolled-back");
  EXPECT_EQ(status["jobs"]["rolled-back"], status["jobs"]["total"]);
  // Rolling back again is harmless.
  EXPECT_EQ(RunSkein({"rollback", "user-profile-v2"}, Org()).exit_code, 0);
}

TEST_F(CampaignCli, AnInvalidManifestEnqueuesNothing) {
  EditManifest({{"  rollout: {canary: 2,", "  rollout: {canary: 2, max_paralel: 3,"}});
  auto run = RunSkein({"run", Manifest()}, Org());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(
      std::regex_search(run.err, std::regex("user-profile-v2.yaml:\\d+:\\d+: unknown key 'max_paralel'")))
      << run.err;
  EXPECT_TRUE(testing::Contains(run.err, "did you mean 'max_parallel'")) << run.err;
  auto status = RunSkein({"status", "--json"}, Org());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out), json::array()) << "no campaign was made";
}

TEST_F(CampaignCli, TwoRunsAtOnceMakeOneCampaign) {
  testing::CommandResult a, b;
  std::thread one([&] { a = RunSkein({"run", Manifest()}, Org()); });
  std::thread two([&] { b = RunSkein({"run", Manifest()}, Org()); });
  one.join();
  two.join();
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.err;
  auto status = RunSkein({"status", "--json"}, Org());
  json campaigns = json::parse(status.out);
  ASSERT_EQ(campaigns.size(), 1u) << status.out;
  EXPECT_EQ(campaigns[0]["jobs"]["total"], 14) << "7 partitions, publish, 6 consumers, each once";
  EXPECT_EQ(campaigns[0]["jobs"]["done"], 7);
}

TEST_F(CampaignCli, UnknownNamesAndBadFlagsAreBadInput) {
  auto status = RunSkein({"status", "user-profile-v3"}, Org());
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_TRUE(testing::Contains(status.err, "no campaign 'user-profile-v3'")) << status.err;
  ASSERT_EQ(RunSkein({"run", Manifest()}, Org()).exit_code, 0);
  status = RunSkein({"pause", "user-profile-v3"}, Org());
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_TRUE(testing::Contains(status.err, "did you mean 'user-profile-v2'")) << status.err;
  auto approve = RunSkein({"approve", "999999", "--by", "x"}, Org());
  EXPECT_EQ(approve.exit_code, 2);
  EXPECT_TRUE(testing::Contains(approve.err, "no job 999999")) << approve.err;
  auto worker = RunSkein({"worker", "--group", "EU_West"}, Org());
  EXPECT_EQ(worker.exit_code, 2);
  EXPECT_TRUE(testing::Contains(worker.err, "worker group 'EU_West' is not a label")) << worker.err;
  auto unreachable = RunSkein({"--store", "postgresql://skein@127.0.0.1:1/none", "status"}, Org());
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_TRUE(testing::Contains(unreachable.err, "cannot reach PostgreSQL at 127.0.0.1:1"))
      << unreachable.err;
  // The campaign is as it was.
  json s = Status();
  EXPECT_EQ(s["state"], "migrating-data");
  EXPECT_EQ(s["jobs"]["done"], 7);
}

TEST_F(CampaignCli, ARepositoryThatVanishesMidCampaignEndsItsJobDeadWithTheReason) {
  EditManifest({{"base: 30s, cap: 1h", "base: 1s, cap: 1s"},
                {"retries: {max: 3", "retries: {max: 1"},
                {"canary: 2", "canary: 10"},
                {"pause_on_failure_rate: 0.25", "pause_on_failure_rate: 1.0"}});
  ASSERT_EQ(RunSkein({"run", Manifest()}, Org()).exit_code, 0);
  fs::remove_all(Org() / "repos/daily-active-users");
  ASSERT_EQ(RunSkein({"approve", "--all", "--campaign", "user-profile-v2", "--by", "t"}, Org()).exit_code, 0);
  auto run = RunSkein({"run", Manifest()}, Org());
  EXPECT_EQ(run.exit_code, 1);
  json status = Status();
  const json* job = FindJob(status, "/daily-active-users");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ((*job)["state"], "dead");
  EXPECT_EQ((*job)["attempts"], 2);
  EXPECT_TRUE(testing::Contains((*job)["outcome"].get<std::string>(),
                                "repository repos/daily-active-users (skein.dev/repo) does not exist"))
      << (*job)["outcome"];
  const json* other = FindJob(status, "/revenue-by-plan");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ((*other)["state"], "done") << "one consumer's trouble does not stop the others";
}

TEST_F(CampaignCli, EquivalenceSamplesRealV1EvenBeforeV2HasALocation) {
  // As `skein migrate-consumer` does: a campaign that does not write v2 (data.materialize: false,
  // v2 without a location yet) checks the consumers' queries on a sample of real v1, not on rows
  // generated from its schema.
  fs::path datasets = Org() / "catalog/datasets.yaml";
  std::string text = testing::ReadFile(datasets);
  const std::string v2_location = "    skein.dev/location: parquet:warehouse/core/user_profile_v2\n";
  size_t at = text.find(v2_location);
  ASSERT_NE(at, std::string::npos);
  WriteText(datasets, text.erase(at, v2_location.size()));
  ASSERT_EQ(RunSkein({"catalog", "import", "catalog"}, Org()).exit_code, 0);
  EditManifest({{"materialize: true", "materialize: false"},
                {"canary: 2", "canary: 10"},
                {"pause_on_failure_rate: 0.25", "pause_on_failure_rate: 1.0"},
                {", approval: {tiers: [tier-1]}", ""}});
  auto run = RunSkein({"run", Manifest()}, Org());
  EXPECT_EQ(run.exit_code, 1) << "four consumers need more than the built-in agent: " << run.err << run.out;
  json status = Status();
  const json* job = FindJob(status, "/daily-active-users");
  ASSERT_NE(job, nullptr);
  ASSERT_EQ((*job)["state"], "done") << (*job)["outcome"];
  fs::path evidence = (*job)["result"]["evidence"].get<std::string>();
  json attempt = json::parse(testing::ReadFile(Org() / evidence / "attempt-1/attempt.json"), nullptr, false);
  ASSERT_TRUE(attempt.is_object()) << (Org() / evidence);
  const json* equivalence = nullptr;
  for (const auto& v : attempt["verifiers"]) {
    if (v["verifier"] == "equivalence") equivalence = &v;
  }
  ASSERT_NE(equivalence, nullptr) << attempt.dump(2);
  EXPECT_EQ((*equivalence)["evidence"]["sample"]["real"], true) << (*equivalence).dump(2);
  EXPECT_TRUE(testing::Contains((*equivalence)["summary"].get<std::string>(), "of real v1"))
      << (*equivalence)["summary"];
}

// The manifest's webhook gets Slack-compatible JSON for the approval gate and the pause.
TEST_F(CampaignCli, AlertsGoToTheManifestsWebhook) {
  httplib::Server server;
  std::mutex mutex;
  std::vector<json> received;
  server.Post("/hook", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex);
    received.push_back(json::parse(request.body, nullptr, false));
    response.set_content("ok", "text/plain");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  EditManifest({{"approval: {tiers: [tier-1]}}",
                 "approval: {tiers: [tier-1]}, alerts: {webhook_env: SKEIN_TEST_WEBHOOK}}"}});
  std::vector<std::string> env = {"SKEIN_TEST_WEBHOOK=http://127.0.0.1:" + std::to_string(port) + "/hook"};
  ASSERT_EQ(RunSkein({"run", Manifest()}, Org(), env).exit_code, 0);
  ASSERT_EQ(
      RunSkein({"approve", "--all", "--campaign", "user-profile-v2", "--by", "t"}, Org(), env).exit_code, 0);
  EXPECT_EQ(RunSkein({"run", Manifest()}, Org(), env).exit_code, 1);
  server.stop();
  serving.join();
  std::lock_guard lock(mutex);
  std::vector<std::string> kinds;
  for (const auto& body : received) {
    ASSERT_TRUE(body.is_object());
    EXPECT_EQ(body["campaign"], "user-profile-v2");
    EXPECT_TRUE(testing::Contains(body["text"].get<std::string>(), "user-profile-v2")) << body.dump();
    kinds.push_back(body["kind"]);
  }
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "approval-needed"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "paused"), kinds.end());
}

}  // namespace
}  // namespace skein
