// A VerifyContext built by hand for the verifier tests: the user-profile migration (as in
// examples/migrations/user-profile-v2.yaml, columns trimmed to what the tests need), its
// RewriteSpec over a hand-written v1 schema, and a workspace whose checkout is a temporary folder.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "manifest/migration.h"
#include "rewrite/rewrite.h"
#include "tests/support/test_support.h"
#include "verify/verifier.h"

namespace skein::verify::testing {

inline constexpr const char* kManifest = R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: user-profile-v2, owner: group:identity}
spec:
  from: core.user_profile_v1
  to: core.user_profile_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: signup_ts, to: signup_at, type: TIMESTAMP,
       using: "CAST(signup_ts AS TIMESTAMP)",
       reverse: "strftime(signup_at, '%Y-%m-%d %H:%M:%S')"}
    - {from: is_premium, to: is_premium, type: BOOLEAN, using: "is_premium = 1",
       reverse: "CASE WHEN is_premium THEN 1 ELSE 0 END"}
    - {drop: legacy_segment}
  data: {materialize: true, partition_by: dt, key: [user_id]}
)yaml";

inline Schema V1Schema() {
  return Schema{{{"user_id", "BIGINT"},
                 {"signup_ts", "VARCHAR"},
                 {"is_premium", "INTEGER"},
                 {"legacy_segment", "VARCHAR"},
                 {"country", "VARCHAR"},
                 {"dt", "DATE"}}};
}

// Owns everything a VerifyContext points to.
class Fixture {
 public:
  Fixture() {
    Result<Migration> migration = ParseMigration(kManifest, "user-profile-v2.yaml");
    EXPECT_TRUE(migration.ok()) << migration.status().message();
    if (migration.ok()) migration_ = std::move(*migration);
    v1_ = V1Schema();
    Result<RewriteSpec> spec = RewriteSpec::FromMigration(migration_, v1_);
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    if (spec.ok()) spec_ = std::move(*spec);
    context.migration = &migration_;
    context.spec = &spec_;
    context.v1_schema = &v1_;
    context.workspace.job = dir_.path();
    context.workspace.repo = dir_.path() / "repo";
    context.workspace.home = dir_.path() / "home";
    context.workspace.log = dir_.path() / "log";
    std::filesystem::create_directories(context.workspace.repo);
    std::filesystem::create_directories(context.workspace.home);
    context.agent = "builtin";
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  // Writes `after` into the checkout and records the change from `before` ("" = added file).
  void Change(const std::string& path, const std::string& before, const std::string& after) {
    dir_.Write("repo/" + path, after);
    vcs::FileChange change;
    change.path = path;
    change.kind = before.empty() ? vcs::FileChange::Kind::kAdded : vcs::FileChange::Kind::kModified;
    change.before = before;
    change.after = after;
    context.changes.push_back(std::move(change));
    context.diff += UnifiedDiff(path, before, after);
  }

  // Records `path` as deleted (it is not in the checkout).
  void Delete(const std::string& path, const std::string& before) {
    vcs::FileChange change;
    change.path = path;
    change.kind = vcs::FileChange::Kind::kDeleted;
    change.before = before;
    context.changes.push_back(std::move(change));
    context.diff += UnifiedDiff(path, before, "");
  }

  // A file of the checkout that the change did not touch.
  void Keep(const std::string& path, const std::string& content) { dir_.Write("repo/" + path, content); }

  // What the builtin rewriter makes of `before`: the change a correct migration produces.
  std::string Rewritten(const std::string& path, const std::string& before) const {
    return RewriteFile(path, before, spec_, {}).text;
  }

  const RewriteSpec& spec() const { return spec_; }

  VerifyContext context;

 private:
  skein::testing::TempDir dir_;
  Migration migration_;
  RewriteSpec spec_;
  Schema v1_;
};

inline bool AnyLineContains(const VerifierResult& result, const std::string& part) {
  for (const std::string& line : result.lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

inline std::string Describe(const VerifierResult& result) {
  std::string text = std::string(OutcomeName(result.outcome)) + ": " + result.summary;
  for (const std::string& line : result.lines) text += "\n  " + line;
  return text;
}

}  // namespace skein::verify::testing
