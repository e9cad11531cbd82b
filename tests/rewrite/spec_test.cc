#include <gtest/gtest.h>

#include "manifest/migration.h"
#include "rewrite/rewrite.h"

namespace skein {
namespace {

const char* kManifest = R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: user-profile-v2}
spec:
  from: core.user_profile_v1
  to: core.user_profile_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: signup_ts, to: signup_at, type: TIMESTAMP, using: "CAST(signup_ts AS TIMESTAMP)"}
    - {from: is_premium, to: is_premium, type: BOOLEAN, using: "is_premium = 1",
       reverse: "CASE WHEN is_premium THEN 1 ELSE 0 END"}
    - {from: email, to: email, type: varchar}
    - {drop: legacy_segment}
    - {add: plan_type, type: VARCHAR, using: "'free'"}
)yaml";

Schema V1() {
  return Schema{{{"user_id", "BIGINT"},
                 {"email", "VARCHAR"},
                 {"signup_ts", "VARCHAR"},
                 {"is_premium", "INTEGER"},
                 {"legacy_segment", "VARCHAR"}}};
}

RewriteSpec ExampleSpec() {
  auto migration = ParseMigration(kManifest, "m.yaml");
  EXPECT_TRUE(migration.ok()) << migration.status().message();
  auto spec = RewriteSpec::FromMigration(*migration, V1());
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  return *spec;
}

TEST(RewriteSpec, ListsRenamesRetypesAndDropsButNotIdentityOps) {
  RewriteSpec spec = ExampleSpec();
  EXPECT_EQ(spec.from_table, "core.user_profile_v1");
  EXPECT_EQ(spec.to_table, "core.user_profile_v2");
  ASSERT_EQ(spec.columns.size(), 4u);  // email: same type spelled in lower case is no retype
  EXPECT_EQ(spec.columns[0].to, "account_id");
  EXPECT_FALSE(spec.columns[0].retyped);
  EXPECT_EQ(spec.columns[1].to, "signup_at");
  EXPECT_TRUE(spec.columns[1].retyped);
  EXPECT_TRUE(spec.columns[2].retyped);
  EXPECT_EQ(spec.columns[2].reverse, "CASE WHEN is_premium THEN 1 ELSE 0 END");
  EXPECT_EQ(spec.columns[3].from, "legacy_segment");
  EXPECT_EQ(spec.columns[3].to, "");
}

TEST(RewriteSpec, CarriesBothColumnLists) {
  RewriteSpec spec = ExampleSpec();
  EXPECT_EQ(spec.from_columns,
            (std::vector<std::string>{"user_id", "email", "signup_ts", "is_premium", "legacy_segment"}));
  EXPECT_EQ(spec.to_columns,
            (std::vector<std::string>{"account_id", "email", "signup_at", "is_premium", "plan_type"}));
}

TEST(RewriteSpec, InverseKeepsOnlyRenamesReversed) {
  RewriteSpec inverse = ExampleSpec().Inverse();
  EXPECT_EQ(inverse.from_table, "core.user_profile_v2");
  EXPECT_EQ(inverse.to_table, "core.user_profile_v1");
  ASSERT_EQ(inverse.columns.size(), 2u);
  EXPECT_EQ(inverse.columns[0].from, "account_id");
  EXPECT_EQ(inverse.columns[0].to, "user_id");
  EXPECT_EQ(inverse.columns[1].from, "signup_at");
  EXPECT_EQ(inverse.columns[1].reverse, "");
  EXPECT_FALSE(inverse.columns[1].retyped);
  EXPECT_EQ(inverse.from_columns, ExampleSpec().to_columns);
}

TEST(RewriteSpec, FindChangeIgnoresCase) {
  RewriteSpec spec = ExampleSpec();
  ASSERT_NE(spec.FindChange("USER_ID"), nullptr);
  EXPECT_EQ(spec.FindChange("User_Id")->to, "account_id");
  EXPECT_EQ(spec.FindChange("email"), nullptr);
}

TEST(RewriteSpec, UnknownColumnIsAnErrorAtTheManifest) {
  auto migration = ParseMigration(kManifest, "m.yaml");
  ASSERT_TRUE(migration.ok());
  Schema v1 = V1();
  v1.columns.erase(v1.columns.begin());  // no user_id
  auto spec = RewriteSpec::FromMigration(*migration, v1);
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("m.yaml:"), std::string::npos) << spec.status().message();
}

}  // namespace
}  // namespace skein
