// The SQL lexer (see lexer.h). One pass over the bytes, driven by a 256-entry class table; every
// construct that could run away (strings, comments, Jinja) stops at the end of the text.
#include "sql/lexer.h"

#include <cctype>

#include <algorithm>
#include <array>
#include <cstring>

namespace skein::sql {
namespace {

enum CharClass : uint8_t {
  kOther = 0,
  kSpace,
  kIdentStart,  // letters, '_', bytes >= 0x80
  kDigit,
  kControl,
};

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      classes[c] = kSpace;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80) {
      classes[c] = kIdentStart;
    } else if (c >= '0' && c <= '9') {
      classes[c] = kDigit;
    } else if (c < 0x20 || c == 0x7f) {
      classes[c] = kControl;
    }
  }
  return classes;
}
constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

inline uint8_t ClassOfByte(char c) { return kClasses[static_cast<uint8_t>(c)]; }
inline bool IsIdentChar(char c) {
  uint8_t cls = ClassOfByte(c);
  return cls == kIdentStart || cls == kDigit;
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Multi-byte operators, longest first within each length.
constexpr std::string_view kThreeCharOperators[] = {"->>", "#>>", "<=>", "!~*", "!!=", "..."};
constexpr std::string_view kTwoCharOperators[] = {
    "::", "||", "<=", ">=", "<>", "!=", "->", "=>", "==", "<<", ">>", "#>", "@>",
    "<@", "&&", "**", "!~", "~~", ":=", "~*", "?|", "?&", "@@", "^@", "..", "|>"};

}  // namespace

Lexer::Lexer(std::string_view text, Dialect dialect)
    : text_(text.size() >= kMaxTextBytes ? std::string_view() : text),
      dialect_(dialect),
      rules_(RulesOf(dialect)) {}

bool Lexer::Next(Token* token) {
  if (pos_ >= text_.size()) return false;
  *token = Token{};
  token->begin = pos_;
  LexOne(token);
  // Every path consumes at least one byte; this keeps a bug from becoming an endless loop.
  if (token->end <= token->begin) token->end = token->begin + 1;
  pos_ = token->end;
  if (!IsTrivia(token->kind)) {
    last_kind_ = token->kind;
    last_char_ = text_[token->end - 1];
  }
  return true;
}

bool Lexer::PreviousEndsOperand() const {
  switch (last_kind_) {
    case TokenKind::kIdentifier:
    case TokenKind::kQuotedIdentifier:
    case TokenKind::kNumber:
    case TokenKind::kString:
    case TokenKind::kParameter:
      return true;
    case TokenKind::kOperator:
      return last_char_ == ')' || last_char_ == ']';
    default:
      return false;
  }
}

