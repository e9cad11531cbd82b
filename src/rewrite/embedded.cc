// Shared pieces of the non-SQL rewriters: table ids in their forms, SQL inside host strings.
#include "rewrite/embedded.h"

#include <algorithm>

#include "base/text.h"
#include "sql/lexer.h"

namespace skein::rewrite_internal {
namespace {

struct IdPart {
  size_t begin = 0;  // the name's bytes inside the value (quotes excluded)
  size_t end = 0;
  bool quoted = false;
};

bool IsBareIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '$';
}

bool IsWordChar(char c) { return IsBareIdChar(c) && c != '-' && c != '$'; }

// Splits a dotted name into its parts; a backquoted part may hold dots (BigQuery's
// `proj.dataset.table`). False when `value` is not a name at all.
bool ParseDottedName(std::string_view value, std::vector<IdPart>* parts) {
  size_t pos = 0;
  bool colon_seen = false;
  while (pos < value.size()) {
    char c = value[pos];
    if (c == '"' || c == '`') {
      size_t close = value.find(c, pos + 1);
      if (close == std::string_view::npos || close == pos + 1) return false;
      size_t start = pos + 1;
      for (size_t i = start; i <= close; ++i) {
        if (i == close || (c == '`' && value[i] == '.')) {
          if (i == start) return false;
          parts->push_back({start, i, true});
          start = i + 1;
        } else if (!IsBareIdChar(value[i])) {
          return false;
        }
      }
      pos = close + 1;
    } else {
      size_t start = pos;
      while (pos < value.size() && IsBareIdChar(value[pos])) ++pos;
      if (pos == start) return false;
      parts->push_back({start, pos, false});
    }
    if (pos == value.size()) return true;
    // BigQuery's legacy `project:dataset.table` allows one colon, after the project.
    if (value[pos] == ':' && parts->size() == 1 && !colon_seen) {
      colon_seen = true;
    } else if (value[pos] != '.') {
      return false;
    }
    ++pos;
  }
  return false;  // a trailing separator
}

}  // namespace

std::optional<std::string> RenameTableId(std::string_view value, const RewriteSpec& spec, sql::Dialect dialect) {
  std::vector<std::string> from = Split(spec.from_table, '.', false);
  std::vector<std::string> to = Split(spec.to_table, '.', false);
  std::vector<IdPart> parts;
  if (from.size() != to.size() || !ParseDottedName(value, &parts)) return std::nullopt;
  if (parts.size() < from.size() || parts.size() > from.size() + 1) return std::nullopt;
  // Unquoted names compare ignoring case, as SQL folds them; quoted ones and BigQuery's
  // (case-sensitive dataset and table names) compare exactly.
  bool exact_case = dialect == sql::Dialect::kBigQuery;
  size_t skip = parts.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    const IdPart& p = parts[skip + i];
    std::string_view written = value.substr(p.begin, p.end - p.begin);
    bool same = p.quoted || exact_case ? written == from[i] : EqualsIgnoreCase(written, from[i]);
    if (!same) return std::nullopt;
  }
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; i < from.size(); ++i) {
    const IdPart& p = parts[skip + i];
    out.append(value.substr(pos, p.begin - pos));
    out.append(MatchLetterCase(to[i], value.substr(p.begin, p.end - p.begin), from[i]));
    pos = p.end;
  }
  out.append(value.substr(pos));
  return out;
}

bool ContainsWord(std::string_view text, std::string_view word) {
  if (word.empty() || text.size() < word.size()) return false;
  for (size_t i = 0; i + word.size() <= text.size(); ++i) {
    if (!EqualsIgnoreCase(text.substr(i, word.size()), word)) continue;
    bool left = i == 0 || !IsWordChar(text[i - 1]);
    bool right = i + word.size() == text.size() || !IsWordChar(text[i + word.size()]);
    if (left && right) return true;
  }
  return false;
}

bool MentionsTable(std::string_view text, const RewriteSpec& spec) {
  std::string_view table = spec.from_table;
  size_t dot = table.rfind('.');
  if (dot != std::string_view::npos) table = table.substr(dot + 1);
  return ContainsWord(text, table);
}

bool LooksLikeSqlOnTable(std::string_view text, const RewriteSpec& spec) {
  static const char* kStatementWords[] = {"select", "from",  "join", "insert", "update",
                                          "delete", "merge", "with", "table",  "into"};
  if (!MentionsTable(text, spec)) return false;
  for (const char* w : kStatementWords) {
    if (ContainsWord(text, w)) return true;
  }
  return false;
}

void EmbeddedText::Add(char c, size_t begin, size_t end, bool is_hole) {
  text.push_back(c);
  origin.push_back(begin);
  origin_end.push_back(end);
  hole.push_back(is_hole);
}

