// Background mode on a fake clock: the catalog re-imported on its schedule, a deprecated dataset
// with a manifest planned and (start: auto) started, a consumer that appears mid-campaign picked
// up on the next discovery tick and not before, problems named at their place and said once, and
// a restarted watcher that repeats nothing — on SQLite and on PostgreSQL.
#include "watch/watch.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "tests/store/store_test_databases.h"
#include "tests/support/test_support.h"

namespace skein::watch {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::Contains;
using testing::TempDir;

// The datasets; v1's annotations are the test's knob.
std::string Datasets(const std::string& v1_annotations) {
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
    skein.dev/schema: "order_id BIGINT, amount DOUBLE, dt DATE"
)" + v1_annotations +
         R"(spec: {type: dataset, owner: group:analytics}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v2
  annotations:
    skein.dev/dataset-id: shop.orders_v2
    skein.dev/schema: "order_id BIGINT, amount DOUBLE, dt DATE"
spec: {type: dataset, owner: group:analytics}
)";
}

std::string Consumer(const std::string& name) {
  return R"(apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: )" +
         name + R"(
  annotations:
    skein.dev/repo: repos/)" +
         name + R"(
    skein.dev/framework: sql
spec: {type: data-pipeline, owner: group:analytics, lifecycle: production,
       dependsOn: ["resource:default/orders-v1"]}
)";
}

std::string Manifest(const std::string& start) {
  return R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: orders-v2, owner: group:analytics}
spec:
  from: shop.orders_v1
  to: shop.orders_v2
  start: )" +
         start + R"(
  data: {materialize: false}
  rollout: {canary: 1, growth: 2.0}
)";
}

constexpr char kDeprecated[] =
    "    skein.dev/lifecycle: deprecated\n    skein.dev/deprecated-by: shop.orders_v2\n";

class WatchTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = testing::NewStoreDatabase(GetParam());
    auto store = OpenStore(db_->url());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    auto q = queue::Queue::Open(db_->url());
    ASSERT_TRUE(q.ok()) << q.status().message();
    q_ = std::move(*q);
    dir_.Write("catalog/datasets.yaml", Datasets(kDeprecated));
    dir_.Write("catalog/alpha.yaml", Consumer("alpha"));
    dir_.Write("catalog/beta.yaml", Consumer("beta"));
    dir_.Write("migrations/orders-v2.yaml", Manifest("auto"));
    options_.catalog_paths = {dir_.path() / "catalog"};
    options_.manifests = dir_.path() / "migrations";
    options_.workdir = dir_.path();
    options_.catalog_every = minutes(5);
    options_.discovery_every = minutes(15);
  }

  std::vector<std::string> ConsumerTargets() {
    std::vector<std::string> out;
    auto jobs = q_->ListJobs("orders-v2");
    EXPECT_TRUE(jobs.ok());
    for (const auto& j : *jobs)
      if (j.kind == "consumer") out.push_back(j.target);
    std::sort(out.begin(), out.end());
    return out;
  }

  TickReport MustTick(Watcher& w) {
    Result<TickReport> r = w.Tick();
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : TickReport{};
  }

  std::unique_ptr<testing::StoreDatabase> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<queue::Queue> q_;
  TempDir dir_;
  WatchOptions options_;
  ManualClock clock_;
};

TEST_P(WatchTest, PlansAndStartsTheCampaignOfADeprecatedDataset) {
  Watcher w(options_, *store_, *q_, clock_);
  TickReport first = MustTick(w);
  ASSERT_TRUE(first.catalog.has_value());
  EXPECT_EQ(first.catalog->added, 5);
  EXPECT_EQ(first.planned, std::vector<std::string>{"orders-v2"});
  EXPECT_EQ(first.started, std::vector<std::string>{"orders-v2"});
  EXPECT_TRUE(first.problems.empty()) << first.problems.front();
  auto c = q_->FindCampaign("orders-v2");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_NE((*c)->state, queue::CampaignState::kPlanned);
  EXPECT_EQ(ConsumerTargets(),
            (std::vector<std::string>{"component:default/alpha", "component:default/beta"}));

  // The next ticks change nothing: the campaign exists and has started.
  clock_.Advance(seconds(10));
  TickReport second = MustTick(w);
  EXPECT_FALSE(second.catalog.has_value()) << "the catalog is re-imported every 5 minutes, not every tick";
  EXPECT_TRUE(second.planned.empty());
  EXPECT_TRUE(second.started.empty());
}

