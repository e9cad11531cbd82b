// The builtin agent: skein's own rewriters over every file of the checkout that refers to the
// from-dataset. It never guesses: what a rewriter cannot prove stays a finding for a command agent
// or a person.
#include <set>
#include <sstream>

#include "agent/agent.h"
#include "base/text.h"
#include "base/version.h"
#include "discover/reference_matcher.h"

namespace skein::agent {
namespace {

namespace fs = std::filesystem;

class BuiltinAgent : public Agent {
 public:
  std::string Name() const override { return "builtin"; }
  // The rewriters are skein's own: skein's version names them.
  AgentVersion Version() const override {
    AgentVersion version;
    version.kind = Name();
    version.version = SKEIN_VERSION;
    return version;
  }
  Result<AgentOutcome> Run(const AgentTask& task) override;
};

// Rewrites one file in place; appends what it did to `outcome`.
Status RewriteOne(const AgentTask& task, const std::string& file, const ReferenceMatcher& matcher,
                  AgentOutcome& outcome, std::ostringstream& log) {
  fs::path path = task.workspace.repo / file;
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  RewriteResult result = RewriteFile(file, text, *task.spec, task.rewrite_options);
  FileKind kind = DetectFileKind(file, text);
  if (kind == FileKind::kSql || kind == FileKind::kDbtModel) {
    // A comment naming the old dataset ("runs after core.user_profile_v1 lands") would be a stale
    // reference; RewriteSql leaves comments alone by contract, so rename it here. Neither changes
    // line breaks, so the findings' lines still hold.
    sql::Dialect dialect = SqlDialectHint(text).value_or(task.rewrite_options.dialect);
    RewriteResult comments = RenameDatasetInComments(result.text, *task.spec, dialect);
    if (comments.changed()) {
      result.text = std::move(comments.text);
      for (Edit& e : comments.edits) result.edits.push_back(std::move(e));
    }
  }
  if (result.changed()) {
    std::error_code ec;
    fs::perms mode = fs::status(path, ec).permissions();
    RETURN_IF_ERROR(WriteFileAtomically(path, result.text));
    // WriteFileAtomically creates a 0644 file; an executable script must stay executable, or the
    // diff would carry a mode change the migration does not need.
    if (!ec) fs::permissions(path, mode, ec);
    outcome.edited.push_back(file);
    log << file << ": " << result.edits.size() << " edit(s)\n";
    for (const Edit& e : result.edits) log << "  " << e.before << " -> " << e.after << " (" << e.why << ")\n";
  }
  std::set<int> lines_with_findings;
  for (const RewriteFinding& f : result.findings) {
    outcome.findings.push_back(FileNote{file, f.line, f.col, f.reason});
    lines_with_findings.insert(f.line);
    log << file << ":" << f.line << ":" << f.col << ": " << f.reason << "\n";
  }
  // A reference the rewriters left in place (a file kind they do not read, a name built in code)
  // is unfinished work too, unless a finding on its line already explains it.
  for (const Reference& r : FindReferencesInText(result.text, matcher)) {
    if (lines_with_findings.count(static_cast<int>(r.line)) > 0) continue;
    std::string reason = "still refers to " + task.spec->from_table + " (no rewriter changed it)";
    outcome.findings.push_back(FileNote{file, static_cast<int>(r.line), static_cast<int>(r.col), reason});
    log << file << ":" << r.line << ":" << r.col << ": " << reason << "\n";
  }
  return Status::Ok();
}

Result<AgentOutcome> BuiltinAgent::Run(const AgentTask& task) {
  if (task.migration == nullptr || task.spec == nullptr)
    return Status::Internal("builtin agent: task without a migration");
  AgentOutcome outcome;
  outcome.agent = Name();
  ASSIGN_OR_RETURN(std::vector<FileNote> references, FindReferences(task.workspace, *task.migration));
  ASSIGN_OR_RETURN(DatasetPattern pattern, ParseDatasetPattern(task.migration->from));
  ReferenceMatcher matcher({pattern});
  std::set<std::string> files;  // sorted: the outcome and the log come out in path order
  for (const FileNote& r : references) files.insert(r.file);
  std::ostringstream log;
  for (const std::string& file : files) {
    Status s = RewriteOne(task, file, matcher, outcome, log);
    if (!s.ok()) return s.WithContext("builtin agent");
  }
  if (files.empty()) log << "no file refers to " << task.migration->from << "\n";
  outcome.log = log.str();
  return outcome;
}

}  // namespace

std::unique_ptr<Agent> MakeBuiltinAgent() { return std::make_unique<BuiltinAgent>(); }

}  // namespace skein::agent
