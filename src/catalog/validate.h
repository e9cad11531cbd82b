// Validation of catalog entities: Backstage's own rules (entity envelope, names, namespaces,
// labels, annotations, tags, required spec fields per kind, entity references) plus skein's
// `skein.dev/` annotations. docs/catalog.md lists every rule.
//
// The validator works on the raw JSON of one entity (before Entity::FromJson drops what it does
// not understand) and reports each problem with a JSON pointer, so a reader that knows where each
// node came from (descriptor_reader.h) can say "file:line:col: what is wrong".
//
// Thread-safety: free functions, no state.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace skein {

struct EntityProblem {
  std::string pointer;  // JSON pointer of the offending node, e.g. "/spec/owner"; "" is the entity
  bool at_key = false;  // the key itself is wrong (an unknown annotation), not its value
  std::string message;
};

// Every problem of one entity; empty when it is valid.
std::vector<EntityProblem> ValidateEntity(const nlohmann::json& entity);

// Backstage's rules for single values.
bool IsValidEntityName(std::string_view name);  // 1-63 chars, [A-Za-z0-9] joined by [-_.]
bool IsValidNamespace(std::string_view ns);     // a DNS label: [a-z0-9]+(-[a-z0-9]+)*, <= 63
bool IsValidKind(std::string_view kind);        // [A-Za-z][A-Za-z0-9]*, <= 63
bool IsValidTag(std::string_view tag);          // [a-z0-9:+#]+ joined by '-', <= 63
// skein's dataset id: two or more parts of [A-Za-z0-9_] joined by '.', e.g. "core.user_profile_v1".
bool IsValidDatasetId(std::string_view id);

// The candidate closest to `word` by edit distance (case-insensitive) when it is close enough to
// be a likely typo, else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace skein
