// verify/: what judges a consumer's change. Each verifier is independent, switched on by what the
// consumer contains, and returns a structured result: pass, fail (with only the relevant lines),
// or not applicable (with why). "Not applicable" is never "pass": a query DuckDB cannot run, a
// build tool that is not installed, a consumer without SQL files.
//
//   parse        every changed SQL file still parses (DuckDB's parser for DuckDB/ANSI/PostgreSQL
//                text; skein's own SQL reader for the other dialects)
//   residual     no reference to the old dataset or its removed or renamed columns remains: the
//                rewriter finds nothing more to change and no finding in any referring file
//   equivalence  each query of the consumer that reads the dataset computes the same multiset of
//                rows on v2 sample data (changed query) as on v1 sample data (original query)
//   build        the repository's own checks (skein.dev/verify-command, else detected: Makefile
//                test target, pytest, npm test, sbt, mvn), with a time limit
//   scope        the diff changes only lines that refer to the dataset or its columns; for a
//                command agent's change, an optional judge command reviews the diff too
//
// Calls: rewrite, sql, data (DuckDB), dataset (the transform, for v2 samples), manifest, catalog
// (entity annotations), vcs (FileChange), base.
// Thread-safety: verifiers are stateless; Verify may run on many threads with distinct contexts.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/entity.h"
#include "data/warehouse.h"
#include "manifest/migration.h"
#include "rewrite/rewrite.h"
#include "vcs/workspace.h"

namespace skein::verify {

enum class Outcome { kPass, kFail, kNotApplicable };
std::string_view OutcomeName(Outcome outcome);  // "pass", "fail", "not applicable"

struct VerifierResult {
  std::string verifier;  // "parse", "residual", ...
  Outcome outcome = Outcome::kNotApplicable;
  std::string summary;             // one line: what passed, what failed, or why not applicable
  std::vector<std::string> lines;  // the relevant lines only: "path:line: text" or a diff hunk line
  nlohmann::json evidence;         // verifier-specific facts (equivalence: per query rows, checksums)
  std::chrono::milliseconds elapsed{0};
};

// Settings from the manifest (consumers.*) and the command line.
struct VerifySettings {
  std::chrono::seconds build_timeout{600};
  std::string judge_command;  // scope: "" = no judge
  std::chrono::seconds judge_timeout{300};
  int sample_rows = 10000;  // equivalence: rows of v1 sample
  uint64_t sample_seed = 42;
  double float_tolerance = 1e-9;  // equivalence: relative tolerance for floating-point columns
};

struct VerifyContext {
  const Migration* migration = nullptr;
  const RewriteSpec* spec = nullptr;
  const Schema* v1_schema = nullptr;
  const Schema* v2_schema = nullptr;
  std::optional<DatasetLocation> v1_location;  // where real v1 data can be sampled, when reachable
  const Entity* consumer = nullptr;            // its catalog entity (annotations), may be null
  vcs::Workspace workspace;
  std::vector<vcs::FileChange> changes;  // the checkout against the base commit
  std::string diff;                      // unified diff of the same
  std::string agent;                     // "builtin", "command", "chain"
  bool command_agent_changed = false;    // a command agent made (part of) the change
  std::string prompt;                    // what that agent was told, for the judge
  VerifySettings settings;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual std::string Name() const = 0;
  virtual VerifierResult Verify(const VerifyContext& context) = 0;
};

// "parse", "residual", "equivalence", "build", "scope"; nullptr for another name.
std::unique_ptr<Verifier> MakeVerifier(std::string_view name);

// Runs the named verifiers in order; each result's `elapsed` filled.
std::vector<VerifierResult> RunVerifiers(const std::vector<std::string>& names, const VerifyContext& context);

// Whether none failed (not applicable counts as not failed).
bool AllPassed(const std::vector<VerifierResult>& results);

// The failures, trimmed for an agent's next attempt: each failed verifier's summary and at most
// `max_lines` of its lines.
std::vector<std::string> Feedback(const std::vector<VerifierResult>& results, size_t max_lines = 20);

nlohmann::json ResultsToJson(const std::vector<VerifierResult>& results);

}  // namespace skein::verify
