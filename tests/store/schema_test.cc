// The migration list itself: what every store relies on when it opens.
#include "store/schema.h"

#include <gtest/gtest.h>

namespace skein::store {
namespace {

TEST(StoreSchema, MigrationVersionsCountUpFromOneWithoutGaps) {
  int expected = 1;
  for (const Migration& step : Migrations()) {
    EXPECT_EQ(step.version, expected) << step.description;
    ++expected;
  }
  EXPECT_EQ(LatestSchemaVersion(), expected - 1);
}

TEST(StoreSchema, EveryMigrationHasADescriptionAndSqlForBothDialects) {
  for (const Migration& step : Migrations()) {
    EXPECT_FALSE(step.description.empty()) << step.version;
    EXPECT_NE(step.sqlite_sql.find_first_not_of(" \n"), std::string_view::npos) << step.version;
    EXPECT_NE(step.postgres_sql.find_first_not_of(" \n"), std::string_view::npos) << step.version;
  }
}

TEST(StoreSchema, ASchemaNewerThanTheBinaryIsAConflictThatSaysToUpgrade) {
  EXPECT_TRUE(CheckSchemaNotNewer(LatestSchemaVersion()).ok());
  Status newer = CheckSchemaNotNewer(LatestSchemaVersion() + 1);
  EXPECT_EQ(newer.code(), StatusCode::kConflict);
  EXPECT_NE(newer.message().find("upgrade skein"), std::string::npos);
}

}  // namespace
}  // namespace skein::store
