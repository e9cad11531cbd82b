// Background mode's long tail on a fake clock, on SQLite and on PostgreSQL: change requests
// reconciled with their forge (the GitHub stand-in: merged, closed by a person and left closed,
// conflicting and made again), schema drift alerting exactly the consumers that use a dropped
// column, and decommission waiting while a consumer remains and proceeding when none does — each
// side effect once, across restarts.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/clock.h"
#include "data/engine.h"
#include "data/sql_text.h"
#include "dataset/dataset.h"
#include "manifest/migration.h"
#include "tests/store/store_test_databases.h"
#include "tests/support/forge_standin.h"
#include "tests/support/test_support.h"
#include "vcs/forge.h"
#include "watch/watch.h"

namespace skein::watch {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::minutes;
using testing::Contains;
using testing::TempDir;

constexpr char kToken[] = "standin-token";
constexpr char kTokenEnv[] = "SKEIN_TEST_WATCH_GH_TOKEN";

int64_t Ms(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch()).count();
}

// A store, a queue and a folder, for each backend.
class BackgroundTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = testing::NewStoreDatabase(GetParam());
    auto store = OpenStore(db_->url());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    auto q = queue::Queue::Open(db_->url());
    ASSERT_TRUE(q.ok()) << q.status().message();
    q_ = std::move(*q);
    options_.catalog_paths = {dir_.path() / "catalog"};
    options_.workdir = dir_.path();
  }

  TickReport MustTick(Watcher& w) {
    Result<TickReport> r = w.Tick();
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : TickReport{};
  }

  static std::vector<queue::Notice> OfKind(const TickReport& report, const std::string& kind) {
    std::vector<queue::Notice> out;
    for (const queue::Notice& n : report.notices)
      if (n.kind == kind) out.push_back(n);
    return out;
  }

  int CountEvents(const std::string& campaign, const std::string& kind) {
    auto events = q_->ListEvents(campaign);
    EXPECT_TRUE(events.ok());
    int n = 0;
    for (const auto& e : *events) n += e.kind == kind ? 1 : 0;
    return n;
  }

  std::unique_ptr<testing::StoreDatabase> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<queue::Queue> q_;
  TempDir dir_;
  WatchOptions options_;
  ManualClock clock_;
};

// A webhook receiver on 127.0.0.1: the bodies it was sent.
class Webhook {
 public:
  Webhook() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(req.body);
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Webhook() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
};

// --- change requests ---

std::string RequestCatalog(const std::string& remote) {
  return R"(apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: analytics}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v1
  annotations:
    skein.dev/dataset-id: shop.orders_v1
    skein.dev/schema: "order_id BIGINT, amount DOUBLE"
    skein.dev/deprecated-by: shop.orders_v2
spec: {type: dataset, owner: group:analytics}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v2
  annotations:
    skein.dev/dataset-id: shop.orders_v2
    skein.dev/schema: "order_id BIGINT, amount DOUBLE"
spec: {type: dataset, owner: group:analytics}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: alpha
  annotations:
    skein.dev/repo: repos/alpha
    skein.dev/remote: )" +
         remote + R"(
    github.com/project-slug: acme/alpha
spec: {type: data-pipeline, owner: group:analytics, lifecycle: production,
       dependsOn: ["resource:default/orders-v1"]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: beta
  annotations:
    skein.dev/repo: repos/beta
    skein.dev/remote: )" +
         remote + R"(
    github.com/project-slug: acme/beta
spec: {type: data-pipeline, owner: group:analytics, lifecycle: production,
       dependsOn: ["resource:default/orders-v1"]}
)";
}

class RequestsTest : public BackgroundTest {
 protected:
  RequestsTest() : github_(testing::ForgeStandin::Api::kGitHub, kToken) {}

