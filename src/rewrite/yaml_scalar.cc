// Finding a YAML scalar's bytes from yaml-cpp's mark, per scalar style.
#include "rewrite/yaml_scalar.h"

#include <sstream>
#include <string>

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

namespace skein::rewrite_internal {
namespace {

// Counts a document's events, remembering where a lone null root was.
class RootProbe : public YAML::EventHandler {
 public:
  size_t events = 0;
  size_t null_pos = std::string_view::npos;
  YAML::Mark null_mark;
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    ++events;
    null_pos = static_cast<size_t>(mark.pos);
    null_mark = mark;
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { ++events; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {
    ++events;
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    ++events;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    ++events;
  }
  void OnMapEnd() override {}
};

// The indentation a continuation line of a flow scalar starting at `pos` must exceed: the
// leading spaces of that line.
size_t ParentIndent(std::string_view text, size_t pos) {
  size_t line = text.rfind('\n', pos);
  line = line == std::string_view::npos ? 0 : line + 1;
  size_t indent = 0;
  while (line + indent < pos && text[line + indent] == ' ') ++indent;
  return indent;
}

constexpr size_t kAnyIndent = static_cast<size_t>(-1);

// Folds the line break at `eol` (YAML 1.2, 7.3: flow scalars): the break and the next lines'
// leading blanks (and the blanks before it) become one space, or one '\n' per empty line between. Returns the position of
// the next line's content, or npos when no content line indented more than `indent` follows.
size_t Fold(std::string_view text, size_t eol, size_t indent, EmbeddedText* value) {
  std::vector<size_t> empty_lines;
  size_t pos = eol;
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;  // trailing blanks go too
  while (pos < text.size() && text[pos] == '\n') {
    size_t next = pos + 1;
    size_t content = next;
    while (content < text.size() && (text[content] == ' ' || text[content] == '\t')) ++content;
    if (content < text.size() && text[content] != '\n') {
      if (content - next <= indent && indent != kAnyIndent) return std::string_view::npos;
      if (text[content] == '#' && indent != kAnyIndent) return std::string_view::npos;  // a comment
      if (empty_lines.empty()) {
        value->Add(' ', eol, content);
      } else {
        for (size_t nl : empty_lines) value->Add('\n', nl, nl + 1);
      }
      return content;
    }
    if (content >= text.size()) return std::string_view::npos;
    empty_lines.push_back(content);
    pos = content;
  }
  return std::string_view::npos;
}

// A plain scalar; in block context it may go on over more-indented lines, folded.
std::optional<YamlScalar> Plain(std::string_view text, size_t begin, bool in_flow) {
  const size_t indent = ParentIndent(text, begin);
  YamlScalar s;
  size_t start = begin;
  for (;;) {
    size_t end = start;
    bool comment = false;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') {
      if (text[end] == '#' && end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) {
        comment = true;
        break;
      }
      if (in_flow && (text[end] == ',' || text[end] == ']' || text[end] == '}')) break;
      ++end;
    }
    size_t content_end = end;
    while (content_end > start && (text[content_end - 1] == ' ' || text[content_end - 1] == '\t')) --content_end;
    for (size_t i = start; i < content_end; ++i) s.value.Add(text[i], i, i + 1);
    if (in_flow || comment || end >= text.size() || text[end] != '\n') break;
    EmbeddedText folded;
    size_t next = Fold(text, content_end, indent, &folded);
    if (next == std::string_view::npos) break;
    // A continuation line that is a `key:` or a `- item` belongs to the parent, not to us.
    std::string_view line = text.substr(next, text.find('\n', next) - next);
    if (line.starts_with("- ") || line == "-" || line.find(": ") != std::string_view::npos || line.ends_with(":")) {
      break;
    }
    for (size_t k = 0; k < folded.text.size(); ++k)
      s.value.Add(folded.text[k], folded.origin[k], folded.origin_end[k]);
    start = next;
  }
  s.encode = [in_flow](std::string_view after) -> std::optional<std::string> {
    std::string_view bad = in_flow ? ":#,[]{}\n" : ":#\n";
    if (after.empty() || after.find_first_of(bad) != std::string_view::npos) return std::nullopt;
    return std::string(after);
  };
  return s;
}

// A single- or double-quoted scalar, over one line or several (folded; in double quotes a `\` at
// a line's end joins the lines without a space).
std::optional<YamlScalar> Quoted(std::string_view text, size_t quote) {
  char q = text[quote];
  YamlScalar s;
  size_t i = quote + 1;
  for (; i < text.size(); ++i) {
    if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n') {
      size_t j = text.find_first_not_of(" \t", i);
      if (j != std::string_view::npos && text[j] == '\n') {  // blanks before a break are dropped
        size_t next = Fold(text, i, kAnyIndent, &s.value);
        if (next == std::string_view::npos) return std::nullopt;
        i = next - 1;
        continue;
      }
    }
    if (q == '\'' && text[i] == '\'') {
      if (i + 1 < text.size() && text[i + 1] == '\'') {
        s.value.Add('\'', i, i + 2);
        ++i;
        continue;
      }
      break;
    }
    if (q == '"' && text[i] == '\\' && i + 1 < text.size()) {
      char e = text[i + 1];
      if (e == '\n') {  // an escaped line break: the lines join with nothing between
        size_t next = i + 2;
        while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
        i = next - 1;
        continue;
      }
      char u = e == 'n' ? '\n' : e == 't' ? '\t' : (e == '"' || e == '\\' || e == '/') ? e : 0;
      if (u == 0) return std::nullopt;  // \u escapes and the like: not matched, left alone
      s.value.Add(u, i, i + 2);
      ++i;
      continue;
    }
    if (q == '"' && text[i] == '"') break;
    s.value.Add(text[i], i, i + 1);
  }
  if (i >= text.size() || text[i] != q) return std::nullopt;
  if (s.value.origin.empty()) return std::nullopt;
  s.encode = [q](std::string_view after) -> std::optional<std::string> {
    if (q == '\'' && after.find('\n') != std::string_view::npos) return std::nullopt;
    return q == '\'' ? EscapeDoubled(after, '\'') : EscapeBackslash(after, '"');
  };
  return s;
}

// `|` or `>` with its header: the content is every following line indented more than the key.
std::optional<YamlScalar> Block(std::string_view text, size_t header) {
  size_t line = text.find('\n', header);
  if (line == std::string_view::npos) return std::nullopt;
  size_t key_line = text.rfind('\n', header);
  key_line = key_line == std::string_view::npos ? 0 : key_line + 1;
  size_t key_indent = 0;
  while (key_line + key_indent < header &&
         (text[key_line + key_indent] == ' ' || text[key_line + key_indent] == '-'))
    ++key_indent;
  size_t begin = line + 1, end = begin;
  for (size_t pos = begin; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    eol = eol == std::string_view::npos ? text.size() : eol;
    size_t indent = 0;
    while (pos + indent < eol && text[pos + indent] == ' ') ++indent;
    bool blank = pos + indent == eol;
    if (!blank && indent <= key_indent) break;
    if (!blank) end = eol;
    pos = eol + 1;
  }
  YamlScalar s;
  s.block = true;
  for (size_t i = begin; i < end; ++i) s.value.Add(text[i], i, i + 1);
  s.encode = [](std::string_view after) -> std::optional<std::string> {
    if (after.find('\n') != std::string_view::npos) return std::nullopt;
    return std::string(after);
  };
  return s;
}

}  // namespace

