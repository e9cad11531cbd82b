// `skein migrate-consumer` on the example fleet, as a user runs it: each example consumer ends
// verified or with a clear reason; a real run pushes the campaign's branch and a re-run opens
// nothing new; a wrong change by an agent is caught by `equivalence`, an unrelated one by `scope`.
//
// The "agents" of the last two tests are shell commands written here: stand-ins for an LLM
// coding agent that make a planted mistake on purpose.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Contains;
using testing::RunProgram;
using testing::RunSkein;

class MigrateConsumer : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(testing::LayOutExampleOrg(Org()), ""); }
  fs::path Org() const { return dir_.path() / "org"; }

  // Runs migrate-consumer with --json; returns the report (exit code in "exit").
  json Run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"migrate-consumer"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--json");
    auto result = RunSkein(argv, Org());
    json report = json::parse(result.out, nullptr, false);
    if (report.is_discarded()) {
      ADD_FAILURE() << "not JSON (exit " << result.exit_code << "): " << result.out << result.err;
      return json::object();
    }
    report["exit"] = result.exit_code;
    report["stderr"] = result.err;
    return report;
  }

  std::string Git(const std::string& repo, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git", "-C", (Org() / "repos" / repo).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, Org()).out;
  }

  // A copy of the example manifest with `consumers:` replaced.
  std::string WriteManifest(const std::string& name, const std::string& consumers) {
    std::ifstream in(Org() / "migrations/user-profile-v2.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    size_t begin = text.find("  consumers:\n");
    size_t end = text.find("  rollout:");
    text = text.substr(0, begin) + consumers + text.substr(end);
    std::string path = "migrations/" + name + ".yaml";
    std::ofstream(Org() / path) << text;
    return path;
  }

  static const json* Verifier(const json& report, const std::string& name) {
    if (!report.contains("attempts") || report["attempts"].empty()) return nullptr;
    for (const auto& v : report["attempts"].back()["verifiers"]) {
      if (v["verifier"] == name) return &v;
    }
    return nullptr;
  }

  testing::TempDir dir_;
};

TEST_F(MigrateConsumer, EveryExampleConsumerEndsVerifiedOrWithAClearReason) {
  for (const char* name : {"daily-active-users", "revenue-by-plan", "signup-funnel", "churn-features",
                           "user-segments", "profile-export"}) {
    SCOPED_TRACE(name);
    json r = Run({"migrations/user-profile-v2.yaml", name, "--dry-run"});
    ASSERT_TRUE(r.contains("state")) << r.dump(2);
    if (r["state"] == "verified") {
      EXPECT_EQ(r["exit"], 0);
      EXPECT_FALSE(r["diff"].get<std::string>().empty());
      for (const auto& v : r["attempts"].back()["verifiers"]) EXPECT_NE(v["outcome"], "fail") << v.dump();
    } else {
      EXPECT_EQ(r["state"], "failed") << r.dump(2);
      EXPECT_EQ(r["exit"], 1);
      EXPECT_FALSE(r["reason"].get<std::string>().empty());
      EXPECT_TRUE(fs::exists(r["evidence"].get<std::string>())) << "a failed job keeps its evidence";
    }
  }
  // The plain SQL consumer is proven on sample data; the Python one reads a dropped column, which
  // the built-in agent must leave to an agent or a person rather than guess.
  json dau = Run({"migrations/user-profile-v2.yaml", "daily-active-users", "--dry-run"});
  EXPECT_EQ(dau["state"], "verified") << dau.dump(2);
  const json* equivalence = Verifier(dau, "equivalence");
  ASSERT_NE(equivalence, nullptr);
  EXPECT_EQ((*equivalence)["outcome"], "pass") << equivalence->dump(2);
  json churn = Run({"migrations/user-profile-v2.yaml", "churn-features", "--dry-run"});
  EXPECT_EQ(churn["state"], "failed");
  EXPECT_TRUE(Contains(churn["reason"].get<std::string>(), "legacy_segment")) << churn["reason"];
  // A dry run pushes nothing.
  EXPECT_EQ(Git("daily-active-users", {"branch", "--list", "skein/*"}), "");
}

TEST_F(MigrateConsumer, ARealRunPushesTheBranchAndARerunOpensNothingNew) {
  json first = Run({"migrations/user-profile-v2.yaml", "daily-active-users"});
  ASSERT_EQ(first["state"], "opened") << first.dump(2);
  EXPECT_EQ(first["exit"], 0);
  std::string commit = first["commit"];
  EXPECT_EQ(Git("daily-active-users", {"rev-parse", "skein/user-profile-v2"}), commit + "\n");
  std::string message = Git("daily-active-users", {"log", "-1", "--format=%B", "skein/user-profile-v2"});
  EXPECT_TRUE(Contains(message, "Move to core.user_profile_v2")) << message;
  EXPECT_TRUE(Contains(message, "Skein-Campaign: user-profile-v2")) << message;
  EXPECT_TRUE(Contains(message, "Skein-Consumer: component:default/daily-active-users")) << message;
  std::string changed =
      Git("daily-active-users", {"show", "skein/user-profile-v2:queries/daily_active_users.sql"});
  EXPECT_TRUE(Contains(changed, "FROM core.user_profile_v2 AS p")) << changed;
  // The consumer's own checkout is untouched: the change lives on the branch only.
  EXPECT_EQ(Git("daily-active-users", {"status", "--porcelain"}), "");
  EXPECT_EQ(Git("daily-active-users", {"rev-parse", "--abbrev-ref", "HEAD"}), "main\n");

  json again = Run({"migrations/user-profile-v2.yaml", "daily-active-users"});
  EXPECT_EQ(again["state"], "unchanged") << again.dump(2);
  EXPECT_EQ(again["request"]["created"], false);
  EXPECT_EQ(Git("daily-active-users", {"rev-parse", "skein/user-profile-v2"}), commit + "\n");
  EXPECT_EQ(Git("daily-active-users", {"for-each-ref", "--format=%(refname)", "refs/heads/skein"}),
            "refs/heads/skein/user-profile-v2\n");

  // The consumer moves on: a re-run rebases the change on the new base, on the same branch.
  std::ofstream(Org() / "repos/daily-active-users/README.md", std::ios::app) << "More docs.\n";
  Git("daily-active-users", {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "docs"});
  json rebased = Run({"migrations/user-profile-v2.yaml", "daily-active-users"});
  EXPECT_EQ(rebased["state"], "updated") << rebased.dump(2);
  std::string parent = Git("daily-active-users", {"rev-parse", "skein/user-profile-v2^"});
  EXPECT_EQ(parent, Git("daily-active-users", {"rev-parse", "main"}));
}

