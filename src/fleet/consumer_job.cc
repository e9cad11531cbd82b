#include "fleet/consumer_job.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

#include "base/clock.h"
#include "base/text.h"
#include "base/version.h"
#include "vcs/git.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void Say(const ConsumerJobOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

// A job folder name no other job has: the consumer's name, the time, the process and a counter.
std::string JobId(const Entity& consumer) {
  static std::atomic<int> counter{0};
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return consumer.name + "-" + stamp + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

bool IsDeterministic(const Migration& m) { return m.consumers.agent.kind == AgentKind::kBuiltin; }

std::string NoteLine(const agent::FileNote& note) {
  return note.file + ":" + std::to_string(note.line) + ":" + std::to_string(note.col) + ": " + note.text;
}

// Keeps what the attempt did: the diff, the verifier results, the agent's log.
void KeepAttemptEvidence(const vcs::Workspace& w, const AttemptRecord& attempt) {
  fs::path dir = w.log / ("attempt-" + std::to_string(attempt.number));
  std::error_code ec;
  fs::create_directories(dir, ec);
  (void)WriteFileAtomically(dir / "diff.patch", attempt.diff);
  json record = {{"attempt", attempt.number},
                 {"agent", attempt.agent.agent},
                 {"ran_command", attempt.agent.ran_command},
                 {"timed_out", attempt.agent.timed_out},
                 {"exit_code", attempt.agent.exit_code},
                 {"edited", attempt.agent.edited},
                 {"violations", attempt.agent.violations},
                 {"problems", attempt.problems},
                 {"passed", attempt.passed},
                 {"verifiers", verify::ResultsToJson(attempt.results)},
                 {"provenance", ProvenanceToJson(attempt.provenance)}};
  (void)WriteFileAtomically(dir / "attempt.json", record.dump(2) + "\n");
  if (!attempt.agent.log.empty()) (void)WriteFileAtomically(dir / "agent.log", attempt.agent.log);
}

// The problems that fail an attempt before (or besides) the verifiers.
std::vector<std::string> AttemptProblems(const Migration& m, const vcs::Workspace& w,
                                         const agent::AgentOutcome& outcome) {
  std::vector<std::string> problems = outcome.violations;
  if (outcome.timed_out)
    problems.push_back("the agent did not finish within " + FormatDuration(m.consumers.agent.timeout));
  uintmax_t used = vcs::DiskUsage(w.repo);
  if (used > m.consumers.max_workspace_bytes) {
    problems.push_back("the workspace holds " + std::to_string(used >> 20) +
                       " MiB, more than max_workspace_mb " +
                       std::to_string(m.consumers.max_workspace_bytes >> 20));
  }
  for (const auto& finding : outcome.findings) problems.push_back("unresolved: " + NoteLine(finding));
  return problems;
}

// For the request body: the agent's executable and hash (a command agent), skein's version and the
// manifest's hash.
std::string ProvenanceSentence(const Provenance& p) {
  std::string out;
  if (!p.agent.executable.empty()) {
    out +=
        "The agent ran `" + p.agent.executable + "`" +
        (p.agent.executable_sha256.empty() ? "" : " (sha256 `" + p.agent.executable_sha256 + "`)") +
        (p.agent.kind == "command" && !p.agent.version.empty() ? ", version `" + p.agent.version + "`" : "") +
        ". ";
  }
  out += "Made by skein " + p.skein_version;
  if (!p.manifest_sha256.empty()) out += " from the manifest with sha256 `" + p.manifest_sha256 + "`";
  return out + ".\n";
}

// Why a job whose request a person closed stops; the words the watch records for it too.
std::string DeclinedReason(const vcs::ChangeRequest& declined) {
  return "declined: " + declined.url + " was closed by " +
         (declined.closed_by.empty() ? "someone" : declined.closed_by) + " at " +
         (declined.closed_at_ms == 0 ? "an unknown time" : UtcText(declined.closed_at_ms)) +
         "; skein does not reopen it";
}

// The remote branch's commit when it already carries this change on this base, i.e. a re-run
// with nothing new to push.
Result<bool> RemoteCarriesSameChange(const vcs::Workspace& w, const std::string& remote,
                                     const std::string& remote_commit, const std::string& local_commit) {
  if (remote_commit.empty()) return false;
  if (remote_commit == local_commit) return true;
  Result<std::string> fetched = vcs::Git(w.repo, {"fetch", "--quiet", remote, remote_commit});
  if (!fetched.ok()) return false;  // an unreachable commit is not the same change
  Result<std::string> theirs =
      vcs::Git(w.repo, {"rev-parse", remote_commit + "^{tree}", remote_commit + "^"});
  Result<std::string> ours = vcs::Git(w.repo, {"rev-parse", local_commit + "^{tree}", local_commit + "^"});
  if (!theirs.ok() || !ours.ok()) return false;
  return *theirs == *ours;
}

}  // namespace

