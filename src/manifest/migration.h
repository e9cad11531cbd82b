// Migration manifests (`apiVersion: skein.dev/v1`, `kind: Migration`): how a dataset's new
// version relates to the old one, column by column, and how the campaign may roll out.
// docs/manifest.md is the reference for every field and its default.
//
// Reading is two steps. ParseMigration checks everything the file says on its own (shape, types,
// names, enums, unknown keys with a did-you-mean) and fills every default. CheckMigrationAgainstData
// then checks it against the from-dataset's schema through a Warehouse: the columns exist, each
// `using` and `reverse` binds. Both report every problem at once, one "file:line:col: message"
// line each; a Migration remembers where each of its values was written, so later stages can
// report at the manifest too (ErrorAt).
//
// Thread-safety: plain values and free functions.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/marked_yaml.h"
#include "data/warehouse.h"

namespace skein {

enum class ColumnOpKind {
  kMap,   // {from, to?, type?, using?, reverse?}: rename and/or retype a v1 column
  kDrop,  // {drop, reverse?}: v2 has no such column
  kAdd,   // {add, type, using}: a new v2 column computed from v1
};

struct ColumnOp {
  ColumnOpKind kind = ColumnOpKind::kMap;
  std::string from;        // kMap, kDrop: the v1 column
  std::string to;          // kMap: the v2 column (default: from); kAdd: the new column
  std::string type;        // the v2 type; kMap: "" keeps the v1 column's type
  std::string using_expr;  // v2 value over a v1 row; kMap: "" is the v1 column cast to `type`
  std::string reverse;     // kMap, kDrop: the v1 value over a v2 row; "" when none is known
  std::string pointer;     // where the op is written: "/spec/columns/3"

