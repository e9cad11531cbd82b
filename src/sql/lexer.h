// The SQL lexer: splits text into tokens that tile it exactly, for every Dialect.
//
// Contracts:
// - Lossless: tokens are contiguous and cover the text, so concatenating every token's span gives
//   back the input byte for byte. Whitespace and comments are tokens too.
// - Total: any byte sequence lexes; nothing throws or aborts. An unterminated string, quoted
//   identifier, block comment, dollar quote or Jinja tag becomes one kError token running to the
//   end of the text (ErrorMessage says why), so callers leave that region untouched. A stray
//   control byte is a one-byte kError. Bytes >= 0x80 are identifier characters: UTF-8 letters
//   work, and invalid UTF-8 is just bytes.
// - Fast: a token is 12 bytes of offsets and tags; the lexer never allocates per token.
// - Offsets are 32-bit: texts of kMaxTextBytes or more are not lexed (Lex returns no tokens).
//
// Jinja (dbt) is recognized in every dialect: {{ .. }}, {% .. %} and {# .. #} are single kJinja
// tokens; quotes and nested braces inside {{ }} and {% %} are honoured, so
// `{{ source('core', 'x}}') }}` is one token.
//
// Thread-safety: Lexer objects are not shared; the free functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sql/dialect.h"
#include "sql/keywords.h"

namespace skein::sql {

enum class TokenKind : uint8_t {
  kWhitespace,
  kComment,           // -- .., # .., // .., /* .. */
  kIdentifier,        // unquoted; keyword may still be set for non-reserved keywords
  kQuotedIdentifier,  // "a" or `a`
  kKeyword,           // a reserved keyword (see keywords.h)
  kString,            // any string literal, including E'', r'', b'', ''' ''' and $$ $$
  kNumber,
  kOperator,   // punctuation and operators: . , ( ) ; * = :: || <= >= <> != -> ...
  kParameter,  // $1, ?, :name, @name, %s, %(name)s, ${var}
  kJinja,      // {{ .. }}, {% .. %}, {# .. #}
  kError,      // an unterminated construct or a stray byte; see ErrorMessage
};

// Why a kError token is one (Token::detail of a kError token).
enum class LexError : uint8_t {
  kNone,
  kUnterminatedString,
  kUnterminatedQuotedIdentifier,
  kUnterminatedComment,
  kUnterminatedDollarQuote,
  kUnterminatedJinja,
  kStrayByte,
};

// Token::detail bit for a quoted identifier or string whose text contains escapes ("" or \").
inline constexpr uint8_t kHasEscapes = 1;

struct Token {
  uint32_t begin = 0;  // byte offset of the first byte
  uint32_t end = 0;    // byte offset one past the last byte
  TokenKind kind = TokenKind::kError;
  uint8_t detail = 0;  // kHasEscapes, or the LexError of a kError token
  Keyword keyword = Keyword::kNone;

  uint32_t size() const { return end - begin; }
};
static_assert(sizeof(Token) == 12);

inline constexpr uint64_t kMaxTextBytes = 0xffffffffu;

// An incremental lexer: Next() yields tokens one at a time, so a caller can process a huge text
// statement by statement without holding every token.
class Lexer {
 public:
  Lexer(std::string_view text, Dialect dialect);

  // Writes the next token and returns true; false at the end of the text.
  bool Next(Token* token);

 private:
  void LexOne(Token* token);
  uint32_t LexIdentifier(uint32_t pos) const;
  uint32_t LexNumber(uint32_t pos) const;
  void LexQuoted(Token* token, char quote, bool doubles, bool backslash, LexError error);
  bool LexBracketTable(Token* token);
  void LexTripleQuoted(Token* token, uint32_t start, char quote);
  bool TryDollarQuote(Token* token);
  void LexBlockComment(Token* token);
  void LexJinja(Token* token);
  bool TryParameter(Token* token);
  void LexOperator(Token* token);
  bool PreviousEndsOperand() const;

  std::string_view text_;
  Dialect dialect_;
  const DialectRules& rules_;
  uint32_t pos_ = 0;
  TokenKind last_kind_ = TokenKind::kWhitespace;  // the last token that is not trivia
  char last_char_ = 0;                            // its last byte
};

// All tokens of `text`. Empty when the text is empty or kMaxTextBytes or longer.
std::vector<Token> Lex(std::string_view text, Dialect dialect);

// The bytes a token spans.
inline std::string_view TokenText(std::string_view text, const Token& token) {
  return text.substr(token.begin, token.end - token.begin);
}

// True for whitespace and comments.
inline bool IsTrivia(TokenKind kind) { return kind == TokenKind::kWhitespace || kind == TokenKind::kComment; }

// The name an identifier token denotes: an unquoted one as written (the dialect's case rules are
// applied by SameName, not here), a quoted one without its quotes and with escapes undone.
std::string IdentifierName(std::string_view text, const Token& token, Dialect dialect);

// A sentence for a kError token ("unterminated string literal"); "" for other tokens.
std::string_view ErrorMessage(const Token& token);

// 1-based line and byte column.
struct LineCol {
  int line = 1;
  int col = 1;
};

// Maps offsets to line:col with a binary search over the line starts (built once, O(n)).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  LineCol Locate(uint32_t offset) const;

 private:
  std::vector<uint32_t> line_starts_;
};

}  // namespace skein::sql
