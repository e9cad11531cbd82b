// Name resolution (see resolver.h). A Resolver memoizes three things lazily, each with an
// in-progress mark so recursive CTEs and self-referencing input cannot loop: the columns each
// FROM item exposes, the output columns of each query, and the resolution of each reference.
#include "sql/resolver.h"

#include <algorithm>
#include <map>

namespace skein::sql {
namespace {

// A column a FROM item exposes, and where it comes from when it passes a column through.
struct ItemColumn {
  std::string name;
  bool quoted = false;
  ItemRef origin;           // the item the value comes from, when traceable
  std::string origin_name;  // its column name there
  NameText text() const { return {name, quoted}; }
};
using Columns = std::optional<std::vector<ItemColumn>>;

enum class Memo : uint8_t { kTodo, kInProgress, kDone };

class Resolver {
 public:
  Resolver(const SqlSyntax& syntax, const ColumnsOf& columns_of) : s_(syntax), columns_of_(columns_of) {
    item_columns_.resize(s_.blocks.size());
    item_memo_.resize(s_.blocks.size());
    for (size_t b = 0; b < s_.blocks.size(); ++b) {
      item_columns_[b].resize(s_.blocks[b].from.size());
      item_memo_[b].resize(s_.blocks[b].from.size(), Memo::kTodo);
    }
    query_columns_.resize(s_.queries.size());
    query_memo_.resize(s_.queries.size(), Memo::kTodo);
    refs_.resize(s_.columns.size());
    ref_memo_.resize(s_.columns.size(), Memo::kTodo);
  }

  const ColumnResolution& Ref(size_t index);
  const Columns& ItemColumns(ItemRef ref);
  // Follows passthrough columns down to a table: the base item and column `name` of `ref` has.
  std::pair<ItemRef, std::string> Trace(ItemRef ref, const NamePart& name, int hops = 0);

 private:
  ColumnResolution Compute(const ColumnRef& ref);
  bool ResolveQualified(const ColumnRef& ref, ColumnResolution* out);
  bool ResolveUnqualified(const ColumnRef& ref, int part, ColumnResolution* out);
  bool QualifierMatches(const FromItem& item, const std::vector<NamePart>& parts, size_t k) const;
  int SelectAlias(int block, const NamePart& name) const;
  ColumnResolution SetOutput(const ColumnRef& ref);
  const Columns& QueryColumns(int query);
  Columns BlockOutput(int block);
  bool AppendStar(int block, const SelectItem& item, std::vector<ItemColumn>* out);
  bool Same(NameText a, NameText b, NameKind kind) const { return SameName(a, b, kind, s_.dialect); }

