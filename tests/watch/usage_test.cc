// The analysis behind drift alerts and decommission checks: what changed in a schema, which
// places in a consumer's code use a changed column (column-level, through the rewriter's scope
// resolution, not a text search), and which repositories still name a dataset.
#include "watch/usage.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace skein::watch {
namespace {

using testing::Contains;
using testing::TempDir;

Schema Users() {
  return Schema{{{"id", "BIGINT"}, {"email", "VARCHAR"}, {"age", "INTEGER"}, {"name", "VARCHAR"}}};
}

// core.users loses email and age becomes text.
SchemaDrift UsersDrift() {
  return DiffSchemas(Users(), Schema{{{"id", "BIGINT"}, {"age", "VARCHAR"}, {"name", "VARCHAR"}}});
}

// "file:line:col column" for each use.
std::vector<std::string> Places(const std::vector<ColumnUse>& uses) {
  std::vector<std::string> out;
  for (const ColumnUse& u : uses) {
    out.push_back(u.file + ":" + std::to_string(u.line) + ":" + std::to_string(u.col) + " " + u.column);
  }
  return out;
}

std::vector<ColumnUse> UsesIn(const TempDir& dir, const SchemaDrift& drift = UsersDrift()) {
  Result<std::vector<ColumnUse>> uses = FindColumnUses(dir.path(), "core.users", Users(), drift);
  EXPECT_TRUE(uses.ok()) << uses.status().message();
  return uses.ok() ? *uses : std::vector<ColumnUse>{};
}

TEST(WatchDrift, ReportsRemovedRetypedAndAddedColumnsInTheirOrder) {
  Schema before{{{"id", "BIGINT"}, {"email", "VARCHAR"}, {"phone", "VARCHAR"}, {"age", "INTEGER"}}};
  Schema after{{{"age", "VARCHAR"}, {"id", "BIGINT"}, {"x", "DOUBLE"}, {"y", "DATE"}}};
  SchemaDrift drift = DiffSchemas(before, after);
  EXPECT_EQ(drift.removed, (std::vector<std::string>{"email", "phone"}));
  ASSERT_EQ(drift.retyped.size(), 1u);
  EXPECT_EQ(drift.retyped[0].column, "age");
  EXPECT_EQ(drift.retyped[0].from, "INTEGER");
  EXPECT_EQ(drift.retyped[0].to, "VARCHAR");
  EXPECT_EQ(drift.added, (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(drift.empty());
  EXPECT_TRUE(drift.breaking());
  EXPECT_EQ(drift.Describe(), "dropped email, phone; retyped age INTEGER -> VARCHAR; added x, y");
}

TEST(WatchDrift, ComparesNamesAndTypesIgnoringCase) {
  SchemaDrift drift = DiffSchemas(Schema{{{"Email", "varchar"}, {"AGE", "Integer"}}},
                                  Schema{{{"email", "VARCHAR"}, {"age", "INTEGER"}}});
  EXPECT_TRUE(drift.empty());
  EXPECT_FALSE(drift.breaking());
  EXPECT_EQ(drift.Describe(), "no change");
}

TEST(WatchDrift, OnlyAddedColumnsBreakNobody) {
  SchemaDrift drift = DiffSchemas(Schema{{{"id", "BIGINT"}}}, Schema{{{"id", "BIGINT"}, {"x", "DOUBLE"}}});
  EXPECT_FALSE(drift.empty());
  EXPECT_FALSE(drift.breaking());
  EXPECT_EQ(drift.Describe(), "added x");
}

TEST(WatchColumnUses, FindsTheDroppedColumnWhereAQueryOfTheDatasetSelectsIt) {
  TempDir dir;
  dir.Write("queries/emails.sql", "select id,\n       email\nfrom core.users\n");
  std::vector<ColumnUse> uses = UsesIn(dir);
  EXPECT_EQ(Places(uses), (std::vector<std::string>{"queries/emails.sql:2:8 email"}));
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_TRUE(Contains(uses[0].reason, "dropped column email")) << uses[0].reason;
}

TEST(WatchColumnUses, AQueryReadingOnlyOtherColumnsIsNoUse) {
  TempDir dir;
  dir.Write("queries/names.sql", "select u.id, name\nfrom core.users u\nwhere id > 3\n");
  EXPECT_EQ(Places(UsesIn(dir)), std::vector<std::string>{});
}

TEST(WatchColumnUses, ASameNamedColumnOfAnotherTableIsNoUse) {
  TempDir dir;
  dir.Write("queries/contacts.sql", "select email from crm.contacts\n");
  dir.Write("queries/joined.sql",
            "select c.email, u.name\nfrom crm.contacts c\njoin core.users u on u.id = c.user_id\n");
  EXPECT_EQ(Places(UsesIn(dir)), std::vector<std::string>{});
}

TEST(WatchColumnUses, ARetypedColumnUsedIsAUse) {
  TempDir dir;
  dir.Write("queries/ages.sql", "select id from core.users where age > 30\n");
  std::vector<ColumnUse> uses = UsesIn(dir);
  EXPECT_EQ(Places(uses), (std::vector<std::string>{"queries/ages.sql:1:33 age"}));
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_TRUE(Contains(uses[0].reason, "retyped column age")) << uses[0].reason;
}

TEST(WatchColumnUses, SelectStarOverTheDatasetUsesEveryChangedColumn) {
  TempDir dir;
  dir.Write("queries/all.sql", "-- everything\nselect * from core.users\n");
  std::vector<ColumnUse> uses = UsesIn(dir);
  EXPECT_EQ(Places(uses), (std::vector<std::string>{"queries/all.sql:2:8 age", "queries/all.sql:2:8 email"}));
  // With only a retype the rewriter expands the star instead of reporting it: still a use.
  std::vector<ColumnUse> retyped = UsesIn(
      dir,
      DiffSchemas(Users(),
                  Schema{{{"id", "BIGINT"}, {"email", "VARCHAR"}, {"age", "VARCHAR"}, {"name", "VARCHAR"}}}));
  EXPECT_EQ(Places(retyped), (std::vector<std::string>{"queries/all.sql:2:8 age"}));
}

TEST(WatchColumnUses, FindsTheColumnInSqlEmbeddedInCode) {
  TempDir dir;
  dir.Write("jobs/export.py",
            "import db\n\nrows = db.query(\"SELECT id, email FROM core.users WHERE id = 1\")\n"
            "other = db.query(\"SELECT email FROM crm.contacts\")\n"
            "emails = [r[\"email\"] for r in rows]\n");
  // The query of another table is no use; the column read from a row of the dataset's query is:
  // the rewriter reports a changed column named in a string of a file that reads the dataset.
  std::vector<ColumnUse> uses = UsesIn(dir);
  EXPECT_EQ(Places(uses),
            (std::vector<std::string>{"jobs/export.py:3:29 email", "jobs/export.py:5:14 email"}));
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_TRUE(Contains(uses[1].reason, "used outside SQL")) << uses[1].reason;
}

TEST(WatchColumnUses, FindsTheColumnInADbtModelReadingTheSource) {
  TempDir dir;
  dir.Write("models/stg_users.sql", "select id, email\nfrom {{ source('core', 'users') }}\n");
  EXPECT_EQ(Places(UsesIn(dir)), (std::vector<std::string>{"models/stg_users.sql:1:12 email"}));
}

TEST(WatchColumnUses, SkipsHiddenBinaryAndOtherFiles) {
  TempDir dir;
  dir.Write(".git/hooks/check.sql", "select email from core.users\n");
  dir.Write("queries/.draft.sql", "select email from core.users\n");
  dir.Write("queries/blob.sql", std::string("select email from core.users\n\0\0", 31));
  dir.Write("notes.txt", "select email from core.users\n");
  EXPECT_EQ(Places(UsesIn(dir)), std::vector<std::string>{});
}

TEST(WatchColumnUses, NothingWhenTheDriftBreaksNobody) {
  TempDir dir;
  dir.Write("queries/emails.sql", "select email from core.users\n");
  SchemaDrift added = DiffSchemas(Users(), Schema{{{"id", "BIGINT"},
                                                   {"email", "VARCHAR"},
                                                   {"age", "INTEGER"},
                                                   {"name", "VARCHAR"},
                                                   {"x", "DOUBLE"}}});
  EXPECT_EQ(Places(UsesIn(dir, added)), std::vector<std::string>{});
}

TEST(WatchColumnUses, AMissingFolderIsNotFoundAndABadIdInvalidInput) {
  TempDir dir;
  Result<std::vector<ColumnUse>> missing =
      FindColumnUses(dir.path() / "nope", "core.users", Users(), UsersDrift());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(missing.status().message(), "nope"));
  Result<std::vector<ColumnUse>> bad = FindColumnUses(dir.path(), "users", Users(), UsersDrift());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidInput);
}

TEST(WatchCodeReferences, ReportsTheReferencesOfTheRepositoriesThatHoldThem) {
  TempDir dir;
  dir.Write("fleet/reader/jobs/daily.sql", "-- reads core.users\nselect * from CORE.USERS u\n");
  dir.Write("fleet/reader/.git/HEAD", "core.users\n");
  dir.Write("fleet/other/jobs/daily.sql", "select * from core.users_archive\nselect * from xcore.users\n");
  Result<std::vector<Repository>> repos = ResolveRepositories({dir.path() / "fleet"});
  ASSERT_TRUE(repos.ok()) << repos.status().message();
  ASSERT_EQ(repos->size(), 2u);
  const Repository& reader = (*repos)[1];
  ASSERT_EQ(reader.name, "reader");
  Result<std::vector<CodeReference>> references = FindCodeReferences(*repos, "core.users");
  ASSERT_TRUE(references.ok()) << references.status().message();
  std::vector<std::string> found;
  for (const CodeReference& r : *references) {
    EXPECT_EQ(r.repository, reader.path);
    found.push_back(r.file + ":" + std::to_string(r.line) + ":" + std::to_string(r.col) + " " + r.text);
  }
  EXPECT_EQ(found,
            (std::vector<std::string>{"jobs/daily.sql:1:10 core.users", "jobs/daily.sql:2:15 CORE.USERS"}));
}

TEST(WatchCodeReferences, ABadDatasetIdIsInvalidInput) {
  Result<std::vector<CodeReference>> references = FindCodeReferences({}, "not a dataset");
  ASSERT_FALSE(references.ok());
  EXPECT_EQ(references.status().code(), StatusCode::kInvalidInput);
}

}  // namespace
}  // namespace skein::watch
