// `skein serve`, `skein token` and the structured worker log, as a new user runs them: the first
// start makes an operator token in a file only its owner reads, the portal answers on the port it
// prints, tokens are made, listed and revoked, `skein run` says where its dashboard is, and
// `skein worker --log-format json` writes one JSON object per line with the job's ids.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunSkein;

// The port a portal printed ("portal on http://127.0.0.1:PORT/"), waiting up to 20 s for it.
int PrintedPort(testing::BackgroundProgram& program, const std::string& what) {
  std::regex printed(what + R"( on http://127\.0\.0\.1:([0-9]+)/)");
  for (int i = 0; i < 200; ++i) {
    std::smatch m;
    std::string err = program.err();
    if (std::regex_search(err, m, printed)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "no port printed: " << program.err();
  return 0;
}

std::string TrimmedLine(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(ServeCli, FirstStartMakesAnOperatorTokenAndServesTheApi) {
  testing::TempDir dir;
  auto serve = testing::StartSkein({"serve", "--port", "0"}, dir.path());
  int port = PrintedPort(*serve, "portal");
  ASSERT_GT(port, 0);
  EXPECT_TRUE(
      testing::Contains(serve->err(), "made the first operator token; it is in .skein/operator-token"))
      << serve->err();
  fs::path file = dir.path() / ".skein/operator-token";
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "only its owner may read the token";
  std::string token = TrimmedLine(testing::ReadFile(file));
  EXPECT_TRUE(std::regex_match(token, std::regex("skn_[0-9a-f]{40}"))) << token;

  httplib::Client client("127.0.0.1", port);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(client.Get("/api/v1/campaigns")->status, 401);
  auto campaigns = client.Get("/api/v1/campaigns", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(campaigns);
  EXPECT_EQ(campaigns->status, 200) << campaigns->body;
  EXPECT_EQ(json::parse(campaigns->body)["campaigns"].size(), 0u);

  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(20), 0) << serve->err();
  // A second start keeps the token: nothing new is made or written.
  auto again = testing::StartSkein({"serve", "--port", "0"}, dir.path());
  ASSERT_GT(PrintedPort(*again, "portal"), 0);
  EXPECT_FALSE(testing::Contains(again->err(), "made the first operator token")) << again->err();
  EXPECT_EQ(TrimmedLine(testing::ReadFile(file)), token);
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(20), 0);
}

TEST(ServeCli, RefusesATakenPortAndBadFlags) {
  testing::TempDir dir;
  httplib::Server taken;
  int port = taken.bind_to_any_port("127.0.0.1");
  auto busy = RunSkein({"serve", "--port", std::to_string(port)}, dir.path());
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_TRUE(testing::Contains(busy.err, "cannot listen on 127.0.0.1:" + std::to_string(port))) << busy.err;
  auto bad = RunSkein({"serve", "--port", "70000"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(testing::Contains(bad.err, "--port")) << bad.err;
}

TEST(ServeCli, TokensAreMadeListedAndRevoked) {
  testing::TempDir dir;
  auto made = RunSkein({"token", "create", "ci-bot", "--role", "operator"}, dir.path());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_TRUE(std::regex_match(TrimmedLine(made.out), std::regex("skn_[0-9a-f]{40}"))) << made.out;
  EXPECT_EQ(RunSkein({"token", "create", "ci-bot"}, dir.path()).exit_code, 1) << "names are unique";
  auto bad_role = RunSkein({"token", "create", "x", "--role", "admin"}, dir.path());
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_TRUE(testing::Contains(bad_role.err, "unknown role 'admin'")) << bad_role.err;
  auto bad_name = RunSkein({"token", "create", "a b"}, dir.path());
  EXPECT_EQ(bad_name.exit_code, 2) << bad_name.err;

  auto list = RunSkein({"token", "list", "--json"}, dir.path());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json tokens = json::parse(list.out);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0]["name"], "ci-bot");
  EXPECT_EQ(tokens[0]["role"], "operator");
  EXPECT_FALSE(testing::Contains(list.out, TrimmedLine(made.out))) << "the token itself is never shown again";

  ASSERT_EQ(RunSkein({"token", "revoke", "ci-bot"}, dir.path()).exit_code, 0);
  auto revoked = RunSkein({"token", "list"}, dir.path());
  EXPECT_TRUE(testing::Contains(revoked.out, "revoked")) << revoked.out;
  auto twice = RunSkein({"token", "revoke", "ci-bot"}, dir.path());
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_TRUE(testing::Contains(twice.err, "no token named 'ci-bot' in force")) << twice.err;
}

class ExampleOrg : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(testing::LayOutExampleOrg(Org()), ""); }
  fs::path Org() const { return work_.path() / "org"; }
  testing::TempDir work_;
};