  void SetUp() override {
    BackgroundTest::SetUp();
    setenv(kTokenEnv, kToken, 1);
    dir_.Write("repos/alpha/README.md", "alpha\n");
    dir_.Write("repos/beta/README.md", "beta\n");
    dir_.Write("catalog/all.yaml", RequestCatalog((dir_.path() / "remotes/alpha.git").string()));
    dir_.Write("migrations/orders-v2.yaml", R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: orders-v2, owner: group:analytics}
spec:
  from: shop.orders_v1
  to: shop.orders_v2
  start: auto
  data: {materialize: false}
  rollout: {canary: 1, growth: 2.0, alerts: {webhook: ")" +
                                                hook_.url() + R"("}}
  consumers:
    change: {forge: {api_url: ")" + github_.api_url() +
                                                R"(", token_env: )" + kTokenEnv + R"(}}
)");
    options_.manifests = dir_.path() / "migrations";
    options_.requests_every = minutes(5);
  }

  // The campaign planned and started, alpha's job done with a pull request open on the stand-in
  // (as a worker would leave it).
  void OpenRequest(Watcher& w) {
    TickReport first = MustTick(w);
    ASSERT_EQ(first.started, std::vector<std::string>{"orders-v2"});
    vcs::ForgeConfig config;
    config.kind = vcs::ForgeKind::kGitHub;
    config.api_url = github_.api_url();
    config.token_env = kTokenEnv;
    auto forge = vcs::MakeForge(config, clock_);
    ASSERT_TRUE(forge.ok()) << forge.status().message();
    vcs::ChangeRequestSpec spec;
    spec.project = "acme/alpha";
    spec.branch = branch_;
    spec.base_branch = "main";
    spec.title = "Move to shop.orders_v2";
    auto opened = (*forge)->OpenOrUpdate(spec);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    url_ = opened->url;
    number_ = std::stoi(opened->id);
    FinishJob();
  }

  // Claims alpha's job and completes it with the request in its result.
  void FinishJob() {
    auto leases = q_->Claim("w1", "", 1, std::chrono::minutes(1), Ms(clock_));
    ASSERT_TRUE(leases.ok()) << leases.status().message();
    ASSERT_EQ(leases->size(), 1u);
    job_ = (*leases)[0].job.id;
    json result = {{"state", "opened"}, {"branch", branch_}, {"request", url_}};
    ASSERT_TRUE(
        q_->Complete(job_, (*leases)[0].token, true, "opened " + url_, result.dump(), "{}", Ms(clock_)).ok());
  }

  queue::Job Job() {
    auto job = q_->FindJob(job_);
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() && job->has_value() ? **job : queue::Job{};
  }

  int PullRequestsOfAlpha() {
    int n = 0;
    for (const auto& r : github_.requests()) n += r.project == "acme/alpha" ? 1 : 0;
    return n;
  }

  testing::ForgeStandin github_;
  Webhook hook_;
  std::string branch_ = "skein/orders-v2";
  std::string url_;
  int number_ = 0;
  int64_t job_ = 0;
};

