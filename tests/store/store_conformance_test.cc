// The Store contract (store/store.h), run against every backend: each case runs on SQLite and on
// PostgreSQL, each on a fresh database.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "store/schema.h"
#include "store/store.h"
#include "tests/store/store_test_databases.h"

namespace skein {
namespace {

Entity MakeEntity(std::string kind, std::string name, std::string origin = "catalog-info.yaml",
                  int line = 1) {
  Entity e;
  e.api_version = "backstage.io/v1alpha1";
  e.kind = std::move(kind);
  e.name = std::move(name);
  e.spec = {{"type", "service"}, {"owner", "group:default/team"}};
  e.origin = std::move(origin);
  e.origin_line = line;
  return e;
}

std::vector<std::string> KeysOf(const std::vector<Entity>& entities) {
  std::vector<std::string> keys;
  for (const auto& e : entities) keys.push_back(e.Ref().Key());
  return keys;
}

void ExpectSummary(const ImportSummary& s, int added, int updated, int removed, int unchanged) {
  EXPECT_EQ(s.added, added);
  EXPECT_EQ(s.updated, updated);
  EXPECT_EQ(s.removed, removed);
  EXPECT_EQ(s.unchanged, unchanged);
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = testing::NewStoreDatabase(GetParam());
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> Open() {
    auto store = OpenStore(db_->url());
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  ImportSummary Import(const std::vector<ImportBatch>& batches) {
    auto summary = store_->ImportEntities(batches);
    EXPECT_TRUE(summary.ok()) << summary.status().message();
    return summary.ok() ? *summary : ImportSummary{};
  }

  std::vector<std::string> ListedKeys(std::string_view kind = "") {
    auto listed = store_->ListEntities(kind);
    EXPECT_TRUE(listed.ok()) << listed.status().message();
    return listed.ok() ? KeysOf(*listed) : std::vector<std::string>{};
  }

  std::unique_ptr<testing::StoreDatabase> db_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformance, OpensAtTheLatestSchemaVersion) {
  EXPECT_EQ(store_->Kind(), GetParam());
  auto version = store_->SchemaVersion();
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(*version, store::LatestSchemaVersion());
  EXPECT_GE(*version, 1);
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(store::LatestSchemaVersion()));
}

TEST_P(StoreConformance, ReopeningAppliesNoMigrationAgain) {
  std::string first_applied = db_->QueryText("SELECT applied_at FROM schema_migrations WHERE version = 1");
  ASSERT_FALSE(first_applied.empty());
  Import({{"a.yaml", {MakeEntity("Component", "kept")}}});
  store_.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(store::LatestSchemaVersion()));
  EXPECT_EQ(db_->QueryText("SELECT applied_at FROM schema_migrations WHERE version = 1"), first_applied);
  EXPECT_EQ(ListedKeys(), std::vector<std::string>{"component:default/kept"});
}

TEST_P(StoreConformance, RefusesASchemaNewerThanThisBinary) {
  int newer = store::LatestSchemaVersion() + 1;
  db_->Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(newer) +
            ", CURRENT_TIMESTAMP)");
  auto reopened = OpenStore(db_->url());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kConflict);
  EXPECT_NE(reopened.status().message().find("schema version " + std::to_string(newer)), std::string::npos)
      << reopened.status().message();
  EXPECT_NE(reopened.status().message().find("upgrade skein"), std::string::npos);
}

TEST_P(StoreConformance, RoundTripsEveryEntityField) {
  Entity e = MakeEntity("Component", "Daily-Active-Users", "repos/dau/catalog-info.yaml", 12);
  e.ns = "growth";
  e.title = "Daily active users";
  e.description = "Counts users — with ünïcode and \"quotes\"";
  e.labels = {{"team", "growth"}, {"env", "prod"}};
  e.annotations = {{"skein.dev/repo", "repos/dau"}, {"skein.dev/produces", "growth.dau,growth.wau"}};
  e.tags = {"tier-1", "sql"};
  e.spec = {{"type", "data-pipeline"},
            {"lifecycle", "production"},
            {"dependsOn", {"resource:default/user-profile-v1"}},
            {"nested", {{"n", 1.5}, {"flag", true}, {"none", nullptr}}}};
  Import({{"repos/dau", {e}}});

  auto found = store_->FindEntity(EntityRef{"component", "GROWTH", "daily-active-users"});
  ASSERT_TRUE(found.ok()) << found.status().message();
  ASSERT_TRUE(found->has_value());
  auto listed = store_->ListEntities();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  for (const Entity& got : {**found, listed->front()}) {
    EXPECT_EQ(got.api_version, e.api_version);
    EXPECT_EQ(got.kind, "Component");
    EXPECT_EQ(got.ns, "growth");
    EXPECT_EQ(got.name, "Daily-Active-Users");
    EXPECT_EQ(got.title, e.title);
    EXPECT_EQ(got.description, e.description);
    EXPECT_EQ(got.labels, e.labels);
    EXPECT_EQ(got.annotations, e.annotations);
    EXPECT_EQ(got.tags, e.tags);
    EXPECT_EQ(got.spec, e.spec);
    EXPECT_EQ(got.origin, "repos/dau/catalog-info.yaml");
    EXPECT_EQ(got.origin_line, 12);
  }
}