bool EmbeddedText::has_holes() const { return std::find(hole.begin(), hole.end(), true) != hole.end(); }

void AddFinding(size_t begin, size_t end, std::string reason, RewriteResult* out) {
  out->findings.push_back(RewriteFinding{begin, end, 0, 0, std::move(reason)});
}

void AddEdit(std::string_view file, size_t begin, size_t end, std::string after, std::string why,
             RewriteResult* out) {
  std::string before(file.substr(begin, end - begin));
  if (before == after) return;
  out->edits.push_back(Edit{begin, end, std::move(before), std::move(after), std::move(why)});
}

void ReportColumns(std::string_view value, size_t begin, size_t end, const RewriteSpec& spec,
                   RewriteResult* out) {
  for (const auto& c : spec.columns) {
    if (!ContainsWord(value, c.from)) continue;
    std::string what = c.to.empty()     ? "dropped in " + spec.to_table
                       : c.to != c.from ? "renamed to " + c.to + " in " + spec.to_table
                                        : "retyped in " + spec.to_table;
    AddFinding(begin, end, "column " + c.from + " used outside SQL (" + what + "): not rewritten", out);
  }
}

namespace {

// Maps the SQL rewriter's result over `value` back onto the host file.
void MapSqlResult(std::string_view file, const EmbeddedText& value, const RewriteResult& sql,
                  const Encoder& encode, RewriteResult* out) {
  auto touches_hole = [&](size_t b, size_t e) {
    for (size_t i = b; i < e && i < value.hole.size(); ++i)
      if (value.hole[i]) return true;
    return false;
  };
  auto file_begin = [&](size_t i) { return i < value.origin.size() ? value.origin[i] : value.end(); };
  for (const Edit& e : sql.edits) {
    size_t b = file_begin(e.begin);
    size_t end = e.end > e.begin ? value.origin_end[e.end - 1] : b;
    std::optional<std::string> after = encode(e.after);
    if (touches_hole(e.begin, e.end) || !after) {
      AddFinding(b, end, "cannot rewrite inside this string (" + e.why + ": " + e.after + ")", out);
      continue;
    }
    AddEdit(file, b, end, *after, e.why, out);
  }
  for (const RewriteFinding& f : sql.findings) {
    if (f.begin < value.hole.size() && value.hole[f.begin]) continue;  // about a placeholder
    size_t b = file_begin(f.begin);
    size_t end = f.end > f.begin ? value.origin_end[std::min(f.end, value.origin_end.size()) - 1] : b;
    AddFinding(b, end, f.reason, out);
  }
}

}  // namespace

void RewriteStringValue(std::string_view file, const EmbeddedText& value, const Encoder& encode,
                        const RewriteSpec& spec, const RewriteOptions& options, bool host_mentions_table,
                        RewriteResult* out) {
  if (value.text.empty()) return;
  if (!value.has_holes()) {
    if (std::optional<std::string> id = RenameTableId(value.text, spec, options.dialect)) {
      std::optional<std::string> after = encode(*id);
      if (after) AddEdit(file, value.begin(), value.end(), *after, "table rename", out);
      if (!after) AddFinding(value.begin(), value.end(), "cannot spell " + *id + " in this string", out);
      return;
    }
  }
  if (LooksLikeSqlOnTable(value.text, spec)) {
    MapSqlResult(file, value, RewriteSql(value.text, spec, options), encode, out);
    return;
  }
  if (!host_mentions_table) return;
  if (MentionsTable(value.text, spec)) {
    AddFinding(value.begin(), value.end(),
               "table " + spec.from_table + " named inside a string: not rewritten", out);
  }
  ReportColumns(value.text, value.begin(), value.end(), spec, out);
}

void Finish(std::string_view file, RewriteResult* out) {
  std::stable_sort(out->edits.begin(), out->edits.end(),
                   [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  // Overlapping edits cannot both hold; the later one is dropped (ApplyEdits would skip it too).
  std::vector<Edit> kept;
  for (auto& e : out->edits) {
    if (!kept.empty() && e.begin < kept.back().end) continue;
    kept.push_back(std::move(e));
  }
  out->edits = std::move(kept);
  std::stable_sort(out->findings.begin(), out->findings.end(),
                   [](const RewriteFinding& a, const RewriteFinding& b) { return a.begin < b.begin; });
  sql::LineIndex index(file);
  for (auto& f : out->findings) {
    sql::LineCol lc = index.Locate(static_cast<uint32_t>(std::min(f.begin, file.size())));
    f.line = lc.line;
    f.col = lc.col;
  }
  out->text = ApplyEdits(file, out->edits);
}

std::string EscapeBackslash(std::string_view text, char quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == quote) out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string EscapeDoubled(std::string_view text, char quote) {
  std::string out;
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  return out;
}

}  // namespace skein::rewrite_internal
