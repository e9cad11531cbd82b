// Drift, column uses and code references (see usage.h).
//
// FindColumnUses asks the rewriter, not a text search: a spec that keeps the dataset's id
// (from_table == to_table) and drops each removed column and retypes each retyped one, none with
// a `reverse`, makes RewriteFile report exactly the places whose meaning the drift changes. Its
// findings are then attributed to the changed column they are about.
#include "watch/usage.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

#include "base/text.h"
#include "discover/reference.h"
#include "discover/reference_matcher.h"
#include "discover/substring_finder.h"
#include "rewrite/rewrite.h"
#include "sql/lexer.h"

namespace skein::watch {
namespace {

namespace fs = std::filesystem;

constexpr uintmax_t kMaxFileBytes = uintmax_t{4} << 20;
constexpr size_t kBinaryProbeBytes = 8192;

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

// Where `word` occurs in `text` from `from` on, not inside a longer identifier (ASCII case
// ignored); npos when nowhere.
size_t FindWord(std::string_view text, std::string_view word, size_t from = 0) {
  if (word.empty()) return std::string_view::npos;
  for (size_t i = from; i + word.size() <= text.size(); ++i) {
    if (!EqualsIgnoreCase(text.substr(i, word.size()), word)) continue;
    bool left = i == 0 || !IsIdentifierChar(text[i - 1]);
    bool right = i + word.size() == text.size() || !IsIdentifierChar(text[i + word.size()]);
    if (left && right) return i;
  }
  return std::string_view::npos;
}

// A changed column of the drift, with how it changed.
struct Changed {
  std::string name;
  bool removed = false;
};

std::vector<Changed> ChangedColumns(const SchemaDrift& drift) {
  std::vector<Changed> out;
  for (const std::string& c : drift.removed) out.push_back({c, true});
  for (const SchemaDrift::Retyped& r : drift.retyped) out.push_back({r.column, false});
  return out;
}

// `SELECT *` over the dataset, in the rewriter's words: a finding ("SELECT * over the target:
// ..."), an expansion edit ("SELECT * expanded to keep v1's columns"), or an expansion a host
// string could not take ("cannot rewrite inside this string (SELECT * expanded ...)").
bool IsStarText(std::string_view text) {
  return text.starts_with("SELECT * ") || text.find("(SELECT * ") != std::string_view::npos;
}

// The changed column a finding is about: the one it calls "column X" (the rewriter's own
// findings), else the first one it quotes in backticks (the resolver's: "`email` is ambiguous:
// ..."). Only quoted text is read in the second case, so a column that happens to be named like
// a word of the message ("target", "scope") is not taken for it.
std::optional<size_t> ColumnOfFinding(std::string_view reason, const std::vector<Changed>& changed) {
  std::optional<size_t> best;
  size_t best_at = std::string_view::npos;
  for (size_t i = 0; i < changed.size(); ++i) {
    for (size_t at = FindWord(reason, changed[i].name); at != std::string_view::npos;
         at = FindWord(reason, changed[i].name, at + 1)) {
      if (at >= 7 && EqualsIgnoreCase(reason.substr(at - 7, 7), "column ") && at < best_at) {
        best = i;
        best_at = at;
        break;
      }
    }
  }
  if (best) return best;
  for (size_t open = reason.find('`'); open != std::string_view::npos; open = reason.find('`', open + 1)) {
    size_t close = reason.find('`', open + 1);
    if (close == std::string_view::npos) break;
    std::string_view quoted = reason.substr(open + 1, close - open - 1);
    for (size_t i = 0; i < changed.size(); ++i) {
      size_t at = FindWord(quoted, changed[i].name);
      if (at != std::string_view::npos && open + 1 + at < best_at) {
        best = i;
        best_at = open + 1 + at;
      }
    }
    if (best) return best;
    open = close;
  }
  return best;
}

// A host string holding a SQL statement. The rewriter hands a string that names the dataset and
// looks like SQL to the SQL rewriter; one it reports a column "used outside SQL" in, yet which is
// SQL, is a query of other tables, whose same-named column is not the dataset's.
bool IsSqlStatement(std::string_view text) {
  for (std::string_view word : {"select", "insert", "update", "delete", "merge"}) {
    if (FindWord(text, word) != std::string_view::npos) return true;
  }
  return false;
}

// The uses one file's rewrite result stands for.
void CollectUses(const std::string& file, std::string_view text, const RewriteResult& result,
                 const std::string& dataset, const std::vector<Changed>& changed,
                 std::vector<ColumnUse>* out) {
  auto star_uses = [&](int line, int col) {
    for (const Changed& c : changed) {
      out->push_back({file, line, col, c.name,
                      "SELECT * over " + dataset + " reads its " + (c.removed ? "dropped" : "retyped") +
                          " column " + c.name});
    }
  };
  for (const RewriteFinding& f : result.findings) {
    if (f.reason.find(" used outside SQL (") != std::string::npos && f.end <= text.size() &&
        IsSqlStatement(text.substr(f.begin, f.end - f.begin)))
      continue;
    if (IsStarText(f.reason)) {
      star_uses(f.line, f.col);
      continue;
    }
    if (std::optional<size_t> i = ColumnOfFinding(f.reason, changed))
      out->push_back({file, f.line, f.col, changed[*i].name, f.reason});
  }
  // With only retyped columns the rewriter expands a star instead of reporting it: still a use.
  std::optional<sql::LineIndex> lines;
  for (const Edit& e : result.edits) {
    if (!IsStarText(e.why)) continue;
    if (!lines) lines.emplace(text);
    sql::LineCol lc = lines->Locate(static_cast<uint32_t>(e.begin));
    star_uses(lc.line, lc.col);
  }
}

// Calls `visit(full, relative)` for each file under `root` the scanner would read, in path
// order: hidden names, symbolic links and special files are skipped.
template <typename Visit>
Status WalkFiles(const fs::path& root, const std::string& relative, const Visit& visit) {
  fs::path folder = relative.empty() ? root : root / relative;
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  if (ec) return Status::IoError(folder.string() + ": cannot list: " + ec.message());
  std::sort(entries.begin(), entries.end(), [](const fs::directory_entry& a, const fs::directory_entry& b) {
    return a.path().filename() < b.path().filename();
  });
  for (const fs::directory_entry& entry : entries) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // hidden, `.git`
    fs::file_status status = entry.symlink_status(ec);
    if (ec) return Status::IoError(entry.path().string() + ": cannot stat: " + ec.message());
    std::string child = relative.empty() ? name : relative + '/' + name;
    if (fs::is_directory(status)) {
      RETURN_IF_ERROR(WalkFiles(root, child, visit));
    } else if (fs::is_regular_file(status)) {
      RETURN_IF_ERROR(visit(entry.path(), child));
    }
  }
  return Status::Ok();
}

RewriteSpec UsageSpec(const std::string& dataset, const Schema& before, const SchemaDrift& drift) {
  RewriteSpec spec;
  spec.from_table = dataset;
  spec.to_table = dataset;  // the rewriter short-circuits only when there are no column changes too
  for (const Column& c : before.columns) {
    spec.from_columns.push_back(c.name);
    bool removed = std::any_of(drift.removed.begin(), drift.removed.end(),
                               [&](const std::string& r) { return EqualsIgnoreCase(r, c.name); });
    if (!removed) spec.to_columns.push_back(c.name);
  }
  for (const std::string& c : drift.removed) spec.columns.push_back(ColumnChange{c, "", "", false});
  for (const SchemaDrift::Retyped& r : drift.retyped)
    spec.columns.push_back(ColumnChange{r.column, r.column, "", true});
  return spec;
}

}  // namespace

