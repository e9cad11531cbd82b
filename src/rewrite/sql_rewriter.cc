// The SQL rewriter (see rewrite.h; the user-facing rules are in docs/rewrite.md). It never
// regenerates SQL: the sql/ layer's scope analysis (AnalyzeTargetUsage) says where the text names
// the target table and its columns, and each rewrite is an Edit spliced into those byte spans.
//
// Choices (documented in docs/rewrite.md):
// - `SELECT *` / `t.*` over the target with preserve_output is EXPANDED into v1's column list
//   (renamed columns as `account_id AS user_id`, retyped ones as `(reverse) AS signup_ts`): the
//   edit stays on the star, the rest of the query is untouched, and the result reads like what a
//   person would write. An unqualified star over a join becomes each FROM item's columns in turn
//   (the target's expanded, the others `q.*`). A star over a USING/NATURAL join or an unnamed
//   item, with EXCEPT/REPLACE modifiers, or over a dropped column without `reverse`, is reported.
// - JOIN .. USING (col) where col is renamed: reported, not rewritten (v2 and the other table no
//   longer share the name; an ON rewrite changes the merged column's semantics).
#include <algorithm>
#include <optional>

#include "base/text.h"
#include "rewrite/rewrite.h"
#include "sql/lexer.h"
#include "sql/resolver.h"
#include "sql/syntax.h"

namespace skein {
namespace {

using sql::NamePart;
using sql::Span;

bool IsUpperWord(std::string_view s) {
  bool letter = false;
  for (char c : s) {
    if (c >= 'a' && c <= 'z') return false;
    letter |= c >= 'A' && c <= 'Z';
  }
  return letter;
}

bool IsLowerWord(std::string_view s) {
  bool letter = false;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
    letter |= c >= 'a' && c <= 'z';
  }
  return letter;
}

// `name` written the way `like` was: same quoting, and upper case when `like` was all upper case
// (Snowflake-style SQL keeps its look).
std::string Spell(std::string_view name, const NamePart& like, sql::Dialect dialect) {
  std::string word(name);
  if (!like.quoted && IsUpperWord(like.name)) {
    for (char& c : word) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  } else if (!like.quoted && IsLowerWord(like.name)) {
    for (char& c : word) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (!like.quoted || like.in_quoted_path) return word;
  char q = sql::RulesOf(dialect).identifier_quote;
  std::string out(1, q);
  for (char c : word) {
    if (c == q) out += q;
    out += c;
  }
  out += q;
  return out;
}

// A schema column name as an identifier: quoted unless it is a plain word.
std::string PlainOrQuoted(std::string_view name, sql::Dialect dialect) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name)
    plain &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  if (plain) return std::string(name);
  NamePart quoted;
  quoted.quoted = true;
  return Spell(name, quoted, dialect);
}

class SqlRewriter {
 public:
  SqlRewriter(std::string_view text, const RewriteSpec& spec, sql::Dialect dialect)
      : text_(text), spec_(spec), dialect_(dialect) {}

  RewriteResult Run();

 private:
  void RenameName(const std::vector<NamePart>& name, bool jinja, const char* why,
                  std::vector<Edit>* out) const;
  void RewriteColumn(const sql::ColumnHit& hit);
  void ExpandStar(const sql::StarHit& star);
  std::optional<std::string> TargetColumns(const sql::StarHit& star, const std::string& qualifier);
  bool KeepFinding(const sql::Finding& finding) const;
  std::string Qualifier(const sql::ColumnHit& hit) const;
  std::string RenderReverse(std::string_view reverse, std::string_view qualifier) const;
  void AddEdit(size_t begin, size_t end, std::string after, std::string why);
  void AddFinding(Span span, std::string reason) {
    findings_.push_back({span.begin, span.end, 0, 0, std::move(reason)});
  }
  std::string_view Text(Span span) const { return text_.substr(span.begin, span.end - span.begin); }

  std::string_view text_;
  const RewriteSpec& spec_;
  sql::Dialect dialect_;
  std::vector<NamePart> from_;
  std::vector<NamePart> to_;
  std::vector<Edit> edits_;
  std::vector<RewriteFinding> findings_;
  std::vector<Span> using_spans_;  // references merged by a USING on a renamed column: not edited
};

void SqlRewriter::AddEdit(size_t begin, size_t end, std::string after, std::string why) {
  Edit edit;
  edit.begin = begin;
  edit.end = end;
  edit.before = std::string(text_.substr(begin, end - begin));
  edit.after = std::move(after);
  edit.why = std::move(why);
  if (edit.before != edit.after) edits_.push_back(std::move(edit));
}