TEST_P(WatchTest, ANewConsumerJoinsOnTheNextDiscoveryTick) {
  Watcher w(options_, *store_, *q_, clock_);
  MustTick(w);
  ASSERT_EQ(ConsumerTargets().size(), 2u);

  // gamma starts reading v1 mid-campaign.
  dir_.Write("catalog/gamma.yaml", Consumer("gamma"));
  clock_.Advance(minutes(6));
  TickReport imported = MustTick(w);
  ASSERT_TRUE(imported.catalog.has_value());
  EXPECT_EQ(imported.catalog->added, 1);
  EXPECT_TRUE(imported.joined.empty()) << "discovery runs every 15 minutes";
  EXPECT_EQ(ConsumerTargets().size(), 2u);

  clock_.Advance(minutes(10));  // 16 minutes after the first discovery
  TickReport discovered = MustTick(w);
  ASSERT_EQ(discovered.joined.size(), 1u);
  EXPECT_EQ(discovered.joined[0].campaign, "orders-v2");
  EXPECT_EQ(discovered.joined[0].consumer, "component:default/gamma");
  EXPECT_EQ(ConsumerTargets(), (std::vector<std::string>{"component:default/alpha", "component:default/beta",
                                                         "component:default/gamma"}));
  auto events = q_->ListEvents("orders-v2");
  ASSERT_TRUE(events.ok());
  bool reported = false;
  for (const auto& e : *events)
    reported |= e.kind == "joined" && Contains(e.message, "component:default/gamma");
  EXPECT_TRUE(reported) << "the campaign's history says who joined";

  // A restarted watcher (state lost) adds no one twice.
  Watcher restarted(options_, *store_, *q_, clock_);
  TickReport again = MustTick(restarted);
  EXPECT_TRUE(again.joined.empty());
  EXPECT_TRUE(again.planned.empty());
  EXPECT_TRUE(again.started.empty());
  EXPECT_EQ(ConsumerTargets().size(), 3u);
}

TEST_P(WatchTest, WaitsForTheDeprecationAndPlansOnlyWhenTheManifestSaysManual) {
  dir_.Write("catalog/datasets.yaml", Datasets(""));
  dir_.Write("migrations/orders-v2.yaml", Manifest("manual"));
  Watcher w(options_, *store_, *q_, clock_);
  TickReport before = MustTick(w);
  EXPECT_TRUE(before.planned.empty()) << "v1 is not deprecated yet";
  ASSERT_TRUE(q_->FindCampaign("orders-v2").ok());
  EXPECT_FALSE(q_->FindCampaign("orders-v2")->has_value());

  dir_.Write("catalog/datasets.yaml", Datasets(kDeprecated));
  clock_.Advance(minutes(5));
  TickReport after = MustTick(w);
  EXPECT_EQ(after.planned, std::vector<std::string>{"orders-v2"});
  EXPECT_TRUE(after.started.empty()) << "start: manual leaves the start to a person";
  EXPECT_EQ((*q_->FindCampaign("orders-v2"))->state, queue::CampaignState::kPlanned);
}

TEST_P(WatchTest, NamesBadManifestsAndDisagreementsOnceAndGoesOn) {
  dir_.Write("migrations/broken.yaml",
             "apiVersion: skein.dev/v1\nkind: Migration\nmetadata: {name: x}\nspec:\n  frm: a.b\n");
  dir_.Write(
      "catalog/datasets.yaml",
      Datasets("    skein.dev/deprecated-by: shop.orders_v3\n    skein.dev/decommission-date: 2027-01-31\n"));
  Watcher w(options_, *store_, *q_, clock_);
  TickReport first = MustTick(w);
  ASSERT_EQ(first.problems.size(), 2u);
  EXPECT_TRUE(Contains(first.problems[0], "broken.yaml:5:3")) << first.problems[0];
  EXPECT_TRUE(Contains(first.problems[1], "orders-v2.yaml:6:") &&
              Contains(first.problems[1], "shop.orders_v3"))
      << first.problems[1];
  EXPECT_TRUE(first.planned.empty()) << "a manifest that disagrees with the catalog is not planned";

  clock_.Advance(seconds(10));
  EXPECT_TRUE(MustTick(w).problems.empty()) << "a standing problem is said once";

  // Fixed: planned; a bad catalog file afterwards keeps the last import and says where.
  dir_.Write("catalog/datasets.yaml", Datasets(kDeprecated));
  clock_.Advance(minutes(5));
  EXPECT_EQ(MustTick(w).planned, std::vector<std::string>{"orders-v2"});
  dir_.Write("catalog/beta.yaml",
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: beta}\n");
  clock_.Advance(minutes(5));
  TickReport bad = MustTick(w);
  ASSERT_FALSE(bad.problems.empty());
  EXPECT_TRUE(Contains(bad.problems[0], "beta.yaml")) << bad.problems[0];
  EXPECT_FALSE(bad.catalog.has_value());
  auto entities = store_->ListEntities("component");
  ASSERT_TRUE(entities.ok());
  EXPECT_EQ(entities->size(), 2u) << "nothing imported from a catalog with a problem";
}

INSTANTIATE_TEST_SUITE_P(Backends, WatchTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace skein::watch