bool SchemaDrift::empty() const { return removed.empty() && retyped.empty() && added.empty(); }

bool SchemaDrift::breaking() const { return !removed.empty() || !retyped.empty(); }

std::string SchemaDrift::Describe() const {
  std::vector<std::string> parts;
  if (!removed.empty()) parts.push_back("dropped " + Join(removed, ", "));
  if (!retyped.empty()) {
    std::vector<std::string> each;
    for (const Retyped& r : retyped) each.push_back(r.column + " " + r.from + " -> " + r.to);
    parts.push_back("retyped " + Join(each, ", "));
  }
  if (!added.empty()) parts.push_back("added " + Join(added, ", "));
  return parts.empty() ? "no change" : Join(parts, "; ");
}

SchemaDrift DiffSchemas(const Schema& before, const Schema& after) {
  SchemaDrift drift;
  for (const Column& old : before.columns) {
    const Column* now = after.Find(old.name);
    if (now == nullptr) {
      drift.removed.push_back(old.name);
    } else if (!EqualsIgnoreCase(Trim(old.type), Trim(now->type))) {
      drift.retyped.push_back({old.name, old.type, now->type});
    }
  }
  for (const Column& now : after.columns) {
    if (before.Find(now.name) == nullptr) drift.added.push_back(now.name);
  }
  return drift;
}

