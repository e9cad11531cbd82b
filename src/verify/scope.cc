// The scope verifier: the change touches only what the migration requires.
//
// Every removed and added line of every changed file must mention the dataset (either version's
// id or table name, which covers dbt's source('core', 'user_profile_v1') and schema YAML) or one
// of its columns (a v1 or v2 name as a whole word, or a reverse expression's text). A deleted
// file is never required by a migration; a renamed one shows up as deleted plus added, so a
// deleted or moved test file is out of scope too. For a command agent's change an optional judge
// command reviews the diff as well: it gets the prompt and the diff as JSON on stdin and passes
// by exiting 0.
#include <algorithm>
#include <string>
#include <vector>

#include "base/subprocess.h"
#include "base/text.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

// How many of the judge's output lines a failure keeps (its verdict is usually at the end).
constexpr size_t kJudgeLines = 30;

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// What a changed line may mention, lower-cased.
struct InScope {
  std::vector<std::string> phrases;  // substrings: dataset ids, table names, reverse expressions
  std::vector<std::string> words;    // whole words: column names

  bool Allows(std::string_view line) const {
    if (Trim(line).empty()) return true;  // spacing around a rewritten statement changes nothing
    std::string lower = ToLower(line);
    for (const std::string& phrase : phrases) {
      if (!phrase.empty() && lower.find(phrase) != std::string::npos) return true;
    }
    for (const std::string& word : words) {
      for (size_t pos = lower.find(word); pos != std::string::npos; pos = lower.find(word, pos + 1)) {
        size_t end = pos + word.size();
        if ((pos == 0 || !IsWordChar(lower[pos - 1])) && (end == lower.size() || !IsWordChar(lower[end]))) {
          return true;
        }
      }
    }
    return false;
  }
};

InScope ScopeOf(const VerifyContext& context) {
  InScope scope;
  for (const std::string* id : {&context.migration->from, &context.migration->to}) {
    scope.phrases.push_back(ToLower(*id));
    scope.words.push_back(ToLower(id->substr(id->rfind('.') + 1)));
  }
  for (const ColumnOp& op : context.migration->columns) {
    if (!op.reverse.empty()) scope.phrases.push_back(ToLower(Trim(op.reverse)));
    for (const std::string* name : {&op.from, &op.to}) {
      if (!name->empty()) scope.words.push_back(ToLower(*name));
    }
  }
  if (context.spec != nullptr) {
    for (const auto* names : {&context.spec->from_columns, &context.spec->to_columns}) {
      for (const std::string& name : *names) scope.words.push_back(ToLower(name));
    }
  }
  return scope;
}

// "path:line: -text" for each removed or added line of `diff` (rewrite's UnifiedDiff of one file)
// that the scope does not allow; removed lines are numbered in the old file, added ones in the new.
void OutOfScopeLines(const std::string& path, const std::string& diff, const InScope& scope,
                     std::vector<std::string>* out) {
  bool in_hunk = false;
  long old_line = 0;
  long new_line = 0;
  for (std::string_view line : Split(diff, '\n', /*skip_empty=*/false)) {
    if (line.starts_with("@@")) {
      // @@ -a[,b] +c[,d] @@
      size_t minus = line.find('-');
      size_t plus = line.find('+');
      old_line = std::strtol(std::string(line.substr(minus + 1)).c_str(), nullptr, 10);
      new_line = std::strtol(std::string(line.substr(plus + 1)).c_str(), nullptr, 10);
      in_hunk = true;
      continue;
    }
    if (!in_hunk || line.empty()) continue;
    char kind = line[0];
    std::string_view text = line.substr(1);
    if (kind == ' ') {
      ++old_line;
      ++new_line;
    } else if (kind == '-') {
      if (!scope.Allows(text))
        out->push_back(path + ":" + std::to_string(old_line) + ": -" + std::string(text));
      ++old_line;
    } else if (kind == '+') {
      if (!scope.Allows(text))
        out->push_back(path + ":" + std::to_string(new_line) + ": +" + std::string(text));
      ++new_line;
    }
  }
}

