// Unit tests of RewriteSql with specs built in code (the corpus covers the breadth).
#include <gtest/gtest.h>

#include <chrono>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

RewriteSpec SqlSpec() {
  RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  spec.columns = {{"user_id", "account_id", "", false},
                  {"signup_ts", "signup_at", "strftime(signup_at, '%Y')", true},
                  {"legacy_segment", "", "", false}};
  spec.from_columns = {"user_id", "email", "signup_ts", "legacy_segment"};
  spec.to_columns = {"account_id", "email", "signup_at"};
  return spec;
}

RewriteResult Rw(std::string_view sql, const RewriteSpec& spec = SqlSpec()) {
  return RewriteSql(sql, spec, {});
}

TEST(RewriteSql, RenamesTableAndColumnKeepingOutputName) {
  RewriteResult r = Rw("SELECT p.user_id FROM core.user_profile_v1 p");
  EXPECT_EQ(r.text, "SELECT p.account_id AS user_id FROM core.user_profile_v2 p");
  ASSERT_EQ(r.edits.size(), 2u);
  EXPECT_EQ(r.edits[0].before, "p.user_id");
  EXPECT_EQ(r.edits[1].why, "table rename");
}

TEST(RewriteSql, SubstitutesQualifiedReverse) {
  EXPECT_EQ(Rw("SELECT p.signup_ts FROM core.user_profile_v1 p").text,
            "SELECT (strftime(p.signup_at, '%Y')) AS signup_ts FROM core.user_profile_v2 p");
}

TEST(RewriteSql, ReportsDroppedColumnWithLineAndColumn) {
  RewriteResult r = Rw("SELECT email\nFROM core.user_profile_v1 WHERE legacy_segment = 'x'");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].line, 2);
  EXPECT_EQ(r.findings[0].col, 33);
  EXPECT_NE(r.findings[0].reason.find("dropped column legacy_segment"), std::string::npos);
}

TEST(RewriteSql, IdempotentAndInverse) {
  RewriteSpec spec = SqlSpec();
  spec.columns.resize(1);
  std::string input = "SELECT user_id, email FROM core.user_profile_v1 WHERE user_id > 3";
  RewriteResult once = Rw(input, spec);
  EXPECT_FALSE(Rw(once.text, spec).changed());
  RewriteSpec inverse = spec;
  std::swap(inverse.from_table, inverse.to_table);
  std::swap(inverse.from_columns, inverse.to_columns);
  inverse.columns = {{"account_id", "user_id", "", false}};
  EXPECT_EQ(Rw(once.text, inverse).text, input);
}

TEST(RewriteSql, IdentitySpecChangesNothing) {
  RewriteSpec spec;
  spec.from_table = spec.to_table = "core.user_profile_v1";
  RewriteResult r = Rw("SELECT * FROM core.user_profile_v1", spec);
  EXPECT_FALSE(r.changed());
  EXPECT_TRUE(r.findings.empty());
}

TEST(RewriteSql, LeavesUnterminatedRegionAndReportsIt) {
  RewriteResult r = Rw("SELECT 1 FROM core.user_profile_v1 WHERE x = 'core.user_profile_v1");
  EXPECT_EQ(r.text, "SELECT 1 FROM core.user_profile_v2 WHERE x = 'core.user_profile_v1");
  ASSERT_FALSE(r.findings.empty());
  EXPECT_NE(r.findings.back().reason.find("untouched"), std::string::npos);
}

TEST(RewriteSql, DoesNotReadV2NamesAsV1Names) {
  RewriteSpec spec = SqlSpec();
  spec.columns = {{"email", "contact_email", "", false}, {"user_id", "email", "", false}};
  EXPECT_EQ(Rw("SELECT email, user_id FROM core.user_profile_v1", spec).text,
            "SELECT contact_email AS email, email AS user_id FROM core.user_profile_v2");
}

// Not a timing assertion: prints the throughput so a run shows it.
TEST(RewriteSql, ReportsThroughput) {
  std::string sql;
  while (sql.size() < (4u << 20)) {
    sql +=
        "SELECT p.user_id, o.amount, p.signup_ts FROM core.user_profile_v1 p JOIN core.orders o "
        "ON o.user_id = p.user_id WHERE p.email LIKE '%x' -- note\n;\n";
  }
  auto start = std::chrono::steady_clock::now();
  RewriteResult r = Rw(sql);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.changed());
  std::printf("RewriteSql: %.1f MB/s\n", sql.size() / 1e6 / seconds);
}

}  // namespace
}  // namespace skein