void Lexer::LexOne(Token* token) {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  const uint32_t p = pos_;
  const char c = text_[p];
  const char next = p + 1 < n ? text_[p + 1] : '\0';
  switch (ClassOfByte(c)) {
    case kSpace: {
      uint32_t i = p + 1;
      while (i < n && ClassOfByte(text_[i]) == kSpace) ++i;
      token->kind = TokenKind::kWhitespace;
      token->end = i;
      return;
    }
    case kDigit:
      token->kind = TokenKind::kNumber;
      token->end = LexNumber(p);
      return;
    case kIdentStart: {
      // String prefixes: E'..' (PostgreSQL), r'..' b'..' rb'..' br'..' (BigQuery).
      char lower = static_cast<char>(c | 0x20);
      if (rules_.escape_string_prefix && lower == 'e' && next == '\'') {
        pos_ = p + 1;
        LexQuoted(token, '\'', true, true, LexError::kUnterminatedString);
        return;
      }
      if (rules_.raw_and_bytes_prefixes && (lower == 'r' || lower == 'b')) {
        uint32_t q = p + 1;
        char second = static_cast<char>(next | 0x20);
        if ((second == 'r' || second == 'b') && second != lower) ++q;
        if (q < n && (text_[q] == '\'' || text_[q] == '"')) {
          pos_ = q;
          if (q + 2 < n && text_[q + 1] == text_[q] && text_[q + 2] == text_[q]) {
            LexTripleQuoted(token, q, text_[q]);
          } else {
            LexQuoted(token, text_[q], false, true, LexError::kUnterminatedString);
          }
          return;
        }
      }
      token->end = LexIdentifier(p);
      token->keyword = LookupKeyword(text_.substr(p, token->end - p));
      token->kind =
          ClassOf(token->keyword) == KeywordClass::kReserved ? TokenKind::kKeyword : TokenKind::kIdentifier;
      return;
    }
    case kControl:
      token->kind = TokenKind::kError;
      token->detail = static_cast<uint8_t>(LexError::kStrayByte);
      token->end = p + 1;
      return;
    default:
      break;
  }
  switch (c) {
    case '\'':
      if (rules_.triple_quoted_strings && next == '\'' && p + 2 < n && text_[p + 2] == '\'') {
        LexTripleQuoted(token, p, '\'');
      } else {
        LexQuoted(token, '\'', true, rules_.backslash_escapes_in_strings, LexError::kUnterminatedString);
      }
      return;
    case '"':
      if (rules_.double_quoted_strings) {
        if (rules_.triple_quoted_strings && next == '"' && p + 2 < n && text_[p + 2] == '"') {
          LexTripleQuoted(token, p, '"');
        } else {
          LexQuoted(token, '"', true, rules_.backslash_escapes_in_strings, LexError::kUnterminatedString);
        }
        return;
      }
      if (rules_.identifier_quote == '"') {
        LexQuoted(token, '"', true, false, LexError::kUnterminatedQuotedIdentifier);
        token->kind = token->kind == TokenKind::kString ? TokenKind::kQuotedIdentifier : token->kind;
        return;
      }
      break;
    case '`':
      if (rules_.identifier_quote == '`') {
        LexQuoted(token, '`', rules_.identifier_quote_doubles, rules_.identifier_quote_backslash,
                  LexError::kUnterminatedQuotedIdentifier);
        token->kind = token->kind == TokenKind::kString ? TokenKind::kQuotedIdentifier : token->kind;
        return;
      }
      break;
    case '[':
      if (rules_.bracket_quoted_tables && LexBracketTable(token)) return;
      break;
    case '-':
    case '/':
    case '#':
      if ((c == '-' && next == '-') || (c == '#' && rules_.hash_line_comments) ||
          (c == '/' && next == '/' && rules_.slash_line_comments)) {
        const void* newline = std::memchr(text_.data() + p, '\n', n - p);
        token->kind = TokenKind::kComment;
        token->end = newline ? static_cast<uint32_t>(static_cast<const char*>(newline) - text_.data()) : n;
        return;
      }
      if (c == '/' && next == '*') {
        LexBlockComment(token);
        return;
      }
      break;
    case '{':
      if (next == '{' || next == '%' || next == '#') {
        LexJinja(token);
        return;
      }
      break;
    case '$':
      if (TryDollarQuote(token)) return;
      break;
    case '.':
      if (IsDigit(next) && !PreviousEndsOperand()) {
        token->kind = TokenKind::kNumber;
        token->end = LexNumber(p);
        return;
      }
      break;
    default:
      break;
  }
  if (TryParameter(token)) return;
  LexOperator(token);
}

uint32_t Lexer::LexIdentifier(uint32_t pos) const {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  uint32_t i = pos + 1;
  while (i < n && (IsIdentChar(text_[i]) || (text_[i] == '$' && rules_.dollar_in_identifiers))) ++i;
  return i;
}

uint32_t Lexer::LexNumber(uint32_t pos) const {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  uint32_t i = pos;
  while (i < n && (IsDigit(text_[i]) || text_[i] == '_')) ++i;
  if (i < n && text_[i] == '.' && !(i + 1 < n && text_[i + 1] == '.')) {
    ++i;
    while (i < n && (IsDigit(text_[i]) || text_[i] == '_')) ++i;
  }
  if (i + 1 < n && (text_[i] == 'e' || text_[i] == 'E')) {
    uint32_t j = i + 1;
    if (j < n && (text_[j] == '+' || text_[j] == '-')) ++j;
    if (j < n && IsDigit(text_[j])) i = j;
  }
  // Suffixes and hex digits: 10L, 1.5BD, 0xFF.
  while (i < n && IsIdentChar(text_[i])) ++i;
  return i;
}

void Lexer::LexQuoted(Token* token, char quote, bool doubles, bool backslash, LexError error) {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  uint32_t i = pos_ + 1;
  uint8_t detail = 0;
  while (i < n) {
    const char c = text_[i];
    if (c == quote) {
      if (doubles && i + 1 < n && text_[i + 1] == quote) {
        detail = kHasEscapes;
        i += 2;
        continue;
      }
      token->kind = TokenKind::kString;
      token->detail = detail;
      token->end = i + 1;
      return;
    }
    if (c == '\\' && backslash) {
      detail = kHasEscapes;
      i += 2;
      continue;
    }
    ++i;
  }
  token->kind = TokenKind::kError;
  token->detail = static_cast<uint8_t>(error);
  token->end = n;
}