// Renames a name denoting the target: each written part (from the right) that differs in the new
// id. For a dbt source('name', 'table') only the table argument is a table name.
void SqlRewriter::RenameName(const std::vector<NamePart>& name, bool jinja, const char* why,
                             std::vector<Edit>* out) const {
  size_t n = jinja ? 1 : std::min(name.size(), from_.size());
  for (size_t k = 0; k < n && k < to_.size(); ++k) {
    const NamePart& part = name[name.size() - 1 - k];
    const NamePart& target = to_[to_.size() - 1 - k];
    if (sql::SameName(part.text(), target.text(), sql::NameKind::kTable, dialect_)) continue;
    Edit edit;
    edit.begin = part.span.begin;
    edit.end = part.span.end;
    edit.before = std::string(Text(part.span));
    std::string name =
        part.quoted ? target.name : MatchLetterCase(target.name, part.name, from_[from_.size() - 1 - k].name);
    edit.after = jinja ? target.name : Spell(name, part, dialect_);
    edit.why = why;
    out->push_back(std::move(edit));
  }
}

// The text written before the column (`p.`, `core.user_profile_v1.`), renamed when it is the
// target's table name.
std::string SqlRewriter::Qualifier(const sql::ColumnHit& hit) const {
  std::string out(text_.substr(hit.span.begin, hit.column_span.begin - hit.span.begin));
  if (hit.qualifier.empty() || !hit.qualifier_is_table || hit.indirect) return out;
  std::vector<Edit> edits;
  RenameName(hit.qualifier, false, "", &edits);
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin > b.begin; });
  for (const Edit& e : edits) out.replace(e.begin - hit.span.begin, e.end - e.begin, e.after);
  return out;
}

// `reverse` with each v2 column reference prefixed by `qualifier` (the consumer's alias).
std::string SqlRewriter::RenderReverse(std::string_view reverse, std::string_view qualifier) const {
  std::vector<sql::Token> tokens = sql::Lex(reverse, dialect_);
  std::string out;
  out.reserve(reverse.size() + 8 * qualifier.size() + 2);
  out += '(';
  for (size_t i = 0; i < tokens.size(); ++i) {
    const sql::Token& t = tokens[i];
    std::string_view word = sql::TokenText(reverse, t);
    bool name = t.kind == sql::TokenKind::kIdentifier || t.kind == sql::TokenKind::kQuotedIdentifier;
    if (name && !qualifier.empty()) {
      size_t prev = i, next = i + 1;
      while (prev > 0 && sql::IsTrivia(tokens[prev - 1].kind)) --prev;
      while (next < tokens.size() && sql::IsTrivia(tokens[next].kind)) ++next;
      bool after_dot = prev > 0 && sql::TokenText(reverse, tokens[prev - 1]) == ".";
      std::string_view follow = next < tokens.size() ? sql::TokenText(reverse, tokens[next]) : "";
      std::string bare = sql::IdentifierName(reverse, t, dialect_);
      bool column = std::any_of(spec_.to_columns.begin(), spec_.to_columns.end(),
                                [&](const std::string& c) { return EqualsIgnoreCase(c, bare); });
      if (column && !after_dot && follow != "(" && follow != ".") out += qualifier;
    }
    out += word;
  }
  out += ')';
  return out;
}

void SqlRewriter::RewriteColumn(const sql::ColumnHit& hit) {
  if (hit.indirect && spec_.preserve_output) return;  // the inner select keeps v1's output names
  const ColumnChange* change = spec_.FindChange(hit.column);
  if (change == nullptr) {
    if (hit.qualifier_is_table && !hit.indirect) {
      std::string q = Qualifier(hit);
      AddEdit(hit.span.begin, hit.column_span.begin, q, "table rename");
    }
    return;
  }
  for (Span s : using_spans_) {
    if (s.begin <= hit.span.begin && hit.span.end <= s.end) return;
  }
  bool dropped = change->to.empty();
  bool use_reverse = !change->reverse.empty() && (dropped || change->retyped);
  bool expression_context = hit.clause != sql::Clause::kInsertColumns && hit.clause != sql::Clause::kSet &&
                            hit.clause != sql::Clause::kUsing && hit.clause != sql::Clause::kStarModifier;
  if (dropped && !use_reverse) {
    AddFinding(hit.span, "dropped column " + change->from + " has no reverse: left for an agent");
    return;
  }
  if (use_reverse && !expression_context) {
    AddFinding(hit.span, "column " + change->from + " needs its reverse where no expression may go");
    return;
  }
  if (change->retyped && !use_reverse) {
    AddFinding(hit.span, "retyped column " + change->from + " has no reverse: its type changes here");
  }
  if (hit.set_output) {  // the set operation's output name: it follows the first SELECT's item
    if (spec_.preserve_output) return;
    if (use_reverse) {
      AddFinding(hit.span, "ORDER BY names output column " + change->from + ", which becomes an expression");
      return;
    }
  }
  std::string qualifier = Qualifier(hit);
  std::string after;
  NamePart like;
  like.name = std::string(hit.column);
  like.quoted = Text(hit.column_span).front() == '"' || Text(hit.column_span).front() == '`';
  if (use_reverse) {
    after = RenderReverse(change->reverse, qualifier);
  } else {
    after = qualifier + Spell(change->to, like, dialect_);
  }
  size_t end = hit.span.end;
  const char* why = use_reverse ? "reverse of " : "column rename ";
  if (hit.select_item && hit.clause == sql::Clause::kSelect) {
    std::string out_name = use_reverse ? "" : change->to;
    if (hit.select_alias) {
      // `account_id AS user_id` renamed back to `user_id`: the alias became redundant.
      if (!use_reverse && sql::SameName({out_name, like.quoted}, hit.select_alias->text(),
                                        sql::NameKind::kColumn, dialect_)) {
        end = hit.select_alias->span.end;
        after = qualifier + std::string(Text(hit.select_alias->span));
      }
    } else if (spec_.preserve_output && (use_reverse || !sql::SameName({out_name, false}, {hit.column, false},
                                                                       sql::NameKind::kColumn, dialect_))) {
      after += " AS ";
      after += Text(hit.column_span);
    }
  }
  AddEdit(hit.span.begin, end, std::move(after), why + change->from);
}