std::string ProjectOf(const Entity& consumer, vcs::ForgeKind kind) {
  if (kind == vcs::ForgeKind::kGitHub) return consumer.Annotation("github.com/project-slug");
  if (kind == vcs::ForgeKind::kGitLab) return consumer.Annotation("gitlab.com/project-slug");
  return "";
}

json ProvenanceToJson(const Provenance& p) {
  json out = {{"skein_version", p.skein_version},
              {"manifest_sha256", p.manifest_sha256},
              {"base_commit", p.base_commit}};
  if (!p.agent.kind.empty()) {
    json agent = {{"kind", p.agent.kind}, {"version", p.agent.version}};
    if (p.agent.kind != "builtin") {
      agent["executable"] = p.agent.executable;
      agent["executable_sha256"] = p.agent.executable_sha256;
    }
    if (!p.agent.problem.empty()) agent["problem"] = p.agent.problem;
    out["agent"] = std::move(agent);
  }
  return out;
}

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kVerified:
      return "verified";
    case JobState::kOpened:
      return "opened";
    case JobState::kUpdated:
      return "updated";
    case JobState::kUnchanged:
      return "unchanged";
    case JobState::kNoChange:
      return "no change";
    case JobState::kFailed:
      return "failed";
    case JobState::kDeclined:
      return "declined";
  }
  return "failed";
}

std::string CommitMessage(const Migration& m, const ConsumerJobReport& report) {
  std::string message = m.consumers.change.message;
  if (message.empty()) {
    message = m.consumers.change.title + "\n\n" + "Moves " + ShortRef(report.consumer) + " from " + m.from +
              " to " + m.to + " (migration " + m.name +
              ").\nThe change was verified by skein: " + Join(m.consumers.verifiers, ", ") + ".";
  }
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message + "\n\nSkein-Campaign: " + m.name + "\nSkein-Consumer: " + report.consumer +
         "\nSkein-Base: " + report.base_commit + "\n";
}

std::string RequestBody(const Migration& m, const ConsumerJobReport& report) {
  if (!m.consumers.change.body.empty()) return m.consumers.change.body;
  std::string body = "This change moves **" + ShortRef(report.consumer) + "** from `" + m.from + "` to `" +
                     m.to + "`, as the migration **" + m.name + "** describes.\n\n";
  body += "### What changed and why\n\n";
  const AttemptRecord* last = report.last();
  if (last != nullptr) {
    for (const auto& file : last->agent.edited) body += "- `" + file + "`\n";
  }
  body += "\nColumn mapping:\n\n| v1 | v2 | how |\n| --- | --- | --- |\n";
  for (const ColumnOp& op : m.columns) {
    std::string how = op.Describe() + (op.reverse.empty() ? "" : "; reverse `" + op.reverse + "`");
    body += "| " + (op.kind == ColumnOpKind::kAdd ? std::string("-") : "`" + op.from + "`") + " | " +
            (op.kind == ColumnOpKind::kDrop ? std::string("-") : "`" + op.to + "`") + " | " + how + " |\n";
  }
  body += "\n### Verification\n\n| verifier | result | detail |\n| --- | --- | --- |\n";
  if (last != nullptr) {
    for (const auto& r : last->results) {
      body += "| " + r.verifier + " | " + std::string(verify::OutcomeName(r.outcome)) + " | " + r.summary +
              " |\n";
    }
    for (const auto& r : last->results) {
      if (r.verifier != "equivalence" || !r.evidence.is_object() || !r.evidence.contains("queries")) continue;
      body +=
          "\nEquivalence on sample data (original query on v1, changed query on v2):\n\n"
          "| query | rows v1 | rows v2 | checksum v1 | checksum v2 | result |\n"
          "| --- | --- | --- | --- | --- | --- |\n";
      for (const auto& q : r.evidence["queries"]) {
        auto field = [&](const char* key) {
          if (!q.contains(key)) return std::string("-");
          return q[key].is_string() ? q[key].get<std::string>() : q[key].dump();
        };
        body += "| `" + field("file") + ":" + field("line") + "` | " + field("rows_v1") + " | " +
                field("rows_v2") + " | `" + field("checksum_v1") + "` | `" + field("checksum_v2") + "` | " +
                field("outcome") + " |\n";
      }
    }
  }
  body += "\nBase commit `" + report.base_commit + "`; " + std::to_string(report.attempts.size()) +
          " attempt" + (report.attempts.size() == 1 ? "" : "s") + " by the " +
          (last ? last->agent.agent : "builtin") + " agent. " + ProvenanceSentence(report.provenance) +
          "\n<sub>Opened by skein for campaign " + m.name + ". Re-running the campaign updates this " +
          "request; rolling it back closes it.</sub>\n";
  return body;
}

