// Internal to rewrite/: where a YAML scalar yaml-cpp parsed sits in the text, as an EmbeddedText
// (its value with the file offset of every byte) and an Encoder keeping its quoting style. All
// YAML edits are splices into these spans; YAML is never re-emitted.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rewrite/embedded.h"

namespace skein::rewrite_internal {

struct YamlScalar {
  EmbeddedText value;  // plain/quoted: the decoded value; block: the raw lines, indentation kept
  Encoder encode;
  bool block = false;  // `|` or `>`
};

// Every document of `text`, as YAML::LoadAll gives them; throws YAML::Exception when the text does
// not parse, including the inputs on which yaml-cpp 0.7's LoadAll never returns.
std::vector<YAML::Node> LoadAllYaml(std::string_view text);

// The scalar `node` (yaml-cpp marks its first byte), or nullopt when its text cannot be matched
// to its value (a multi-line plain or quoted scalar, an alias): such a scalar is left alone.
std::optional<YamlScalar> LocateYamlScalar(std::string_view text, const YAML::Node& node, bool in_flow);

}  // namespace skein::rewrite_internal
