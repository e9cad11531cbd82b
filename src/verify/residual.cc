// The residual verifier: nothing in the checkout still refers to the old dataset or to its
// removed or renamed columns.
//
// Two checks. Every file is scanned with discovery's matcher for the from-dataset, so a reference
// in any language, comment or config is caught. Then each file that refers to either version (or
// that the change touched) is rewritten again: rewriting is idempotent, so an edit the rewriter
// still wants to make, or a finding it still reports, is something the change left behind. A
// file already on v2 gets a second pass with the column changes aimed at v2's table, since a v1
// column name read from v2 (`SELECT user_id FROM core.user_profile_v2`) is invisible to a spec
// that only looks for the v1 table.
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "base/text.h"
#include "discover/reference_matcher.h"
#include "sql/lexer.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

// Files above this are data, not consumer code; discovery skips them too.
constexpr uintmax_t kMaxFileBytes = 16 << 20;

bool LooksBinary(std::string_view text) { return text.substr(0, 8192).find('\0') != std::string_view::npos; }

// Every regular file of the checkout but .git's, as '/'-separated relative paths, sorted.
Result<std::vector<std::string>> CheckoutFiles(const std::filesystem::path& repo) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(repo, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory() && it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->file_size() > kMaxFileBytes) continue;
    files.push_back(std::filesystem::relative(it->path(), repo).generic_string());
  }
  if (ec) return Status::IoError("cannot list " + repo.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// The column changes aimed at v2's table: a v1 name that v2 no longer has, read from v2, is left
// over. Retypes that keep their name are indistinguishable from correct v2 code and are left out.
RewriteSpec LeftoverSpec(const RewriteSpec& spec) {
  RewriteSpec leftover = spec;
  leftover.from_table = spec.to_table;
  leftover.columns.clear();
  leftover.from_columns = spec.to_columns;
  auto in_v2 = [&](const std::string& name) {
    return std::any_of(spec.to_columns.begin(), spec.to_columns.end(),
                       [&](const std::string& c) { return EqualsIgnoreCase(c, name); });
  };
  for (const ColumnChange& change : spec.columns) {
    if (in_v2(change.from)) continue;
    ColumnChange aimed = change;
    aimed.reverse.clear();  // a reverse would read v2 columns through v1 names: never applies here
    aimed.retyped = false;
    leftover.columns.push_back(aimed);
    leftover.from_columns.push_back(change.from);
  }
  return leftover;
}

// Whether `text` names one of the changed v1 columns as a word.
bool NamesChangedColumn(std::string_view text, const RewriteSpec& spec) {
  std::string lower = ToLower(text);
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
  for (const ColumnChange& change : spec.columns) {
    std::string name = ToLower(change.from);
    for (size_t pos = lower.find(name); pos != std::string::npos; pos = lower.find(name, pos + 1)) {
      bool starts = pos == 0 || !is_word(lower[pos - 1]);
      size_t end = pos + name.size();
      if (starts && (end == lower.size() || !is_word(lower[end]))) return true;
    }
  }
  return false;
}

class ResidualVerifier : public Verifier {
 public:
  std::string Name() const override { return "residual"; }

  VerifierResult Verify(const VerifyContext& context) override {
    VerifierResult result;
    result.verifier = Name();
    if (context.migration == nullptr || context.spec == nullptr) {
      result.summary = "no migration to check against";
      return result;
    }
    Result<std::vector<DatasetPattern>> patterns =
        ParseDatasetPatterns({context.migration->from, context.migration->to});
    if (!patterns.ok()) return Unchecked(std::move(result), patterns.status());
    ReferenceMatcher matcher(std::move(*patterns));
    Result<std::vector<std::string>> files = CheckoutFiles(context.workspace.repo);
    if (!files.ok()) return Unchecked(std::move(result), files.status());

    std::set<std::string> changed;
    for (const vcs::FileChange& change : context.changes) changed.insert(change.path);
    RewriteSpec leftover = LeftoverSpec(*context.spec);
    int references = 0;
    int rewriter_lines = 0;
    for (const std::string& path : *files) {
      Result<std::string> text = ReadFile(context.workspace.repo / path);
      if (!text.ok()) return Unchecked(std::move(result), text.status());
      if (LooksBinary(*text)) continue;
      std::set<std::pair<int64_t, int64_t>> reported;
      bool refers = changed.count(path) > 0;
      for (const Reference& ref : FindReferencesInText(*text, matcher)) {
        refers = true;
        if (ref.dataset != 0) continue;
        reported.insert({ref.line, ref.col});
        result.lines.push_back(Where(path, ref.line, ref.col) + "still refers to " + context.migration->from);
        ++references;
      }
      if (!refers) continue;
      sql::LineIndex index(*text);
      auto report = [&](size_t offset, const std::string& why) {
        sql::LineCol at = index.Locate(static_cast<uint32_t>(offset));
        if (!reported.insert({at.line, at.col}).second) return;  // the matcher said it already
        result.lines.push_back(Where(path, at.line, at.col) + why);
        ++rewriter_lines;
      };
      RewriteResult again = RewriteFile(path, *text, *context.spec, {});
      for (const Edit& edit : again.edits) report(edit.begin, "the rewriter still changes this: " + edit.why);
      for (const RewriteFinding& finding : again.findings) report(finding.begin, finding.reason);
      if (leftover.columns.empty()) continue;
      RewriteResult on_v2 = RewriteFile(path, *text, leftover, {});
      for (const Edit& edit : on_v2.edits) {
        report(edit.begin,
               "old column " + edit.before + " read from " + context.migration->to + " (" + edit.why + ")");
      }
      // Only findings about a changed v1 column: others (SELECT * expansion, ambiguity) are about
      // correct v2 code that this aimed spec merely looks at.
      for (const RewriteFinding& finding : on_v2.findings) {
        if (!finding.reason.starts_with("SELECT *") && NamesChangedColumn(finding.reason, *context.spec)) {
          report(finding.begin, finding.reason + " (read from " + context.migration->to + ")");
        }
      }
    }
    result.evidence = {
        {"files_scanned", files->size()}, {"references", references}, {"rewriter_lines", rewriter_lines}};
    if (result.lines.empty()) {
      result.outcome = Outcome::kPass;
      result.summary = "no reference to " + context.migration->from + " or its changed columns remains in " +
                       std::to_string(files->size()) + " file(s)";
    } else {
      result.outcome = Outcome::kFail;
      result.summary = std::to_string(references) + " reference(s) to " + context.migration->from + " and " +
                       std::to_string(rewriter_lines) + " leftover use(s) of its changed columns remain";
    }
    return result;
  }

 private:
  static std::string Where(const std::string& path, int64_t line, int64_t col) {
    return path + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
  }

  static VerifierResult Unchecked(VerifierResult result, const Status& status) {
    result.outcome = Outcome::kNotApplicable;
    result.summary = "cannot scan the checkout: " + status.message();
    return result;
  }
};

}  // namespace

std::unique_ptr<Verifier> MakeResidualVerifier() { return std::make_unique<ResidualVerifier>(); }

}  // namespace skein::verify