TEST_F(MigrateConsumer, EquivalenceCatchesAnAgentThatChangesAFilter) {
  // Stand-in agent: the right renames, plus a flipped comparison in the WHERE clause.
  std::string manifest = WriteManifest(
      "wrong-filter",
      "  consumers:\n"
      "    max_attempts: 2\n"
      "    agent:\n"
      "      kind: command\n"
      "      timeout: 30s\n"
      "      command: >-\n"
      "        sed -i -e 's/core.user_profile_v1 AS p/core.user_profile_v2 AS p/'\n"
      "        -e 's/p.user_id$/p.account_id AS user_id/'\n"
      "        -e 's/p.is_premium,/(CASE WHEN p.is_premium THEN 1 ELSE 0 END) AS is_premium,/'\n"
      "        -e \"s/WHERE p.signup_ts <=/WHERE strftime(p.signup_at, '%Y-%m-%d %H:%M:%S') >=/\"\n"
      "        -e 's/after core.user_profile_v1 lands/after core.user_profile_v2 lands/'\n"
      "        queries/daily_active_users.sql\n");
  json r = Run({manifest, "daily-active-users"});
  EXPECT_EQ(r["state"], "failed") << r.dump(2);
  EXPECT_EQ(r["exit"], 1);
  EXPECT_EQ(r["attempts"].size(), 2u) << "the failure goes back to the agent for a second attempt";
  const json* equivalence = Verifier(r, "equivalence");
  ASSERT_NE(equivalence, nullptr);
  EXPECT_EQ((*equivalence)["outcome"], "fail") << equivalence->dump(2);
  EXPECT_FALSE(r.contains("request"));
  EXPECT_EQ(Git("daily-active-users", {"branch", "--list", "skein/*"}), "") << "nothing reaches the remote";
}

TEST_F(MigrateConsumer, ScopeCatchesAnAgentThatEditsAnUnrelatedLine) {
  // Stand-in agent: the right change, plus an edit to a comment that has nothing to do with it.
  std::string manifest = WriteManifest(
      "unrelated-line",
      "  consumers:\n"
      "    max_attempts: 1\n"
      "    agent:\n"
      "      kind: command\n"
      "      timeout: 30s\n"
      "      command: >-\n"
      "        sed -i -e 's/core.user_profile_v1 AS p/core.user_profile_v2 AS p/'\n"
      "        -e 's/p.user_id$/p.account_id AS user_id/'\n"
      "        -e 's/p.is_premium,/(CASE WHEN p.is_premium THEN 1 ELSE 0 END) AS is_premium,/'\n"
      "        -e \"s/WHERE p.signup_ts <=/WHERE strftime(p.signup_at, '%Y-%m-%d %H:%M:%S') <=/\"\n"
      "        -e 's/after core.user_profile_v1 lands/after core.user_profile_v2 lands/'\n"
      "        -e 's/Daily active users by country and plan./Daily active users, now faster./'\n"
      "        queries/daily_active_users.sql\n");
  json r = Run({manifest, "daily-active-users", "--dry-run"});
  EXPECT_EQ(r["state"], "failed") << r.dump(2);
  const json* scope = Verifier(r, "scope");
  ASSERT_NE(scope, nullptr);
  EXPECT_EQ((*scope)["outcome"], "fail") << scope->dump(2);
  EXPECT_TRUE(Contains(scope->dump(), "now faster")) << scope->dump(2);
  const json* equivalence = Verifier(r, "equivalence");
  ASSERT_NE(equivalence, nullptr);
  EXPECT_EQ((*equivalence)["outcome"], "pass") << "the query itself is right: " << equivalence->dump(2);
}

TEST_F(MigrateConsumer, NamesAnUnknownConsumerAndSuggestsOne) {
  auto result = RunSkein({"migrate-consumer", "migrations/user-profile-v2.yaml", "daily-active-user"}, Org());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(Contains(result.err, "did you mean 'daily-active-users'")) << result.err;
  auto transitive =
      RunSkein({"migrate-consumer", "migrations/user-profile-v2.yaml", "growth-dashboard"}, Org());
  EXPECT_EQ(transitive.exit_code, 2);
  EXPECT_TRUE(Contains(transitive.err, "preserve_output")) << transitive.err;
}

}  // namespace
}  // namespace skein