Result<std::vector<ColumnUse>> FindColumnUses(const fs::path& repo, const std::string& dataset,
                                              const Schema& before, const SchemaDrift& drift,
                                              sql::Dialect dialect) {
  ASSIGN_OR_RETURN(DatasetPattern pattern, ParseDatasetPattern(dataset));
  std::error_code ec;
  if (!fs::is_directory(repo, ec)) return Status::NotFound(repo.string() + ": no such folder");
  std::vector<ColumnUse> uses;
  if (!drift.breaking()) return uses;
  std::vector<Changed> changed = ChangedColumns(drift);
  RewriteSpec spec = UsageSpec(dataset, before, drift);
  RewriteOptions options;
  options.dialect = dialect;
  // Every form of a reference the rewriter reads holds the table's name (`users`, core.users,
  // source('core', 'users')): a file without it can hold no use, and most files are skipped here.
  CaseInsensitiveFinder table(pattern.table());
  auto visit = [&](const fs::path& full, const std::string& relative) -> Status {
    if (DetectFileKind(relative, "") == FileKind::kOther) return Status::Ok();
    std::error_code size_ec;
    uintmax_t size = fs::file_size(full, size_ec);
    if (size_ec) return Status::IoError(full.string() + ": cannot stat: " + size_ec.message());
    if (size > kMaxFileBytes) return Status::Ok();
    Result<std::string> text = ReadFile(full);
    if (!text.ok()) {
      // Gone between listing and reading: a checkout being updated, nothing to read.
      return text.status().code() == StatusCode::kNotFound ? Status::Ok() : text.status();
    }
    std::string_view content = *text;
    if (content.substr(0, kBinaryProbeBytes).find('\0') != std::string_view::npos) return Status::Ok();
    if (table.Find(content, 0) == std::string_view::npos) return Status::Ok();
    RewriteResult result = RewriteFile(relative, content, spec, options);
    CollectUses(relative, content, result, dataset, changed, &uses);
    return Status::Ok();
  };
  RETURN_IF_ERROR(WalkFiles(repo, "", visit));
  auto key = [](const ColumnUse& u) { return std::tie(u.file, u.line, u.col, u.column); };
  std::stable_sort(uses.begin(), uses.end(),
                   [&](const ColumnUse& a, const ColumnUse& b) { return key(a) < key(b); });
  // One place the rewriter reports twice (a resolver's doubt and its own finding) is one use.
  uses.erase(std::unique(uses.begin(), uses.end(),
                         [&](const ColumnUse& a, const ColumnUse& b) { return key(a) == key(b); }),
             uses.end());
  return uses;
}

Result<std::vector<CodeReference>> FindCodeReferences(const std::vector<Repository>& repos,
                                                      const std::string& dataset) {
  ASSIGN_OR_RETURN(std::vector<DatasetPattern> patterns, ParseDatasetPatterns({dataset}));
  ScanReport scan = ScanRepositories(repos, ReferenceMatcher(std::move(patterns)));
  if (scan.stats.unreadable > 0) {
    return Status::IoError("code search for " + dataset + " could not read " +
                           std::to_string(scan.stats.unreadable) +
                           " file(s) or folder(s): " + Join(scan.warnings, "; "));
  }
  std::vector<CodeReference> out;
  out.reserve(scan.references.size());
  for (Reference& r : scan.references) {
    out.push_back(CodeReference{std::move(r.repo_path), std::move(r.file), static_cast<int>(r.line),
                                static_cast<int>(r.col), std::move(r.text)});
  }
  return out;
}

}  // namespace skein::watch
