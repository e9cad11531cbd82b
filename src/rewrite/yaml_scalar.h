// Internal to rewrite/: where a YAML scalar yaml-cpp parsed sits in the text, as an EmbeddedText
// (its value with the file offset of every byte) and an Encoder keeping its quoting style. All
// YAML edits are splices into these spans; YAML is never re-emitted.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "rewrite/embedded.h"

namespace skein::rewrite_internal {

struct YamlScalar {
  EmbeddedText value;  // plain/quoted: the decoded value; block: the raw lines, indentation kept
  Encoder encode;
  bool block = false;  // `|` or `>`
};

// The scalar `node` (yaml-cpp marks its first byte), or nullopt when its text cannot be matched
// to its value (a multi-line plain or quoted scalar, an alias): such a scalar is left alone.
std::optional<YamlScalar> LocateYamlScalar(std::string_view text, const YAML::Node& node, bool in_flow);

}  // namespace skein::rewrite_internal
