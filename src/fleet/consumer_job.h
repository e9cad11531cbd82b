// One consumer job: for one consumer of a migration, produce a change that is proven and carry
// it to a change request.
//
//   workspace   a fresh clone of the consumer's repository at its current HEAD (vcs/workspace.h)
//   attempts    the agent changes the checkout; the verifiers judge the change; a failure goes
//               back to the agent, trimmed, for the next attempt, up to consumers.max_attempts
//   commit      a verified change becomes one commit on the campaign's branch, based on the base
//               commit, its message from the manifest with trailers naming the campaign
//   request     the branch is pushed to the consumer's remote and opened (or updated) as a change
//               request whose body carries the evidence
//
// Contracts:
// - Nothing reaches a remote or a forge unless every verifier passed and no finding is left, and
//   `fence` (when given) allows it right before.
// - Re-running updates the same branch and request: when the remote branch already carries the
//   same change on the same base, nothing is pushed; otherwise it is replaced with a lease
//   (--force-with-lease on the commit skein read), and the forge finds the open request by head
//   branch — never a second one.
// - A request a person closed without merging is never reopened nor followed by a new one: the
//   forge is asked (vcs::Forge::FindDeclined) before any work and again right before the push, and
//   when it names one the job pushes nothing, opens nothing, and ends kDeclined — a verdict, not
//   an error: running it again changes nothing.
// - Evidence is kept in the job's log folder: per attempt the agent's log and prompt, the diff
//   and the verifier results as JSON. A failed job keeps its whole job folder; a finished one
//   keeps only its log folder (moved under `evidence_root`).
// - Attempts of a deterministic agent (builtin) are not repeated: the same input gives the same
//   change and the same failure.
// - Every attempt records its provenance (skein's version, the campaign's manifest hash, the base
//   commit, the agent and its version or executable hash), so any change can be made again.
//
// Thread-safety: MigrateConsumer may run on many threads for distinct consumers; the Forge it is
// given must be shareable (vcs/forge.h says so).
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "base/clock.h"
#include "base/status.h"
#include "catalog/entity.h"
#include "data/warehouse.h"
#include "manifest/migration.h"
#include "vcs/forge.h"
#include "verify/verifier.h"

namespace skein {

struct ConsumerJobOptions {
  bool dry_run = false;  // stop after verification: no commit pushed, no request
  std::filesystem::path workspaces = ".skein/workspaces";   // job folders are created here
  std::filesystem::path evidence_root = ".skein/evidence";  // finished jobs' logs are kept here
  bool keep_workspace = false;                              // keep the job folder even when the job succeeds
  std::optional<DatasetLocation> v1_location;        // real v1 data for equivalence samples, if reachable
  std::string remote;                                // where the branch is pushed; "" = the source repository
  std::function<void(const std::string&)> progress;  // one line per step; may be empty
  // Called right before each side effect (the push, the change request); an error stops the job
  // there with that error. The scheduler passes its lease check (queue::Queue::Fence).
  std::function<Status()> fence;
  // The sha256 of the manifest's text as the campaign was started with it
  // (queue::Campaign::manifest_hash), for the provenance; "" when the job runs outside a campaign.
  std::string manifest_sha256;
  // Base the change on the remote's base branch (its tip, fetched), not the source repository's
  // HEAD: the job is made again because its request conflicted (queue: "rebasing").
  bool rebase_on_remote = false;
};

// What produced a change: enough to make it again.
struct Provenance {
  std::string skein_version;    // SKEIN_VERSION
  std::string manifest_sha256;  // the campaign's (ConsumerJobOptions); "" outside a campaign
  std::string base_commit;      // the commit the change was made on
  agent::AgentVersion agent;    // kind "" when no agent ran (nothing referred to the dataset)
};
nlohmann::json ProvenanceToJson(const Provenance& provenance);

struct AttemptRecord {
  int number = 0;
  Provenance provenance;
  agent::AgentOutcome agent;
  std::vector<verify::VerifierResult> results;
  std::string diff;
  std::vector<std::string> problems;  // violations, findings left, workspace too large, ...
  bool passed = false;
};

enum class JobState {
  kVerified,   // dry run: verified, nothing pushed
  kOpened,     // a change request was opened
  kUpdated,    // the existing request was updated (the branch moved)
  kUnchanged,  // the existing request already carries this change: nothing pushed
  kNoChange,   // the consumer's code does not refer to the dataset: nothing to do
  kFailed,     // no verified change within max_attempts (evidence kept)
  kDeclined,   // a person closed the branch's request without merging: nothing pushed or opened
};
std::string_view JobStateName(JobState state);  // "verified", "opened", ...

struct ConsumerJobReport {
  std::string migration;
  std::string consumer;  // ref key
  std::string repo;      // the source repository
  std::string base_commit;
  Provenance provenance;  // the job's; each attempt carries its own copy
  std::string branch;
  JobState state = JobState::kFailed;
  std::string reason;  // why it failed or was declined, or what happened, in one line
  std::vector<AttemptRecord> attempts;
  std::string diff;                           // the final change
  std::string commit;                         // "" when nothing was committed
  std::optional<vcs::ChangeRequest> request;  // opened or updated; kDeclined: the declined one
  std::string title;
  std::string body;                // the request body (markdown), also in a dry run
  std::filesystem::path evidence;  // where the logs, diffs and results are kept

  // False for a failed or declined job; both are verdicts (a report), not errors to retry.
  bool ok() const { return state != JobState::kFailed && state != JobState::kDeclined; }
  const AttemptRecord* last() const { return attempts.empty() ? nullptr : &attempts.back(); }
};

// Runs the job for `consumer` (its repository at `repo`). `forge` may be null for a dry run.
// An error Status only for what prevents the job from starting (no repository, no workspace, an
// unusable manifest); an agent or verifier failure is a report with state kFailed.
Result<ConsumerJobReport> MigrateConsumer(const Migration& migration, const Schema& v1_schema,
                                          const Entity& consumer, const std::filesystem::path& repo,
                                          vcs::Forge* forge, const ConsumerJobOptions& options);

// The consumer's project as `kind` of forge names it: its github.com/project-slug or
// gitlab.com/project-slug annotation; "" for the git forge (and when the annotation is missing).
std::string ProjectOf(const Entity& consumer, vcs::ForgeKind kind);

// The commit message: consumers.change.message (or the title and a summary of the change), then
// trailers naming the campaign, the consumer and the base.
std::string CommitMessage(const Migration& migration, const ConsumerJobReport& report);
// The request body: what changed and why, each verifier's result, the equivalence check's row
// counts and checksums, and the attempts it took.
std::string RequestBody(const Migration& migration, const ConsumerJobReport& report);

nlohmann::json ConsumerJobToJson(const ConsumerJobReport& report);

// What closing a campaign did for one consumer.
struct ClosedRequest {
  std::string consumer;  // ref key
  Status status;         // Ok when its request is closed and its branch deleted (or there were none)
};

// The forge a consumer's requests live on (the one MigrateConsumer was given for it).
using ForgeFor = std::function<Result<vcs::Forge*>(const Entity& consumer)>;

// Closes the campaign's change request without merging and deletes its branch, for every one of
// `consumers`, in one call (rollback uses it). Idempotent: a consumer the campaign never reached
// (no request, no branch) is Ok. One consumer's failure does not stop the others; each has its
// own result, in the order given.
std::vector<ClosedRequest> CloseCampaignRequests(const Migration& migration,
                                                 const std::vector<const Entity*>& consumers,
                                                 const ForgeFor& forge_for);

}  // namespace skein