// `*` or `t.*` over the target with preserve_output: v1's columns, spelled over v2. An
// unqualified `*` over a join becomes the items' columns in FROM order: the target's expanded and
// qualified, every other item as `q.*`, which is what `*` meant.
void SqlRewriter::ExpandStar(const sql::StarHit& star) {
  if (!spec_.preserve_output || spec_.columns.empty()) return;
  auto cannot = [&](std::string why) {
    AddFinding(star.span, "SELECT * over the target: its output columns change and " + why);
  };
  if (!star.modifiers.empty()) return cannot("its EXCEPT/REPLACE modifiers name v1's columns");
  if (spec_.from_columns.empty()) return cannot("v1's column list is unknown");
  if (star.only_target) {
    std::string qualifier;
    if (!star.qualifier.empty()) {
      qualifier =
          std::string(text_.substr(star.span.begin, star.qualifier.back().span.end - star.span.begin)) + ".";
      if (star.target_qualified_by_name) {
        sql::ColumnHit fake;
        fake.span = star.span;
        fake.column_span = {star.qualifier.back().span.end + 1, star.span.end};
        fake.qualifier = star.qualifier;
        fake.qualifier_is_table = true;
        qualifier = Qualifier(fake);
      }
    }
    std::optional<std::string> columns = TargetColumns(star, qualifier);
    if (columns) AddEdit(star.span.begin, star.span.end, std::move(*columns), "SELECT * expanded to keep v1's columns");
    return;
  }
  if (star.sources.empty()) return cannot("the join merges columns (USING or NATURAL)");
  // An unaliased table is qualified by its last name part (`orders.*`, as `core.orders.*` does
  // not parse in DuckDB); two such items with the same last part would be ambiguous.
  std::vector<std::string> bare_names;
  for (const sql::StarSource& source : star.sources) {
    if (source.alias || !source.plain_table || source.name.empty()) continue;
    std::string name = ToLower(source.name.back().name);
    if (std::find(bare_names.begin(), bare_names.end(), name) != bare_names.end()) {
      return cannot("two FROM items are named " + source.name.back().name);
    }
    bare_names.push_back(std::move(name));
  }
  std::string after;
  for (const sql::StarSource& source : star.sources) {
    std::string qualifier;
    if (source.alias) {
      qualifier = std::string(Text(source.alias->span));
    } else if (source.plain_table && !source.name.empty() && !source.name.back().in_quoted_path) {
      const NamePart& last = source.name.back();
      if (source.target) {
        sql::ColumnHit fake;
        fake.span = last.span;
        fake.column_span = {last.span.end, last.span.end};
        fake.qualifier = {last};
        fake.qualifier_is_table = true;
        qualifier = Qualifier(fake);
      } else {
        qualifier = std::string(Text(last.span));
      }
    } else {
      return cannot("a FROM item without a plain name cannot be spelled as `q.*`");
    }
    qualifier += '.';
    if (!after.empty()) after += ", ";
    if (!source.target) {
      after += qualifier + "*";
      continue;
    }
    std::optional<std::string> columns = TargetColumns(star, qualifier);
    if (!columns) return;
    after += *columns;
  }
  AddEdit(star.span.begin, star.span.end, std::move(after), "SELECT * over a join expanded to keep v1's columns");
}

