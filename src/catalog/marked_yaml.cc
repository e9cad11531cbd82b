// YAML to JSON with positions (see marked_yaml.h). yaml-cpp's exceptions are caught here.
//
// Thread-safety: free functions.
#include "catalog/marked_yaml.h"

#include <yaml-cpp/yaml.h>

#include <regex>

#include "base/text.h"

namespace skein {
namespace {

using nlohmann::json;

SourcePosition PositionOf(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}


// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
json ResolvePlainScalar(const std::string& text) {
  static const std::regex kInt("^[-+]?[0-9]+$");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text.size() > 64) return text;  // no number is this long; std::regex recurses per character
  try {
    if (std::regex_match(text, kInt)) return std::stoll(text);
    if (std::regex_match(text, kFloat)) return std::stod(text);
  } catch (const std::exception&) {
    // Out of range: keep the text.
  }
  return text;
}

class Converter {
 public:
  Converter(std::string_view origin, std::vector<std::string>& errors) : origin_(origin), errors_(errors) {}

  json Convert(const YAML::Node& node, const std::string& pointer, MarkedDocument& doc) {
    doc.value_positions[pointer] = PositionOf(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        // "!" marks a quoted scalar; any explicit tag keeps the text as written.
        return node.Tag() == "?" ? ResolvePlainScalar(node.Scalar()) : json(node.Scalar());
      case YAML::NodeType::Sequence: {
        json array = json::array();
        for (size_t i = 0; i < node.size(); ++i) {
          array.push_back(Convert(node[i], pointer + "/" + std::to_string(i), doc));
        }
        return array;
      }
      case YAML::NodeType::Map:
        return ConvertMap(node, pointer, doc);
      default:
        return nullptr;
    }
  }

 private:
  json ConvertMap(const YAML::Node& node, const std::string& pointer, MarkedDocument& doc) {
    json object = json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      SourcePosition key_at = PositionOf(it->first.Mark());
      if (!it->first.IsScalar()) {
        Error(key_at, "mapping keys must be plain strings");
        continue;
      }
      const std::string& key = it->first.Scalar();
      std::string child = pointer + "/" + PointerToken(key);
      if (object.contains(key)) {
        Error(key_at, "duplicate key '" + key + "'");
        continue;
      }
      doc.key_positions[child] = key_at;
      object[key] = Convert(it->second, child, doc);
      // An empty value ("owner:") is marked where the next token starts: point at its key.
      if (it->second.IsNull() || doc.value_positions[child].line == 0) doc.value_positions[child] = key_at;
    }
    return object;
  }

  void Error(SourcePosition at, const std::string& message) {
    errors_.push_back(Status::InvalidInputAt(origin_, at.line, at.col, message).message());
  }

  std::string origin_;
  std::vector<std::string>& errors_;
};

}  // namespace

std::string PointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

SourcePosition MarkedDocument::Find(std::string_view pointer, bool at_key) const {
  std::string path(pointer);
  if (at_key) {
    if (auto it = key_positions.find(path); it != key_positions.end() && it->second.line > 0)
      return it->second;
  }
  while (!path.empty()) {
    if (auto it = value_positions.find(path); it != value_positions.end() && it->second.line > 0)
      return it->second;
    path.erase(path.rfind('/'));
  }
  return start;
}

Result<std::vector<MarkedDocument>> ParseMarkedYaml(std::string_view text, std::string_view origin) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    SourcePosition at = PositionOf(e.mark);
    return Status::InvalidInputAt(origin, at.line, at.col, "YAML syntax: " + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidInputAt(origin, 0, 0, std::string("YAML: ") + e.what());
  }
  std::vector<std::string> errors;
  Converter converter(origin, errors);
  std::vector<MarkedDocument> docs(nodes.size());
  try {
    for (size_t i = 0; i < nodes.size(); ++i) {
      docs[i].start = PositionOf(nodes[i].Mark());
      docs[i].value = converter.Convert(nodes[i], "", docs[i]);
    }
  } catch (const YAML::Exception& e) {
    SourcePosition at = PositionOf(e.mark);
    errors.push_back(Status::InvalidInputAt(origin, at.line, at.col, "YAML: " + e.msg).message());
  }
  if (!errors.empty()) return Status::InvalidInput(Join(errors, "\n"));
  return docs;
}

}  // namespace skein