TEST_F(ExampleOrg, RunServesItsDashboardWhileItRunsUnlessTold) {
  auto run = RunSkein({"run", "migrations/user-profile-v2.yaml"}, Org());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(std::regex_search(run.err, std::regex(R"(dashboard on http://127\.0\.0\.1:[0-9]+/)")))
      << run.err;
  EXPECT_TRUE(fs::exists(Org() / ".skein/operator-token"));
  auto quiet = RunSkein({"run", "migrations/user-profile-v2.yaml", "--no-ui"}, Org());
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_FALSE(testing::Contains(quiet.err, "dashboard on")) << quiet.err;
}

TEST_F(ExampleOrg, WorkerWritesJsonLogLinesWithCampaignJobAndAttempt) {
  auto worker =
      testing::StartSkein({"worker", "--slots", "2", "--log-format", "json", "--sweep", "500ms"}, Org());
  // Only watches (no workers here): the worker process does the data jobs, then the publish gate.
  auto run = RunSkein({"run", "migrations/user-profile-v2.yaml", "--workers", "0", "--no-ui"}, Org());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  worker->Signal(SIGTERM);
  ASSERT_EQ(worker->Wait(30), 0) << worker->err();
  int job_lines = 0;
  std::istringstream lines(worker->err());
  for (std::string line; std::getline(lines, line);) {
    json entry = json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << "not JSON: " << line;
    EXPECT_TRUE(entry.contains("ts") && entry.contains("level") && entry.contains("msg")) << line;
    if (!entry.contains("job")) continue;
    ++job_lines;
    EXPECT_EQ(entry["campaign"], "user-profile-v2") << line;
    EXPECT_TRUE(entry["job"].is_number_integer() && entry["job"].get<int64_t>() > 0) << line;
    EXPECT_TRUE(entry["attempt"].is_number_integer() && entry["attempt"].get<int64_t>() > 0) << line;
  }
  EXPECT_GE(job_lines, 14) << "a start and an end line for each of the seven partitions: " << worker->err();
  EXPECT_TRUE(testing::Contains(worker->err(), "\"msg\":\"started partition job\"")) << worker->err();
  auto bad = RunSkein({"worker", "--log-format", "xml"}, Org());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(testing::Contains(bad.err, "--log-format must be text or json")) << bad.err;
}

TEST_F(ExampleOrg, ServeWithAManifestsFolderPlansWhatTheCatalogDeprecates) {
  auto serve = testing::StartSkein(
      {"serve", "--port", "0", "--no-alerts", "--manifests", "migrations", "--tick", "200ms"}, Org());
  bool planned = false;
  for (int i = 0; i < 150 && !planned; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto status = RunSkein({"status", "user-profile-v2", "--json"}, Org());
    json s = json::parse(status.out, nullptr, false);
    planned = status.exit_code == 0 && s.is_object() && s["state"] == "planned";
  }
  EXPECT_TRUE(planned) << serve->err();
  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(30), 0) << serve->err();
  EXPECT_TRUE(testing::Contains(serve->err(), "campaign user-profile-v2 planned")) << serve->err();
  auto bad = RunSkein({"serve", "--port", "0", "--manifests", "nowhere"}, Org());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(testing::Contains(bad.err, "--manifests nowhere: not a folder")) << bad.err;
}

}  // namespace
}  // namespace skein