// v1's columns spelled over v2, each prefixed by `qualifier`; nullopt (and a finding) when a
// dropped column has no reverse.
std::optional<std::string> SqlRewriter::TargetColumns(const sql::StarHit& star, const std::string& qualifier) {
  std::string after;
  for (const std::string& column : spec_.from_columns) {
    const ColumnChange* change = spec_.FindChange(column);
    std::string name = PlainOrQuoted(column, dialect_);
    if (!after.empty()) after += ", ";
    if (change == nullptr) {
      after += qualifier + name;
    } else if (!change->reverse.empty() && (change->to.empty() || change->retyped)) {
      after += RenderReverse(change->reverse, qualifier) + " AS " + name;
    } else if (change->to.empty()) {
      AddFinding(star.span, "SELECT * over the target: dropped column " + change->from + " has no reverse");
      return std::nullopt;
    } else {
      after += qualifier + PlainOrQuoted(change->to, dialect_);
      if (!EqualsIgnoreCase(change->to, column)) after += " AS " + name;
    }
  }
  return after;
}

// The analysis reports every doubt about the target's columns; only those about a column the
// spec changes matter (an ambiguous `email` needs no edit when email is unchanged).
bool SqlRewriter::KeepFinding(const sql::Finding& finding) const {
  using K = sql::FindingKind;
  if (finding.kind == K::kSelectStar) return false;  // ExpandStar decides
  if (finding.kind != K::kAmbiguousColumn && finding.kind != K::kUnprovableColumn &&
      finding.kind != K::kUsingColumn) {
    return true;  // an unknown column is worth a look whatever the spec changes
  }
  if (finding.message.rfind("NATURAL", 0) == 0) return !spec_.columns.empty();
  std::vector<NamePart> parts = sql::ParseTableName(Text(finding.span), dialect_);
  if (parts.empty()) return true;
  return spec_.FindChange(parts.back().name) != nullptr;
}

RewriteResult SqlRewriter::Run() {
  RewriteResult result;
  from_ = sql::ParseTableName(spec_.from_table, dialect_);
  to_ = sql::ParseTableName(spec_.to_table, dialect_);
  bool identity = spec_.from_table == spec_.to_table && spec_.columns.empty();
  if (from_.empty() || to_.empty() || identity) {
    result.text = std::string(text_);
    return result;
  }
  std::vector<std::string> from_columns = spec_.from_columns;
  std::vector<std::string> to_columns = spec_.to_columns;
  sql::ColumnsOf columns_of =
      [&](const std::vector<NamePart>& name) -> std::optional<std::vector<std::string>> {
    if (sql::TableNameMatches(name, from_, dialect_) && !from_columns.empty()) return from_columns;
    if (sql::TableNameMatches(name, to_, dialect_) && !to_columns.empty()) return to_columns;
    if (!spec_.columns_of) return std::nullopt;
    std::vector<std::string> plain;
    for (const NamePart& part : name) plain.push_back(part.name);
    return spec_.columns_of(plain);
  };
  sql::TargetUsage usage = sql::AnalyzeTargetUsage(text_, dialect_, from_, columns_of);
  for (const sql::Finding& finding : usage.findings) {
    if (!KeepFinding(finding)) continue;
    AddFinding(finding.span, std::string(finding.message));
    if (finding.kind == sql::FindingKind::kUsingColumn) using_spans_.push_back(finding.span);
  }
  for (const sql::TableHit& hit : usage.tables) {
    RenameName(hit.name, hit.jinja != sql::JinjaCall::kNone, "table rename", &edits_);
  }
  for (const sql::ColumnHit& hit : usage.columns) RewriteColumn(hit);
  for (const sql::StarHit& star : usage.stars) ExpandStar(star);

  std::stable_sort(edits_.begin(), edits_.end(),
                   [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  for (Edit& edit : edits_) {  // overlapping edits would be a bug upstream: keep the first
    if (!result.edits.empty() && edit.begin < result.edits.back().end) continue;
    result.edits.push_back(std::move(edit));
  }
  if (!findings_.empty()) {  // the index costs a pass over the text: only when it is needed
    sql::LineIndex lines(text_);
    for (RewriteFinding& f : findings_) {
      sql::LineCol lc = lines.Locate(static_cast<uint32_t>(f.begin));
      f.line = lc.line;
      f.col = lc.col;
    }
  }
  std::stable_sort(findings_.begin(), findings_.end(),
                   [](const RewriteFinding& a, const RewriteFinding& b) { return a.begin < b.begin; });
  result.findings = std::move(findings_);
  result.text = ApplyEdits(text_, result.edits);
  return result;
}

}  // namespace

RewriteResult RewriteSql(std::string_view text, const RewriteSpec& spec, const RewriteOptions& options) {
  if (text.size() >= sql::kMaxTextBytes) {
    RewriteResult result;
    result.text = std::string(text);
    result.findings.push_back({0, 0, 1, 1, "text of 4 GiB or more: not rewritten"});
    return result;
  }
  return SqlRewriter(text, spec, options.dialect).Run();
}

}  // namespace skein
