// Table ids and SQL in the values of YAML, JSON and TOML configs (rules in docs/rewrite-files.md).
//
// Values only, never keys: a value equal to the table id in any of its forms is replaced in the
// same form and quoting; a value that is SQL naming the table (a `query: |` block, a JSON string)
// goes through RewriteSql with its offsets mapped back. Column names in a config are reported, not
// edited, even in a list beside the table id: what a key means is the application's business.
// JSON and TOML are read by small tokenizers that keep offsets; YAML through yaml-cpp's marks.
#include <algorithm>
#include <string>

#include "rewrite/code_rewriter.h"
#include "rewrite/embedded.h"
#include "rewrite/yaml_scalar.h"

namespace skein::rewrite_internal {
namespace {

struct ConfigContext {
  std::string_view text;
  const RewriteSpec& spec;
  const RewriteOptions& options;
  bool mentions;
  RewriteResult* out;
};

void WalkYaml(const ConfigContext& cx, const YAML::Node& node, bool in_flow) {
  if (node.IsMap()) {
    bool flow = node.Style() == YAML::EmitterStyle::Flow;
    for (auto it = node.begin(); it != node.end(); ++it) WalkYaml(cx, it->second, flow);
  } else if (node.IsSequence()) {
    bool flow = node.Style() == YAML::EmitterStyle::Flow;
    for (auto it = node.begin(); it != node.end(); ++it) WalkYaml(cx, *it, flow);
  } else if (node.IsScalar()) {
    std::optional<YamlScalar> s = LocateYamlScalar(cx.text, node, in_flow);
    if (s) {
      RewriteStringValue(cx.text, s->value, s->encode, cx.spec, cx.options, cx.mentions, cx.out);
    } else if (MentionsTable(node.Scalar(), cx.spec)) {
      size_t at = static_cast<size_t>(std::max(0, node.Mark().pos));
      AddFinding(at, at, "table " + cx.spec.from_table + " named in a YAML value written in a form skein does not edit",
                 cx.out);
    }
  }
}

void RewriteYaml(const ConfigContext& cx) {
  try {
    for (const YAML::Node& doc : LoadAllYaml(cx.text)) WalkYaml(cx, doc, false);
  } catch (const YAML::Exception& e) {
    cx.out->edits.clear();
    cx.out->findings.clear();
    AddFinding(0, 0, std::string("YAML does not parse (") + e.what() + "): not rewritten", cx.out);
  }
}

// A JSON or TOML basic string starting at `quote`: its decoded value, or nullopt if unterminated.
// \uXXXX escapes are kept as written (a value holding one is not a table id).
std::optional<EmbeddedText> BackslashString(std::string_view text, size_t quote, size_t close_size,
                                            size_t* end) {
  EmbeddedText v;
  std::string close(close_size, '"');
  for (size_t i = quote + close_size; i < text.size(); ++i) {
    if (text.compare(i, close_size, close) == 0) {
      *end = i + close_size;
      return v;
    }
    if (close_size == 1 && text[i] == '\n') return std::nullopt;
    if (text[i] == '\\' && i + 1 < text.size()) {
      char e = text[i + 1];
      char u = e == 'n'                              ? '\n'
               : e == 't'                            ? '\t'
               : e == 'r'                            ? '\r'
               : (e == '"' || e == '\\' || e == '/') ? e
                                                     : 0;
      if (u != 0) {
        v.Add(u, i, i + 2);
        ++i;
        continue;
      }
    }
    v.Add(text[i], i, i + 1);
  }
  return std::nullopt;
}

Encoder JsonEncoder() {
  return [](std::string_view after) -> std::optional<std::string> { return EscapeBackslash(after, '"'); };
}

void RewriteJson(const ConfigContext& cx) {
  std::string_view t = cx.text;
  std::string open;  // the [ and { not yet closed
  bool balanced = true;
  for (size_t i = 0; i < t.size();) {
    if (t[i] != '"') {
      if (t[i] == '[' || t[i] == '{') open += t[i];
      if (t[i] == ']' || t[i] == '}') {
        balanced = balanced && !open.empty() && open.back() == (t[i] == ']' ? '[' : '{');
        if (!open.empty()) open.pop_back();
      }
      ++i;
      continue;
    }
    size_t end = 0;
    std::optional<EmbeddedText> v = BackslashString(t, i, 1, &end);
    if (!v) {
      AddFinding(i, t.size(), "unterminated JSON string: the rest is not rewritten", cx.out);
      return;
    }
    size_t next = t.find_first_not_of(" \t\r\n", end);
    bool key = next != std::string_view::npos && t[next] == ':';
    if (!key) RewriteStringValue(t, *v, JsonEncoder(), cx.spec, cx.options, cx.mentions, cx.out);
    i = end;
  }
  // Like YAML that does not parse: a truncated or mis-nested document is one finding, unchanged
  // (a string's bytes are still known, but not what it is a value of).
  if (!balanced || !open.empty()) {
    cx.out->edits.clear();
    cx.out->findings.clear();
    AddFinding(0, t.size(), "JSON brackets do not balance: the file is not rewritten", cx.out);
  }
}

// One TOML string at `i`: its value and style, or nullopt when unterminated.
std::optional<EmbeddedText> TomlString(std::string_view t, size_t i, size_t* end, Encoder* encode) {
  bool literal = t[i] == '\'';
  size_t n = t.compare(i, 3, literal ? "'''" : "\"\"\"") == 0 ? 3 : 1;
  if (!literal) {
    *encode = n == 3 ? Encoder([](std::string_view a) -> std::optional<std::string> {
      if (a.find("\"\"\"") != std::string_view::npos) return std::nullopt;
      return EscapeBackslash(a, '\\');
    })
                     : JsonEncoder();
    return BackslashString(t, i, n, end);
  }
  std::string close(n, '\'');
  size_t close_at = t.find(close, i + n);
  size_t eol = t.find('\n', i);
  if (close_at == std::string_view::npos || (n == 1 && eol < close_at)) return std::nullopt;
  EmbeddedText v;
  for (size_t k = i + n; k < close_at; ++k) v.Add(t[k], k, k + 1);
  *end = close_at + n;
  *encode = [close](std::string_view a) -> std::optional<std::string> {
    if (a.find(close) != std::string_view::npos || a.find('\n') != std::string_view::npos)
      return std::nullopt;
    return std::string(a);
  };
  return v;
}

void RewriteToml(const ConfigContext& cx) {
  std::string_view t = cx.text;
  int depth = 0;           // inside a value's [ ] or { }
  bool line_start = true;  // only blanks so far on this line
  for (size_t i = 0; i < t.size();) {
    char c = t[i];
    if (c == '#' || (line_start && depth == 0 && c == '[')) {  // a comment or a [table] header
      size_t eol = t.find('\n', i);
      i = eol == std::string_view::npos ? t.size() : eol;
      continue;
    }
    if (c == '\n')
      line_start = true;
    else if (c != ' ' && c != '\t' && c != '\r')
      line_start = false;
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (c != '"' && c != '\'') {
      ++i;
      continue;
    }
    size_t end = 0;
    Encoder encode;
    std::optional<EmbeddedText> v = TomlString(t, i, &end, &encode);
    if (!v) {
      AddFinding(i, t.size(), "unterminated TOML string: the rest is not rewritten", cx.out);
      return;
    }
    size_t next = t.find_first_not_of(" \t", end);
    bool key = next != std::string_view::npos && (t[next] == '=' || t[next] == '.');
    if (!key) RewriteStringValue(t, *v, encode, cx.spec, cx.options, cx.mentions, cx.out);
    i = end;
  }
}

}  // namespace

RewriteResult RewriteConfig(FileKind kind, std::string_view text, const RewriteSpec& spec,
                            const RewriteOptions& options) {
  RewriteResult out;
  ConfigContext cx{text, spec, options, MentionsTable(text, spec), &out};
  if (kind == FileKind::kJson)
    RewriteJson(cx);
  else if (kind == FileKind::kToml)
    RewriteToml(cx);
  else
    RewriteYaml(cx);
  Finish(text, &out);
  return out;
}

}  // namespace skein::rewrite_internal
