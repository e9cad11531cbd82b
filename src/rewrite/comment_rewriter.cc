#include <cctype>

#include "base/text.h"
#include "rewrite/rewrite.h"
#include "sql/lexer.h"

namespace skein {

RewriteResult RenameDatasetInComments(std::string_view text, const RewriteSpec& spec, sql::Dialect dialect) {
  RewriteResult result;
  const std::string& id = spec.from_table;
  if (id.empty() || spec.to_table.empty() || text.size() < id.size() || text.size() >= sql::kMaxTextBytes) {
    result.text = std::string(text);
    return result;
  }
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$';
  };
  for (const sql::Token& token : sql::Lex(text, dialect)) {
    if (token.kind != sql::TokenKind::kComment) continue;
    std::string_view comment = sql::TokenText(text, token);
    for (size_t i = 0; i + id.size() <= comment.size(); ++i) {
      if (!EqualsIgnoreCase(comment.substr(i, id.size()), id)) continue;
      size_t after = i + id.size();
      bool left = i == 0 || !is_name_char(comment[i - 1]);
      // A sentence may end right after the id: "lands after core.user_profile_v1."
      bool right = after == comment.size() || !is_name_char(comment[after]) ||
                   (comment[after] == '.' && (after + 1 == comment.size() || !is_name_char(comment[after + 1])));
      if (!left || !right) continue;
      Edit edit;
      edit.begin = token.begin + i;
      edit.end = token.begin + after;
      edit.before = std::string(comment.substr(i, id.size()));
      edit.after = spec.to_table;
      edit.why = "table rename in a comment";
      result.edits.push_back(std::move(edit));
      i = after - 1;
    }
  }
  result.text = ApplyEdits(text, result.edits);
  return result;
}

}  // namespace skein
