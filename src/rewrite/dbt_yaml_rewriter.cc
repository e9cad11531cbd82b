// dbt sources YAML (rules in docs/rewrite-files.md). The table entry of the dataset — under a
// source whose `schema` (default: its `name`) is the dataset's schema, the table whose
// `identifier` (default: its `name`) is the dataset's table — gets every `name`/`identifier`
// equal to the old table name replaced. Renaming `name` too keeps it in step with the models:
// the SQL rewriter turns source('core', 'user_profile_v1') into source('core', 'user_profile_v2')
// without seeing this file. The table's column entries follow the renames; a dropped or retyped
// column's entry (docs, tests, data_type) is reported, not deleted. `models:` is left alone: a
// model's columns are its output, which preserve_output keeps.
#include <string>

#include "base/text.h"
#include "rewrite/code_rewriter.h"
#include "rewrite/embedded.h"
#include "rewrite/yaml_scalar.h"

namespace skein::rewrite_internal {
namespace {

struct DbtContext {
  std::string_view text;
  const RewriteSpec& spec;
  std::vector<std::string> from;  // schema, table
  std::vector<std::string> to;
  RewriteResult* out;
};

std::string ScalarOr(const YAML::Node& map, const char* key, const std::string& fallback) {
  YAML::Node v = map[key];
  return v && v.IsScalar() ? v.Scalar() : fallback;
}

bool InFlow(const YAML::Node& map) { return map.Style() == YAML::EmitterStyle::Flow; }

// Replaces the scalar `map[key]` with `after` when it reads `before`.
void ReplaceScalar(const DbtContext& cx, const YAML::Node& map, const char* key, const std::string& before,
                   const std::string& after, const std::string& why) {
  YAML::Node v = map[key];
  if (!v || !v.IsScalar() || v.Scalar() != before) return;
  std::optional<YamlScalar> s = LocateYamlScalar(cx.text, v, InFlow(map));
  if (!s) {
    AddFinding(static_cast<size_t>(v.Mark().pos), static_cast<size_t>(v.Mark().pos),
               std::string(key) + " " + before + " written in a form skein does not edit: not rewritten",
               cx.out);
    return;
  }
  if (std::optional<std::string> spelled = s->encode(after))
    AddEdit(cx.text, s->value.begin(), s->value.end(), *spelled, why, cx.out);
}

void RewriteColumns(const DbtContext& cx, const YAML::Node& columns) {
  if (!columns || !columns.IsSequence()) return;
  for (const YAML::Node& column : columns) {
    if (!column.IsMap() || !column["name"] || !column["name"].IsScalar()) continue;
    std::string name = column["name"].Scalar();
    const ColumnChange* change = cx.spec.FindChange(name);
    if (change == nullptr) continue;
    size_t at = static_cast<size_t>(column["name"].Mark().pos);
    if (change->to.empty()) {
      AddFinding(
          at, at + name.size(),
          "column " + name + " dropped in " + cx.spec.to_table + ": its docs and tests are kept, remove them",
          cx.out);
      continue;
    }
    if (change->to != change->from)
      ReplaceScalar(cx, column, "name", name, change->to, "column rename " + change->to);
    if (change->retyped && column["data_type"]) {
      AddFinding(at, at + name.size(),
                 "column " + name + " retyped in " + cx.spec.to_table + ": update its data_type", cx.out);
    }
  }
}

void RewriteTable(const DbtContext& cx, const YAML::Node& table) {
  std::string name = ScalarOr(table, "name", "");
  if (ScalarOr(table, "identifier", name) != cx.from[1]) return;
  YAML::Node at = table["identifier"] ? table["identifier"] : table["name"];
  if (cx.from[0] != cx.to[0]) {
    size_t pos = at ? static_cast<size_t>(at.Mark().pos) : 0;
    AddFinding(pos, pos, "table moves to schema " + cx.to[0] + ": the dbt source is not rewritten", cx.out);
    return;
  }
  ReplaceScalar(cx, table, "name", cx.from[1], cx.to[1], "table rename");
  ReplaceScalar(cx, table, "identifier", cx.from[1], cx.to[1], "table rename");
  RewriteColumns(cx, table["columns"]);
}

void RewriteSources(const DbtContext& cx, const YAML::Node& sources) {
  if (!sources || !sources.IsSequence()) return;
  for (const YAML::Node& source : sources) {
    if (!source.IsMap()) continue;
    if (ScalarOr(source, "schema", ScalarOr(source, "name", "")) != cx.from[0]) continue;
    YAML::Node tables = source["tables"];
    if (!tables || !tables.IsSequence()) continue;
    for (const YAML::Node& table : tables)
      if (table.IsMap()) RewriteTable(cx, table);
  }
}

}  // namespace

RewriteResult RewriteDbtSchemaYaml(std::string_view text, const RewriteSpec& spec,
                                   const RewriteOptions& options) {
  (void)options;
  RewriteResult out;
  DbtContext cx{text, spec, Split(spec.from_table, '.', false), Split(spec.to_table, '.', false), &out};
  if (cx.from.size() == 2 && cx.to.size() == 2) {
    try {
      for (const YAML::Node& doc : LoadAllYaml(text))
        if (doc.IsMap()) RewriteSources(cx, doc["sources"]);
    } catch (const YAML::Exception& e) {
      out.edits.clear();
      out.findings.clear();
      AddFinding(0, 0, std::string("YAML does not parse (") + e.what() + "): not rewritten", &out);
    }
  }
  Finish(text, &out);
  return out;
}

}  // namespace skein::rewrite_internal
