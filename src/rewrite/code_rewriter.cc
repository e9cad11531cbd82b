// Table names and SQL inside the string literals of Python, Scala, Java, Go and JavaScript.
//
// A small scanner per language finds comments (skipped: never edited), string literals and
// identifiers. Each literal's value is decoded into an EmbeddedText (escapes undone, interpolation
// placeholders — f"{x}", s"$x ${y}", `${x}` — replaced by `_` of the same length, Scala
// stripMargin's `|` blanked) and handed to RewriteStringValue. Column names used outside SQL —
// in other strings (row["user_id"], col("user_id")), as attributes (row.user_id) or declared
// fields (case class P(user_id: Long)) — are reported, never edited: only an agent can tell a
// column from a variable that happens to share its name.
#include <algorithm>
#include <optional>
#include <string>

#include "rewrite/code_rewriter.h"
#include "rewrite/embedded.h"

namespace skein::rewrite_internal {
namespace {

enum class Holes { kNone, kPythonBraces, kScalaDollar, kJsDollarBrace };

// How one literal is written: where it ends, whether backslash escapes apply, its placeholders.
struct LiteralRule {
  std::string close;
  bool escapes = true;
  bool single_line = true;
  Holes holes = Holes::kNone;
  bool strip_margin = false;
};

bool IsIdStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'; }
bool IsIdChar(char c) { return IsIdStart(c) || (c >= '0' && c <= '9'); }

char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '\\':
    case '\'':
    case '"':
    case '`':
    case '$':
      return c;
    default:
      return 0;
  }
}

// The end of a `{...}` placeholder starting at `pos` (at the `{`), counting nested braces.
size_t MatchingBrace(std::string_view text, size_t pos) {
  int depth = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return i + 1;
    if (text[i] == '\n' && depth > 0 && false) break;
  }
  return std::string_view::npos;
}

class CodeScanner {
 public:
  CodeScanner(FileKind kind, std::string_view text, const RewriteSpec& spec, const RewriteOptions& options)
      : kind_(kind), text_(text), spec_(spec), options_(options), mentions_(MentionsTable(text, spec)) {}

  RewriteResult Run() {
    while (pos_ < text_.size()) Step();
    Finish(text_, &out_);
    return std::move(out_);
  }

 private:
  bool python() const { return kind_ == FileKind::kPython; }

  void Step() {
    char c = text_[pos_];
    if (SkipComment()) return;
    if (c == '"' || c == '\'' || c == '`') return Literal(pos_, pos_, "");
    if (IsIdStart(c)) return Identifier();
    ++pos_;
  }

  bool SkipComment() {
    std::string_view rest = text_.substr(pos_);
    size_t end = std::string_view::npos;
    if (python() ? rest.starts_with("#") : rest.starts_with("//")) {
      end = text_.find('\n', pos_);
    } else if (!python() && rest.starts_with("/*")) {
      end = text_.find("*/", pos_ + 2);
      if (end != std::string_view::npos) {
        end += 2;
      } else if (MentionsTable(rest, spec_)) {  // like an unterminated literal: reported, left alone
        AddFinding(pos_, text_.size(), "unterminated comment: the rest is not rewritten", &out_);
      }
    } else {
      return false;
    }
    pos_ = end == std::string_view::npos ? text_.size() : end;
    return true;
  }