Result<ConsumerJobReport> MigrateConsumer(const Migration& m, const Schema& v1_schema, const Entity& consumer,
                                          const fs::path& repo, vcs::Forge* forge,
                                          const ConsumerJobOptions& options) {
  ConsumerJobReport report;
  report.migration = m.name;
  report.consumer = consumer.Ref().Key();
  report.repo = repo.string();
  report.branch = m.consumers.change.branch;
  report.title = m.consumers.change.title;
  if (!options.dry_run && forge == nullptr)
    return Status::Internal("MigrateConsumer: no forge for a real run");
  // Asked before any work (an agent's time is not spent on a change nobody will take) and again
  // right before the push (a person may close it meanwhile).
  auto find_declined = [&]() -> Result<std::optional<vcs::ChangeRequest>> {
    if (options.dry_run) return std::optional<vcs::ChangeRequest>();
    Result<std::optional<vcs::ChangeRequest>> found =
        forge->FindDeclined(ProjectOf(consumer, forge->kind()), report.branch);
    if (!found.ok()) return found.status().WithContext("consumer " + report.consumer);
    return found;
  };
  {
    ASSIGN_OR_RETURN(std::optional<vcs::ChangeRequest> declined, find_declined());
    if (declined) {
      report.state = JobState::kDeclined;
      report.reason = DeclinedReason(*declined);
      report.request = std::move(declined);
      Say(options, report.reason);
      return report;
    }
  }

  Result<RewriteSpec> spec = RewriteSpec::FromMigration(m, v1_schema);
  if (!spec.ok()) return spec.status();
  spec->preserve_output = m.consumers.preserve_output;
  Result<Schema> v2_schema = TargetSchema(m, v1_schema);
  if (!v2_schema.ok()) return v2_schema.status();

  Result<vcs::Workspace> created = vcs::CreateWorkspace(repo, options.workspaces, JobId(consumer));
  if (!created.ok()) return created.status().WithContext("consumer " + report.consumer);
  vcs::Workspace w = *created;
  if (options.rebase_on_remote && !options.remote.empty()) {
    Result<bool> moved = vcs::RebaseOnRemote(w, options.remote);
    if (!moved.ok()) {
      (void)vcs::RemoveWorkspace(w);
      return moved.status().WithContext("consumer " + report.consumer + ": rebasing on " + options.remote);
    }
    if (*moved)
      Say(options, "rebasing: based on " + options.remote + "'s " + w.base_branch + " at " +
                       w.base_commit.substr(0, 12));
  }
  report.base_commit = w.base_commit;
  report.provenance.skein_version = SKEIN_VERSION;
  report.provenance.manifest_sha256 = options.manifest_sha256;
  report.provenance.base_commit = w.base_commit;
  report.evidence = w.log;
  Say(options, "workspace " + w.repo.string() + " at " + w.base_commit.substr(0, 12));

  Result<std::vector<agent::FileNote>> references = agent::FindReferences(w, m);
  if (!references.ok()) return references.status();
  if (references->empty()) {
    report.state = JobState::kNoChange;
    report.reason = "no file of " + repo.string() + " refers to " + m.from + "; nothing to change";
    (void)vcs::RemoveWorkspace(w);
    report.evidence.clear();
    return report;
  }

  agent::CommandAgentOptions agent_options;
  agent_options.sandbox = m.consumers.agent.sandbox == "bwrap"  ? agent::Sandbox::kBwrap
                          : m.consumers.agent.sandbox == "none" ? agent::Sandbox::kNone
                                                                : agent::Sandbox::kAuto;
  std::unique_ptr<agent::Agent> agent = agent::MakeAgent(m.consumers.agent, agent_options);
  // Before the first attempt: what is recorded is the executable as it was when the job began.
  report.provenance.agent = agent->Version();
  agent::AgentTask task;
  task.migration = &m;
  task.spec = &*spec;
  task.v1_schema = &v1_schema;
  task.v2_schema = &*v2_schema;
  task.workspace = w;
  task.consumer = report.consumer;
  task.references = *references;

  verify::VerifyContext context;
  context.migration = &m;
  context.spec = &*spec;
  context.v1_schema = &v1_schema;
  context.v2_schema = &*v2_schema;
  context.v1_location = options.v1_location;
  context.consumer = &consumer;
  context.workspace = w;
  context.settings.build_timeout = m.consumers.build_timeout;
  context.settings.judge_command = m.consumers.agent.judge;
  context.settings.sample_rows = m.consumers.equivalence.sample_rows;
  context.settings.sample_seed = m.consumers.equivalence.seed;
  context.settings.float_tolerance = m.consumers.equivalence.float_tolerance;

  bool verified = false;
  for (int number = 1; number <= m.consumers.max_attempts && !verified; ++number) {
    task.attempt = number;
    AttemptRecord attempt;
    attempt.number = number;
    attempt.provenance = report.provenance;
    Say(options, "attempt " + std::to_string(number) + ": " + agent->Name() + " agent");
    Result<agent::AgentOutcome> outcome = agent->Run(task);
    if (!outcome.ok()) return outcome.status().WithContext("consumer " + report.consumer);
    attempt.agent = std::move(*outcome);
    attempt.problems = AttemptProblems(m, w, attempt.agent);

    Result<std::vector<vcs::FileChange>> changes = vcs::ChangedFiles(w);
    if (!changes.ok()) return changes.status();
    Result<std::string> diff = vcs::WorkspaceDiff(w);
    if (!diff.ok()) return diff.status();
    attempt.diff = *diff;
    if (changes->empty() && attempt.problems.empty())
      attempt.problems.push_back("the agent changed nothing, yet " + m.from + " is referred to");

    context.changes = std::move(*changes);
    context.diff = attempt.diff;
    context.agent = attempt.agent.agent;
    context.command_agent_changed = context.command_agent_changed || attempt.agent.ran_command;
    context.prompt = attempt.agent.prompt;
    if (!context.changes.empty()) attempt.results = verify::RunVerifiers(m.consumers.verifiers, context);
    for (const auto& r : attempt.results)
      Say(options,
          "  " + r.verifier + ": " + std::string(verify::OutcomeName(r.outcome)) + " — " + r.summary);
    attempt.passed = attempt.problems.empty() && verify::AllPassed(attempt.results);
    verified = attempt.passed;
    KeepAttemptEvidence(w, attempt);

    // What goes back to the agent: the problems first, then the verifiers' failures, trimmed.
    task.feedback = attempt.problems;
    if (task.feedback.size() > 20) task.feedback.resize(20);
    for (auto& line : verify::Feedback(attempt.results)) task.feedback.push_back(std::move(line));
    task.open_findings = attempt.agent.findings;
    bool unsafe = !attempt.agent.violations.empty();
    report.attempts.push_back(std::move(attempt));
    if (unsafe) {
      // Whatever escaped the checkout cannot be trusted to build on: start the next try afresh.
      (void)vcs::ResetWorkspace(w);
      context.command_agent_changed = false;
    }
    if (!verified && IsDeterministic(m)) break;  // the built-in agent would do the same again
  }

  report.diff = report.attempts.empty() ? "" : report.attempts.back().diff;
  if (!verified) {
    report.state = JobState::kFailed;
    const AttemptRecord& last = report.attempts.back();
    std::vector<std::string> reasons = last.problems;
    for (const auto& r : last.results) {
      if (r.outcome == verify::Outcome::kFail) reasons.push_back(r.verifier + " failed: " + r.summary);
    }
    report.reason = "no verified change after " + std::to_string(report.attempts.size()) + " attempt" +
                    (report.attempts.size() == 1 ? "" : "s") +
                    (reasons.empty() ? "" : ": " + reasons.front()) +
                    (reasons.size() > 1 ? " (and " + std::to_string(reasons.size() - 1) + " more)" : "");
    report.body = RequestBody(m, report);
    return report;  // the job folder stays: it is the evidence
  }

  report.body = RequestBody(m, report);
  Result<std::string> commit = vcs::CommitWorkspace(w, report.branch, CommitMessage(m, report));
  if (!commit.ok()) return commit.status();
  report.commit = *commit;
  // A person who closed this branch's request without merging said no: neither a push nor a new
  // request overrides them (the forge's OpenOrUpdate would open a new one).
  ASSIGN_OR_RETURN(std::optional<vcs::ChangeRequest> declined, find_declined());
  if (options.dry_run) {
    report.state = JobState::kVerified;
    report.reason = "verified; a real run would push " + report.branch + " and open a change request";
  } else if (declined) {
    report.state = JobState::kDeclined;
    report.reason = DeclinedReason(*declined);
    report.request = std::move(declined);
    Say(options, report.reason);
  } else {
    std::string remote = options.remote.empty() ? w.source.string() : options.remote;
    if (options.fence)
      RETURN_IF_ERROR(options.fence().WithContext("consumer " + report.consumer + ": not pushed"));
    Result<std::string> remote_commit = vcs::RemoteBranchCommit(w.repo, remote, report.branch);
    if (!remote_commit.ok()) return remote_commit.status().WithContext("consumer " + report.consumer);
    Result<bool> same = RemoteCarriesSameChange(w, remote, *remote_commit, report.commit);
    if (!same.ok()) return same.status();
    if (*same) {
      report.commit = *remote_commit;
      report.state = JobState::kUnchanged;
    } else {
      Status pushed = vcs::PushBranch(w.repo, remote, report.commit, report.branch, true, &*remote_commit);
      if (!pushed.ok()) return pushed.WithContext("consumer " + report.consumer);
      Say(options, "pushed " + report.branch + " to " + remote);
    }
    vcs::ChangeRequestSpec request;
    request.project = ProjectOf(consumer, forge->kind());
    request.branch = report.branch;
    request.base_branch = w.base_branch.empty() ? "main" : w.base_branch;
    request.title = report.title;
    request.body = report.body;
    request.draft = m.consumers.change.draft;
    request.labels = m.consumers.change.labels;
    if (m.consumers.change.reviewers_from_owner && !consumer.Owner().empty())
      request.reviewers.push_back(consumer.Owner());
    request.auto_merge = m.consumers.change.auto_merge;
    if (options.fence) {
      RETURN_IF_ERROR(
          options.fence().WithContext("consumer " + report.consumer + ": no change request opened"));
    }
    Result<vcs::ChangeRequest> opened = forge->OpenOrUpdate(request);
    if (!opened.ok()) return opened.status().WithContext("consumer " + report.consumer);
    report.request = *opened;
    if (report.state != JobState::kUnchanged)
      report.state = opened->created ? JobState::kOpened : JobState::kUpdated;
    report.reason = std::string(JobStateName(report.state)) + " " + opened->url;
  }
  // Done: keep the log folder as evidence, drop the checkout.
  if (!options.keep_workspace) {
    fs::path kept = options.evidence_root / w.job.filename();
    std::error_code ec;
    fs::create_directories(options.evidence_root, ec);
    fs::rename(w.log, kept, ec);
    report.evidence = ec ? fs::path() : kept;
    (void)vcs::RemoveWorkspace(w);
  }
  return report;
}