void Lexer::LexTripleQuoted(Token* token, uint32_t start, char quote) {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  uint32_t i = start + 3;
  while (i < n) {
    if (text_[i] == '\\') {
      i += 2;
      continue;
    }
    if (text_[i] == quote && i + 2 < n && text_[i + 1] == quote && text_[i + 2] == quote) {
      token->kind = TokenKind::kString;
      token->end = i + 3;
      return;
    }
    ++i;
  }
  token->kind = TokenKind::kError;
  token->detail = static_cast<uint8_t>(LexError::kUnterminatedString);
  token->end = n;
}

bool Lexer::TryDollarQuote(Token* token) {
  if (!rules_.dollar_quoted_strings) return false;
  const uint32_t n = static_cast<uint32_t>(text_.size());
  const uint32_t p = pos_;
  uint32_t tag_end = p + 1;  // index of the '$' closing the opening delimiter
  if (rules_.dollar_quote_tags && tag_end < n && ClassOfByte(text_[tag_end]) == kIdentStart) {
    while (tag_end < n && IsIdentChar(text_[tag_end])) ++tag_end;
  }
  if (tag_end >= n || text_[tag_end] != '$') return false;
  std::string_view delimiter = text_.substr(p, tag_end + 1 - p);
  size_t close = text_.find(delimiter, tag_end + 1);
  if (close == std::string_view::npos) {
    token->kind = TokenKind::kError;
    token->detail = static_cast<uint8_t>(LexError::kUnterminatedDollarQuote);
    token->end = n;
    return true;
  }
  token->kind = TokenKind::kString;
  token->end = static_cast<uint32_t>(close + delimiter.size());
  return true;
}

void Lexer::LexBlockComment(Token* token) {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  uint32_t i = pos_ + 2;
  int depth = 1;
  while (i + 1 < n) {
    if (text_[i] == '*' && text_[i + 1] == '/') {
      i += 2;
      if (--depth == 0) {
        token->kind = TokenKind::kComment;
        token->end = i;
        return;
      }
      continue;
    }
    if (rules_.nested_block_comments && text_[i] == '/' && text_[i + 1] == '*') {
      ++depth;
      i += 2;
      continue;
    }
    ++i;
  }
  token->kind = TokenKind::kError;
  token->detail = static_cast<uint8_t>(LexError::kUnterminatedComment);
  token->end = n;
}

void Lexer::LexJinja(Token* token) {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  const char opener = text_[pos_ + 1];
  token->kind = TokenKind::kError;
  token->detail = static_cast<uint8_t>(LexError::kUnterminatedJinja);
  token->end = n;
  if (opener == '#') {
    size_t close = text_.find("#}", pos_ + 2);
    if (close != std::string_view::npos) {
      token->kind = TokenKind::kJinja;
      token->detail = 0;
      token->end = static_cast<uint32_t>(close + 2);
    }
    return;
  }
  const char closer = opener == '{' ? '}' : '%';
  int depth = 0;
  uint32_t i = pos_ + 2;
  while (i < n) {
    const char c = text_[i];
    if (c == '\'' || c == '"') {  // a Python string: skip it, escapes included
      ++i;
      while (i < n && text_[i] != c) i += text_[i] == '\\' ? 2 : 1;
      if (i >= n) return;
    } else if (c == '{') {
      ++depth;
    } else if (depth == 0 && c == closer && i + 1 < n && text_[i + 1] == '}') {
      token->kind = TokenKind::kJinja;
      token->detail = 0;
      token->end = i + 2;
      return;
    } else if (c == '}' && depth > 0) {
      --depth;
    }
    ++i;
  }
}

bool Lexer::TryParameter(Token* token) {
  const uint32_t n = static_cast<uint32_t>(text_.size());
  const uint32_t p = pos_;
  const char c = text_[p];
  const char next = p + 1 < n ? text_[p + 1] : '\0';
  uint32_t end = 0;
  if (c == '?' && next != '|' && next != '&') {
    end = p + 1;
  } else if (c == '$' && IsDigit(next)) {
    end = p + 1;
    while (end < n && IsDigit(text_[end])) ++end;
  } else if (c == '$' && next == '{') {
    size_t close = text_.find('}', p + 2);
    if (close == std::string_view::npos) return false;
    end = static_cast<uint32_t>(close + 1);
  } else if (c == '@' && (ClassOfByte(next) == kIdentStart ||
                          (next == '@' && p + 2 < n && ClassOfByte(text_[p + 2]) == kIdentStart))) {
    end = LexIdentifier(next == '@' ? p + 2 : p + 1);
  } else if (c == ':' && ClassOfByte(next) == kIdentStart && !PreviousEndsOperand()) {
    end = LexIdentifier(p + 1);
  } else if (c == '%' && next == 's' && (p + 2 >= n || !IsIdentChar(text_[p + 2]))) {
    end = p + 2;
  } else if (c == '%' && next == '(') {
    uint32_t i = p + 2;
    while (i < n && IsIdentChar(text_[i])) ++i;
    if (i + 1 >= n || text_[i] != ')' || text_[i + 1] != 's') return false;
    end = i + 2;
  } else {
    return false;
  }
  token->kind = TokenKind::kParameter;
  token->end = end;
  return true;
}

