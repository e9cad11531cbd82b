// The REST API against a real server over a real store: every endpoint, its answers checked
// against docs/openapi.yaml, and bad input — each the right 4xx with a message, nothing changed.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "server/tokens.h"
#include "tests/server/portal_fixture.h"

namespace skein::testing {
namespace {

using nlohmann::json;
using queue::CampaignState;
using queue::JobState;

std::string Message(const Reply& r) {
  return r.body.is_object() && r.body.contains("error") ? r.body["error"].value("message", "") : "";
}

TEST_P(PortalTest, ListsCampaignsWithCountsAndConsumersLeft) {
  Reply r = Call("GET", "/api/v1/campaigns", viewer_token_, std::nullopt, "/api/v1/campaigns");
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_EQ(r.body["campaigns"].size(), 1u);
  const json& c = r.body["campaigns"][0];
  EXPECT_EQ(c["id"], "c1");
  EXPECT_EQ(c["state"], "migrating-consumers");
  EXPECT_EQ(c["counts"]["done"], 2);  // the data job and alpha
  EXPECT_EQ(c["counts"]["failed"], 1);
  EXPECT_EQ(c["counts"]["awaiting-approval"], 1);
  EXPECT_EQ(c["counts"]["total"], 6);
  EXPECT_EQ(c["consumers"]["total"], 5);
  EXPECT_EQ(c["consumers"]["remaining"], 3);  // delta, gamma, the script-named one
}

TEST_P(PortalTest, ShowsACampaignsWavesBurndownAndFailureRate) {
  Reply r = Call("GET", "/api/v1/campaigns/c1", viewer_token_, std::nullopt, "/api/v1/campaigns/{id}");
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_EQ(r.body["waves"].size(), 2u);
  EXPECT_EQ(r.body["waves"][0]["wave"], 0);
  EXPECT_FALSE(r.body["waves"][0]["ended_ms"].is_null());  // the data job ended
  EXPECT_EQ(r.body["waves"][1]["counts"]["total"], 5);
  EXPECT_TRUE(r.body["waves"][1]["ended_ms"].is_null());
  EXPECT_FALSE(r.body["waves"][1]["opened_ms"].is_null());
  // 5 consumers, then one fewer per ended consumer job (alpha, beta).
  const json& burndown = r.body["burndown"];
  ASSERT_EQ(burndown.size(), 3u);
  EXPECT_EQ(burndown[0]["remaining"], 5);
  EXPECT_EQ(burndown[2]["remaining"], 3);
  EXPECT_EQ(burndown[2]["at_ms"], Now() + 30);
  EXPECT_EQ(r.body["failure_rate"]["sample"], 2);
  EXPECT_DOUBLE_EQ(r.body["failure_rate"]["rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(r.body["failure_rate"]["threshold"].get<double>(), 0.5);
  EXPECT_FALSE(r.body["events"].empty());
}

TEST_P(PortalTest, FiltersAndPagesJobs) {
  Reply all = Call("GET", "/api/v1/campaigns/c1/jobs?kind=consumer&limit=2", viewer_token_, std::nullopt,
                   "/api/v1/campaigns/{id}/jobs");
  ASSERT_EQ(all.status, 200) << all.text;
  EXPECT_EQ(all.body["total"], 5);
  ASSERT_EQ(all.body["jobs"].size(), 2u);
  EXPECT_EQ(all.body["jobs"][0]["name"], "component:alpha");
  EXPECT_EQ(all.body["jobs"][0]["request_url"], "https://forge.example/pr/1");
  EXPECT_EQ(all.body["jobs"][0]["title"], "Alpha <b>pipeline</b>");
  EXPECT_EQ(all.body["jobs"][1]["title"], "");
  Reply next = Call("GET", "/api/v1/campaigns/c1/jobs?kind=consumer&limit=2&offset=2", viewer_token_,
                    std::nullopt, "/api/v1/campaigns/{id}/jobs");
  ASSERT_EQ(next.body["jobs"].size(), 2u);
  EXPECT_EQ(next.body["jobs"][0]["name"], "component:delta");

  auto names = [&](const std::string& query) {
    Reply r = Call("GET", "/api/v1/campaigns/c1/jobs?" + query, viewer_token_, std::nullopt,
                   "/api/v1/campaigns/{id}/jobs");
    EXPECT_EQ(r.status, 200) << query << ": " << r.text;
    std::vector<std::string> out;
    for (const auto& j : r.body["jobs"]) out.push_back(j["name"]);
    return out;
  };
  EXPECT_EQ(names("state=failed,awaiting-approval"),
            (std::vector<std::string>{"component:beta", "component:gamma"}));
  EXPECT_EQ(names("owner=group:default/finance"),
            (std::vector<std::string>{"component:beta", "component:gamma"}));
  EXPECT_EQ(names("tier=tier-1&kind=consumer"),
            (std::vector<std::string>{"component:alpha", "component:gamma"}));
  EXPECT_EQ(names("wave=1&q=ALPH"), (std::vector<std::string>{"component:alpha"}));
  EXPECT_EQ(names("q=%25"), std::vector<std::string>{});  // LIKE's wildcard is a plain character
  EXPECT_EQ(names("q=%3Cscript"), (std::vector<std::string>{"component:<script>alert(1)</script>"}));
}

TEST_P(PortalTest, RefusesBadQueryParameters) {
  for (const std::string query : {"limit=0", "limit=1001", "limit=ten", "offset=-1", "wave=x",
                                  "state=sleeping", "state=done&state=failed"}) {
    Reply r = Call("GET", "/api/v1/campaigns/c1/jobs?" + query, viewer_token_, std::nullopt,
                   "/api/v1/campaigns/{id}/jobs");
    EXPECT_EQ(r.status, 400) << query << ": " << r.text;
    EXPECT_FALSE(Message(r).empty()) << query;
  }
  Reply r = Call("GET", "/api/v1/campaigns/c1/jobs?limit=ten", viewer_token_);
  EXPECT_NE(Message(r).find("limit"), std::string::npos) << Message(r);
}

TEST_P(PortalTest, AnswersUnknownIdsWithNotFound) {
  EXPECT_EQ(
      Call("GET", "/api/v1/campaigns/nope", viewer_token_, std::nullopt, "/api/v1/campaigns/{id}").status,
      404);
  EXPECT_EQ(
      Call("GET", "/api/v1/campaigns/nope/jobs", viewer_token_, std::nullopt, "/api/v1/campaigns/{id}/jobs")
          .status,
      404);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns/nope/events", viewer_token_, std::nullopt,
                 "/api/v1/campaigns/{id}/events")
                .status,
            404);
  EXPECT_EQ(Call("GET", "/api/v1/jobs/999999", viewer_token_, std::nullopt, "/api/v1/jobs/{id}").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/jobs/abc", viewer_token_, std::nullopt, "/api/v1/jobs/{id}").status, 404);
  EXPECT_EQ(
      Call("GET", "/api/v1/jobs/999999/attempts", viewer_token_, std::nullopt, "/api/v1/jobs/{id}/attempts")
          .status,
      404);
  EXPECT_EQ(Call("GET", "/api/v1/datasets/core.nothing/lineage", viewer_token_, std::nullopt,
                 "/api/v1/datasets/{id}/lineage")
                .status,
            404);
  Reply r = Call("POST", "/api/v1/campaigns/nope/pause", operator_token_, json::object(),
                 "/api/v1/campaigns/{id}/pause");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(Message(r).find("nope"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/nothing", viewer_token_).status, 404);
}

TEST_P(PortalTest, ShowsAJobAndItsAttemptsWithDiffVerifiersAndLog) {
  int64_t alpha = JobIdOf("component:default/alpha");
  Reply job =
      Call("GET", "/api/v1/jobs/" + std::to_string(alpha), viewer_token_, std::nullopt, "/api/v1/jobs/{id}");
  ASSERT_EQ(job.status, 200) << job.text;
  EXPECT_EQ(job.body["state"], "done");
  EXPECT_EQ(job.body["result"]["state"], "migrated");
  Reply attempts = Call("GET", "/api/v1/jobs/" + std::to_string(alpha) + "/attempts", viewer_token_,
                        std::nullopt, "/api/v1/jobs/{id}/attempts");
  ASSERT_EQ(attempts.status, 200) << attempts.text;
  ASSERT_EQ(attempts.body["attempts"].size(), 1u);
  const json& a = attempts.body["attempts"][0];
  EXPECT_NE(a["diff"].get<std::string>().find("+select * from core.orders_v2"), std::string::npos);
  ASSERT_EQ(a["verifiers"].size(), 1u);  // the last try's
  EXPECT_EQ(a["verifiers"][0]["passed"], true);
  EXPECT_EQ(a["tries"].size(), 2u);
  EXPECT_EQ(a["tries"][0]["verifiers"][0]["message"], "3 rows differ");
  EXPECT_EQ(a["request"]["url"], "https://forge.example/pr/1");
  std::string log = a["log"].dump();
  EXPECT_NE(log.find("equivalence: fail"), std::string::npos) << log;
}

TEST_P(PortalTest, ListsEventsAfterAnId) {
  Reply all = Call("GET", "/api/v1/campaigns/c1/events", viewer_token_, std::nullopt,
                   "/api/v1/campaigns/{id}/events");
  ASSERT_EQ(all.status, 200);
  ASSERT_GE(all.body["events"].size(), 2u);
  int64_t first = all.body["events"][0]["id"];
  Reply after = Call("GET", "/api/v1/campaigns/c1/events?after=" + std::to_string(first), viewer_token_,
                     std::nullopt, "/api/v1/campaigns/{id}/events");
  EXPECT_EQ(after.body["events"].size(), all.body["events"].size() - 1);
}

TEST_P(PortalTest, ShowsTheCatalogAndTheLineageColouredByState) {
  Reply entities = Call("GET", "/api/v1/catalog/entities?kind=component", viewer_token_, std::nullopt,
                        "/api/v1/catalog/entities");
  ASSERT_EQ(entities.status, 200) << entities.text;
  EXPECT_EQ(entities.body["entities"].size(), 3u);
  Reply datasets = Call("GET", "/api/v1/datasets", viewer_token_, std::nullopt, "/api/v1/datasets");
  ASSERT_EQ(datasets.status, 200);
  EXPECT_EQ(datasets.body["datasets"].size(), 2u);

  Reply lineage = Call("GET", "/api/v1/datasets/core.orders_v1/lineage", viewer_token_, std::nullopt,
                       "/api/v1/datasets/{id}/lineage");
  ASSERT_EQ(lineage.status, 200) << lineage.text;
  std::map<std::string, json> nodes;
  for (const auto& n : lineage.body["nodes"]) nodes[n["ref"]] = n;
  ASSERT_EQ(nodes.size(), 4u);  // the dataset, alpha, beta, and downstream through alpha's output
  EXPECT_EQ(nodes["component:default/alpha"]["state"], "done");
  EXPECT_EQ(nodes["component:default/alpha"]["title"], "Alpha <b>pipeline</b>");
  EXPECT_EQ(nodes["component:default/beta"]["state"], "failed");
  EXPECT_EQ(nodes["component:default/downstream"]["depth"], 2);
  EXPECT_EQ(nodes["component:default/downstream"]["state"], "not-in-campaign");
  bool through_alpha = false;
  for (const auto& e : lineage.body["edges"])
    through_alpha |= e["from"] == "component:default/alpha" && e["to"] == "component:default/downstream";
  EXPECT_TRUE(through_alpha) << lineage.body["edges"].dump();
  EXPECT_EQ(
      Call("GET", "/api/v1/datasets/core.orders_v1/lineage?depth=1", viewer_token_).body["nodes"].size(), 3u);
  const json& consumers = lineage.body["consumers"];
  EXPECT_EQ(consumers["total"], 3);
  EXPECT_EQ(consumers["direct"], 2);
  EXPECT_EQ(consumers["remaining"], 1) << "alpha migrated; beta failed and still reads it";
  EXPECT_EQ(lineage.body["dataset"]["deprecated_by"], "core.orders_v2");
  EXPECT_EQ(lineage.body["dataset"]["decommission_date"], "2027-01-31");
  EXPECT_EQ(lineage.body["dataset"]["lifecycle"], "");
  EXPECT_EQ(lineage.body["dataset"]["retired"], false);
  EXPECT_EQ(lineage.body["notices"], json::array()) << "nothing said about it yet";
  // The direct consumers still reading it: 2 from the campaign's start, 1 once alpha's job ended.
  EXPECT_EQ(lineage.body["remaining"],
            (json::array({{{"at_ms", Now()}, {"remaining", 2}}, {{"at_ms", Now() + 20}, {"remaining", 1}}})));
  bool listed = false;
  for (const auto& d : datasets.body["datasets"]) {
    if (d["id"] != "core.orders_v1") continue;
    listed = d["deprecated_by"] == "core.orders_v2" && d["decommission_date"] == "2027-01-31";
  }
  EXPECT_TRUE(listed) << datasets.text;
  EXPECT_EQ(consumers["by_state"], (json{{"done", 1}, {"failed", 1}, {"not-in-campaign", 1}}));

  // Paged: the dataset's node first, then the consumers in breadth-first order, one edge each;
  // the counts stay those of every consumer.
  std::vector<std::string> order;
  for (int offset = 0; offset < 3; ++offset) {
    Reply page =
        Call("GET", "/api/v1/datasets/core.orders_v1/lineage?limit=1&offset=" + std::to_string(offset),
             viewer_token_, std::nullopt, "/api/v1/datasets/{id}/lineage");
    ASSERT_EQ(page.status, 200) << page.text;
    ASSERT_EQ(page.body["nodes"].size(), 2u) << page.text;
    EXPECT_EQ(page.body["nodes"][0]["kind"], "dataset");
    ASSERT_EQ(page.body["edges"].size(), 1u);
    EXPECT_EQ(page.body["edges"][0]["to"], page.body["nodes"][1]["ref"]);
    EXPECT_EQ(page.body["consumers"]["total"], 3);
    EXPECT_EQ(page.body["consumers"]["offset"], offset);
    order.push_back(page.body["nodes"][1]["ref"]);
  }
  EXPECT_EQ(order.back(), "component:default/downstream") << "a producer comes before what it feeds";
  EXPECT_EQ(std::set<std::string>(order.begin(), order.end()).size(), 3u);
  EXPECT_EQ(
      Call("GET", "/api/v1/datasets/core.orders_v1/lineage?offset=3", viewer_token_).body["nodes"].size(),
      1u);
  EXPECT_EQ(Call("GET", "/api/v1/datasets/core.orders_v1/lineage?limit=0", viewer_token_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/datasets/core.orders_v1/lineage?limit=5001", viewer_token_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/datasets/core.orders_v1/lineage?offset=-1", viewer_token_).status, 400);
}

TEST_P(PortalTest, EveryRouteNeedsAToken) {
  for (const server::ServedRoute& route : server::ServedRoutes()) {
    if (route.role == "none") continue;
    std::string path = route.pattern;
    for (auto [from, to] : {std::pair<std::string, std::string>{"{id}", "c1"}}) {
      for (size_t at; (at = path.find(from)) != std::string::npos;) path.replace(at, from.size(), to);
    }
    Reply r = Raw(route.method, path, "", route.method == "GET" ? "" : "{}", "application/json");
    EXPECT_EQ(r.status, 401) << route.method << " " << route.pattern;
    EXPECT_EQ(Raw(route.method, path, "skn_" + std::string(40, '0'), "", "").status, 401) << route.pattern;
  }
  EXPECT_EQ(Raw("GET", "/api/v1/campaigns", "", "", "", {{"Authorization", "Basic abc"}}).status, 401);
}

TEST_P(PortalTest, ActionsRefuseViewersAndChangeNothing) {
  int64_t gamma = JobIdOf("component:default/gamma");
  int64_t beta = JobIdOf("component:default/beta");
  struct Action {
    std::string path, pattern;
    json body;
  };
  std::vector<Action> actions = {
      {"/api/v1/campaigns/c1/pause", "/api/v1/campaigns/{id}/pause", json::object()},
      {"/api/v1/campaigns/c1/resume", "/api/v1/campaigns/{id}/resume", json::object()},
      {"/api/v1/campaigns/c1/cancel", "/api/v1/campaigns/{id}/cancel", json::object()},
      {"/api/v1/campaigns/c1/rollback", "/api/v1/campaigns/{id}/rollback", json::object()},
      {"/api/v1/campaigns/c1/approve", "/api/v1/campaigns/{id}/approve", {{"all", true}}},
      {"/api/v1/jobs/" + std::to_string(gamma) + "/approve", "/api/v1/jobs/{id}/approve", json::object()},
      {"/api/v1/jobs/" + std::to_string(beta) + "/retry", "/api/v1/jobs/{id}/retry", json::object()},
  };
  for (const Action& a : actions) {
    Reply r = Call("POST", a.path, viewer_token_, a.body, a.pattern);
    EXPECT_EQ(r.status, 403) << a.path;
    EXPECT_NE(Message(r).find("operator"), std::string::npos) << a.path;
  }
  EXPECT_EQ(Campaign("c1").state, CampaignState::kMigratingConsumers);
  EXPECT_EQ(Job(gamma).state, JobState::kAwaitingApproval);
  EXPECT_EQ(Job(beta).state, JobState::kFailed);
}

TEST_P(PortalTest, RefusesBadBodiesAndChangesNothing) {
  int64_t gamma = JobIdOf("component:default/gamma");
  const std::string approve = "/api/v1/campaigns/c1/approve";
  auto check = [&](const Reply& r, int status, const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.text;
    EXPECT_FALSE(Message(r).empty()) << what;
    std::string why =
        OpenApiDocument::Get().Check("POST", "/api/v1/campaigns/{id}/approve", r.status, r.body);
    EXPECT_EQ(why, "") << what;
  };
  check(Raw("POST", approve, operator_token_, "{\"jobs\": [", "application/json"), 400, "malformed JSON");
  check(Raw("POST", approve, operator_token_, "[1, 2]", "application/json"), 400, "not an object");
  check(Call("POST", approve, operator_token_, json{{"wave", "one"}}), 400, "wave as a string");
  check(Call("POST", approve, operator_token_, json{{"jobs", {"x"}}}), 400, "job ids as strings");
  check(Call("POST", approve, operator_token_, json{{"jobs", json::array()}}), 400, "no job ids");
  check(Call("POST", approve, operator_token_, json{{"all", true}, {"wave", 1}}), 400, "two selections");
  check(Call("POST", approve, operator_token_, json{{"everything", true}}), 400, "unknown field");
  check(Call("POST", approve, operator_token_, json{{"jobs", {999999}}}), 404, "unknown job id");
  check(Raw("POST", approve, operator_token_, "all=true", "application/x-www-form-urlencoded"), 415,
        "a form");
  check(Raw("POST", approve, operator_token_, "{\"jobs\": [" + std::string(70000, ' ') + "1]}",
            "application/json"),
        413, "70 KB");
  EXPECT_EQ(Job(gamma).state, JobState::kAwaitingApproval);
  EXPECT_TRUE(Job(gamma).approved_by.empty());

  Reply reason = Call("POST", "/api/v1/campaigns/c1/pause", operator_token_, json{{"reason", 42}},
                      "/api/v1/campaigns/{id}/pause");
  EXPECT_EQ(reason.status, 400);
  EXPECT_NE(Message(reason).find("reason"), std::string::npos);
  EXPECT_EQ(Campaign("c1").state, CampaignState::kMigratingConsumers);
}

TEST_P(PortalTest, OperatorsApproveRetryPauseResumeAndCancel) {
  int64_t gamma = JobIdOf("component:default/gamma");
  int64_t beta = JobIdOf("component:default/beta");
  int64_t alpha = JobIdOf("component:default/alpha");

  Reply approved = Call("POST", "/api/v1/jobs/" + std::to_string(gamma) + "/approve", operator_token_,
                        std::nullopt, "/api/v1/jobs/{id}/approve");
  ASSERT_EQ(approved.status, 200) << approved.text;
  EXPECT_EQ(approved.body["approved"], 1);
  EXPECT_EQ(Job(gamma).state, JobState::kPending);
  EXPECT_EQ(Job(gamma).approved_by, "ops");
  EXPECT_EQ(Call("POST", "/api/v1/jobs/" + std::to_string(gamma) + "/approve", operator_token_, std::nullopt,
                 "/api/v1/jobs/{id}/approve")
                .status,
            409);  // nothing waits any more

  Reply retried = Call("POST", "/api/v1/jobs/" + std::to_string(beta) + "/retry", operator_token_,
                       std::nullopt, "/api/v1/jobs/{id}/retry");
  ASSERT_EQ(retried.status, 200) << retried.text;
  EXPECT_EQ(retried.body["state"], "pending");
  EXPECT_EQ(Job(beta).state, JobState::kPending);
  Reply done = Call("POST", "/api/v1/jobs/" + std::to_string(alpha) + "/retry", operator_token_, std::nullopt,
                    "/api/v1/jobs/{id}/retry");
  EXPECT_EQ(done.status, 409);
  EXPECT_EQ(Job(alpha).state, JobState::kDone);

  Reply paused = Call("POST", "/api/v1/campaigns/c1/pause", operator_token_, json{{"reason", "lunch"}},
                      "/api/v1/campaigns/{id}/pause");
  ASSERT_EQ(paused.status, 200) << paused.text;
  EXPECT_EQ(paused.body["state"], "paused");
  EXPECT_EQ(Campaign("c1").reason, "paused by ops: lunch");
  EXPECT_EQ(Call("POST", "/api/v1/campaigns/c1/pause", operator_token_, std::nullopt,
                 "/api/v1/campaigns/{id}/pause")
                .status,
            409);
  Reply resumed = Call("POST", "/api/v1/campaigns/c1/resume", operator_token_, std::nullopt,
                       "/api/v1/campaigns/{id}/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.text;
  EXPECT_EQ(Campaign("c1").state, CampaignState::kMigratingConsumers);
  EXPECT_EQ(Call("POST", "/api/v1/campaigns/c1/resume", operator_token_, std::nullopt,
                 "/api/v1/campaigns/{id}/resume")
                .status,
            409);

  Reply cancelled = Call("POST", "/api/v1/campaigns/c1/cancel", operator_token_, std::nullopt,
                         "/api/v1/campaigns/{id}/cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.text;
  EXPECT_EQ(Campaign("c1").state, CampaignState::kCancelled);
  EXPECT_EQ(Job(gamma).state, JobState::kCancelled);
  EXPECT_EQ(Call("POST", "/api/v1/campaigns/c1/cancel", operator_token_, std::nullopt,
                 "/api/v1/campaigns/{id}/cancel")
                .status,
            409);
}

TEST_P(PortalTest, ApprovesAWholeCampaignAndStartsARollback) {
  Reply approved = Call("POST", "/api/v1/campaigns/c1/approve", operator_token_, json{{"all", true}},
                        "/api/v1/campaigns/{id}/approve");
  ASSERT_EQ(approved.status, 200) << approved.text;
  EXPECT_EQ(approved.body["approved"], 1);
  EXPECT_EQ(Job(JobIdOf("component:default/gamma")).state, JobState::kPending);

  Reply rollback = Call("POST", "/api/v1/campaigns/c1/rollback", operator_token_, std::nullopt,
                        "/api/v1/campaigns/{id}/rollback");
  ASSERT_EQ(rollback.status, 202) << rollback.text;
  EXPECT_EQ(rollback.body["state"], "rolling-back");
  queue::CampaignState state = Campaign("c1").state;
  EXPECT_TRUE(state == CampaignState::kRollingBack || state == CampaignState::kRolledBack);
  bool logged = false;
  for (const std::string& line : Logs())
    logged |= line.find("\"action\":\"rollback\"") != std::string::npos &&
              line.find("\"by\":\"ops\"") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_P(PortalTest, BrowserSessionsNeedTheCsrfTokenForActions) {
  Reply bad = Call("POST", "/api/v1/session", "", json{{"token", "skn_nope"}}, "/api/v1/session");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/session", "", json{{"token", 7}}, "/api/v1/session").status, 400);

  Reply signed_in = Call("POST", "/api/v1/session", "", json{{"token", operator_token_}}, "/api/v1/session");
  ASSERT_EQ(signed_in.status, 200) << signed_in.text;
  std::string set_cookie = signed_in.headers.find("Set-Cookie")->second;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  std::string csrf = signed_in.body["csrf"];
  httplib::Headers with_cookie = {{"Cookie", cookie}};

  Reply me = Call("GET", "/api/v1/session", "", std::nullopt, "/api/v1/session", with_cookie);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.body["name"], "ops");
  EXPECT_EQ(me.body["csrf"], csrf);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", "", std::nullopt, "", with_cookie).status, 200);

  // A page elsewhere can make the browser send the cookie, but not the CSRF token.
  Reply forged = Call("POST", "/api/v1/campaigns/c1/pause", "", json::object(),
                      "/api/v1/campaigns/{id}/pause", with_cookie);
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.body["error"]["code"], "csrf");
  EXPECT_EQ(Campaign("c1").state, CampaignState::kMigratingConsumers);
  httplib::Headers wrong = {{"Cookie", cookie}, {"X-CSRF-Token", std::string(32, 'a')}};
  EXPECT_EQ(Call("POST", "/api/v1/campaigns/c1/pause", "", json::object(), "", wrong).status, 403);

  httplib::Headers right = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  EXPECT_EQ(
      Call("POST", "/api/v1/campaigns/c1/pause", "", json::object(), "/api/v1/campaigns/{id}/pause", right)
          .status,
      200);
  EXPECT_EQ(Campaign("c1").state, CampaignState::kPaused);

  EXPECT_EQ(Call("DELETE", "/api/v1/session", "", std::nullopt, "/api/v1/session", right).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", "", std::nullopt, "", with_cookie).status, 401);
}

TEST_P(PortalTest, RevokedTokensStopWorking) {
  auto tokens = server::TokenStore::Open(db_->url());
  ASSERT_TRUE(tokens.ok());
  std::string token = *(*tokens)->Create("temp", server::Role::kOperator, Now());
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", token).status, 200);
  ASSERT_TRUE((*tokens)->Revoke("temp", Now()).ok());
  // The server remembers a verified token for a few seconds; a new server asks the store.
  server_->Stop();
  server::ServerOptions options;
  options.store_url = db_->url();
  options.port = 0;
  options.send_alerts = false;
  options.log = [](const std::string&) {};
  server_ = std::make_unique<server::Server>(options, clock_);
  port_ = *server_->Start();
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", token).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", viewer_token_).status, 200);
}

TEST_P(PortalTest, StoresTokensOnlyAsHashes) {
  std::string stored = db_->QueryText("SELECT hash FROM api_tokens WHERE name = 'ops'");
  EXPECT_EQ(stored, server::Sha256Hex(operator_token_));
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM api_tokens WHERE hash LIKE 'skn_%'"), "0");
}

TEST_P(PortalTest, ADatasetsPageCarriesWhatBackgroundModeSaidAboutIt) {
  queue::Notice drift;
  drift.key = "drift:core.orders_v1:1";
  drift.kind = "drift";
  drift.subject = "core.orders_v1";
  drift.at_ms = Now();
  drift.message = "core.orders_v1 changed: dropped <email>. 1 consumer(s) use what changed.";
  drift.alert = true;
  ASSERT_TRUE(q_->AddNotice(drift).ok());
  queue::Notice retired = drift;
  retired.key = "retired:core.orders_v1";
  retired.kind = "retired";
  retired.at_ms = Now() + 10;
  retired.message = "core.orders_v1 is retired.";
  ASSERT_TRUE(q_->AddNotice(retired).ok());
  queue::Notice other = drift;
  other.key = "drift:core.orders_v2:1";
  other.subject = "core.orders_v2";
  ASSERT_TRUE(q_->AddNotice(other).ok());

  Reply lineage = Call("GET", "/api/v1/datasets/core.orders_v1/lineage", viewer_token_, std::nullopt,
                       "/api/v1/datasets/{id}/lineage");
  ASSERT_EQ(lineage.status, 200) << lineage.text;
  EXPECT_EQ(lineage.body["dataset"]["retired"], true);
  const json& notices = lineage.body["notices"];
  ASSERT_EQ(notices.size(), 2u) << "only this dataset's, newest first: " << notices.dump();
  EXPECT_EQ(notices[0]["kind"], "retired");
  EXPECT_EQ(notices[1]["kind"], "drift");
  EXPECT_EQ(notices[1]["message"], drift.message) << "kept as written; the page shows it as text";
  EXPECT_EQ(notices[1]["alert"], true);
}

TEST_P(PortalTest, ServesTheDashboardFromTheBinaryOnly) {
  Reply index = Raw("GET", "/", "", "", "");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.text.find("/assets/app.js"), std::string::npos);
  std::string policy = index.headers.find("Content-Security-Policy")->second;
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(index.headers.find("X-Content-Type-Options")->second, "nosniff");
  Reply script = Raw("GET", "/assets/app.js", "", "", "");
  EXPECT_EQ(script.status, 200);
  EXPECT_NE(script.headers.find("Content-Type")->second.find("javascript"), std::string::npos);
  for (const std::string path :
       {"/assets/../server.cc", "/assets/%2e%2e/server.cc", "/assets/..%2f..%2fCMakeLists.txt",
        "/assets//etc/passwd", "/assets/%2fetc%2fpasswd", "/assets/nothing.js"}) {
    Reply r = Raw("GET", path, "", "", "");
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.text.find("#include"), std::string::npos) << path;
    EXPECT_EQ(r.text.find("root:"), std::string::npos) << path;
  }
}

TEST_P(PortalTest, ExposesPrometheusMetrics) {
  Reply r = Raw("GET", "/metrics", "", "", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type")->second.find("version=0.0.4"), std::string::npos);
  const std::string& m = r.text;
  EXPECT_NE(m.find("skein_jobs{campaign=\"c1\",state=\"done\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("skein_jobs{campaign=\"c1\",state=\"awaiting-approval\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("skein_campaign_state{campaign=\"c1\",state=\"migrating-consumers\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.find("skein_queue_depth{campaign=\"c1\"} 2\n"), std::string::npos);  // delta and the script one
  EXPECT_NE(m.find("skein_backlog 2\n"), std::string::npos);
  EXPECT_NE(m.find("skein_consumers_remaining{campaign=\"c1\"} 3\n"), std::string::npos);
  EXPECT_NE(m.find("skein_desired_workers 1\n"), std::string::npos);  // ceil(2 / 4)
  EXPECT_NE(m.find("skein_campaign_failure_rate{campaign=\"c1\"} 0.5\n"), std::string::npos);
  EXPECT_NE(m.find("skein_verifier_failures_total{verifier=\"equivalence\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("skein_attempt_duration_seconds_count{kind=\"consumer\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("skein_attempt_duration_seconds_bucket{kind=\"consumer\",le=\"0.1\"} 2\n"),
            std::string::npos);
  Call("GET", "/api/v1/campaigns", viewer_token_);
  // A request is counted when its answer has gone out, on the server's thread: wait for it.
  std::string again;
  for (int i = 0; i < 100; ++i) {
    again = Raw("GET", "/metrics", "", "", "").text;
    if (again.find("route=\"/api/v1/campaigns\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(again.find("skein_http_requests_total{route=\"/api/v1/campaigns\",code=\"200\"} 1\n"),
            std::string::npos)
      << again;
  // Counted once, however often it is scraped.
  EXPECT_NE(again.find("skein_verifier_failures_total{verifier=\"equivalence\"} 1\n"), std::string::npos);
}

TEST_P(PortalTest, LogsEachRequestAsJsonWithItsIds) {
  int64_t alpha = JobIdOf("component:default/alpha");
  Call("GET", "/api/v1/jobs/" + std::to_string(alpha), viewer_token_);
  server_->Stop();  // the log line is written after the answer: wait for it
  bool found = false;
  for (const std::string& line : Logs()) {
    json entry = json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << line;
    ASSERT_TRUE(entry.contains("ts") && entry.contains("level") && entry.contains("msg")) << line;
    if (entry["msg"] == "request" && entry.value("route", "") == "/api/v1/jobs/{id}") {
      found = true;
      EXPECT_EQ(entry["job"], std::to_string(alpha));
      EXPECT_EQ(entry["status"], 200);
      EXPECT_EQ(entry["by"], "watcher");
      EXPECT_TRUE(entry.contains("ms"));
    }
  }
  EXPECT_TRUE(found);
}

INSTANTIATE_TEST_SUITE_P(Backends, PortalTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace skein::testing
