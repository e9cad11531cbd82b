// What the agent tests share: a consumer repository with a workspace cloned from it, and the
// user-profile-v2 migration with its rewrite spec.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent.h"
#include "base/text.h"
#include "manifest/migration.h"
#include "tests/support/test_support.h"
#include "vcs/git.h"
#include "vcs/workspace.h"

namespace skein::agent {

namespace fs = std::filesystem;

// The scripted stand-in for an LLM coding agent.
inline std::string StandinCommand() {
  return "sh '" + (testing::SourceDir() / "tests/agent/standin_agent.sh").string() + "'";
}

// examples/migrations/user-profile-v2.yaml, with `agent` as consumers.agent.
inline std::string ManifestText(const std::string& agent) {
  return R"yaml(apiVersion: skein.dev/v1
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
    - {add: plan_type, type: VARCHAR, using: "CASE WHEN is_premium = 1 THEN 'premium' ELSE 'free' END"}
  data: {materialize: true, partition_by: dt, key: [user_id]}
  consumers:
    preserve_output: true
    agent: )yaml" +
         agent + "\n";
}

inline Schema V1Schema() {
  return Schema{{{"user_id", "BIGINT"},
                 {"signup_ts", "VARCHAR"},
                 {"is_premium", "INTEGER"},
                 {"legacy_segment", "VARCHAR"},
                 {"country", "VARCHAR"},
                 {"email", "VARCHAR"},
                 {"dt", "DATE"}}};
}

// A repository's files: path -> content.
using Files = std::vector<std::pair<std::string, std::string>>;

// A consumer repository cloned into a job workspace, and a task over it.
class AgentFixture {
 public:
  explicit AgentFixture(const Files& files, const std::string& agent = "{kind: builtin}") {
    source_ = dir_.path() / "source";
    fs::create_directories(source_);
    EXPECT_TRUE(vcs::Git(source_, {"init", "--quiet", "-b", "main"}).ok());
    for (const auto& [name, content] : files) dir_.Write("source/" + name, content);
    EXPECT_TRUE(vcs::Git(source_, {"add", "--all"}).ok());
    EXPECT_TRUE(vcs::Git(source_, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "initial"}).ok());
    Result<vcs::Workspace> w = vcs::CreateWorkspace(source_, dir_.path() / "jobs", "job-1");
    EXPECT_TRUE(w.ok()) << w.status().message();
    if (w.ok()) workspace_ = *w;
    Result<Migration> m = ParseMigration(ManifestText(agent), "user-profile-v2.yaml");
    EXPECT_TRUE(m.ok()) << m.status().message();
    if (m.ok()) migration_ = std::move(*m);
    v1_ = V1Schema();
    Result<Schema> v2 = TargetSchema(migration_, v1_);
    EXPECT_TRUE(v2.ok()) << v2.status().message();
    if (v2.ok()) v2_ = *v2;
    Result<RewriteSpec> spec = RewriteSpec::FromMigration(migration_, v1_);
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    if (spec.ok()) spec_ = std::move(*spec);
  }

  AgentTask Task() const {
    AgentTask task;
    task.migration = &migration_;
    task.spec = &spec_;
    task.v1_schema = &v1_;
    task.v2_schema = &v2_;
    task.workspace = workspace_;
    task.consumer = "component:default/user-reports";
    Result<std::vector<FileNote>> refs = FindReferences(workspace_, migration_);
    EXPECT_TRUE(refs.ok()) << refs.status().message();
    if (refs.ok()) task.references = *refs;
    return task;
  }

  std::string ReadCheckout(const std::string& file) const {
    Result<std::string> text = ReadFile(workspace_.repo / file);
    return text.ok() ? *text : "<missing: " + text.status().message() + ">";
  }

  const Migration& migration() const { return migration_; }
  const vcs::Workspace& workspace() const { return workspace_; }
  const fs::path& source() const { return source_; }
  const testing::TempDir& dir() const { return dir_; }

 private:
  testing::TempDir dir_;
  fs::path source_;
  vcs::Workspace workspace_;
  Migration migration_;
  Schema v1_, v2_;
  RewriteSpec spec_;
};

// A file's sha256 as coreutils' sha256sum computes it (not skein's code: the reference to compare
// skein's hash with); "" when sha256sum fails.
inline std::string Sha256Sum(const fs::path& file) {
  testing::CommandResult sum = testing::RunProgram({"sha256sum", file.string()}, file.parent_path());
  if (sum.exit_code != 0 || sum.out.size() < 64) return "";
  return sum.out.substr(0, 64);
}

// Writes an executable script at `dir`/`relative`; returns its path.
inline fs::path WriteScript(const testing::TempDir& dir, const std::string& relative,
                            const std::string& text) {
  fs::path path = dir.Write(relative, text);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  return path;
}

// A command agent spec that runs the stand-in in `mode` (passed through consumers.agent.env).
inline AgentSpec StandinSpec(const std::string& mode,
                             std::chrono::seconds timeout = std::chrono::seconds(30)) {
  ::setenv("SKEIN_STANDIN_MODE", mode.c_str(), 1);
  AgentSpec spec;
  spec.kind = AgentKind::kCommand;
  spec.command = StandinCommand();
  spec.timeout = timeout;
  spec.env = {"SKEIN_STANDIN_MODE"};
  return spec;
}

}  // namespace skein::agent