  void Identifier() {
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdChar(text_[pos_])) ++pos_;
    std::string_view word = text_.substr(start, pos_ - start);
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'') && IsPrefix(word)) {
      return Literal(start, pos_, word);
    }
    if (pos_ < text_.size() && text_[pos_] == '`' && kind_ == FileKind::kJavaScript) {
      return Literal(start, pos_, word);  // a tagged template: sql`...`
    }
    if (mentions_ && UsedAsField(start, pos_)) {
      for (const auto& c : spec_.columns) {
        if (c.from == word) ReportColumns(word, start, pos_, spec_, &out_);
      }
    }
  }

  // row.user_id, or a declaration `user_id: Long` after `(`, `,`, `{` or at a line start.
  bool UsedAsField(size_t begin, size_t end) const {
    size_t p = begin;
    while (p > 0 && (text_[p - 1] == ' ' || text_[p - 1] == '\t')) --p;
    char before = p == 0 ? '\n' : text_[p - 1];
    if (before == '.') return true;
    size_t n = end;
    while (n < text_.size() && (text_[n] == ' ' || text_[n] == '\t')) ++n;
    bool colon = n < text_.size() && text_[n] == ':' &&
                 (n + 1 >= text_.size() || (text_[n + 1] != ':' && text_[n + 1] != '='));
    return colon && (before == '(' || before == ',' || before == '{' || before == '\n');
  }

  bool IsPrefix(std::string_view word) const {
    if (python()) {
      if (word.size() > 2) return false;
      for (char c : word)
        if (std::string_view("rRbBuUfF").find(c) == std::string_view::npos) return false;
      return true;
    }
    return kind_ == FileKind::kScala;  // s"..", f"..", raw"..", any custom interpolator
  }

  LiteralRule RuleFor(size_t quote_pos, std::string_view prefix) const {
    LiteralRule rule;
    char q = text_[quote_pos];
    bool triple = text_.substr(quote_pos, 3) == std::string(3, q);
    rule.close = triple ? std::string(3, q) : std::string(1, q);
    rule.single_line = !triple;
    std::string lower;
    for (char c : prefix) lower += static_cast<char>(c | 0x20);
    switch (kind_) {
      case FileKind::kPython:
        rule.escapes = lower.find('r') == std::string::npos;
        if (lower.find('f') != std::string::npos) rule.holes = Holes::kPythonBraces;
        break;
      case FileKind::kScala:
        rule.escapes = !triple && lower != "raw";
        if (!prefix.empty()) rule.holes = Holes::kScalaDollar;
        rule.strip_margin = triple;  // confirmed after the literal is found
        break;
      case FileKind::kGo:
        if (q == '`') rule.escapes = false, rule.single_line = false;
        break;
      case FileKind::kJavaScript:
        if (q == '`') rule.holes = Holes::kJsDollarBrace, rule.single_line = false;
        break;
      default:  // Java: "..." and """ text blocks
        break;
    }
    return rule;
  }

  // Finds the literal's end; npos when it is unterminated (left alone).
  size_t FindClose(size_t content, const LiteralRule& rule) const {
    for (size_t i = content; i < text_.size(); ++i) {
      char c = text_[i];
      if (rule.escapes && c == '\\') {
        ++i;
        continue;
      }
      if (rule.single_line && c == '\n') return std::string_view::npos;
      if (text_.compare(i, rule.close.size(), rule.close) == 0) return i;
      if (rule.holes != Holes::kNone && HoleStart(i, rule)) {
        size_t end = HoleEnd(i);
        if (end == std::string_view::npos) return end;
        i = end - 1;
      }
    }
    return std::string_view::npos;
  }

  bool HoleStart(size_t i, const LiteralRule& rule) const {
    std::string_view rest = text_.substr(i);
    switch (rule.holes) {
      case Holes::kPythonBraces:
        return rest.starts_with("{") && !rest.starts_with("{{");
      case Holes::kScalaDollar:
        return rest.size() > 1 && rest[0] == '$' && (rest[1] == '{' || IsIdStart(rest[1])) && rest[1] != '$';
      case Holes::kJsDollarBrace:
        return rest.starts_with("${");
      default:
        return false;
    }
  }

  size_t HoleEnd(size_t i) const {
    size_t brace = text_[i] == '{' ? i : i + 1;
    if (text_[brace] == '{') return MatchingBrace(text_, brace);
    size_t end = i + 1;
    while (end < text_.size() && IsIdChar(text_[end]) && text_[end] != '$') ++end;
    return end;
  }

  EmbeddedText Decode(size_t content, size_t close, const LiteralRule& rule) const {
    EmbeddedText value;
    bool line_start = false;
    for (size_t i = content; i < close;) {
      char c = text_[i];
      if (rule.holes != Holes::kNone && HoleStart(i, rule)) {
        size_t end = HoleEnd(i);
        for (size_t k = i; k < end; ++k) value.Add('_', k, k + 1, true);
        i = end;
        continue;
      }
      std::string_view rest = text_.substr(i);
      bool doubled =
          (rule.holes == Holes::kPythonBraces && (rest.starts_with("{{") || rest.starts_with("}}"))) ||
          (rule.holes == Holes::kScalaDollar && rest.starts_with("$$"));
      if (doubled) {
        value.Add(c, i, i + 2);
        i += 2;
        continue;
      }
      if (rule.escapes && c == '\\' && i + 1 < close) {
        char u = Unescape(text_[i + 1]);
        if (text_[i + 1] == '\n') {
          i += 2;  // a line continuation
          continue;
        }
        if (u != 0) {
          value.Add(u, i, i + 2);
          i += 2;
          continue;
        }
      }
      // Scala stripMargin: the `|` starting a line is margin, not content.
      value.Add(rule.strip_margin && line_start && c == '|' ? ' ' : c, i, i + 1);
      if (c == '\n')
        line_start = true;
      else if (c != ' ' && c != '\t')
        line_start = false;
      ++i;
    }
    return value;
  }

  Encoder EncoderFor(const LiteralRule& rule, char quote) const {
    return [rule, quote](std::string_view after) -> std::optional<std::string> {
      std::string s(after);
      if (rule.close.size() == 3 && s.find(rule.close) != std::string::npos) return std::nullopt;
      if (!rule.escapes && (s.find(quote) != std::string::npos || s.find('\\') != std::string::npos)) {
        if (rule.close.size() == 1) return std::nullopt;
      }
      if (rule.escapes) s = EscapeBackslash(s, rule.close.size() == 1 ? quote : '\\');
      if (rule.holes == Holes::kPythonBraces) {
        std::string t;
        for (char c : s) t += (c == '{' || c == '}') ? std::string(2, c) : std::string(1, c);
        s = t;
      }
      if (rule.holes == Holes::kScalaDollar) s = EscapeDoubled(s, '$');
      if (rule.holes == Holes::kJsDollarBrace && s.find("${") != std::string::npos) return std::nullopt;
      return s;
    };
  }

  void Literal(size_t start, size_t quote_pos, std::string_view prefix) {
    LiteralRule rule = RuleFor(quote_pos, prefix);
    size_t content = quote_pos + rule.close.size();
    size_t close = FindClose(content, rule);
    if (close == std::string_view::npos && rule.single_line) {
      // A stray quote (Scala 'symbol, a lone apostrophe) is not a literal; but when the rest of
      // its line names the table it is a broken string, reported, and no literal is read in it.
      size_t eol = std::min(text_.find('\n', quote_pos), text_.size());
      if (!MentionsTable(text_.substr(start, eol - start), spec_)) {
        pos_ = quote_pos + 1;
        return;
      }
      AddFinding(start, eol, "unterminated string literal: not rewritten", &out_);
      pos_ = eol;
      return;
    }
    if (close == std::string_view::npos) {
      pos_ = text_.size();  // unterminated: the rest of the file is left as it is
      if (MentionsTable(text_.substr(start), spec_))
        AddFinding(start, text_.size(), "unterminated string literal: not rewritten", &out_);
      return;
    }
    size_t end = close + rule.close.size();
    rule.strip_margin = rule.strip_margin && text_.substr(end).starts_with(".stripMargin");
    EmbeddedText value = Decode(content, close, rule);
    RewriteStringValue(text_, value, EncoderFor(rule, text_[quote_pos]), spec_, options_, mentions_, &out_);
    pos_ = end;
  }

  FileKind kind_;
  std::string_view text_;
  const RewriteSpec& spec_;
  const RewriteOptions& options_;
  bool mentions_;
  size_t pos_ = 0;
  RewriteResult out_;
};

}  // namespace

RewriteResult RewriteCode(FileKind kind, std::string_view text, const RewriteSpec& spec,
                          const RewriteOptions& options) {
  return CodeScanner(kind, text, spec, options).Run();
}

}  // namespace skein::rewrite_internal
