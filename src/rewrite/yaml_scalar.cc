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

std::optional<YamlScalar> Plain(std::string_view text, size_t begin, bool in_flow) {
  size_t end = begin;
  while (end < text.size() && text[end] != '\n' && text[end] != '\r') {
    if (text[end] == '#' && end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) break;
    if (in_flow && (text[end] == ',' || text[end] == ']' || text[end] == '}')) break;
    ++end;
  }
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  YamlScalar s;
  for (size_t i = begin; i < end; ++i) s.value.Add(text[i], i, i + 1);
  s.encode = [in_flow](std::string_view after) -> std::optional<std::string> {
    std::string_view bad = in_flow ? ":#,[]{}\n" : ":#\n";
    if (after.empty() || after.find_first_of(bad) != std::string_view::npos) return std::nullopt;
    return std::string(after);
  };
  return s;
}

std::optional<YamlScalar> Quoted(std::string_view text, size_t quote) {
  char q = text[quote];
  YamlScalar s;
  size_t i = quote + 1;
  for (; i < text.size() && text[i] != '\n'; ++i) {
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
      char u = e == 'n' ? '\n' : e == 't' ? '\t' : (e == '"' || e == '\\' || e == '/') ? e : 0;
      if (u == 0) return std::nullopt;  // \u escapes and the like: not matched, left alone
      s.value.Add(u, i, i + 2);
      ++i;
      continue;
    }
    if (q == '"' && text[i] == '"') break;
    s.value.Add(text[i], i, i + 1);
  }
  if (i >= text.size() || text[i] != q) return std::nullopt;  // spans lines: left alone
  if (s.value.origin.empty()) return std::nullopt;
  s.encode = [q](std::string_view after) -> std::optional<std::string> {
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