  // The v1 column can be computed exactly from v2: a plain rename, or a `reverse` is given.
  bool Provable() const;
  // "rename", "retype", "rename+retype", "drop" or "add".
  std::string Describe() const;
};

enum class PublishApproval { kNone, kRequired };
enum class AgentKind { kBuiltin, kCommand, kChain };

struct VerifyPolicy {
  bool counts = true;
  bool null_counts = true;
  bool checksum = true;
  double max_mismatch_ratio = 0;            // of the key diff, 0..1
  std::vector<std::string> sample_queries;  // SQL over the from-dataset, compared on v1 and v2
  // v2 column -> the absolute difference the key diff accepts: a number for numeric columns, a
  // number of microseconds or a duration ("1ms", "2s") for dates and timestamps. As written.
  std::vector<std::pair<std::string, std::string>> tolerances;
};

struct PublishPolicy {
  PublishApproval approval = PublishApproval::kNone;
  bool compat_view = false;  // after publishing, v1 becomes a view over v2 (needs Provable ops)
};

struct DataPlan {
  bool materialize = true;       // skein writes v2 from v1; false: v2 is produced elsewhere
  std::string partition_by;      // v1 column; "" writes one partition
  std::vector<std::string> key;  // v1 columns identifying a row, for the key diff
  std::string window;            // boolean SQL over a v1 row limiting what is written; "" all
  VerifyPolicy verify;
  PublishPolicy publish;
};

struct AgentSpec {
  AgentKind kind = AgentKind::kBuiltin;
  std::string command;  // kCommand, kChain: the external agent's command line (run by /bin/sh)
  std::chrono::seconds timeout{600};
  std::vector<std::string> env;  // environment variables passed through to the agent, by name
  std::string judge;             // a command reviewing a command agent's diff ("" = none)
  // A command printing the agent's version (first line of its output), recorded in every
  // attempt's provenance ("" = the executable's sha256 only).
  std::string version_command;
  // How a command agent is confined: "auto" (bubblewrap when usable, else unconfined), "bwrap"
  // (bubblewrap or the attempt fails), "none".
  std::string sandbox = "auto";
};

struct ForgeSpec {
  std::string kind = "auto";  // auto | git | github | gitlab (auto: by the consumer's annotations)
  std::string api_url;        // default https://api.github.com or https://gitlab.com/api/v4
  std::string token_env;      // default GITHUB_TOKEN or GITLAB_TOKEN
  int per_minute = 0;         // change requests opened per minute across the organisation; 0 = no limit
  int per_hour = 0;
  std::vector<std::string> windows;  // "HH:MM-HH:MM" local time; empty = any time
};

struct ChangeSpec {
  std::string branch;   // default "skein/<metadata.name>"
  std::string title;    // default "Move to <spec.to>"
  std::string body;     // default "": skein writes one (with the evidence)
  std::string message;  // commit message; default: the title, a blank line, what changed
  bool draft = false;
  std::vector<std::string> labels = {"skein"};
  bool reviewers_from_owner = true;  // request a review from the consumer's catalog owner
  bool auto_merge = false;
  ForgeSpec forge;
};

struct EquivalenceSpec {
  int sample_rows = 10000;  // rows of v1 sampled (or generated) for each check
  uint64_t seed = 42;
  double float_tolerance = 1e-9;  // relative
};

struct ConsumerPlan {
  bool preserve_output = true;
  AgentSpec agent;
  std::vector<std::string> verifiers = {"parse", "residual", "equivalence", "build", "scope"};
  int max_attempts = 3;                       // agent attempts per job before it fails
  std::chrono::seconds build_timeout{600};    // the build verifier's limit
  uint64_t max_workspace_bytes = 1ull << 30;  // a workspace larger than this fails the attempt
  EquivalenceSpec equivalence;
  ChangeSpec change;
};

// How the fleet scheduler tries a consumer job again when it errors. (Not to be confused with
// consumers.max_attempts, the agent attempts inside one job.) `max` is the number of retries
// after the job's first attempt, so a job runs at most max + 1 times; 0 never retries. After the
// job's failed attempt n (1-based), the next one waits
//   delay(n) = min(cap, base * 2^(n-1)) * (0.5 + 0.5 * u)
// where u in [0, 1) is a deterministic hash of (job id, n): jobs spread out, and a rerun of the
// same campaign waits the same.
struct RetryPolicy {
  int max = 3;
  std::chrono::seconds base{30};
  std::chrono::seconds cap{3600};
};

// The circuit breaker that pauses a campaign: over the last `window` finished consumer jobs, it
// trips once at least `min_sample` have finished and the share that failed is >=
// RolloutPolicy::pause_on_failure_rate. 1 <= min_sample <= window.
struct BreakerPolicy {
  int window = 20;
  int min_sample = 5;
};

struct RolloutPolicy {
  int canary = 1;
  double growth = 2.0;
  // Consumer jobs running at once: in the campaign; per catalog owner (0 = no cap); per
  // repository (0 = no cap; 1 by default since consumers of one repository share the branch).
  int max_parallel = 4;
  int max_parallel_per_owner = 0;
  int max_parallel_per_repo = 1;
  double pause_on_failure_rate = 0.25;  // the breaker's failure share
  BreakerPolicy breaker;
  RetryPolicy retries;
  std::vector<std::string> approval_tiers;  // consumers of these tiers wait for an approval
  // The worker group that runs the campaign's jobs, a label; "" = any worker.
  std::string group;
  // Where alerts (breaker trip, pause, dead jobs, approval needed, completion) are POSTed as
  // Slack-compatible JSON: an http(s) URL, or the environment variable holding one. At most one
  // is set; both "" = no alerts.
  std::string alert_webhook;
  std::string alert_webhook_env;
};

struct Migration {
  std::string file;  // as given to ReadMigrationFile / ParseMigration
  std::string name;
  std::string owner;  // entity ref key ("group:default/identity"), "" when not given
  std::string description;
  std::string from;  // dataset ids
  std::string to;
  std::vector<ColumnOp> columns;
  DataPlan data;
  ConsumerPlan consumers;
  RolloutPolicy rollout;
  // spec.start: whether `skein watch` starts the campaign by itself once the catalog marks the
  // from-dataset deprecated (auto), or only plans it for a person to start (manual, the default).
  bool start_auto = false;
  MarkedDocument source;  // the document as read, with the position of every value

  // Where the value at JSON pointer `pointer` ("/spec/columns/2/using") was written, else its
  // nearest written ancestor.
  SourcePosition PositionOf(std::string_view pointer) const;
  // InvalidInput "file:line:col: message" at that position.
  Status ErrorAt(std::string_view pointer, std::string_view message) const;
};

// Parses and checks a manifest on its own; fills every default.
Result<Migration> ParseMigration(std::string_view text, std::string_view file);
// ParseMigration of a file's content; NotFound when the file does not exist.
Result<Migration> ReadMigrationFile(const std::filesystem::path& path);

// The to-dataset's columns: v1's in order with renames, retypes and drops applied, then the
// added ones. InvalidInput at the op when it names a column `from` lacks or when two v2 columns
// would share a name.
Result<Schema> TargetSchema(const Migration& migration, const Schema& from);

// Checks the manifest against the from-dataset's schema: every named column exists
// (partition_by and key too), each `using` binds over v1 and casts to its type, each `reverse`
// binds over the target schema and casts to the v1 column's type, `window` is a v1 boolean.
Status CheckMigrationAgainstData(const Migration& migration, const Schema& from, Warehouse& warehouse);

// The manifest with every default filled in, as docs/manifest.md spells it.
nlohmann::json MigrationToJson(const Migration& migration);

// "30s", "10m", "1h30m", "2d", or a bare number of seconds. InvalidInput otherwise.
Result<std::chrono::seconds> ParseDuration(std::string_view text);
// The shortest spelling ParseDuration reads back: 3600s -> "1h", 90s -> "1m30s".
std::string FormatDuration(std::chrono::seconds duration);

}  // namespace skein
