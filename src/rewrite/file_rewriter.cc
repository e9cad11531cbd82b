// Which rewriter reads a file, and the dispatch to it (rules in docs/rewrite-files.md).
//
// A `.sql` file holding Jinja (`{{` or `{%`) is a dbt model: the dbt_project.yml up the path
// cannot be seen from a path and a text alone. A SQL file's first line may name its dialect,
// overriding options.dialect: `-- dialect: bigquery` (any name ParseDialect reads), or BigQuery's
// own `#legacySQL` / `#standardSQL` prefixes.
#include "base/text.h"
#include "rewrite/code_rewriter.h"
#include "rewrite/embedded.h"
#include "rewrite/rewrite.h"

namespace skein {
namespace {

std::string_view BaseName(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string Extension(std::string_view name) {
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? "" : ToLower(name.substr(dot + 1));
}

// A line starting (column 1) with `key:`.
bool HasTopLevelKey(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (line.starts_with(key) && line.substr(key.size()).starts_with(":")) return true;
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return false;
}

bool IsDbtSchemaYaml(std::string_view text) {
  bool version2 = false;
  size_t pos = 0;
  while ((pos = text.find("version:", pos)) != std::string_view::npos) {
    if ((pos == 0 || text[pos - 1] == '\n') &&
        Trim(text.substr(pos + 8, text.find('\n', pos) - pos - 8)) == "2")
      version2 = true;
    pos += 8;
  }
  return version2 && (HasTopLevelKey(text, "sources") || HasTopLevelKey(text, "models"));
}

}  // namespace

std::optional<sql::Dialect> SqlDialectHint(std::string_view text) {
  std::string_view first = Trim(text.substr(0, text.find('\n')));
  if (first == "#legacySQL" || first == "#standardSQL") return sql::Dialect::kBigQuery;
  if (!first.starts_with("--")) return std::nullopt;
  std::string_view rest = Trim(first.substr(2));
  if (!rest.starts_with("dialect:")) return std::nullopt;
  return sql::ParseDialect(Trim(rest.substr(8)));
}

FileKind DetectFileKind(std::string_view path, std::string_view content) {
  std::string ext = Extension(BaseName(path));
  if (ext == "sql") {
    bool jinja = content.find("{{") != std::string_view::npos || content.find("{%") != std::string_view::npos;
    return jinja ? FileKind::kDbtModel : FileKind::kSql;
  }
  if (ext == "yml" || ext == "yaml")
    return IsDbtSchemaYaml(content) ? FileKind::kDbtSchemaYaml : FileKind::kYaml;
  if (ext == "py") return FileKind::kPython;
  if (ext == "scala" || ext == "sc") return FileKind::kScala;
  if (ext == "java") return FileKind::kJava;
  if (ext == "go") return FileKind::kGo;
  if (ext == "js" || ext == "ts" || ext == "mjs" || ext == "cjs" || ext == "jsx" || ext == "tsx")
    return FileKind::kJavaScript;
  if (ext == "json") return FileKind::kJson;
  if (ext == "toml") return FileKind::kToml;
  return FileKind::kOther;
}

RewriteResult RewriteFile(std::string_view path, std::string_view text, const RewriteSpec& spec,
                          const RewriteOptions& options) {
  FileKind kind = DetectFileKind(path, text);
  switch (kind) {
    case FileKind::kSql:
    case FileKind::kDbtModel: {
      RewriteOptions sql_options = options;
      if (std::optional<sql::Dialect> hint = SqlDialectHint(text)) sql_options.dialect = *hint;
      return RewriteSql(text, spec, sql_options);
    }
    case FileKind::kDbtSchemaYaml:
      return rewrite_internal::RewriteDbtSchemaYaml(text, spec, options);
    case FileKind::kYaml:
    case FileKind::kJson:
    case FileKind::kToml:
      return rewrite_internal::RewriteConfig(kind, text, spec, options);
    case FileKind::kOther:
      break;
    default:
      return rewrite_internal::RewriteCode(kind, text, spec, options);
  }
  RewriteResult unchanged;
  unchanged.text = std::string(text);
  return unchanged;
}

}  // namespace skein
