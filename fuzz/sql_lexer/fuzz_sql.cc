// libFuzzer target for skein_sql: lexes the input in every dialect, aborts if the tokens do not
// tile the input exactly, then parses and resolves it against a fixed target and schema. Any
// crash, hang or sanitizer report is a bug. Run: fuzz_sql -max_total_time=60 corpus/
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sql/lexer.h"
#include "sql/resolver.h"
#include "sql/syntax.h"

namespace {

using skein::sql::Dialect;

void CheckTiling(std::string_view text, Dialect dialect) {
  std::vector<skein::sql::Token> tokens = skein::sql::Lex(text, dialect);
  uint32_t at = 0;
  for (const skein::sql::Token& token : tokens) {
    if (token.begin != at || token.end <= token.begin || token.end > text.size()) std::abort();
    at = token.end;
  }
  if (at != text.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto columns_of =
      [](const std::vector<skein::sql::NamePart>& name) -> std::optional<std::vector<std::string>> {
    if (name.empty() || name.back().name.size() % 2 == 0) return std::nullopt;
    return std::vector<std::string>{"a", "b", "user_id", name.back().name};
  };
  for (Dialect dialect : {Dialect::kAnsi, Dialect::kBigQuery, Dialect::kSnowflake, Dialect::kSpark}) {
    CheckTiling(text, dialect);
    skein::sql::SqlSyntax syntax = skein::sql::ParseSql(text, dialect);
    skein::sql::Resolve(syntax, columns_of);
    skein::sql::TargetUsage usage = skein::sql::AnalyzeTargetUsage(
        text, dialect, skein::sql::ParseTableName("core.t", dialect), columns_of);
    for (const skein::sql::ColumnHit& hit : usage.columns) {
      if (hit.span.end > size || hit.span.begin > hit.span.end) std::abort();
    }
  }
  return 0;
}