std::optional<YamlScalar> LocateYamlScalar(std::string_view text, const YAML::Node& node, bool in_flow) {
  if (!node.IsScalar()) return std::nullopt;
  size_t begin = static_cast<size_t>(node.Mark().pos);
  if (node.Mark().pos < 0 || begin >= text.size()) return std::nullopt;
  // yaml-cpp marks a node's anchor or tag when it has one: the scalar follows them.
  while (begin < text.size() && (text[begin] == '&' || text[begin] == '!')) {
    while (begin < text.size() && text[begin] != ' ' && text[begin] != '\n') ++begin;
    while (begin < text.size() && text[begin] == ' ') ++begin;
  }
  if (begin >= text.size()) return std::nullopt;
  char c = text[begin];
  std::optional<YamlScalar> s;
  if (c == '\'' || c == '"')
    s = Quoted(text, begin);
  else if (c == '|' || c == '>')
    return Block(text, begin);
  else
    s = Plain(text, begin, in_flow);
  if (s && s->value.text != node.Scalar()) return std::nullopt;  // not what yaml-cpp read
  return s;
}

// yaml-cpp 0.7's LoadAll loops forever, allocating, on a token that cannot start a document (a
// stray `,` at the root: jbeder/yaml-cpp#1040, fixed upstream in #1319): the parser reports a null
// root without consuming the token, so every next document is the same null at the same place.
// A first pass over the events stops there; then LoadAll is safe.
std::vector<YAML::Node> LoadAllYaml(std::string_view text) {
  std::string copy(text);
  {
    std::istringstream in(copy);
    YAML::Parser parser(in);
    size_t last_null = std::string_view::npos;
    for (;;) {
      RootProbe probe;
      if (!parser.HandleNextDocument(probe)) break;
      bool lone_null = probe.events == 1 && probe.null_pos != std::string_view::npos;
      if (lone_null && probe.null_pos == last_null)
        throw YAML::ParserException(probe.null_mark, "unexpected token where a document should start");
      last_null = lone_null ? probe.null_pos : std::string_view::npos;
    }
  }
  return YAML::LoadAll(copy);
}

}  // namespace skein::rewrite_internal