TEST_P(RequestsTest, APullRequestClosedByAPersonStaysClosed) {
  Watcher w(options_, *store_, *q_, clock_);
  OpenRequest(w);
  clock_.Advance(minutes(5));
  TickReport open = MustTick(w);
  EXPECT_TRUE(open.requests.empty()) << "an open request with nothing new records no outcome";
  auto records = q_->ListChangeRequests("orders-v2");
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].state, "open");

  github_.CloseByPerson("acme/alpha", number_, "alice", "2026-01-02T03:04:05Z");
  clock_.Advance(minutes(2));
  EXPECT_TRUE(MustTick(w).requests.empty()) << "requests are read every 5 minutes";
  clock_.Advance(minutes(3));
  TickReport closed = MustTick(w);
  ASSERT_EQ(closed.requests.size(), 1u);
  EXPECT_EQ(closed.requests[0].kind, "declined");
  EXPECT_EQ(closed.requests[0].consumer, "component:default/alpha");
  queue::Job job = Job();
  EXPECT_EQ(job.state, queue::JobState::kFailed) << "a declined consumer is not migrated";
  EXPECT_TRUE(Contains(job.outcome, "closed by alice at 2026-01-02T03:04:05Z")) << job.outcome;
  records = q_->ListChangeRequests("orders-v2");
  ASSERT_TRUE(records.ok() && records->size() == 1u);
  EXPECT_EQ((*records)[0].state, "declined");
  EXPECT_EQ((*records)[0].closed_by, "alice");
  EXPECT_EQ((*records)[0].closed_ms, 1767323045000);  // 2026-01-02T03:04:05Z

  // Later ticks, and a restarted watcher, record nothing again and touch nothing on the forge.
  size_t calls = github_.recorded().size();
  clock_.Advance(minutes(5));
  EXPECT_TRUE(MustTick(w).requests.empty());
  Watcher restarted(options_, *store_, *q_, clock_);
  EXPECT_TRUE(MustTick(restarted).requests.empty());
  EXPECT_EQ(CountEvents("orders-v2", "declined"), 1);
  std::vector<testing::RecordedRequest> recorded = github_.recorded();
  EXPECT_EQ(recorded.size(), calls) << "a declined request is not read again";
  for (size_t i = calls; i < recorded.size(); ++i) EXPECT_EQ(recorded[i].method, "GET") << recorded[i].target;
  auto pr = github_.Find("acme/alpha", branch_);
  ASSERT_TRUE(pr.has_value());
  EXPECT_EQ(pr->state, "closed");
  EXPECT_EQ(PullRequestsOfAlpha(), 1) << "never a second pull request";

  // The campaign's webhook heard of it once (alerts are claimed in the store).
  int declined_alerts = 0;
  for (const std::string& body : hook_.bodies())
    declined_alerts += json::parse(body)["kind"] == "declined" ? 1 : 0;
  EXPECT_EQ(declined_alerts, 1);
}

TEST_P(RequestsTest, AConflictingRequestIsMadeAgainOnItsBaseOnce) {
  Watcher w(options_, *store_, *q_, clock_);
  OpenRequest(w);
  github_.SetConflicting("acme/alpha", number_, true);
  clock_.Advance(minutes(5));
  TickReport conflicting = MustTick(w);
  ASSERT_EQ(conflicting.requests.size(), 1u);
  EXPECT_EQ(conflicting.requests[0].kind, "rebasing");
  EXPECT_EQ(Job().state, queue::JobState::kPending) << "the job is made again on the new base";
  EXPECT_EQ(Job().attempts, 0);
  EXPECT_TRUE(Job().outcome.starts_with("rebasing: " + url_))
      << "the job runner bases it on the remote's base: " << Job().outcome;

  // While it waits to run, nothing more happens.
  clock_.Advance(minutes(5));
  EXPECT_TRUE(MustTick(w).requests.empty());
  Watcher restarted(options_, *store_, *q_, clock_);
  EXPECT_TRUE(MustTick(restarted).requests.empty());
  EXPECT_EQ(CountEvents("orders-v2", "rebasing"), 1);

  // Made again (the forge's request updated), it no longer conflicts: nothing more to do.
  FinishJob();
  github_.SetConflicting("acme/alpha", number_, false);
  clock_.Advance(minutes(5));
  EXPECT_TRUE(MustTick(w).requests.empty());
  EXPECT_EQ(Job().state, queue::JobState::kDone);
}

TEST_P(RequestsTest, AMergeAndChecksFailingAfterItAreReportedOnce) {
  Watcher w(options_, *store_, *q_, clock_);
  OpenRequest(w);
  github_.Merge("acme/alpha", number_, "bob", "2026-01-03T00:00:00Z");
  github_.SetChecks("acme/alpha", branch_, "pending");
  clock_.Advance(minutes(5));
  TickReport merged = MustTick(w);
  ASSERT_EQ(merged.requests.size(), 1u);
  EXPECT_EQ(merged.requests[0].kind, "merged");
  EXPECT_EQ(Job().state, queue::JobState::kDone);

  github_.SetChecks("acme/alpha", branch_, "failure");
  clock_.Advance(minutes(5));
  TickReport failing = MustTick(w);
  ASSERT_EQ(failing.requests.size(), 1u);
  EXPECT_EQ(failing.requests[0].kind, "checks-failing");
  clock_.Advance(minutes(5));
  EXPECT_TRUE(MustTick(w).requests.empty());
  EXPECT_EQ(CountEvents("orders-v2", "merged"), 1);
  EXPECT_EQ(CountEvents("orders-v2", "checks-failing"), 1);
}

