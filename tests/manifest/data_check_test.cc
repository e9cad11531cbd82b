// TargetSchema and CheckMigrationAgainstData: the manifest against the from-dataset's schema,
// with expressions bound by a real (in-memory) DuckDB.
#include <gtest/gtest.h>

#include "manifest/migration.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

// core.user_profile_v1 as tools/sampledata writes it.
const Schema kUserProfileV1{{{"user_id", "BIGINT"},
                             {"email", "VARCHAR"},
                             {"country", "VARCHAR"},
                             {"signup_ts", "VARCHAR"},
                             {"is_premium", "INTEGER"},
                             {"legacy_segment", "VARCHAR"},
                             {"dt", "DATE"}}};

// A manifest from core.user_profile_v1 whose spec continues with `rest` on line 7.
Migration Parse(const std::string& rest) {
  std::string text =
      "apiVersion: skein.dev/v1\n"
      "kind: Migration\n"
      "metadata: {name: users-v2}\n"
      "spec:\n"
      "  from: core.user_profile_v1\n"
      "  to: core.user_profile_v2\n" +
      rest;
  auto migration = ParseMigration(text, "m.yaml");
  EXPECT_TRUE(migration.ok()) << migration.status().message();
  return migration.ok() ? *migration : Migration{};
}

std::string Describe(const Schema& schema) {
  std::string text;
  for (const auto& column : schema.columns)
    text += (text.empty() ? "" : ", ") + column.name + " " + column.type;
  return text;
}

class DataCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenDuckDbWarehouse();
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    warehouse_ = std::move(opened).value();
  }

  // The message of a manifest the data check must reject.
  std::string Rejection(const Migration& migration) {
    Status status = CheckMigrationAgainstData(migration, kUserProfileV1, *warehouse_);
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kInvalidInput);
    return status.message();
  }

  std::unique_ptr<Warehouse> warehouse_;
};

