// FROM items naming a dataset, redirected to another relation (see redirect_reads.h).
#include "dataset/redirect_reads.h"

#include <algorithm>
#include <optional>

#include "rewrite/rewrite.h"
#include "sql/resolver.h"
#include "sql/syntax.h"

namespace skein::dataset {

Result<std::string> RedirectDatasetReads(std::string_view text, const std::string& dataset,
                                         std::string_view relation, const std::vector<std::string>& columns,
                                         const RedirectOptions& options) {
  const sql::Dialect dialect = options.dialect;
  sql::SqlSyntax syntax = sql::ParseSql(text, dialect);
  if (!syntax.lex_errors.empty()) {
    sql::Span bad = syntax.lex_errors.front();
    return Status::InvalidInput(
        "cannot be read at byte " + std::to_string(bad.begin + 1) + ": " +
        std::string(text.substr(bad.begin, std::min<uint32_t>(bad.end - bad.begin, 20))));
  }
  if (syntax.statements.size() != 1 || syntax.statements[0].kind != sql::StatementKind::kQuery) {
    return Status::InvalidInput("is not one SELECT statement");
  }
  if (!syntax.skipped.empty() || !syntax.too_deep.empty()) {
    return Status::InvalidInput(
        "has parts skein's SQL parser does not understand, so what it reads is unknown");
  }
  std::vector<sql::NamePart> target = sql::ParseTableName(dataset, dialect);
  std::vector<Edit> edits;
  std::vector<sql::ItemRef> renamed;  // items that now go by their last name part
  for (size_t b = 0; b < syntax.blocks.size(); ++b) {
    const std::vector<sql::FromItem>& items = syntax.blocks[b].from;
    for (size_t i = 0; i < items.size(); ++i) {
      const sql::FromItem& item = items[i];
      std::string written(text.substr(item.name_span.begin, item.name_span.end - item.name_span.begin));
      auto not_the_dataset = [&] {
        return Status::InvalidInput("reads " + written + ", which is not " + dataset +
                                    ": a sample query reads the from-dataset only");
      };
      if (item.kind == sql::SourceKind::kFunction || item.kind == sql::SourceKind::kJinja) {
        if (options.dataset_only) return not_the_dataset();
        continue;
      }
      if (item.kind != sql::SourceKind::kTable || item.cte >= 0) continue;
      if (!sql::TableNameMatches(item.name, target, dialect)) {
        if (options.dataset_only) return not_the_dataset();
        continue;
      }
      std::string after = "(SELECT * FROM " + std::string(relation) + ")";
      if (!item.alias) {
        sql::Span last = item.name.back().span;
        after += " AS " + std::string(text.substr(last.begin, last.end - last.begin));
        renamed.push_back({static_cast<int>(b), static_cast<int>(i)});
      }
      edits.push_back({item.name_span.begin, item.name_span.end, written, std::move(after), "relation"});
    }
  }
  if (edits.empty()) return Status::InvalidInput("does not read " + dataset);

  // `core.t.col` and `core.t.*` over an item that now goes by `t`: the leading parts go.
  auto drop_leading = [&](const std::vector<sql::NamePart>& qualifier) {
    sql::Span from{qualifier.front().span.begin, qualifier.back().span.begin};
    edits.push_back(
        {from.begin, from.end, std::string(text.substr(from.begin, from.end - from.begin)), "", ""});
  };
  sql::ColumnsOf columns_of =
      [&](const std::vector<sql::NamePart>& name) -> std::optional<std::vector<std::string>> {
    if (sql::TableNameMatches(name, target, dialect)) return columns;
    return std::nullopt;
  };
  std::vector<sql::ColumnResolution> resolved = sql::Resolve(syntax, columns_of);
  for (size_t c = 0; c < resolved.size(); ++c) {
    const sql::ColumnRef& ref = syntax.columns[c];
    bool by_name = std::find(renamed.begin(), renamed.end(), resolved[c].source) != renamed.end();
    if (resolved[c].kind == sql::ResolutionKind::kResolved && by_name && resolved[c].column_part >= 2) {
      drop_leading({ref.parts.begin(), ref.parts.begin() + resolved[c].column_part});
    }
  }
  for (const sql::Block& block : syntax.blocks) {
    for (const sql::SelectItem& item : block.select) {
      if (item.star && item.star_qualifier.size() >= 2 &&
          sql::TableNameMatches(item.star_qualifier, target, dialect)) {
        drop_leading(item.star_qualifier);
      }
    }
  }
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  return ApplyEdits(text, edits);
}

}  // namespace skein::dataset