std::vector<ClosedRequest> CloseCampaignRequests(const Migration& m,
                                                 const std::vector<const Entity*>& consumers,
                                                 const ForgeFor& forge_for) {
  std::vector<ClosedRequest> out;
  for (const Entity* consumer : consumers) {
    ClosedRequest closed;
    closed.consumer = consumer->Ref().Key();
    Result<vcs::Forge*> forge = forge_for(*consumer);
    if (!forge.ok()) {
      closed.status = forge.status();
    } else {
      closed.status = (*forge)->Close(ProjectOf(*consumer, (*forge)->kind()), m.consumers.change.branch);
    }
    if (!closed.status.ok()) closed.status = closed.status.WithContext("consumer " + closed.consumer);
    out.push_back(std::move(closed));
  }
  return out;
}

json ConsumerJobToJson(const ConsumerJobReport& report) {
  json attempts = json::array();
  for (const auto& a : report.attempts) {
    attempts.push_back({{"attempt", a.number},
                        {"agent", a.agent.agent},
                        {"ran_command", a.agent.ran_command},
                        {"edited", a.agent.edited},
                        {"problems", a.problems},
                        {"passed", a.passed},
                        {"verifiers", verify::ResultsToJson(a.results)},
                        {"provenance", ProvenanceToJson(a.provenance)}});
  }
  json out = {{"migration", report.migration},
              {"consumer", report.consumer},
              {"repo", report.repo},
              {"base_commit", report.base_commit},
              {"provenance", ProvenanceToJson(report.provenance)},
              {"branch", report.branch},
              {"state", JobStateName(report.state)},
              {"reason", report.reason},
              {"attempts", attempts},
              {"diff", report.diff},
              {"commit", report.commit},
              {"title", report.title},
              {"body", report.body},
              {"evidence", report.evidence.string()}};
  if (report.request) {
    out["request"] = {{"forge", report.request->forge},
                      {"id", report.request->id},
                      {"url", report.request->url},
                      {"state", report.request->state},
                      {"created", report.request->created}};
  }
  return out;
}

}  // namespace skein