TEST_P(StoreConformance, FindReturnsNothingForAnUnknownRef) {
  Import({{"a.yaml", {MakeEntity("Component", "known")}}});
  auto found = store_->FindEntity(EntityRef{"Component", "default", "unknown"});
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_FALSE(found->has_value());
}

TEST_P(StoreConformance, ListsOneKindCaseInsensitivelySortedByKey) {
  Import(
      {{"a.yaml",
        {MakeEntity("Component", "zeta"), MakeEntity("Resource", "table"), MakeEntity("component", "Alpha"),
         MakeEntity("System", "core"), MakeEntity("Systemx", "other"), MakeEntity("Component", "mid")}}});
  EXPECT_EQ(ListedKeys("COMPONENT"),
            (std::vector<std::string>{"component:default/alpha", "component:default/mid",
                                      "component:default/zeta"}));
  EXPECT_EQ(ListedKeys("system"), std::vector<std::string>{"system:default/core"});
  EXPECT_TRUE(ListedKeys("Group").empty());
  EXPECT_EQ(ListedKeys(), (std::vector<std::string>{"component:default/alpha", "component:default/mid",
                                                    "component:default/zeta", "resource:default/table",
                                                    "system:default/core", "systemx:default/other"}));
}

TEST_P(StoreConformance, ImportReplacesWhatTheLocationBroughtBefore) {
  ExpectSummary(
      Import({{"a.yaml",
               {MakeEntity("Component", "kept"), MakeEntity("Component", "edited"),
                MakeEntity("Component", "moved-line", "a.yaml", 3), MakeEntity("Component", "dropped")}},
              {"b.yaml", {MakeEntity("Component", "other-location")}}}),
      /*added=*/5, 0, 0, 0);

  Entity edited = MakeEntity("Component", "edited");
  edited.tags = {"tier-2"};
  ExpectSummary(
      Import({{"a.yaml",
               {MakeEntity("Component", "kept"), edited, MakeEntity("Component", "moved-line", "a.yaml", 9),
                MakeEntity("Component", "new")}}}),
      /*added=*/1, /*updated=*/2, /*removed=*/1, /*unchanged=*/1);

  EXPECT_EQ(ListedKeys(), (std::vector<std::string>{"component:default/edited", "component:default/kept",
                                                    "component:default/moved-line", "component:default/new",
                                                    "component:default/other-location"}));
  auto found = store_->FindEntity(EntityRef{"Component", "default", "edited"});
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->tags, std::vector<std::string>{"tier-2"});
  EXPECT_EQ(db_->QueryText("SELECT entity_count FROM imports WHERE location = 'a.yaml'"), "4");
}

TEST_P(StoreConformance, ImportingALocationWithNoEntitiesRemovesAllItBrought) {
  Import({{"a.yaml", {MakeEntity("Component", "x"), MakeEntity("Component", "y")}},
          {"b.yaml", {MakeEntity("Component", "z")}}});
  ExpectSummary(Import({{"a.yaml", {}}}), 0, 0, /*removed=*/2, 0);
  EXPECT_EQ(ListedKeys(), std::vector<std::string>{"component:default/z"});
}

TEST_P(StoreConformance, EntityOfAnotherLocationIsAConflictAndChangesNothing) {
  Import({{"team-a/catalog.yaml", {MakeEntity("Component", "shared", "team-a/catalog.yaml", 4)}}});
  auto result = store_->ImportEntities({{"team-b/catalog.yaml",
                                         {MakeEntity("Component", "fresh", "team-b/catalog.yaml", 1),
                                          MakeEntity("Component", "Shared", "team-b/catalog.yaml", 7)}}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kConflict);
  const std::string& message = result.status().message();
  for (const char* part : {"component:default/shared", "team-a/catalog.yaml", "team-b/catalog.yaml:7"}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " missing from: " << message;
  }
  EXPECT_EQ(ListedKeys(), std::vector<std::string>{"component:default/shared"});
  auto kept = store_->FindEntity(EntityRef{"Component", "default", "shared"});
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->origin_line, 4);
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM imports WHERE location = 'team-b/catalog.yaml'"), "0");
}

