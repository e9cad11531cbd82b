// Typed manifest field reads (see yaml_fields.h).
#include "manifest/yaml_fields.h"

#include <algorithm>

#include "base/text.h"
#include "data/sql_text.h"
#include "manifest/migration.h"
#include "manifest/names.h"

namespace skein {

std::string FieldName(std::string_view pointer) {
  std::string name;
  for (const auto& token : Split(pointer, '/')) {
    bool index = !token.empty() &&
                 std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (index) {
      name += "[" + token + "]";
    } else {
      name += (name.empty() ? "" : ".") + token;
    }
  }
  return name.empty() ? "the manifest" : name;
}

void FieldReader::Problem(const std::string& pointer, const std::string& message, bool at_key) {
  SourcePosition at = document_.Find(pointer, at_key);
  problems_.emplace_back(at, Status::InvalidInputAt(file_, at.line, at.col, message).message());
}

Status FieldReader::Problems() const {
  if (problems_.empty()) return Status::Ok();
  auto sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::pair(a.first.line, a.first.col) < std::pair(b.first.line, b.first.col);
  });
  std::vector<std::string> lines;
  for (const auto& [at, line] : sorted) lines.push_back(line);
  return Status::InvalidInput(Join(lines, "\n"));
}

bool FieldReader::CheckKeys(const json& node, const std::string& pointer,
                            const std::vector<std::string>& allowed, const std::string& what) {
  if (!node.is_object()) {
    Problem(pointer, FieldName(pointer) + " must be a mapping");
    return false;
  }
  for (const auto& [key, value] : node.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    Problem(pointer + "/" + key, "unknown key '" + key + "' in " + what + DidYouMean(key, allowed), true);
  }
  return true;
}

const FieldReader::json* FieldReader::Get(const json& node, const std::string& pointer,
                                          const std::string& key, bool required) {
  auto it = node.find(key);
  if (it != node.end() && !it->is_null()) return &*it;
  if (required) {
    std::string child = pointer + "/" + key;
    Problem(it == node.end() ? pointer : child, FieldName(child) + " is required", it != node.end());
  }
  return nullptr;
}

void FieldReader::ReadString(const json& node, const std::string& pointer, const std::string& key,
                             std::string& out, bool required) {
  const json* value = Get(node, pointer, key, required);
  if (value == nullptr) return;
  std::string child = pointer + "/" + key;
  if (!value->is_string()) return Problem(child, FieldName(child) + " must be a string");
  out = std::string(Trim(value->get<std::string>()));
  if (out.empty() && required) Problem(child, FieldName(child) + " must not be empty");
}

void FieldReader::ReadBool(const json& node, const std::string& pointer, const std::string& key, bool& out) {
  const json* value = Get(node, pointer, key);
  if (value == nullptr) return;
  std::string child = pointer + "/" + key;
  if (!value->is_boolean()) return Problem(child, FieldName(child) + " must be true or false");
  out = value->get<bool>();
}

void FieldReader::ReadInt(const json& node, const std::string& pointer, const std::string& key, int& out,
                          int min) {
  const json* value = Get(node, pointer, key);
  if (value == nullptr) return;
  std::string child = pointer + "/" + key;
  if (!value->is_number_integer() || value->get<long long>() < min || value->get<long long>() > 1000000000) {
    return Problem(child, FieldName(child) + " must be an integer >= " + std::to_string(min));
  }
  out = static_cast<int>(value->get<long long>());
}

void FieldReader::ReadNumber(const json& node, const std::string& pointer, const std::string& key,
                             double& out, double min, double max) {
  const json* value = Get(node, pointer, key);
  if (value == nullptr) return;
  std::string child = pointer + "/" + key;
  auto text = [](double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
  };
  std::string range = max > 1e17 ? ">= " + text(min) : "between " + text(min) + " and " + text(max);
  if (!value->is_number()) return Problem(child, FieldName(child) + " must be a number " + range);
  double number = value->get<double>();
  if (number < min || number > max) return Problem(child, FieldName(child) + " must be " + range);
  out = number;
}

void FieldReader::ReadDuration(const json& node, const std::string& pointer, const std::string& key,
                               std::chrono::seconds& out) {
  const json* value = Get(node, pointer, key);
  if (value == nullptr) return;
  std::string child = pointer + "/" + key;
  Result<std::chrono::seconds> duration = Status::InvalidInput("not a duration");
  if (value->is_number_integer()) duration = std::chrono::seconds(value->get<long long>());
  if (value->is_string()) duration = ParseDuration(value->get<std::string>());
  if (!duration.ok() || duration->count() <= 0) {
    return Problem(child, FieldName(child) + " must be a positive duration such as 30s, 10m, 1h or 600");
  }
  out = *duration;
}

void FieldReader::ReadStringList(const json& node, const std::string& pointer, const std::string& key,
                                 std::vector<std::string>& out) {
  const json* value = Get(node, pointer, key);
  if (value == nullptr) return;
  std::string child = pointer + "/" + key;
  if (!value->is_array()) return Problem(child, FieldName(child) + " must be a list");
  std::vector<std::string> items;
  for (size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    std::string item_pointer = child + "/" + std::to_string(i);
    if (!item.is_string() || Trim(item.get<std::string>()).empty()) {
      Problem(item_pointer, FieldName(item_pointer) + " must be a non-empty string");
      continue;
    }
    items.emplace_back(Trim(item.get<std::string>()));
  }
  out = std::move(items);
}

int FieldReader::ReadEnum(const json& node, const std::string& pointer, const std::string& key,
                          const std::vector<std::string>& values) {
  const json* value = Get(node, pointer, key);
  if (value == nullptr) return -1;
  std::string child = pointer + "/" + key;
  std::string text = value->is_string() ? value->get<std::string>() : value->dump();
  auto it = std::find(values.begin(), values.end(), text);
  if (it != values.end()) return static_cast<int>(it - values.begin());
  Problem(child, FieldName(child) + " must be one of " + Join(values, ", ") + ", not '" + text + "'" +
                     DidYouMean(text, values));
  return -1;
}

void FieldReader::ReadColumn(const json& node, const std::string& pointer, const std::string& key,
                             std::string& out, bool required) {
  std::string text;
  ReadString(node, pointer, key, text, required);
  if (text.empty()) return;
  Result<std::string> name = ParseColumnName(text);
  if (!name.ok()) return Problem(pointer + "/" + key, name.status().message());
  out = *name;
}

void FieldReader::ReadSql(const json& node, const std::string& pointer, const std::string& key,
                          std::string& out, bool required) {
  const json* value = Get(node, pointer, key, required);
  if (value == nullptr) return;
  std::string child = pointer + "/" + key;
  if (value->is_number() || value->is_boolean()) {
    out = value->dump();
    return;
  }
  if (!value->is_string()) return Problem(child, FieldName(child) + " must be a SQL string");
  Status fragment = CheckSqlFragment(value->get<std::string>());
  if (!fragment.ok()) return Problem(child, FieldName(child) + ": " + fragment.message());
  out = std::string(Trim(value->get<std::string>()));
}

}  // namespace skein
