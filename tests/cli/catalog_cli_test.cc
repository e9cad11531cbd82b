// Specification of `skein catalog import|ls|show` and `skein lineage`, run as the real binary in
// a fresh folder (so the default SQLite store lands in that folder's .skein/).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/support/test_support.h"

namespace skein {
namespace {

using skein::testing::Contains;

using nlohmann::json;
using skein::testing::CommandResult;
using skein::testing::RunSkein;
using skein::testing::SourceDir;
using skein::testing::TempDir;

std::string Data(const std::string& relative) {
  return (SourceDir() / "tests/data/catalog" / relative).string();
}

// Stands in for a real Backstage backend (which cannot run here): a minimal HTTP/1.1 server on
// 127.0.0.1, written on plain sockets because cli_tests does not link an HTTP library. It serves
// /api/catalog/entities/by-query in Backstage's shape — items, pageInfo.nextCursor — one entity
// per page whatever the limit, so an import needs several pages, and answers 401 unless the
// request carries "Authorization: Bearer <token>". One connection at a time, closed after each
// answer.
class BackstageStandIn {
 public:
  BackstageStandIn(std::vector<json> entities, std::string token)
      : entities_(std::move(entities)), token_(std::move(token)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~BackstageStandIn() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int pages_served() const { return pages_served_; }

 private:
  void Serve() {
    while (!stopping_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      ssize_t n;
      while (request.find("\r\n\r\n") == std::string::npos &&
             (n = ::read(client, buffer, sizeof buffer)) > 0) {
        request.append(buffer, static_cast<size_t>(n));
      }
      std::string response = Answer(request);
      ssize_t ignored = ::write(client, response.data(), response.size());
      (void)ignored;
      ::close(client);
    }
  }

  std::string Answer(const std::string& request) {
    if (request.find("Authorization: Bearer " + token_ + "\r\n") == std::string::npos) {
      return Http("401 Unauthorized", R"({"error":{"name":"AuthenticationError"}})");
    }
    if (request.rfind("GET /api/catalog/entities/by-query?", 0) != 0) return Http("404 Not Found", "{}");
    size_t cursor = 0;
    if (size_t at = request.find("cursor="); at != std::string::npos && at < request.find("\r\n")) {
      cursor = std::stoul(request.substr(at + 7));
    }
    json page = {{"items", json::array()}, {"totalItems", entities_.size()}, {"pageInfo", json::object()}};
    if (cursor < entities_.size()) page["items"].push_back(entities_[cursor]);
    if (cursor + 1 < entities_.size()) page["pageInfo"]["nextCursor"] = std::to_string(cursor + 1);
    ++pages_served_;
    return Http("200 OK", page.dump());
  }

  static std::string Http(const std::string& status, const std::string& body) {
    return "HTTP/1.1 " + status +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  }

  std::vector<json> entities_;
  std::string token_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_ = false;
  std::atomic<int> pages_served_ = 0;
  std::thread thread_;
};

std::vector<json> BackstageEntities() {
  auto entity = [](const char* kind, const char* name, json spec, json annotations = json::object()) {
    return json{{"apiVersion", "backstage.io/v1alpha1"},
                {"kind", kind},
                {"metadata", {{"name", name}, {"namespace", "default"}, {"annotations", annotations}}},
                {"spec", spec}};
  };
  return {entity("Group", "growth", {{"type", "team"}, {"children", json::array()}}),
          entity("Resource", "users", {{"type", "dataset"}, {"owner", "growth"}},
                 {{"skein.dev/dataset-id", "core.users"}}),
          entity("Component", "dau",
                 {{"type", "data-pipeline"},
                  {"owner", "growth"},
                  {"lifecycle", "production"},
                  {"dependsOn", {"resource:default/users"}}},
                 {{"skein.dev/tier", "tier-1"}})};
}

class CatalogCli : public ::testing::Test {
 protected:
  CommandResult Skein(const std::vector<std::string>& args) { return RunSkein(args, dir_.path()); }
  // Imports tests/data/catalog/good and checks it worked.
  void ImportGood() {
    CommandResult r = Skein({"catalog", "import", Data("good")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  TempDir dir_;
};

TEST_F(CatalogCli, ImportPrintsASummaryByKind) {
  CommandResult r = Skein({"catalog", "import", Data("good")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      Contains(r.out, "Imported 11 entities from 1 location: 11 added, 0 updated, 0 removed, 0 unchanged"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "Component 3, Group 3, Location 1, Resource 4")) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / ".skein"));
}

TEST_F(CatalogCli, ImportAgainReportsUnchangedAndJsonParses) {
  ImportGood();
  CommandResult r = Skein({"catalog", "import", Data("good"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json summary = json::parse(r.out);
  EXPECT_EQ(summary["added"], 0);
  EXPECT_EQ(summary["unchanged"], 11);
  EXPECT_EQ(summary["kinds"]["Resource"], 4);
  EXPECT_EQ(summary["locations"][0]["location"], std::filesystem::canonical(Data("good")).string());
}

TEST_F(CatalogCli, ReimportUpdatesAndRemovesWhatTheLocationBrought) {
  std::string two = R"(apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: growth}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: finance}
spec: {type: team, children: []}
)";
  auto file = dir_.Write("catalog/teams.yaml", two);
  ASSERT_EQ(Skein({"catalog", "import", "catalog"}).exit_code, 0);
  dir_.Write("catalog/teams.yaml",
             "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: growth, title: Growth}\n"
             "spec: {type: team, children: []}\n");
  CommandResult r = Skein({"catalog", "import", "catalog"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "0 added, 1 updated, 1 removed, 0 unchanged")) << r.out;
  EXPECT_FALSE(Contains(Skein({"catalog", "ls"}).out, "group:finance"));
}

TEST_F(CatalogCli, ListShowsOwnerLifecycleTierAndDataset) {
  ImportGood();
  CommandResult r = Skein({"catalog", "ls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "REF")) << r.out;
  EXPECT_TRUE(Contains(r.out,
                       "component:daily-active-users  group:growth     production    tier-1  "
                       "repos/daily-active-users"))
      << r.out;
  EXPECT_TRUE(Contains(
      r.out, "resource:user-profile-v1      group:identity   deprecated    -       core.user_profile_v1"))
      << r.out;
}

TEST_F(CatalogCli, ListFiltersByKindAndPrintsJson) {
  ImportGood();
  CommandResult r = Skein({"catalog", "ls", "--kind", "resource", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json items = json::parse(r.out);
  ASSERT_EQ(items.size(), 4u);
  for (const json& item : items) EXPECT_EQ(item["kind"], "Resource");
  EXPECT_EQ(items[3]["ref"], "resource:default/user-profile-v2");
  EXPECT_EQ(items[3]["dataset_id"], "core.user_profile_v2");
  EXPECT_EQ(items[3]["entity"]["spec"]["owner"], "identity");
}

TEST_F(CatalogCli, ListOfAnEmptyCatalogSaysHowToFillIt) {
  CommandResult r = Skein({"catalog", "ls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "The catalog is empty")) << r.out;
}

TEST_F(CatalogCli, BadFileImportsNothingAndNamesFileLineColumn) {
  ImportGood();
  std::string before = Skein({"catalog", "ls"}).out;
  dir_.Write("more/pipeline.yaml",
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: new-job}\n"
             "spec: {type: data-pipeline, owner: growth, lifecycle: production}\n");
  CommandResult r = Skein({"catalog", "import", "more", Data("bad")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "tests/data/catalog/bad/invalid-entities.yaml:5:9: name '-starts-with-dash'"))
      << r.err;
  EXPECT_TRUE(Contains(r.err,
                       "invalid-entities.yaml:25:5: unknown annotation 'skein.dev/produce'; did you mean "
                       "'skein.dev/produces'?"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "syntax-error.yaml:6:5: YAML syntax")) << r.err;
  EXPECT_TRUE(
      Contains(r.err, "missing-target.yaml:7:7: Location target './does-not-exist.yaml' does not exist"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "skein: 7 problem(s) in the catalog files; nothing was imported")) << r.err;
  EXPECT_EQ(Skein({"catalog", "ls"}).out, before);  // new-job, though valid, was not imported
}

TEST_F(CatalogCli, DuplicateEntityAcrossArgumentsIsRejected) {
  CommandResult r = Skein({"catalog", "import", Data("duplicate/one.yaml"), Data("duplicate/two.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "two.yaml:2:1: entity group:default/growth is already defined at")) << r.err;
  EXPECT_TRUE(Contains(Skein({"catalog", "ls"}).out, "The catalog is empty"));
}

TEST_F(CatalogCli, ImportNeedsPathsOrBackstageButNotBoth) {
  EXPECT_EQ(Skein({"catalog", "import"}).exit_code, 2);
  CommandResult both = Skein({"catalog", "import", Data("good"), "--backstage", "http://127.0.0.1:1"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_TRUE(Contains(both.err, "PATH... or --backstage URL")) << both.err;
}

TEST_F(CatalogCli, UnreachableBackstageFailsWithoutImporting) {
  CommandResult r = Skein({"catalog", "import", "--backstage", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "cannot reach Backstage at http://127.0.0.1:1")) << r.err;
  EXPECT_TRUE(Contains(r.err, "nothing was imported")) << r.err;
}

TEST_F(CatalogCli, ImportsFromBackstageThroughCursorPages) {
  BackstageStandIn backstage(BackstageEntities(), "s3cret");
  CommandResult r =
      RunSkein({"catalog", "import", "--backstage", backstage.url(), "--token-env", "TEST_BACKSTAGE_TOKEN"},
               dir_.path(), {"TEST_BACKSTAGE_TOKEN=s3cret"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(backstage.pages_served(), 3);
  EXPECT_TRUE(Contains(r.out, "Imported 3 entities from 1 location: 3 added")) << r.out;
  CommandResult lineage = Skein({"lineage", "core.users", "--json"});
  ASSERT_EQ(lineage.exit_code, 0) << lineage.err;
  json consumers = json::parse(lineage.out)["consumers"];
  ASSERT_EQ(consumers.size(), 1u);
  EXPECT_EQ(consumers[0]["ref"], "component:default/dau");
  EXPECT_EQ(consumers[0]["tier"], "tier-1");
  EXPECT_TRUE(Contains(Skein({"catalog", "show", "component:dau"}).out, "origin       " + backstage.url()))
      << r.out;
}

TEST_F(CatalogCli, BackstageTokenFromTheDefaultVariableAndItsRejection) {
  BackstageStandIn backstage(BackstageEntities(), "s3cret");
  CommandResult ok = RunSkein({"catalog", "import", "--backstage", backstage.url()}, dir_.path(),
                              {"SKEIN_BACKSTAGE_TOKEN=s3cret"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  CommandResult rejected = RunSkein({"catalog", "import", "--backstage", backstage.url()}, dir_.path(),
                                    {"SKEIN_BACKSTAGE_TOKEN=wrong"});
  EXPECT_EQ(rejected.exit_code, 2);
  EXPECT_TRUE(Contains(rejected.err, "token rejected (HTTP 401)")) << rejected.err;
  EXPECT_TRUE(Contains(rejected.err, "nothing was imported (the token comes from $SKEIN_BACKSTAGE_TOKEN)"))
      << rejected.err;
}

TEST_F(CatalogCli, InvalidEntityFromBackstageImportsNothing) {
  std::vector<json> entities = BackstageEntities();
  entities[2]["metadata"]["annotations"]["skein.dev/tier"] = "critical";
  BackstageStandIn backstage(entities, "s3cret");
  CommandResult r = RunSkein({"catalog", "import", "--backstage", backstage.url()}, dir_.path(),
                             {"SKEIN_BACKSTAGE_TOKEN=s3cret"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, backstage.url() +
                                  " (component:default/dau): /metadata/annotations/skein.dev~1tier: "
                                  "skein.dev/tier: 'critical' is not a tier"))
      << r.err;
  EXPECT_TRUE(Contains(Skein({"catalog", "ls"}).out, "The catalog is empty"));
}

TEST_F(CatalogCli, StoreOptionWorksAfterTheSubcommand) {
  ASSERT_EQ(Skein({"catalog", "import", Data("good"), "--store", "sqlite:other.db"}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "other.db"));
  EXPECT_TRUE(
      Contains(Skein({"catalog", "ls", "--store", "sqlite:other.db"}).out, "component:growth-dashboard"));
  EXPECT_TRUE(Contains(Skein({"catalog", "ls"}).out, "The catalog is empty"));
}

TEST_F(CatalogCli, ShowComponentListsWhatItReadsAndProduces) {
  ImportGood();
  CommandResult r = Skein({"catalog", "show", "component:daily-active-users"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "component:default/daily-active-users\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "owner        group:default/growth")) << r.out;
  EXPECT_TRUE(Contains(r.out, "reads        core.user_profile_v1 (resource:default/user-profile-v1)"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "produces     growth.daily_active_users")) << r.out;
  EXPECT_TRUE(Contains(r.out, "good/teams/growth.yaml:10")) << r.out;
}

TEST_F(CatalogCli, ShowDatasetByIdListsItsConsumers) {
  ImportGood();
  CommandResult r = Skein({"catalog", "show", "core.user_profile_v1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json shown = json::parse(r.out);
  EXPECT_EQ(shown["ref"], "resource:default/user-profile-v1");
  ASSERT_EQ(shown["relations"]["consumers"].size(), 2u);
  EXPECT_EQ(shown["relations"]["consumers"][0]["ref"], "component:default/daily-active-users");
  EXPECT_EQ(shown["relations"]["consumers"][1]["ref"],
            "component:default/profile-export");  // via dependencyOf
  EXPECT_EQ(shown["entity"]["metadata"]["annotations"]["skein.dev/lifecycle"], "deprecated");
}

TEST_F(CatalogCli, ShowAmbiguousNameAsksWhichOne) {
  ImportGood();
  CommandResult r = Skein({"catalog", "show", "daily-active-users"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err,
                       "names several entities; say which: component:default/daily-active-users, "
                       "resource:default/daily-active-users"))
      << r.err;
}

TEST_F(CatalogCli, ShowUnknownRefSuggestsTheClosest) {
  ImportGood();
  CommandResult r = Skein({"catalog", "show", "component:growth-dashbord"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err,
                       "no entity 'component:growth-dashbord' in the catalog; did you mean "
                       "'component:default/growth-dashboard'?"))
      << r.err;
}

TEST_F(CatalogCli, LineageListsDirectAndTransitiveConsumers) {
  ImportGood();
  CommandResult r = Skein({"lineage", "core.user_profile_v1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      Contains(r.out, "core.user_profile_v1 (resource:default/user-profile-v1): 3 consumers, 2 direct"))
      << r.out;
  EXPECT_TRUE(Contains(r.out,
                       "1      component:daily-active-users  group:growth     tier-1  production    "
                       "core.user_profile_v1"))
      << r.out;
  EXPECT_TRUE(Contains(r.out,
                       "2      component:growth-dashboard    group:growth     tier-2  experimental  "
                       "growth.daily_active_users"))
      << r.out;
}

TEST_F(CatalogCli, LineageJsonCarriesOwnerTierLifecycleDepth) {
  ImportGood();
  CommandResult r = Skein({"lineage", "resource:user-profile-v1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json lineage = json::parse(r.out);
  EXPECT_EQ(lineage["dataset_id"], "core.user_profile_v1");
  EXPECT_EQ(lineage["truncated"], false);
  ASSERT_EQ(lineage["consumers"].size(), 3u);
  const json& last = lineage["consumers"][2];
  EXPECT_EQ(last["ref"], "component:default/growth-dashboard");
  EXPECT_EQ(last["owner"], "group:default/growth");
  EXPECT_EQ(last["tier"], "tier-2");
  EXPECT_EQ(last["lifecycle"], "experimental");
  EXPECT_EQ(last["depth"], 2);
  EXPECT_EQ(last["reads"], "growth.daily_active_users");
}

TEST_F(CatalogCli, LineageDepthLimitSaysMoreExist) {
  ImportGood();
  CommandResult r = Skein({"lineage", "core.user_profile_v1", "--depth", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(Contains(r.out, "growth-dashboard")) << r.out;
  EXPECT_TRUE(Contains(r.out, "more consumers beyond depth 1")) << r.out;
}

TEST_F(CatalogCli, LineageDotDrawsReadsAndProduces) {
  ImportGood();
  CommandResult r = Skein({"lineage", "core.user_profile_v1", "--dot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("digraph lineage {", 0), 0u) << r.out;
  EXPECT_TRUE(Contains(r.out, "\"core.user_profile_v1\" -> \"component:default/daily-active-users\";"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "\"component:default/daily-active-users\" -> \"growth.daily_active_users\""))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "\"growth.daily_active_users\" -> \"component:default/growth-dashboard\";"))
      << r.out;
}

TEST_F(CatalogCli, LineageOfADatasetNobodyReadsSaysSo) {
  ImportGood();
  CommandResult r = Skein({"lineage", "finance.orders_archive"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "nobody reads finance.orders_archive")) << r.out;
}

TEST_F(CatalogCli, LineageOfAnUnknownDatasetIsBadInput) {
  ImportGood();
  CommandResult r = Skein({"lineage", "core.user_profile_v3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "no dataset 'core.user_profile_v3' in the catalog; did you mean")) << r.err;
}

TEST_F(CatalogCli, LineageRejectsJsonWithDot) {
  ImportGood();
  EXPECT_EQ(Skein({"lineage", "core.user_profile_v1", "--json", "--dot"}).exit_code, 2);
}

}  // namespace
}  // namespace skein