TEST_F(DataCheckTest, TheProductExampleChecksAndYieldsItsTargetSchema) {
  auto m = ReadMigrationFile(testing::SourceDir() / "tests/data/manifests/user-profile-v2.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  Status status = CheckMigrationAgainstData(*m, kUserProfileV1, *warehouse_);
  EXPECT_TRUE(status.ok()) << status.message();
  auto target = TargetSchema(*m, kUserProfileV1);
  ASSERT_TRUE(target.ok()) << target.status().message();
  EXPECT_EQ(
      Describe(*target),
      "account_id BIGINT, email VARCHAR, country VARCHAR, signup_at TIMESTAMP, is_premium BOOLEAN, dt DATE, "
      "plan_type VARCHAR");
}

TEST_F(DataCheckTest, RejectsAColumnTheFromDatasetLacksWithItsPosition) {
  Migration m = Parse("  columns:\n    - {from: signup_tss, to: signup_at}\n    - {drop: legacy}\n");
  auto target = TargetSchema(m, kUserProfileV1);
  ASSERT_FALSE(target.ok());
  EXPECT_EQ(target.status().message(),
            "m.yaml:8:14: column 'signup_tss' is not in core.user_profile_v1 (did you mean 'signup_ts'?)\n"
            "m.yaml:9:14: column 'legacy' is not in core.user_profile_v1");
  EXPECT_EQ(Rejection(m), target.status().message());
}

TEST_F(DataCheckTest, RejectsARenameOntoAColumnThatPassesThrough) {
  Migration m = Parse("  columns:\n    - {from: user_id, to: email}\n");
  auto target = TargetSchema(m, kUserProfileV1);
  ASSERT_FALSE(target.ok());
  EXPECT_EQ(target.status().message(),
            "m.yaml:8:27: v2 would have two columns named 'email': core.user_profile_v1 already has one that "
            "passes "
            "through unchanged (drop or rename it)");
  // Swapping two names is fine.
  Migration swap = Parse("  columns:\n    - {from: user_id, to: email}\n    - {from: email, to: user_id}\n");
  EXPECT_TRUE(TargetSchema(swap, kUserProfileV1).ok());
}

TEST_F(DataCheckTest, RejectsAUsingThatDoesNotParse) {
  Migration m = Parse("  columns:\n    - {from: is_premium, type: BOOLEAN, using: \"is_premium = = 1\"}\n");
  std::string message = Rejection(m);
  EXPECT_EQ(message.rfind(
                "m.yaml:8:48: using of column 'is_premium' does not bind over core.user_profile_v1 (v1) as "
                "BOOLEAN: Parser Error: syntax error",
                0),
            0u)
      << message;
}

TEST_F(DataCheckTest, RejectsAUsingThatNamesAColumnV1Lacks) {
  Migration m =
      Parse("  columns:\n    - {add: plan_type, type: VARCHAR, using: \"CASE WHEN premium THEN 'p' END\"}\n");
  std::string message = Rejection(m);
  EXPECT_EQ(message.rfind(
                "m.yaml:8:46: using of column 'plan_type' does not bind over core.user_profile_v1 (v1)", 0),
            0u)
      << message;
  EXPECT_NE(message.find("\"premium\" not found"), std::string::npos) << message;
}

TEST_F(DataCheckTest, RejectsAUsingThatCannotBeCastToItsType) {
  Migration m = Parse("  columns:\n    - {from: dt, type: INTEGER, using: \"dt\"}\n");
  EXPECT_EQ(Rejection(m),
            "m.yaml:8:40: using of column 'dt' does not bind over core.user_profile_v1 (v1) as INTEGER: a "
            "DATE value "
            "cannot be cast to INTEGER");
}

TEST_F(DataCheckTest, RejectsAReverseThatDoesNotBindOverTheTargetSchema) {
  // After the rename, v2 has no user_id: the reverse must be written over v2's columns.
  Migration m = Parse("  columns:\n    - {from: user_id, to: account_id, reverse: \"user_id\"}\n");
  std::string message = Rejection(m);
  EXPECT_EQ(message.rfind(
                "m.yaml:8:48: reverse of column 'user_id' does not bind over core.user_profile_v2 (v2)", 0),
            0u)
      << message;
  Migration good = Parse("  columns:\n    - {from: user_id, to: account_id, reverse: \"account_id\"}\n");
  EXPECT_TRUE(CheckMigrationAgainstData(good, kUserProfileV1, *warehouse_).ok());
}

TEST_F(DataCheckTest, RejectsAStatementSmuggledPastTheReader) {
  // The reader refuses this; the data check must too, whoever built the Migration.
  Migration m = Parse("  columns:\n    - {from: is_premium, type: BOOLEAN, using: \"is_premium = 1\"}\n");
  m.columns[0].using_expr = "1); DROP TABLE x; --";
  EXPECT_EQ(Rejection(m).rfind("m.yaml:8:48: using of column 'is_premium' does not bind", 0), 0u);
}

TEST_F(DataCheckTest, RejectsAggregatesInAUsing) {
  Migration m = Parse("  columns:\n    - {add: premium_count, type: BIGINT, using: \"count(*)\"}\n");
  EXPECT_NE(Rejection(m).find("aggregate functions have no per-row value"), std::string::npos);
}

TEST_F(DataCheckTest, RequiresPartitionAndKeyColumnsThatV2Keeps) {
  Migration m = Parse("  columns:\n    - {drop: dt}\n  data: {partition_by: dt, key: [user_id, id]}\n");
  EXPECT_EQ(Rejection(m),
            "m.yaml:9:24: partition_by column 'dt' is dropped by spec.columns[0]\n"
            "m.yaml:9:43: column 'id' is not in core.user_profile_v1");
}

TEST_F(DataCheckTest, RequiresToleranceColumnsThatV2HasOfATypeTheyApplyTo) {
  Migration m = Parse(
      "  columns:\n    - {from: user_id, to: account_id}\n"
      "  data: {verify: {tolerances: {user_id: 1, email: 0.5, dt: 1ms, account_id: 2s}}}\n");
  EXPECT_EQ(
      Rejection(m),
      "m.yaml:9:41: tolerance for 'user_id': core.user_profile_v2 (v2) has no such column\n"
      "m.yaml:9:51: tolerance for 'email': column is VARCHAR; tolerances apply to numbers, dates and "
      "timestamps\n"
      "m.yaml:9:77: tolerance for 'account_id': column is BIGINT, so the tolerance is a number, not '2s'");
}

TEST_F(DataCheckTest, RequiresTheWindowToBeABooleanOverV1) {
  Migration good = Parse("  data: {window: \"dt >= DATE '2026-01-03'\"}\n");
  EXPECT_TRUE(CheckMigrationAgainstData(good, kUserProfileV1, *warehouse_).ok());
  Migration bad = Parse("  data: {window: \"dt + 1\"}\n");
  std::string message = Rejection(bad);
  EXPECT_EQ(
      message.rfind("m.yaml:7:18: data.window does not bind over core.user_profile_v1 (v1) as BOOLEAN", 0),
      0u)
      << message;
}

TEST_F(DataCheckTest, ReportsAMissingColumnAndABadUsingTogether) {
  Migration m = Parse(
      "  columns:\n"
      "    - {from: signup_tss, to: signup_at}\n"
      "    - {add: plan_type, type: VARCHAR, using: \"premium\"}\n");
  std::string message = Rejection(m);
  EXPECT_EQ(message.rfind("m.yaml:8:14: column 'signup_tss' is not in core.user_profile_v1", 0), 0u)
      << message;
  EXPECT_NE(message.find("\nm.yaml:9:46: using of column 'plan_type'"), std::string::npos) << message;
}

TEST_F(DataCheckTest, ReportsEveryProblemOfTheManifestAtOnce) {
  Migration m = Parse(
      "  columns:\n"
      "    - {from: signup_ts, to: signup_at, type: TIMESTAMP, using: \"CAST(signup AS TIMESTAMP)\"}\n"
      "    - {add: plan_type, type: VARCHAR, using: \"nope\"}\n");
  std::string message = Rejection(m);
  EXPECT_EQ(message.rfind("m.yaml:8:", 0), 0u) << message;
  EXPECT_NE(message.find("\nm.yaml:9:"), std::string::npos) << message;
}

}  // namespace
}  // namespace skein