TEST_P(RequestsTest, APassReadsAtMostItsBudgetLeastRecentlyReadFirst) {
  std::string manifest = testing::ReadFile(dir_.path() / "migrations/orders-v2.yaml");
  manifest.replace(manifest.find("canary: 1"), 9, "canary: 2");  // alpha and beta in the first wave
  dir_.Write("migrations/orders-v2.yaml", manifest);
  options_.requests_per_pass = 1;
  Watcher w(options_, *store_, *q_, clock_);
  ASSERT_EQ(MustTick(w).started, std::vector<std::string>{"orders-v2"});
  vcs::ForgeConfig config;
  config.kind = vcs::ForgeKind::kGitHub;
  config.api_url = github_.api_url();
  config.token_env = kTokenEnv;
  auto forge = vcs::MakeForge(config, clock_);
  ASSERT_TRUE(forge.ok()) << forge.status().message();
  auto leases = q_->Claim("w1", "", 2, std::chrono::minutes(1), Ms(clock_));
  ASSERT_TRUE(leases.ok() && leases->size() == 2u);
  for (const queue::Lease& l : *leases) {
    vcs::ChangeRequestSpec spec;
    spec.project = l.job.target == "component:default/alpha" ? "acme/alpha" : "acme/beta";
    spec.branch = branch_;
    spec.base_branch = "main";
    spec.title = "Move";
    auto opened = (*forge)->OpenOrUpdate(spec);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    github_.CloseByPerson(spec.project, std::stoi(opened->id), "erin", "2026-01-02T00:00:00Z");
    json result = {{"branch", branch_}, {"request", opened->url}};
    ASSERT_TRUE(q_->Complete(l.job.id, l.token, true, "opened", result.dump(), "{}", Ms(clock_)).ok());
  }
  // One a pass: each declined in turn, neither read twice before the other was read once.
  std::vector<std::string> order;
  for (int pass = 0; pass < 3; ++pass) {
    clock_.Advance(minutes(5));
    for (const RequestOutcome& r : MustTick(w).requests) order.push_back(r.consumer);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"component:default/alpha", "component:default/beta"}));
  EXPECT_EQ(github_.CountRecorded("GET", "/repos/acme/alpha/pulls?state=all"), 1);
  EXPECT_EQ(github_.CountRecorded("GET", "/repos/acme/beta/pulls?state=all"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, RequestsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// --- manifests from a git repository ---

class ManifestsRepoTest : public BackgroundTest {
 protected:
  void SetUp() override {
    BackgroundTest::SetUp();
    dir_.Write("catalog/all.yaml", RequestCatalog((dir_.path() / "remotes/alpha.git").string()));
    Git(dir_.path(), {"init", "--quiet", "--bare", "--initial-branch=main", "manifests.git"});
    Git(dir_.path(), {"clone", "--quiet", "manifests.git", "edit"});
    dir_.Write("edit/migrations/README.md", "Migration manifests: merged means planned.\n");
    Commit("start");
    Git(Edit(), {"push", "--quiet", "origin", "main"});
    options_.manifests_repo = (dir_.path() / "manifests.git").string();
    options_.manifests = "migrations";
    options_.catalog_every = minutes(5);
  }

  fs::path Edit() const { return dir_.path() / "edit"; }
  void Git(const fs::path& cwd, std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-c", "user.name=t", "-c", "user.email=t@example.org"});
    auto r = testing::RunProgram(args, cwd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void Commit(const std::string& message) {
    Git(Edit(), {"add", "-A"});
    Git(Edit(), {"commit", "--quiet", "-m", message});
  }
};

TEST_P(ManifestsRepoTest, AManifestIsPlannedOnceItIsMergedAndNotBefore) {
  Watcher w(options_, *store_, *q_, clock_);
  TickReport empty = MustTick(w);
  EXPECT_TRUE(empty.planned.empty());
  EXPECT_TRUE(empty.problems.empty()) << empty.problems.front();

  // Proposed on a branch: not merged, not planned.
  Git(Edit(), {"checkout", "--quiet", "-b", "proposal"});
  dir_.Write("edit/migrations/orders-v2.yaml", R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: orders-v2, owner: group:analytics}
spec:
  from: shop.orders_v1
  to: shop.orders_v2
  start: manual
  data: {materialize: false}
)");
  Commit("propose orders-v2");
  Git(Edit(), {"push", "--quiet", "origin", "proposal"});
  clock_.Advance(minutes(5));
  EXPECT_TRUE(MustTick(w).planned.empty()) << "a manifest on an unmerged branch is not read";

  // Merged: planned on the next fetch, once.
  Git(Edit(), {"checkout", "--quiet", "main"});
  Git(Edit(), {"merge", "--quiet", "proposal"});
  Git(Edit(), {"push", "--quiet", "origin", "main"});
  clock_.Advance(minutes(2));
  EXPECT_TRUE(MustTick(w).planned.empty()) << "fetched every 5 minutes";
  clock_.Advance(minutes(3));
  TickReport merged = MustTick(w);
  EXPECT_EQ(merged.planned, std::vector<std::string>{"orders-v2"});
  Watcher restarted(options_, *store_, *q_, clock_);
  EXPECT_TRUE(MustTick(restarted).planned.empty());

  // The repository away: said once, the fetched manifests stand.
  fs::rename(dir_.path() / "manifests.git", dir_.path() / "moved.git");
  clock_.Advance(minutes(5));
  TickReport away = MustTick(restarted);
  ASSERT_EQ(away.problems.size(), 1u);
  EXPECT_TRUE(Contains(away.problems[0], "could not fetch")) << away.problems[0];
  clock_.Advance(minutes(5));
  EXPECT_TRUE(MustTick(restarted).problems.empty()) << "said once";
}

INSTANTIATE_TEST_SUITE_P(Backends, ManifestsRepoTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// --- schema drift ---

std::string DriftConsumer(const std::string& name, const std::string& owner) {
  return R"(apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: )" +
         name + R"(
  annotations:
    skein.dev/repo: repos/)" +
         name + R"(
spec: {type: data-pipeline, owner: group:)" +
         owner + R"(, lifecycle: production, dependsOn: ["resource:default/orders"]}
)";
}

class DriftTest : public BackgroundTest {
 protected:
  void SetUp() override {
    BackgroundTest::SetUp();
    parquet_ = dir_.path() / "data/orders.parquet";
    fs::create_directories(parquet_.parent_path());
    WriteOrders("order_id, amount, email, dt");
    dir_.Write("catalog/datasets.yaml", R"(apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: analytics}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: growth}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: finance}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders
  annotations:
    skein.dev/dataset-id: shop.orders
    skein.dev/location: parquet:)" + parquet_.string() +
                                            R"(
spec: {type: dataset, owner: group:analytics}
)");
    // alpha reads the email column; beta reads other columns only; gamma's email is another
    // table's (a customer's), joined to orders.
    dir_.Write("catalog/alpha.yaml", DriftConsumer("alpha", "growth"));
    dir_.Write("catalog/beta.yaml", DriftConsumer("beta", "finance"));
    dir_.Write("catalog/gamma.yaml", DriftConsumer("gamma", "finance"));
    dir_.Write("repos/alpha/models/mail.sql", "SELECT order_id,\n       email\nFROM shop.orders\n");
    dir_.Write("repos/beta/models/revenue.sql",
               "SELECT dt, SUM(amount) AS revenue FROM shop.orders GROUP BY dt\n");
    dir_.Write("repos/gamma/models/join.sql",
               "SELECT o.order_id, c.email\nFROM shop.orders o JOIN shop.customers c ON c.id = o.order_id\n");
    options_.schemas_every = minutes(15);
    options_.alert_webhook = hook_.url();
  }

  // Writes the Parquet file with these of the columns.
  void WriteOrders(const std::string& columns) {
    auto engine = OpenDuckDbEngine();
    ASSERT_TRUE(engine.ok());
    Status written = (*engine)->Execute(
        "COPY (SELECT " + columns +
        " FROM (SELECT r AS order_id, r * 1.5 AS amount, 'u' || r || '@x.org' AS email, DATE '2024-01-01' AS "
        "dt, 'gold' AS tier FROM range(5) t(r))) TO " +
        QuoteLiteral(parquet_.string()) + " (FORMAT PARQUET)");
    ASSERT_TRUE(written.ok()) << written.message();
  }

  Webhook hook_;
  fs::path parquet_;
};

TEST_P(DriftTest, ADroppedColumnAlertsExactlyTheConsumersThatUseIt) {
  Watcher w(options_, *store_, *q_, clock_);
  TickReport baseline = MustTick(w);
  EXPECT_TRUE(baseline.notices.empty()) << "the first reading is the baseline";
  EXPECT_TRUE(baseline.problems.empty()) << baseline.problems.front();

  WriteOrders("order_id, amount, dt");  // email is dropped
  clock_.Advance(minutes(10));
  EXPECT_TRUE(MustTick(w).notices.empty()) << "schemas are read every 15 minutes";
  clock_.Advance(minutes(5));
  TickReport drifted = MustTick(w);
  ASSERT_EQ(drifted.notices.size(), 1u);
  const queue::Notice& n = drifted.notices[0];
  EXPECT_EQ(n.kind, "drift");
  EXPECT_EQ(n.subject, "shop.orders");
  EXPECT_TRUE(n.alert);
  json detail = json::parse(n.detail);
  ASSERT_EQ(detail["consumers"].size(), 1u) << detail.dump(2);
  EXPECT_EQ(detail["consumers"][0]["consumer"], "component:default/alpha");
  EXPECT_EQ(detail["consumers"][0]["owner"], "group:default/growth");
  EXPECT_EQ(detail["consumers"][0]["uses"][0]["at"], "models/mail.sql:2:8");
  EXPECT_EQ(detail["consumers"][0]["uses"][0]["column"], "email");
  EXPECT_EQ(detail["owners"], json::array({"group:default/growth"}));
  EXPECT_TRUE(Contains(n.message, "dropped email")) << n.message;
  EXPECT_FALSE(Contains(n.message, "beta")) << n.message;
  EXPECT_FALSE(Contains(n.message, "gamma")) << n.message;
  EXPECT_EQ(drifted.alerts_sent, 1);
  ASSERT_EQ(hook_.bodies().size(), 1u);
  json sent = json::parse(hook_.bodies()[0]);
  EXPECT_EQ(sent["kind"], "drift");
  EXPECT_EQ(sent["subject"], "shop.orders");

  // Said once: later ticks and a restarted watcher record and send nothing more.
  clock_.Advance(minutes(15));
  EXPECT_TRUE(MustTick(w).notices.empty());
  Watcher restarted(options_, *store_, *q_, clock_);
  EXPECT_TRUE(MustTick(restarted).notices.empty());
  EXPECT_EQ(hook_.bodies().size(), 1u);

  // A drift that breaks nobody (an added column) is recorded quietly.
  WriteOrders("order_id, amount, dt, tier");
  clock_.Advance(minutes(15));
  TickReport quiet = MustTick(restarted);
  ASSERT_EQ(quiet.notices.size(), 1u);
  EXPECT_FALSE(quiet.notices[0].alert);
  EXPECT_TRUE(Contains(quiet.notices[0].message, "added tier")) << quiet.notices[0].message;
  EXPECT_EQ(hook_.bodies().size(), 1u) << "a quiet drift alerts no one";
  auto all = q_->ListNotices("shop.orders", 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST_P(DriftTest, AWatcherWithAlertsOffRecordsAndLeavesTheSendingToAnother) {
  WatchOptions quiet = options_;
  quiet.send_alerts = false;  // skein serve --no-alerts
  Watcher w(quiet, *store_, *q_, clock_);
  MustTick(w);
  WriteOrders("order_id, amount, dt");
  clock_.Advance(minutes(15));
  TickReport drifted = MustTick(w);
  ASSERT_EQ(drifted.notices.size(), 1u);
  EXPECT_EQ(drifted.alerts_sent, 0);
  EXPECT_TRUE(hook_.bodies().empty());
  Watcher sender(options_, *store_, *q_, clock_);
  EXPECT_EQ(MustTick(sender).alerts_sent, 1) << "the notice waited, unsent, for a watcher that sends";
  EXPECT_EQ(hook_.bodies().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DriftTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// --- decommission ---

class DecommissionTest : public BackgroundTest {
 protected:
  void SetUp() override {
    BackgroundTest::SetUp();
    db_file_ = dir_.path() / "w.duckdb";
    {
      auto engine = std::move(OpenDuckDbEngine()).value();
      auto table = engine->TableName(DatasetLocation::Parse(V1()).value());
      ASSERT_TRUE(table.ok());
      ASSERT_TRUE(engine->Execute("CREATE SCHEMA " + table->substr(0, table->rfind('.'))).ok());
      Status made = engine->Execute("CREATE TABLE " + *table +
                                    " AS SELECT r AS order_id, r * 1.5 AS amount, DATE '2024-01-01' + "
                                    "(r % 3)::INTEGER AS dt FROM range(30) t(r)");
      ASSERT_TRUE(made.ok()) << made.message();
    }
    today_ = UtcText(Ms(clock_)).substr(0, 10);
    WriteCatalog({"alpha", "beta"});
    dir_.Write("repos/alpha/models/a.sql", "SELECT order_id FROM shop.orders_v1\n");
    dir_.Write("repos/beta/models/b.sql", "SELECT amount FROM shop.orders_v1\n");
    dir_.Write("migrations/orders-v2.yaml", R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: orders-v2, owner: group:analytics}
spec:
  from: shop.orders_v1
  to: shop.orders_v2
  start: manual
  columns:
    - {from: amount, to: amount_eur}
  data: {partition_by: dt, key: [order_id], publish: {compat_view: true}}
)");
    options_.manifests = dir_.path() / "migrations";
    options_.decommission_every = std::chrono::hours(1);
    // The data side published with the compatibility view, as a campaign's data stage would.
    auto run = testing::RunSkein({"--store", db_->url(), "data", "run", "migrations/orders-v2.yaml",
                                  "--from-location", V1(), "--to-location", V2()},
                                 dir_.path());
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  std::string V1() const { return "duckdb:" + db_file_.string() + "#shop.orders_v1"; }
  std::string V2() const { return "duckdb:" + db_file_.string() + "#shop.orders_v2"; }

  // The catalog: these consumers read v1; the others read v2.
  void WriteCatalog(const std::vector<std::string>& on_v1) {
    std::string text = R"(apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: analytics}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: growth}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v1
  annotations:
    skein.dev/dataset-id: shop.orders_v1
    skein.dev/location: )" +
                       V1() + R"(
    skein.dev/deprecated-by: shop.orders_v2
    skein.dev/decommission-date: ")" +
                       today_ + R"("
spec: {type: dataset, owner: group:analytics}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v2
  annotations:
    skein.dev/dataset-id: shop.orders_v2
    skein.dev/location: )" +
                       V2() + R"(
spec: {type: dataset, owner: group:analytics}
)";
    for (std::string name : {"alpha", "beta"}) {
      bool v1 = std::find(on_v1.begin(), on_v1.end(), name) != on_v1.end();
      text += R"(---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: )" + name +
              R"(
  annotations:
    skein.dev/repo: repos/)" +
              name + R"(
spec: {type: data-pipeline, owner: group:growth, lifecycle: production,
       dependsOn: ["resource:default/orders-)" +
              (v1 ? "v1" : "v2") + R"("]}
)";
    }
    dir_.Write("catalog/all.yaml", text);
  }

  // What shop.orders_v1 and its kept table are in the DuckDB file now: "name TYPE".
  std::vector<std::string> Relations() {
    auto engine = std::move(OpenDuckDbEngine()).value();
    EXPECT_TRUE(engine->Execute("ATTACH " + QuoteLiteral(db_file_.string()) + " AS w (READ_ONLY)").ok());
    auto rows = engine->Query(
        "SELECT table_name || ' ' || table_type FROM information_schema.tables WHERE table_catalog = 'w' "
        "AND table_name LIKE 'orders_v1%' ORDER BY 1");
    EXPECT_TRUE(rows.ok());
    std::vector<std::string> out;
    if (rows.ok())
      for (const auto& row : rows->rows) out.push_back(row[0].value_or(""));
    return out;
  }

  fs::path db_file_;
  std::string today_;
};