TEST_P(StoreConformance, TheSameRefTwiceInOneImportIsAConflict) {
  auto result = store_->ImportEntities({{"a.yaml", {MakeEntity("Component", "twin", "a.yaml", 2)}},
                                        {"b.yaml", {MakeEntity("component", "TWIN", "b.yaml", 5)}}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kConflict);
  EXPECT_NE(result.status().message().find("component:default/twin"), std::string::npos);
  EXPECT_NE(result.status().message().find("a.yaml:2"), std::string::npos);
  EXPECT_NE(result.status().message().find("b.yaml:5"), std::string::npos);
  EXPECT_TRUE(ListedKeys().empty());
}

TEST_P(StoreConformance, AConflictInALaterBatchUndoesTheEarlierBatches) {
  Import(
      {{"c.yaml", {MakeEntity("Component", "owned-by-c")}}, {"a.yaml", {MakeEntity("Component", "a-old")}}});
  auto result = store_->ImportEntities(
      {{"a.yaml", {MakeEntity("Component", "a-new")}},
       {"b.yaml", {MakeEntity("Component", "b1"), MakeEntity("Component", "owned-by-c")}}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kConflict);
  EXPECT_EQ(ListedKeys(),
            (std::vector<std::string>{"component:default/a-old", "component:default/owned-by-c"}));
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM imports"), "2");
}

TEST_P(StoreConformance, AFailureMidWriteLeavesNothingHalfWritten) {
  Import({{"a.yaml", {MakeEntity("Component", "a-old")}}});
  std::string imported_at = db_->QueryText("SELECT imported_at FROM imports WHERE location = 'a.yaml'");
  // Entities are written in key order: a-new and b-first go in, a-old goes out, then this one fails.
  db_->MakeStoringFail("component:default/zz-fails");
  auto result = store_->ImportEntities(
      {{"a.yaml", {MakeEntity("Component", "a-new")}},
       {"b.yaml", {MakeEntity("Component", "b-first"), MakeEntity("Component", "zz-fails")}}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("storing this entity fails"), std::string::npos)
      << result.status().message();
  EXPECT_EQ(ListedKeys(), std::vector<std::string>{"component:default/a-old"});
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM imports"), "1");
  EXPECT_EQ(db_->QueryText("SELECT imported_at FROM imports WHERE location = 'a.yaml'"), imported_at);
  // The store is still usable after the rollback.
  ExpectSummary(Import({{"b.yaml", {MakeEntity("Component", "b-first")}}}), 1, 0, 0, 0);
}

TEST_P(StoreConformance, AnEntityMayMoveBetweenLocationsImportedTogether) {
  Import({{"a.yaml", {MakeEntity("Component", "nomad", "a.yaml", 1)}}});
  ExpectSummary(Import({{"a.yaml", {}}, {"b.yaml", {MakeEntity("Component", "nomad", "b.yaml", 1)}}}), 0,
                /*updated=*/1, 0, 0);
  EXPECT_EQ(db_->QueryText("SELECT location FROM entities WHERE key = 'component:default/nomad'"), "b.yaml");
  // Now b.yaml owns it: a.yaml alone may not take it back.
  auto back = store_->ImportEntities({{"a.yaml", {MakeEntity("Component", "nomad", "a.yaml", 1)}}});
  EXPECT_EQ(back.status().code(), StatusCode::kConflict);
}

TEST_P(StoreConformance, RefusesAnEntityWithoutAName) {
  auto result = store_->ImportEntities(
      {{"a.yaml", {MakeEntity("Component", "fine"), MakeEntity("Component", "", "a.yaml", 8)}}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(result.status().message().find("a.yaml:8"), std::string::npos) << result.status().message();
  EXPECT_TRUE(ListedKeys().empty());
}

TEST_P(StoreConformance, TwoStoresOnOneDatabaseSeeEachOthersWrites) {
  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  Import({{"a.yaml", {MakeEntity("Component", "from-first")}}});
  auto seen = other->FindEntity(EntityRef{"Component", "default", "from-first"});
  ASSERT_TRUE(seen.ok() && seen->has_value());
  ASSERT_TRUE(other->ImportEntities({{"b.yaml", {MakeEntity("Resource", "from-second")}}}).ok());
  EXPECT_EQ(ListedKeys(),
            (std::vector<std::string>{"component:default/from-first", "resource:default/from-second"}));
}

TEST_P(StoreConformance, ConcurrentOpensApplyEachMigrationOnce) {
  auto fresh = testing::NewStoreDatabase(GetParam());
  constexpr int kOpeners = 8;
  std::atomic<int> opened{0};
  std::vector<std::string> errors(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      auto store = OpenStore(fresh->url());
      if (store.ok()) {
        ++opened;
      } else {
        errors[static_cast<size_t>(i)] = store.status().message();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) EXPECT_EQ(error, "");
  EXPECT_EQ(opened.load(), kOpeners);
  EXPECT_EQ(fresh->QueryText("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(store::LatestSchemaVersion()));
}

TEST_P(StoreConformance, ConcurrentImportsNeverBothClaimOneEntity) {
  constexpr int kImporters = 4;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kImporters; ++i) {
    stores.push_back(Open());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::atomic<bool> go{false};
  std::atomic<int> succeeded{0};
  std::atomic<int> conflicted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kImporters; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      std::string location = "team-" + std::to_string(i) + ".yaml";
      auto result = stores[static_cast<size_t>(i)]->ImportEntities(
          {{location, {MakeEntity("Component", "contested", location)}}});
      if (result.ok()) ++succeeded;
      if (result.status().code() == StatusCode::kConflict) ++conflicted;
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 1);
  EXPECT_EQ(conflicted.load(), kImporters - 1);
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM imports"), "1");
}

TEST_P(StoreConformance, ImportsAndShrinksTenThousandEntitiesInOneCall) {
  std::vector<Entity> entities;
  for (int i = 0; i < 10000; ++i) {
    Entity e = MakeEntity("Component", "consumer-" + std::to_string(i), "catalog/big.yaml", i + 1);
    e.annotations = {{"skein.dev/repo", "repos/consumer-" + std::to_string(i)}};
    e.spec["dependsOn"] = {"resource:default/user-profile-v1"};
    entities.push_back(std::move(e));
  }
  ExpectSummary(Import({{"catalog/big.yaml", entities}}), 10000, 0, 0, 0);
  entities.resize(9000);
  ExpectSummary(Import({{"catalog/big.yaml", entities}}), 0, 0, 1000, 9000);
  EXPECT_EQ(ListedKeys("component").size(), 9000u);
}

TEST_P(StoreConformance, KeepsDataRunAndPartitionRecordsPerMigration) {
  auto none = store_->FindDataRun("user-profile-v2");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(store_->PutDataRun({"user-profile-v2", R"({"state":"staged"})"}).ok());
  ASSERT_TRUE(store_->PutDataRun({"user-profile-v2", R"({"state":"verified"})"}).ok());
  ASSERT_TRUE(store_->PutDataRun({"other", R"({"state":"staged"})"}).ok());
  for (std::string part : {"2024-01-02", "2024-01-01", "2024-01-03"}) {
    ASSERT_TRUE(store_->PutDataPartition({"user-profile-v2", part, R"({"rows":1})"}).ok());
  }
  ASSERT_TRUE(store_->PutDataPartition({"user-profile-v2", "2024-01-01", R"({"rows":2})"}).ok());
  ASSERT_TRUE(store_->PutDataPartition({"other", "x", "{}"}).ok());

  // Another connection sees what was written: each call is its own committed transaction.
  std::unique_ptr<Store> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  auto run = reopened->FindDataRun("user-profile-v2");
  ASSERT_TRUE(run.ok() && run->has_value());
  EXPECT_EQ((*run)->body, R"({"state":"verified"})");
  auto parts = reopened->ListDataPartitions("user-profile-v2");
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].partition, "2024-01-01");
  EXPECT_EQ((*parts)[0].body, R"({"rows":2})");
  EXPECT_EQ((*parts)[2].partition, "2024-01-03");

  ASSERT_TRUE(reopened->DeleteDataRun("user-profile-v2").ok());
  EXPECT_FALSE(reopened->FindDataRun("user-profile-v2")->has_value());
  EXPECT_TRUE(reopened->ListDataPartitions("user-profile-v2")->empty());
  EXPECT_EQ(reopened->ListDataPartitions("other")->size(), 1u);  // another migration's records stay
  EXPECT_TRUE(reopened->FindDataRun("other")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace skein