std::vector<std::string> LastLines(std::string_view text, size_t count) {
  std::vector<std::string> lines = Split(Trim(text), '\n', /*skip_empty=*/false);
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<long>(count));
  return lines;
}

// Runs the judge over the diff; appends its verdict to `result` when it does not pass.
void RunJudge(const VerifyContext& context, VerifierResult* result) {
  nlohmann::json input = {{"migration", context.migration->name},
                          {"from", context.migration->from},
                          {"to", context.migration->to},
                          {"prompt", context.prompt},
                          {"diff", context.diff}};
  ProcessOptions options;
  options.cwd = context.workspace.repo;
  options.replace_env = true;
  options.env = InheritedEnv({"PATH", "LANG"});
  if (!context.workspace.home.empty()) {
    options.env.push_back("HOME=" + context.workspace.home.string());
    options.env.push_back("TMPDIR=" + context.workspace.home.string());
  }
  options.stdin_text = input.dump(2) + "\n";
  options.timeout = context.settings.judge_timeout;
  options.merge_stderr = true;
  Result<ProcessResult> run = RunProcess({"sh", "-c", context.settings.judge_command}, options);
  nlohmann::json evidence = {{"command", context.settings.judge_command}};
  if (!run.ok()) {
    evidence["error"] = run.status().message();
    result->evidence["judge"] = evidence;
    result->lines.push_back("judge: cannot run: " + run.status().message());
    return;
  }
  evidence["exit_code"] = run->exit_code;
  evidence["timed_out"] = run->timed_out;
  evidence["elapsed_ms"] = run->elapsed.count();
  result->evidence["judge"] = evidence;
  if (run->ok()) return;
  if (run->timed_out) {
    result->lines.push_back("judge: no verdict within " +
                            std::to_string(context.settings.judge_timeout.count()) + "s");
  } else {
    result->lines.push_back("judge: exit code " + std::to_string(run->exit_code));
  }
  for (std::string& line : LastLines(run->out, kJudgeLines)) result->lines.push_back("judge: " + line);
}

class ScopeVerifier : public Verifier {
 public:
  std::string Name() const override { return "scope"; }

  VerifierResult Verify(const VerifyContext& context) override {
    VerifierResult result;
    result.verifier = Name();
    if (context.migration == nullptr) {
      result.summary = "no migration to check against";
      return result;
    }
    if (context.changes.empty()) {
      result.summary = "nothing changed";
      return result;
    }
    InScope scope = ScopeOf(context);
    for (const vcs::FileChange& change : context.changes) {
      if (change.kind == vcs::FileChange::Kind::kDeleted) {
        result.lines.push_back(change.path + ": file deleted; a migration never requires deleting a file");
        continue;
      }
      OutOfScopeLines(change.path, UnifiedDiff(change.path, change.before, change.after), scope,
                      &result.lines);
    }
    size_t line_failures = result.lines.size();
    bool judged = context.command_agent_changed && !context.settings.judge_command.empty();
    if (judged) RunJudge(context, &result);
    bool judge_failed = result.lines.size() > line_failures;
    result.evidence["files"] = context.changes.size();
    result.evidence["out_of_scope_lines"] = line_failures;
    if (line_failures == 0 && !judge_failed) {
      result.outcome = Outcome::kPass;
      result.summary = "every changed line of " + std::to_string(context.changes.size()) +
                       " file(s) refers to the dataset or its columns";
      if (judged) result.summary += "; the judge approved";
      return result;
    }
    result.outcome = Outcome::kFail;
    std::vector<std::string> why;
    if (line_failures > 0) {
      why.push_back(std::to_string(line_failures) + " changed line(s) or file(s) unrelated to " +
                    context.migration->from);
    }
    if (judge_failed) why.push_back("the judge rejected the change");
    result.summary = Join(why, "; ");
    return result;
  }
};

}  // namespace

std::unique_ptr<Verifier> MakeScopeVerifier() { return std::make_unique<ScopeVerifier>(); }

}  // namespace skein::verify