// BigQuery legacy SQL quotes a table as [project:dataset.table] (or [dataset.table]). Taken as one
// quoted identifier only when the brackets hold a dotted or colon name and do not follow an
// operand (arr[a.b] stays a subscript).
bool Lexer::LexBracketTable(Token* token) {
  const size_t n = text_.size();
  if (pos_ > 0) {
    const char before = text_[pos_ - 1];
    if (std::isalnum(static_cast<unsigned char>(before)) || before == '_' || before == ')' || before == ']') {
      return false;
    }
  }
  size_t i = pos_ + 1;
  bool separator = false;
  while (i < n) {
    const char c = text_[i];
    if (c == ':' || c == '.') {
      separator = true;
    } else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      break;
    }
    ++i;
  }
  if (!separator || i >= n || text_[i] != ']' || i == pos_ + 1) return false;
  token->kind = TokenKind::kQuotedIdentifier;
  token->end = static_cast<uint32_t>(i + 1);
  return true;
}

void Lexer::LexOperator(Token* token) {
  token->kind = TokenKind::kOperator;
  const char c = text_[pos_];
  if (c == ',' || c == '(' || c == ')' || c == ';' || c == '[' || c == ']') {  // never start a longer one
    token->end = pos_ + 1;
    return;
  }
  std::string_view rest = text_.substr(pos_, 3);
  if (rest.size() >= 3) {
    for (std::string_view op : kThreeCharOperators) {
      if (rest == op) {
        token->end = pos_ + 3;
        return;
      }
    }
  }
  if (rest.size() >= 2) {
    for (std::string_view op : kTwoCharOperators) {
      if (rest[0] == op[0] && rest[1] == op[1]) {
        token->end = pos_ + 2;
        return;
      }
    }
  }
  token->end = pos_ + 1;
}

std::vector<Token> Lex(std::string_view text, Dialect dialect) {
  std::vector<Token> tokens;
  if (text.size() >= kMaxTextBytes) return tokens;
  tokens.reserve(text.size() / 4 + 16);
  Lexer lexer(text, dialect);
  Token token;
  while (lexer.Next(&token)) tokens.push_back(token);
  return tokens;
}

std::string IdentifierName(std::string_view text, const Token& token, Dialect dialect) {
  std::string_view raw = TokenText(text, token);
  if (token.kind != TokenKind::kQuotedIdentifier || raw.size() < 2) return std::string(raw);
  std::string_view inner = raw.substr(1, raw.size() - 2);
  if (!(token.detail & kHasEscapes)) return std::string(inner);
  const DialectRules& rules = RulesOf(dialect);
  const char quote = raw[0];
  std::string name;
  name.reserve(inner.size());
  for (size_t i = 0; i < inner.size(); ++i) {
    if (rules.identifier_quote_backslash && inner[i] == '\\' && i + 1 < inner.size()) {
      name += inner[++i];
    } else if (inner[i] == quote && i + 1 < inner.size() && inner[i + 1] == quote) {
      name += inner[++i];
    } else {
      name += inner[i];
    }
  }
  return name;
}

std::string_view ErrorMessage(const Token& token) {
  if (token.kind != TokenKind::kError) return "";
  switch (static_cast<LexError>(token.detail)) {
    case LexError::kUnterminatedString:
      return "unterminated string literal";
    case LexError::kUnterminatedQuotedIdentifier:
      return "unterminated quoted identifier";
    case LexError::kUnterminatedComment:
      return "unterminated block comment";
    case LexError::kUnterminatedDollarQuote:
      return "unterminated dollar-quoted string";
    case LexError::kUnterminatedJinja:
      return "unterminated Jinja tag";
    case LexError::kStrayByte:
      return "unexpected control character";
    case LexError::kNone:
      break;
  }
  return "unexpected input";
}

LineIndex::LineIndex(std::string_view text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(static_cast<uint32_t>(i + 1));
  }
}

LineCol LineIndex::Locate(uint32_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts_.begin());  // >= 1: line_starts_[0] == 0
  return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1]) + 1};
}

}  // namespace skein::sql