  const SqlSyntax& s_;
  const ColumnsOf& columns_of_;
  std::vector<std::vector<Columns>> item_columns_;
  std::vector<std::vector<Memo>> item_memo_;
  std::vector<Columns> query_columns_;
  std::vector<Memo> query_memo_;
  std::vector<ColumnResolution> refs_;
  std::vector<Memo> ref_memo_;
};

const ColumnResolution& Resolver::Ref(size_t index) {
  if (ref_memo_[index] == Memo::kTodo) {
    ref_memo_[index] = Memo::kInProgress;
    refs_[index] = Compute(s_.columns[index]);
    ref_memo_[index] = Memo::kDone;
  }
  return refs_[index];  // in progress: the default kNotFound, never used to loop
}

ColumnResolution Resolver::Compute(const ColumnRef& ref) {
  ColumnResolution out;
  if (ref.parts.empty() || ref.block < 0) return out;  // kNotFound; the parser never records these
  if (ref.forced_item >= 0 && ref.block >= 0 &&
      ref.forced_item < static_cast<int>(s_.blocks[ref.block].from.size())) {
    out.kind = ResolutionKind::kResolved;
    out.source = {ref.block, ref.forced_item};
    out.column_part = static_cast<int>(ref.parts.size()) - 1;
    return out;
  }
  if (ref.set_output) return SetOutput(ref);
  if (ref.parts.size() >= 2 && ResolveQualified(ref, &out)) return out;
  // Unqualified, or a struct field access on an unqualified column (BigQuery s.field).
  if (ref.clause == Clause::kOrderBy) {
    int alias = SelectAlias(ref.block, ref.parts[0]);
    if (alias >= 0) {
      out.kind = ResolutionKind::kSelectAlias;
      out.select_item = alias;
      return out;
    }
  }
  if (ResolveUnqualified(ref, 0, &out)) return out;
  if (ref.parts.size() == 1 && !ref.parts[0].quoted && IsDatePart(LookupKeyword(ref.parts[0].name))) {
    out.kind = ResolutionKind::kNotAColumn;
  } else {
    out.kind = ref.parts.size() >= 2 ? ResolutionKind::kUnknownQualifier : ResolutionKind::kNotFound;
  }
  return out;
}

bool Resolver::ResolveQualified(const ColumnRef& ref, ColumnResolution* out) {
  for (int scope = ref.block; scope >= 0; scope = s_.blocks[scope].outer_block) {
    const std::vector<FromItem>& items = s_.blocks[scope].from;
    for (size_t k = std::min<size_t>(ref.parts.size() - 1, 4); k >= 1; --k) {
      std::vector<ItemRef> matches;
      for (size_t i = 0; i < items.size(); ++i) {
        if (QualifierMatches(items[i], ref.parts, k)) matches.push_back({scope, static_cast<int>(i)});
      }
      if (matches.empty()) continue;
      out->column_part = static_cast<int>(k);
      if (matches.size() == 1) {
        out->kind = ResolutionKind::kResolved;
        out->source = matches[0];
      } else {
        out->kind = ResolutionKind::kAmbiguous;
        out->candidates = std::move(matches);
      }
      return true;
    }
  }
  return false;
}

bool Resolver::QualifierMatches(const FromItem& item, const std::vector<NamePart>& parts, size_t k) const {
  if (item.alias) return k == 1 && Same(item.alias->text(), parts[0].text(), NameKind::kAlias);
  if (item.kind == SourceKind::kDerived || item.kind == SourceKind::kJinja || item.name.empty()) return false;
  if (item.cte >= 0) return k == 1 && Same(item.name[0].text(), parts[0].text(), NameKind::kAlias);
  // The shorter of qualifier and table name must be a suffix of the longer: users.c, core.users.c.
  size_t n = std::min(k, item.name.size());
  for (size_t j = 0; j < n; ++j) {
    if (!Same(item.name[item.name.size() - 1 - j].text(), parts[k - 1 - j].text(), NameKind::kTable))
      return false;
  }
  return true;
}

bool Resolver::ResolveUnqualified(const ColumnRef& ref, int part, ColumnResolution* out) {
  const NamePart& name = ref.parts[part];
  for (int scope = ref.block; scope >= 0; scope = s_.blocks[scope].outer_block) {
    const std::vector<FromItem>& items = s_.blocks[scope].from;
    std::vector<ItemRef> matches;
    std::vector<ItemRef> unknown;
    bool using_merged = false;
    for (size_t i = 0; i < items.size(); ++i) {
      ItemRef item{scope, static_cast<int>(i)};
      const Columns& columns = ItemColumns(item);
      if (!columns) {
        unknown.push_back(item);
        continue;
      }
      for (const ItemColumn& column : *columns) {
        if (!Same(column.text(), name.text(), NameKind::kColumn)) continue;
        matches.push_back(item);
        for (const NamePart& u : items[i].using_columns) {
          using_merged |= Same(u.text(), name.text(), NameKind::kColumn);
        }
        break;
      }
    }
    out->column_part = part;
    if (matches.size() == 1 || (matches.size() > 1 && using_merged)) {
      out->kind = ResolutionKind::kResolved;
      out->source = matches[0];
      out->candidates.assign(matches.begin() + 1, matches.end());
      return true;
    }
    if (matches.size() > 1) {
      out->kind = ResolutionKind::kAmbiguous;
      out->candidates = std::move(matches);
      return true;
    }
    bool alias_clause = ref.clause == Clause::kGroupBy || ref.clause == Clause::kHaving ||
                        ref.clause == Clause::kQualify || ref.clause == Clause::kOrderBy;
    int alias = (scope == ref.block && alias_clause && ref.parts.size() == 1) ? SelectAlias(scope, name) : -1;
    if (!unknown.empty()) {
      out->kind = ResolutionKind::kUnknownSchema;
      out->candidates = std::move(unknown);
      return true;
    }
    if (alias >= 0) {
      out->kind = ResolutionKind::kSelectAlias;
      out->select_item = alias;
      return true;
    }
  }
  return false;
}

// An ORDER BY name after a set operation: the first SELECT's item of that output name. A bare
// column item resolves as that column does (so a renamed column's ORDER BY follows it); an
// aliased item is a select alias.
ColumnResolution Resolver::SetOutput(const ColumnRef& ref) {
  ColumnResolution out;
  out.kind = ResolutionKind::kNotAColumn;  // an expression or position: nothing to follow
  if (ref.parts.size() != 1) return out;
  int alias = SelectAlias(ref.block, ref.parts[0]);
  if (alias >= 0) {
    out.kind = ResolutionKind::kSelectAlias;
    out.select_item = alias;
    return out;
  }
  for (const SelectItem& item : s_.blocks[ref.block].select) {
    if (item.column_ref < 0) continue;
    const ColumnRef& column = s_.columns[item.column_ref];
    if (!Same(column.parts.back().text(), ref.parts[0].text(), NameKind::kColumn)) continue;
    ColumnResolution res = Ref(item.column_ref);
    if (res.kind != ResolutionKind::kResolved || res.column_part + 1 != static_cast<int>(column.parts.size())) {
      return out;
    }
    res.column_part = 0;
    return res;
  }
  return out;
}

int Resolver::SelectAlias(int block, const NamePart& name) const {
  if (block < 0) return -1;
  const std::vector<SelectItem>& select = s_.blocks[block].select;
  for (size_t i = 0; i < select.size(); ++i) {
    if (select[i].alias && Same(select[i].alias->text(), name.text(), NameKind::kColumn)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

const Columns& Resolver::ItemColumns(ItemRef ref) {
  Columns& slot = item_columns_[ref.block][ref.item];
  Memo& memo = item_memo_[ref.block][ref.item];
  if (memo != Memo::kTodo) return slot;  // in progress: nullopt, "unknown"
  memo = Memo::kInProgress;
  const FromItem& item = s_.blocks[ref.block].from[ref.item];
  const Columns* base = nullptr;
  Columns table;
  if (item.cte >= 0) {
    const Cte& cte = s_.ctes[item.cte];
    if (cte.query >= 0) base = &QueryColumns(cte.query);
    if (!cte.columns.empty()) {  // WITH x(a, b): renames by position
      std::vector<ItemColumn> renamed;
      for (size_t i = 0; i < cte.columns.size(); ++i) {
        ItemColumn column{cte.columns[i].name, cte.columns[i].quoted, {}, {}};
        if (base && *base && i < (*base)->size()) {
          column.origin = (**base)[i].origin;
          column.origin_name = (**base)[i].origin_name;
        }
        renamed.push_back(std::move(column));
      }
      table = std::move(renamed);
      base = &table;
    }
  } else if (item.kind == SourceKind::kDerived && item.query >= 0) {
    base = &QueryColumns(item.query);
  } else if (item.kind == SourceKind::kTable && !item.name.empty()) {
    if (std::optional<std::vector<std::string>> names = columns_of_(item.name)) {
      std::vector<ItemColumn> columns;
      for (std::string& name : *names) columns.push_back({std::move(name), false, {}, {}});
      table = std::move(columns);
    }
    base = &table;
  }
  Columns result = base ? *base : std::nullopt;
  if (!item.column_aliases.empty()) {  // AS t(a, b): the first columns get new names
    std::vector<ItemColumn> renamed;
    for (size_t i = 0; i < item.column_aliases.size(); ++i) {
      ItemColumn column{item.column_aliases[i].name, item.column_aliases[i].quoted, {}, {}};
      if (result && i < result->size()) column.origin = (*result)[i].origin;
      renamed.push_back(std::move(column));
    }
    if (result) {
      for (size_t i = item.column_aliases.size(); i < result->size(); ++i) renamed.push_back((*result)[i]);
    }
    result = std::move(renamed);
  }
  slot = std::move(result);
  memo = Memo::kDone;
  return slot;
}

const Columns& Resolver::QueryColumns(int query) {
  if (query_memo_[query] == Memo::kTodo) {
    query_memo_[query] = Memo::kInProgress;
    int block = s_.queries[query].output_block;
    query_columns_[query] = block >= 0 ? BlockOutput(block) : std::nullopt;
    query_memo_[query] = Memo::kDone;
  }
  return query_columns_[query];
}

Columns Resolver::BlockOutput(int block) {
  std::vector<ItemColumn> out;
  for (const SelectItem& item : s_.blocks[block].select) {
    if (item.star) {
      if (!AppendStar(block, item, &out)) return std::nullopt;
      continue;
    }
    ItemColumn column;
    if (item.column_ref >= 0) {
      const ColumnRef& ref = s_.columns[item.column_ref];
      const ColumnResolution& resolution = Ref(item.column_ref);
      column.name = ref.parts.back().name;
      column.quoted = ref.parts.back().quoted;
      if (resolution.kind == ResolutionKind::kResolved &&
          resolution.column_part + 1 == static_cast<int>(ref.parts.size())) {
        column.origin = resolution.source;
        column.origin_name = ref.parts[resolution.column_part].name;
      }
    }
    if (item.alias) {
      column.name = item.alias->name;
      column.quoted = item.alias->quoted;
    }
    out.push_back(std::move(column));  // an unnamed expression: "" matches no reference
  }
  return out;
}

bool Resolver::AppendStar(int block, const SelectItem& star, std::vector<ItemColumn>* out) {
  const std::vector<FromItem>& items = s_.blocks[block].from;
  // Names removed by EXCEPT/EXCLUDE and renamed by RENAME would need the modifier's own parse;
  // a star with modifiers is therefore "unknown" unless it has none.
  if (!star.star_modifiers.empty()) return false;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!star.star_qualifier.empty() &&
        !QualifierMatches(items[i], star.star_qualifier, star.star_qualifier.size())) {
      continue;
    }
    ItemRef ref{block, static_cast<int>(i)};
    const Columns& columns = ItemColumns(ref);
    if (!columns) return false;
    for (const ItemColumn& column : *columns) {
      ItemColumn copy = column;
      copy.origin = ref;
      copy.origin_name = column.name;
      out->push_back(std::move(copy));
    }
  }
  return true;
}

std::pair<ItemRef, std::string> Resolver::Trace(ItemRef ref, const NamePart& name, int hops) {
  std::pair<ItemRef, std::string> here{ref, name.name};
  const FromItem& item = s_.blocks[ref.block].from[ref.item];
  bool passes_through = item.cte >= 0 || item.kind == SourceKind::kDerived;
  if (!passes_through || hops > 64) return here;
  const Columns& columns = ItemColumns(ref);
  if (!columns) return here;
  for (const ItemColumn& column : *columns) {
    if (!Same(column.text(), name.text(), NameKind::kColumn)) continue;
    if (column.origin.block < 0 || column.origin == ref) return here;
    NamePart next;
    next.name = column.origin_name;
    return Trace(column.origin, next, hops + 1);
  }
  return here;
}

// Collects one statement's uses of the target into a TargetUsage.
class UsageCollector {
 public:
  UsageCollector(std::string_view text, const std::vector<NamePart>& target, TargetUsage* out)
      : text_(text), target_(target), out_(*out) {}

  void Collect(std::span<const Token> tokens, const SqlSyntax& syntax, const ColumnsOf& columns_of);
  void AddLexError(Span span) {
    Add(FindingKind::kLexError, span, "left untouched: the lexer found no end to this region");
  }

 private:
  bool IsTarget(ItemRef ref) const { return ref.block >= 0 && is_target_[ref.block][ref.item]; }
  bool TargetInScope(int block) const;
  void CollectTables(const SqlSyntax& syntax);
  void CollectColumn(const SqlSyntax& syntax, Resolver& resolver, size_t index);
  void CollectStarsAndUsing(const SqlSyntax& syntax);
  void CollectMentions(std::span<const Token> tokens, const SqlSyntax& syntax);
  void Add(FindingKind kind, Span span, std::string message) {
    out_.findings.push_back({kind, span, std::move(message)});
  }
  std::string Quote(Span span) const {
    return "`" + std::string(text_.substr(span.begin, span.end - span.begin)) + "`";
  }

  std::string_view text_;
  const std::vector<NamePart>& target_;
  TargetUsage& out_;
  Dialect dialect_ = Dialect::kAnsi;
  const SqlSyntax* syntax_ = nullptr;
  std::vector<std::vector<bool>> is_target_;
};

void UsageCollector::Collect(std::span<const Token> tokens, const SqlSyntax& syntax,
                             const ColumnsOf& columns_of) {
  dialect_ = syntax.dialect;
  syntax_ = &syntax;
  size_t tables_before = out_.tables.size();
  CollectTables(syntax);
  // Without the target in any block no column, star or USING can concern it (every branch of
  // CollectColumn and CollectStarsAndUsing asks IsTarget or TargetInScope): skip resolving.
  if (out_.tables.size() > tables_before) {
    Resolver resolver(syntax, columns_of);
    for (size_t i = 0; i < syntax.columns.size(); ++i) CollectColumn(syntax, resolver, i);
    CollectStarsAndUsing(syntax);
  }
  for (Span span : syntax.lex_errors) AddLexError(span);
  for (Span span : syntax.too_deep) Add(FindingKind::kNotParsed, span, "nested too deeply to analyze");
  CollectMentions(tokens, syntax);
}

bool UsageCollector::TargetInScope(int block) const {
  for (int scope = block; scope >= 0; scope = syntax_->blocks[scope].outer_block) {
    for (bool t : is_target_[scope]) {
      if (t) return true;
    }
  }
  return false;
}

void UsageCollector::CollectTables(const SqlSyntax& syntax) {
  is_target_.assign(syntax.blocks.size(), {});
  for (size_t b = 0; b < syntax.blocks.size(); ++b) {
    const std::vector<FromItem>& items = syntax.blocks[b].from;
    is_target_[b].resize(items.size(), false);
    for (size_t i = 0; i < items.size(); ++i) {
      const FromItem& item = items[i];
      if (item.kind != SourceKind::kTable || item.cte >= 0 || !TableNameMatches(item.name, target_, dialect_))
        continue;
      is_target_[b][i] = true;
      out_.tables.push_back({item.name_span, item.name, item.role, item.jinja});
      if (item.name.size() < target_.size() && item.jinja != JinjaCall::kRef) {
        Add(FindingKind::kUnqualifiedTable, item.name_span,
            Quote(item.name_span) + " is taken for the target table (default schema assumed)");
      }
      if (!item.column_aliases.empty()) {
        Add(FindingKind::kColumnAliasList, item.span, "the target's columns are renamed by position here");
      }
    }
  }
}

void UsageCollector::CollectColumn(const SqlSyntax& syntax, Resolver& resolver, size_t index) {
  const ColumnRef& ref = syntax.columns[index];
  const ColumnResolution& res = resolver.Ref(index);
  auto any_target = [&](const std::vector<ItemRef>& items) {
    return std::any_of(items.begin(), items.end(), [&](ItemRef r) { return IsTarget(r); });
  };
  switch (res.kind) {
    case ResolutionKind::kResolved: {
      const NamePart& column = ref.parts[res.column_part];
      bool direct = IsTarget(res.source);
      bool indirect = false;
      if (!direct) {
        // Only a name that reaches the target unchanged (through * or a bare passthrough column)
        // is an indirect use; `SELECT user_id AS uid` hands on a different name.
        auto [base, base_name] = resolver.Trace(res.source, column);
        indirect = IsTarget(base) && SameName({base_name, false}, column.text(), NameKind::kColumn, dialect_);
      }
      const FromItem& source = syntax.blocks[res.source.block].from[res.source.item];
      if ((direct || indirect) && !(direct && !source.column_aliases.empty())) {
        ColumnHit hit;
        hit.span = {ref.span.begin, column.span.end};
        hit.column_span = column.span;
        hit.column = column.name;
        hit.clause = ref.clause;
        hit.indirect = indirect;
        hit.set_output = ref.set_output;
        hit.qualifier.assign(ref.parts.begin(), ref.parts.begin() + res.column_part);
        hit.qualifier_is_table = !hit.qualifier.empty() && !source.alias && source.cte < 0;
        if (ref.clause == Clause::kSelect && ref.block >= 0) {
          for (const SelectItem& item : syntax.blocks[ref.block].select) {
            if (item.column_ref != static_cast<int>(index)) continue;
            hit.select_item = res.column_part + 1 == static_cast<int>(ref.parts.size());
            hit.select_alias = item.alias;
          }
        }
        out_.columns.push_back(std::move(hit));
      }
      if (!res.candidates.empty() && (direct || any_target(res.candidates))) {
        Add(FindingKind::kUsingColumn, ref.span,
            Quote(ref.span) + " is a USING column shared with the target");
      }
      return;
    }
    case ResolutionKind::kAmbiguous:
      if (any_target(res.candidates)) {
        Add(FindingKind::kAmbiguousColumn, ref.span,
            Quote(ref.span) + " is ambiguous: the target and another table in scope both have it");
      }
      return;
    case ResolutionKind::kUnknownSchema:
      if (any_target(res.candidates) || TargetInScope(ref.block)) {
        Add(FindingKind::kUnprovableColumn, ref.span,
            "cannot prove whether " + Quote(ref.span) +
                " belongs to the target: a schema in scope is unknown");
      }
      return;
    case ResolutionKind::kNotFound:
    case ResolutionKind::kUnknownQualifier:
      if (TargetInScope(ref.block)) {
        Add(FindingKind::kUnknownColumn, ref.span,
            Quote(ref.span) + " matches no column of the tables in scope");
      }
      return;
    case ResolutionKind::kSelectAlias:
    case ResolutionKind::kNotAColumn:
      return;
  }
}

void UsageCollector::CollectStarsAndUsing(const SqlSyntax& syntax) {
  for (size_t b = 0; b < syntax.blocks.size(); ++b) {
    const Block& block = syntax.blocks[b];
    for (const SelectItem& item : block.select) {
      if (!item.star) continue;
      bool over_target = false;
      for (size_t i = 0; i < block.from.size(); ++i) {
        if (!is_target_[b][i]) continue;
        const FromItem& from = block.from[i];
        bool qualifier_matches = item.star_qualifier.empty() ||
                                 (from.alias ? item.star_qualifier.size() == 1 &&
                                                   SameName(from.alias->text(), item.star_qualifier[0].text(),
                                                            NameKind::kAlias, dialect_)
                                             : TableNameMatches(item.star_qualifier, from.name, dialect_));
        over_target |= qualifier_matches;
      }
      if (over_target) {
        StarHit star{item.span, item.star_modifiers, item.star_qualifier, true, false, {}};
        int covered_count = 0;
        for (size_t i = 0; i < block.from.size(); ++i) {
          const FromItem& from = block.from[i];
          bool covered = item.star_qualifier.empty() ||
                         (from.alias ? item.star_qualifier.size() == 1 &&
                                           SameName(from.alias->text(), item.star_qualifier[0].text(),
                                                    NameKind::kAlias, dialect_)
                                     : TableNameMatches(item.star_qualifier, from.name, dialect_));
          covered_count += covered ? 1 : 0;
          if (covered && !is_target_[b][i]) star.only_target = false;
          if (covered && is_target_[b][i] && !from.alias) star.target_qualified_by_name = true;
        }
        star.only_target = star.only_target && covered_count == 1;
        bool merged = false;
        for (const FromItem& from : block.from) merged |= from.natural_join || !from.using_columns.empty();
        if (!star.only_target && item.star_qualifier.empty() && !merged) {
          for (size_t i = 0; i < block.from.size(); ++i) {
            const FromItem& from = block.from[i];
            StarSource source;
            source.target = is_target_[b][i];
            if (from.kind == SourceKind::kTable) source.name = from.name;
            source.alias = from.alias;
            source.name_span = from.name_span;
            source.plain_table = from.kind == SourceKind::kTable && from.jinja == JinjaCall::kNone;
            star.sources.push_back(std::move(source));
          }
        }
        out_.stars.push_back(std::move(star));
        Add(FindingKind::kSelectStar, item.span,
            Quote(item.span) + " selects the target's columns by its schema");
      }
    }
    for (size_t i = 0; i < block.from.size(); ++i) {
      bool target_joined = false;
      for (size_t j = 0; j <= i; ++j) target_joined |= is_target_[b][j];
      if (!target_joined) continue;
      if (block.from[i].natural_join) Add(FindingKind::kUsingColumn, block.from[i].span, "NATURAL JOIN on the target");
      for (const NamePart& column : block.from[i].using_columns) {
        Add(FindingKind::kUsingColumn, column.span,
            "USING (" + column.name + ") joins the target on this column");
      }
    }
  }
}

// Spans the parser accounted for; a target name outside all of them is reported, not ignored.
std::vector<Span> CoveredSpans(const SqlSyntax& syntax) {
  std::vector<Span> spans;
  auto add_part = [&](const NamePart& part) { spans.push_back(part.span); };
  for (const Block& block : syntax.blocks) {
    for (const FromItem& item : block.from) {
      if (item.kind != SourceKind::kDerived && item.kind != SourceKind::kJinja)
        spans.push_back(item.name_span);
      if (item.alias) add_part(*item.alias);
      for (const NamePart& part : item.column_aliases) add_part(part);
      for (const NamePart& part : item.using_columns) add_part(part);
    }
    for (const SelectItem& item : block.select) {
      if (item.alias) add_part(*item.alias);
      for (const NamePart& part : item.star_qualifier) add_part(part);
    }
  }
  for (const Cte& cte : syntax.ctes) {
    add_part(cte.name);
    for (const NamePart& part : cte.columns) add_part(part);
  }
  for (const ColumnRef& ref : syntax.columns) spans.push_back(ref.span);
  std::sort(spans.begin(), spans.end(),
            [](Span a, Span b) { return a.begin < b.begin || (a.begin == b.begin && a.end > b.end); });
  std::vector<Span> merged;
  for (Span span : spans) {
    if (!merged.empty() && span.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, span.end);
    } else {
      merged.push_back(span);
    }
  }
  return merged;
}

bool Covered(const std::vector<Span>& merged, const Token& token) {
  auto it = std::upper_bound(merged.begin(), merged.end(), token.begin,
                             [](uint32_t offset, Span s) { return offset < s.begin; });
  if (it == merged.begin()) return false;
  --it;
  return it->begin <= token.begin && token.end <= it->end;
}

void UsageCollector::CollectMentions(std::span<const Token> tokens, const SqlSyntax& syntax) {
  const NamePart& last = target_.back();
  std::vector<Span> covered;
  bool computed = false;
  for (const Token& token : tokens) {
    bool mention = false;
    if (token.kind == TokenKind::kIdentifier || token.kind == TokenKind::kQuotedIdentifier) {
      std::string name = IdentifierName(text_, token, dialect_);
      if (token.kind == TokenKind::kQuotedIdentifier && RulesOf(dialect_).quoted_identifier_is_path) {
        size_t dot = name.rfind('.');
        if (dot != std::string::npos) name.erase(0, dot + 1);
      }
      mention = SameName({name, token.kind == TokenKind::kQuotedIdentifier}, last.text(), NameKind::kTable,
                         dialect_);
    } else if (token.kind == TokenKind::kJinja) {
      std::string_view body = TokenText(text_, token);
      mention = body.size() > 2 && body[1] == '{' && body.find(last.name) != std::string_view::npos;
    }
    if (!mention) continue;
    if (!computed) {
      covered = CoveredSpans(syntax);
      computed = true;
    }
    if (Covered(covered, token)) continue;
    Span span{token.begin, token.end};
    Add(FindingKind::kUnrecognizedMention, span,
        Quote(span) + " names the target where skein's parser saw no table or column");
  }
}

void ClearSyntax(SqlSyntax* syntax) {
  syntax->statements.clear();
  syntax->queries.clear();
  syntax->blocks.clear();
  syntax->ctes.clear();
  syntax->columns.clear();
  syntax->lex_errors.clear();
  syntax->skipped.clear();
  syntax->too_deep.clear();
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// ASCII case-insensitive substring test; true for an empty needle.
bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  const char first = LowerAscii(needle[0]);
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (LowerAscii(hay[i]) != first) continue;
    size_t k = 1;
    while (k < needle.size() && LowerAscii(hay[i + k]) == LowerAscii(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

std::string CacheKey(const std::vector<NamePart>& name) {
  std::string key;
  for (const NamePart& part : name) {
    key += part.quoted ? '"' : '.';
    key += part.name;
  }
  return key;
}

}  // namespace

std::vector<ColumnResolution> Resolve(const SqlSyntax& syntax, const ColumnsOf& columns_of) {
  Resolver resolver(syntax, columns_of);
  std::vector<ColumnResolution> out;
  out.reserve(syntax.columns.size());
  for (size_t i = 0; i < syntax.columns.size(); ++i) out.push_back(resolver.Ref(i));
  return out;
}

bool TableNameMatches(const std::vector<NamePart>& name, const std::vector<NamePart>& target,
                      Dialect dialect) {
  if (name.empty() || target.empty()) return false;
  size_t n = std::min(name.size(), target.size());
  for (size_t j = 0; j < n; ++j) {
    if (!SameName(name[name.size() - 1 - j].text(), target[target.size() - 1 - j].text(), NameKind::kTable,
                  dialect)) {
      return false;
    }
  }
  return true;
}

TargetUsage AnalyzeTargetUsage(std::string_view text, Dialect dialect, const std::vector<NamePart>& target,
                               const ColumnsOf& columns_of) {
  TargetUsage usage;
  if (target.empty()) return usage;
  if (text.size() >= kMaxTextBytes) {
    usage.findings.push_back({FindingKind::kNotParsed, {0, 0}, "text of 4 GiB or more: not analyzed"});
    return usage;
  }
  // The catalog is asked once per distinct table name, however many statements name it.
  std::map<std::string, std::optional<std::vector<std::string>>> cache;
  ColumnsOf cached = [&](const std::vector<NamePart>& name) {
    auto [it, inserted] = cache.try_emplace(CacheKey(name));
    if (inserted && columns_of) it->second = columns_of(name);
    return it->second;
  };
  UsageCollector collector(text, target, &usage);
  SqlSyntax syntax;
  syntax.dialect = dialect;
  std::vector<Token> statement;
  // A statement no name token of which contains the target's last name (ASCII case-insensitive;
  // SameName folds no other case) names neither the target nor its columns: its only findings
  // are its lex errors, and too-deep nesting when MayNestTooDeeply cannot rule it out. Most
  // statements of a fleet are such, and they skip the parser and the resolver.
  const std::string_view needle = target.back().name;
  bool may_mention = false;
  auto flush = [&] {
    if (statement.empty()) return;
    if (!may_mention && !MayNestTooDeeply(text, statement)) {
      for (const Token& t : statement) {
        if (t.kind == TokenKind::kError) collector.AddLexError({t.begin, t.end});
      }
    } else {
      ClearSyntax(&syntax);
      ParseTokens(text, statement, &syntax);
      collector.Collect(statement, syntax, cached);
    }
    statement.clear();
    may_mention = false;
  };
  Lexer lexer(text, dialect);
  Token token;
  while (lexer.Next(&token)) {
    statement.push_back(token);
    switch (token.kind) {
      case TokenKind::kQuotedIdentifier:
        may_mention |= (token.detail & kHasEscapes) != 0;  // `a\_b` names a_b
        [[fallthrough]];
      case TokenKind::kIdentifier:
      case TokenKind::kKeyword:
      case TokenKind::kJinja:
        may_mention |= token.size() >= needle.size() && ContainsNoCase(TokenText(text, token), needle);
        break;
      case TokenKind::kOperator:
        if (token.size() == 1 && text[token.begin] == ';') flush();
        break;
      default:
        break;
    }
  }
  flush();
  return usage;
}

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kAmbiguousColumn:
      return "ambiguous-column";
    case FindingKind::kUnprovableColumn:
      return "unprovable-column";
    case FindingKind::kUnknownColumn:
      return "unknown-column";
    case FindingKind::kSelectStar:
      return "select-star";
    case FindingKind::kUsingColumn:
      return "using-column";
    case FindingKind::kColumnAliasList:
      return "column-alias-list";
    case FindingKind::kUnqualifiedTable:
      return "unqualified-table";
    case FindingKind::kUnrecognizedMention:
      return "unrecognized-mention";
    case FindingKind::kLexError:
      return "lex-error";
    case FindingKind::kNotParsed:
      return "not-parsed";
  }
  return "unknown";
}

}  // namespace skein::sql