TEST_P(DecommissionTest, WaitsWhileOneConsumerRemainsAndProceedsWhenNoneDoes) {
  Watcher w(options_, *store_, *q_, clock_);
  TickReport both = MustTick(w);
  ASSERT_EQ(both.planned, std::vector<std::string>{"orders-v2"});
  ASSERT_EQ(both.notices.size(), 1u);
  EXPECT_EQ(both.notices[0].kind, "decommission-waiting");
  EXPECT_TRUE(both.notices[0].alert);
  EXPECT_TRUE(both.retired.empty());
  EXPECT_EQ(Relations(), (std::vector<std::string>{"orders_v1 VIEW", "orders_v1__skein_v1 BASE TABLE"}));

  // alpha moves (catalog and code); beta still reads v1: still waiting, now naming beta alone.
  WriteCatalog({"beta"});
  dir_.Write("repos/alpha/models/a.sql", "SELECT order_id FROM shop.orders_v2\n");
  clock_.Advance(std::chrono::hours(1));
  TickReport one = MustTick(w);
  ASSERT_EQ(one.notices.size(), 1u);
  EXPECT_EQ(one.notices[0].kind, "decommission-waiting");
  EXPECT_TRUE(Contains(one.notices[0].message, "component:default/beta")) << one.notices[0].message;
  EXPECT_FALSE(Contains(one.notices[0].message, "alpha")) << one.notices[0].message;
  EXPECT_TRUE(Contains(one.notices[0].message, "group:default/growth")) << "its owner is named";
  EXPECT_TRUE(one.retired.empty());
  EXPECT_EQ(Relations(), (std::vector<std::string>{"orders_v1 VIEW", "orders_v1__skein_v1 BASE TABLE"}));

  // beta's catalog entry moves but its code still names v1: code search disagrees, so it waits;
  // and the campaign's discovery reports beta as a reader the catalog does not declare.
  WriteCatalog({});
  clock_.Advance(std::chrono::hours(1));
  TickReport code = MustTick(w);
  std::vector<queue::Notice> waiting = OfKind(code, "decommission-waiting");
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_TRUE(Contains(waiting[0].message, "models/b.sql:1:")) << waiting[0].message;
  EXPECT_TRUE(code.retired.empty());
  std::vector<queue::Notice> undeclared = OfKind(code, "undeclared-consumer");
  ASSERT_EQ(undeclared.size(), 1u);
  EXPECT_TRUE(Contains(undeclared[0].message, "component:default/beta reads shop.orders_v1"))
      << undeclared[0].message;
  EXPECT_EQ(json::parse(undeclared[0].detail)["owner"], "group:default/growth");

  // None remains: the view goes, v1's table stays, the dataset is retired — once.
  dir_.Write("repos/beta/models/b.sql", "SELECT amount_eur FROM shop.orders_v2\n");
  clock_.Advance(std::chrono::hours(1));
  TickReport done = MustTick(w);
  EXPECT_EQ(done.retired, std::vector<std::string>{"shop.orders_v1"});
  ASSERT_EQ(done.notices.size(), 1u);
  EXPECT_EQ(done.notices[0].kind, "retired");
  EXPECT_EQ(Relations(), (std::vector<std::string>{"orders_v1__skein_v1 BASE TABLE"}));
  auto m = ParseMigration(testing::ReadFile(dir_.path() / "migrations/orders-v2.yaml"), "m.yaml");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*dataset::RunState(*m, *store_), "retired");

  clock_.Advance(std::chrono::hours(1));
  Watcher restarted(options_, *store_, *q_, clock_);
  TickReport after = MustTick(restarted);
  EXPECT_TRUE(after.notices.empty());
  EXPECT_TRUE(after.retired.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, DecommissionTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace skein::watch
