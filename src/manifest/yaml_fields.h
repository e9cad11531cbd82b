// Typed reads of a manifest's fields from its JSON form (catalog/marked_yaml.h), each problem
// recorded at the file:line:col of the offending key or value. Internal to the manifest module.
//
// Each Read* leaves its output at its default when the key is absent (or null) and records a
// problem when the value is present but wrong. Pointers are JSON pointers: "/spec/rollout".
//
// Thread-safety: one FieldReader per document, used by one thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "catalog/marked_yaml.h"

namespace skein {

// "/spec/columns/2/from" -> "spec.columns[2].from".
std::string FieldName(std::string_view pointer);

class FieldReader {
 public:
  using json = nlohmann::json;

  FieldReader(const MarkedDocument& document, std::string file)
      : document_(document), file_(std::move(file)) {}

  // Records "file:line:col: message" at the value (or, with at_key, the key) of `pointer`.
  void Problem(const std::string& pointer, const std::string& message, bool at_key = false);
  // Every problem in file order, one line each; Ok when there is none.
  Status Problems() const;
  bool HasProblems() const { return !problems_.empty(); }

  // Whether `node` is a mapping; records a problem for each key not in `allowed` (with a
  // did-you-mean) and for a non-mapping. `what` names the mapping in messages.
  bool CheckKeys(const json& node, const std::string& pointer, const std::vector<std::string>& allowed,
                 const std::string& what);
  // node[key] when present and not null, else nullptr; with `required`, a missing key is a problem.
  const json* Get(const json& node, const std::string& pointer, const std::string& key,
                  bool required = false);

  void ReadString(const json& node, const std::string& pointer, const std::string& key, std::string& out,
                  bool required = false);
  void ReadBool(const json& node, const std::string& pointer, const std::string& key, bool& out);
  void ReadInt(const json& node, const std::string& pointer, const std::string& key, int& out, int min);
  void ReadNumber(const json& node, const std::string& pointer, const std::string& key, double& out,
                  double min, double max);
  void ReadDuration(const json& node, const std::string& pointer, const std::string& key,
                    std::chrono::seconds& out);
  void ReadStringList(const json& node, const std::string& pointer, const std::string& key,
                      std::vector<std::string>& out);
  // A string that must be one of `values`; returns its index, or -1 when absent or wrong.
  int ReadEnum(const json& node, const std::string& pointer, const std::string& key,
               const std::vector<std::string>& values);
  // A column name (plain or "quoted"), stored without quotes.
  void ReadColumn(const json& node, const std::string& pointer, const std::string& key, std::string& out,
                  bool required = false);
  // A SQL expression (or type): one fragment, no statement separator. Numbers and booleans are
  // read as their text.
  void ReadSql(const json& node, const std::string& pointer, const std::string& key, std::string& out,
               bool required = false);

 private:
  const MarkedDocument& document_;
  std::string file_;
  std::vector<std::pair<SourcePosition, std::string>> problems_;
};

}  // namespace skein
