// `skein watch` on the example organisation (whose core.user_profile_v1 the catalog marks
// deprecated), as a new user runs it: one pass plans the campaign of the manifest in the folder,
// a second repeats nothing; `start: auto` starts it and the watcher's worker threads run its jobs
// until SIGTERM; a broken manifest is named at its line and column while the others go on.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Contains;
using testing::RunSkein;

class WatchCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(testing::LayOutExampleOrg(Org(), false), ""); }
  fs::path Org() const { return work_.path() / "org"; }
  void StartAuto() {
    fs::path path = Org() / "migrations/user-profile-v2.yaml";
    std::string text = testing::ReadFile(path);
    size_t at = text.find("  to: core.user_profile_v2\n");
    ASSERT_NE(at, std::string::npos);
    text.insert(at + std::string("  to: core.user_profile_v2\n").size(), "  start: auto\n");
    std::ofstream(path) << text;
  }
  json Status() {
    auto status = RunSkein({"status", "user-profile-v2", "--json"}, Org());
    EXPECT_EQ(status.exit_code, 0) << status.err;
    return json::parse(status.out, nullptr, false);
  }
  testing::TempDir work_;
};

TEST_F(WatchCli, OnePassPlansTheDeprecatedDatasetsCampaignAndASecondRepeatsNothing) {
  std::vector<std::string> pass = {"watch",      "--once", "--catalog", "catalog", "--manifests",
                                   "migrations", "--code", "repos",     "--json"};
  auto first = RunSkein(pass, Org());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json report = json::parse(first.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << first.out;
  EXPECT_EQ(report["planned"], json::array({"user-profile-v2"}));
  EXPECT_EQ(report["started"], json::array()) << "the example manifest leaves the start to a person";
  EXPECT_GT(report["catalog"]["added"].get<int>(), 0);
  EXPECT_EQ(Status()["state"], "planned");
  // Code search finds the ad-hoc reports reading v1 without a catalog entry: its owners are told,
  // since the campaign cannot migrate what the catalog does not name.
  ASSERT_EQ(report["notices"].size(), 1u) << report["notices"].dump(2);
  const json& undeclared = report["notices"][0];
  EXPECT_EQ(undeclared["kind"], "undeclared-consumer");
  EXPECT_EQ(undeclared["subject"], "core.user_profile_v1");
  EXPECT_TRUE(Contains(undeclared["message"], "adhoc-reports")) << undeclared["message"];
  EXPECT_TRUE(Contains(undeclared["detail"]["at"], "reports/weekly_premium.sql:3:")) << undeclared.dump();
  EXPECT_EQ(report["problems"], json::array());

  auto second = RunSkein(pass, Org());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json again = json::parse(second.out, nullptr, false);
  EXPECT_EQ(again["planned"], json::array());
  EXPECT_EQ(again["catalog"]["added"], 0);
  EXPECT_EQ(again["notices"], json::array()) << "said once";
}

TEST_F(WatchCli, BadBackgroundFlagsAreNamed) {
  auto webhook = RunSkein({"watch", "--once", "--alert-webhook-env", "SKEIN_NO_SUCH_VARIABLE"}, Org());
  EXPECT_EQ(webhook.exit_code, 2) << webhook.err;
  EXPECT_TRUE(Contains(webhook.err, "SKEIN_NO_SUCH_VARIABLE")) << webhook.err;
  auto outside =
      RunSkein({"watch", "--once", "--manifests-repo", "repos/x.git", "--manifests", "../etc"}, Org());
  EXPECT_EQ(outside.exit_code, 2) << outside.err;
  EXPECT_TRUE(Contains(outside.err, "inside the repository")) << outside.err;
  auto budget = RunSkein({"watch", "--once", "--requests-per-pass", "0"}, Org());
  EXPECT_EQ(budget.exit_code, 2) << budget.err;
  EXPECT_TRUE(Contains(budget.err, "--requests-per-pass")) << budget.err;
  auto code = RunSkein({"watch", "--once", "--code", "no-such-folder"}, Org());
  EXPECT_EQ(code.exit_code, 2) << code.err;
  EXPECT_TRUE(Contains(code.err, "--code no-such-folder")) << code.err;
}

TEST_F(WatchCli, NamesABrokenManifestAndStillStartsTheOthers) {
  StartAuto();
  std::ofstream(Org() / "migrations/broken.yaml") << "apiVersion: skein.dev/v1\nkind: Migration\nmetadata: "
                                                     "{name: broken}\nspec:\n  from: core.user_profile_v1\n"
                                                     "  to: core.user_profile_v3\n  strat: auto\n";
  auto pass = RunSkein({"watch", "--once", "--catalog", "catalog", "--manifests", "migrations"}, Org());
  EXPECT_EQ(pass.exit_code, 1) << "problems found: " << pass.err;
  EXPECT_TRUE(Contains(pass.err, "broken.yaml:7:3")) << pass.err;
  EXPECT_TRUE(Contains(pass.err, "campaign user-profile-v2 started")) << pass.err;
  EXPECT_EQ(Status()["state"], "migrating-data");
  auto bad_flag = RunSkein({"watch", "--once", "--manifests", "no-such-folder"}, Org());
  EXPECT_EQ(bad_flag.exit_code, 2) << bad_flag.err;
  EXPECT_TRUE(Contains(bad_flag.err, "no-such-folder")) << bad_flag.err;
}

TEST_F(WatchCli, RunsTheCampaignItStartsUntilStopped) {
  StartAuto();
  auto watch = testing::StartSkein(
      {"watch", "--catalog", "catalog", "--manifests", "migrations", "--tick", "200ms", "--workers", "2"},
      Org());
  // The data stage runs here: its partitions end done and the publish step waits at its gate.
  bool at_gate = false;
  for (int i = 0; i < 600 && !at_gate; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto status = RunSkein({"status", "user-profile-v2", "--json"}, Org());
    if (status.exit_code != 0) continue;  // not planned yet
    json s = json::parse(status.out, nullptr, false);
    at_gate = s.is_object() && s["jobs"]["awaiting-approval"] == 1 && s["jobs"]["done"].get<int>() >= 1;
  }
  EXPECT_TRUE(at_gate) << watch->err();
  watch->Signal(SIGTERM);
  EXPECT_EQ(watch->Wait(60), 0) << watch->err();
  EXPECT_TRUE(Contains(watch->err(), "campaign user-profile-v2 started")) << watch->err();
}

}  // namespace
}  // namespace skein
