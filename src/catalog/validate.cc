// Entity validation (see validate.h). The rules mirror Backstage's catalog-model: the
// KubernetesValidatorFunctions for names, namespaces, keys and tags, and the per-kind JSON
// schemas (packages/catalog-model/src/schema/kinds/*.schema.json) for required spec fields.
//
// Thread-safety: free functions over immutable tables.
#include "catalog/validate.h"

#include "catalog/marked_yaml.h"

#include <algorithm>
#include <functional>
#include <map>
#include <regex>

#include "base/text.h"
#include "catalog/entity.h"

namespace skein {
namespace {

using nlohmann::json;

// std::regex recurses per character: longer values are rejected before they reach one.
constexpr size_t kMaxRegexInput = 255;

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool IsDnsSubdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  for (const std::string& label : Split(text, '.', false)) {
    if (!IsValidNamespace(label)) return false;
  }
  return true;
}

// Backstage's isValidPrefixAndOrSuffix('/', isValidDnsSubdomain, isValidObjectName).
bool IsValidKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return IsValidEntityName(key);
  if (key.find('/', slash + 1) != std::string_view::npos) return false;
  return IsDnsSubdomain(key.substr(0, slash)) && IsValidEntityName(key.substr(slash + 1));
}

std::string PointerOf(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += PointerToken(part);
  }
  return out;
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

// Collects problems for one entity.
class Checker {
 public:
  void Add(std::string pointer, std::string message, bool at_key = false) {
    problems_.push_back({std::move(pointer), at_key, std::move(message)});
  }
  std::vector<EntityProblem> Take() { return std::move(problems_); }

 private:
  std::vector<EntityProblem> problems_;
};

// ----- skein.dev annotations -----

bool IsCleanRepo(std::string_view repo) {
  std::string_view path = repo;
  if (size_t scheme = repo.find("://"); scheme != std::string_view::npos) {
    size_t slash = repo.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view() : repo.substr(slash);
  }
  for (const std::string& part : Split(path, '/', false)) {
    if (part == "..") return false;
  }
  return true;
}

// Splits "a INT, b DECIMAL(12,2)" on the commas outside parentheses.
std::vector<std::string> SplitColumns(std::string_view text) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

std::string CheckSchema(std::string_view value) {
  static const std::regex kColumn(R"(^\s*("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\s+\S.*$)");
  for (const std::string& column : SplitColumns(value)) {
    if (column.size() > kMaxRegexInput) return "column '" + column.substr(0, 40) + "...' is too long";
    if (!std::regex_match(column, kColumn)) {
      return "column " + Quote(Trim(column)) + " is not 'name TYPE' (expected \"name TYPE, name TYPE, ...\")";
    }
  }
  return {};
}

std::string CheckLocation(std::string_view value) {
  static const char* kSchemes[] = {
      "parquet:", "csv:", "json:", "avro:", "duckdb:", "postgresql://", "postgres://"};
  for (const char* scheme : kSchemes) {
    std::string_view prefix(scheme);
    if (value.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = value.substr(prefix.size());
    if (Trim(rest).empty()) return "no path after " + Quote(prefix);
    bool needs_table = prefix == "duckdb:" || prefix.find("://") != std::string_view::npos;
    size_t hash = rest.find('#');
    if (needs_table && (hash == std::string_view::npos || hash + 1 == rest.size())) {
      return "a " + std::string(prefix.substr(0, prefix.find(':'))) +
             " location names its table: " + std::string(prefix) + "...#schema.table";
    }
    return {};
  }
  return "unknown scheme in " + Quote(value) +
         " (expected parquet:, csv:, json:, avro:, duckdb:, postgresql://)";
}

std::string CheckProduces(std::string_view value) {
  auto ids = Split(value, ',');
  if (ids.empty()) return "lists no dataset id";
  for (const std::string& id : ids) {
    if (!IsValidDatasetId(id)) return Quote(id) + " is not a dataset id (expected e.g. core.user_profile_v1)";
  }
  return {};
}

std::string CheckDate(std::string_view v) {
  if (ParseDate(v).ok()) return {};
  return Quote(v) + " is not a date (YYYY-MM-DD)";
}

struct AnnotationRule {
  const char* kind;  // the one kind it belongs on, or nullptr
  std::function<std::string(std::string_view)> check;
};

const std::map<std::string, AnnotationRule>& SkeinAnnotations() {
  static const auto* rules = new std::map<std::string, AnnotationRule>{
      {"skein.dev/dataset-id",
       {"Resource",
        [](std::string_view v) {
          return IsValidDatasetId(v) ? ""
                                     : Quote(v) + " is not a dataset id (expected e.g. core.user_profile_v1)";
        }}},
      {"skein.dev/location", {"Resource", CheckLocation}},
      {"skein.dev/schema", {"Resource", CheckSchema}},
      {"skein.dev/lifecycle",
       {nullptr,
        [](std::string_view v) -> std::string {
          if (v == "experimental" || v == "production" || v == "deprecated" || v == "retired") return {};
          return Quote(v) + " is not one of experimental, production, deprecated, retired";
        }}},
      // The dataset that replaces this one: `skein watch` plans the migration a manifest describes.
      {"skein.dev/deprecated-by",
       {"Resource",
        [](std::string_view v) {
          return IsValidDatasetId(v) ? ""
                                     : Quote(v) + " is not a dataset id (expected e.g. core.user_profile_v2)";
        }}},
      // The day the deprecated dataset may be dropped (when no consumer remains).
      {"skein.dev/decommission-date", {"Resource", CheckDate}},
      {"skein.dev/produces", {"Component", CheckProduces}},
      {"skein.dev/repo",
       {"Component",
        [](std::string_view v) -> std::string {
          if (Trim(v).empty()) return "is empty";
          return IsCleanRepo(v) ? "" : Quote(v) + " escapes with '..'";
        }}},
      {"skein.dev/framework",
       {"Component",
        [](std::string_view v) -> std::string {
          static const std::regex kToken("^[a-z][a-z0-9-]*$");
          return v.size() <= kMaxRegexInput && std::regex_match(std::string(v), kToken)
                     ? ""
                     : Quote(v) + " is not a framework name (e.g. sql, dbt, python, scala, config)";
        }}},
      // Where migrate-consumer pushes the campaign's branch; git reads it, so no option-like value.
      {"skein.dev/remote",
       {"Component",
        [](std::string_view v) -> std::string {
          if (Trim(v).empty()) return "is empty";
          if (v.front() == '-') return Quote(v) + " starts with '-' (git would read it as an option)";
          for (unsigned char c : v)
            if (c < 0x20 || c == 0x7f) return Quote(v) + " holds a control character";
          return {};
        }}},
      // The build verifier's command for the consumer, run by /bin/sh in its checkout.
      {"skein.dev/verify-command",
       {"Component", [](std::string_view v) -> std::string { return Trim(v).empty() ? "is empty" : ""; }}},
      // The worker group that runs the consumer's job (skein worker --group).
      {"skein.dev/worker-group",
       {"Component",
        [](std::string_view v) -> std::string {
          static const std::regex kLabel("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
          return v.size() <= kMaxRegexInput && std::regex_match(std::string(v), kLabel)
                     ? ""
                     : Quote(v) +
                           " is not a label (1 to 63 lowercase letters, digits and '-', starting and ending "
                           "with a letter or digit)";
        }}},
      {"skein.dev/tier",
       {nullptr,
        [](std::string_view v) -> std::string {
          static const std::regex kTier("^tier-[0-9]+$");
          return v.size() <= kMaxRegexInput && std::regex_match(std::string(v), kTier)
                     ? ""
                     : Quote(v) + " is not a tier (expected tier-N)";
        }}},
  };
  return *rules;
}

void CheckSkeinAnnotation(const std::string& kind, const std::string& key, const std::string& value,
                          const std::string& pointer, Checker& checker) {
  const auto& rules = SkeinAnnotations();
  auto it = rules.find(key);
  if (it == rules.end()) {
    std::vector<std::string> known;
    for (const auto& [name, rule] : rules) known.push_back(name);
    std::string guess = ClosestMatch(key, known);
    checker.Add(
        pointer,
        "unknown annotation " + Quote(key) + (guess.empty() ? "" : "; did you mean " + Quote(guess) + "?"),
        true);
    return;
  }
  if (it->second.kind != nullptr && kind != it->second.kind) {
    checker.Add(pointer, key + " belongs on a " + it->second.kind + ", not on a " + kind, true);
    return;
  }
  std::string problem = it->second.check(value);
  if (!problem.empty()) checker.Add(pointer, key + ": " + problem);
}

// ----- metadata -----

void CheckStringMap(const json& md, const char* field, const std::string& kind, Checker& checker) {
  auto it = md.find(field);
  if (it == md.end() || it->is_null()) return;
  std::string base = PointerOf({"metadata", field});
  if (!it->is_object()) return checker.Add(base, std::string("metadata.") + field + " must be a mapping");
  bool labels = std::string_view(field) == "labels";
  for (const auto& [key, value] : it->items()) {
    std::string pointer = PointerOf({"metadata", field, key});
    if (!IsValidKey(key)) {
      checker.Add(pointer,
                  Quote(key) + " is not a valid " + (labels ? "label" : "annotation") +
                      " key (an optional DNS prefix and '/', then a name)",
                  true);
    }
    if (!value.is_string()) {
      checker.Add(pointer, std::string(labels ? "label " : "annotation ") + Quote(key) + " must be a string" +
                               (value.is_number() || value.is_boolean() ? " (quote it)" : ""));
      continue;
    }
    const std::string text = value.get<std::string>();
    if (labels && !text.empty() && !IsValidEntityName(text)) {
      checker.Add(pointer, "label value " + Quote(text) + " must be 1-63 letters, digits and [-_.]");
    }
    if (!labels && key.rfind("skein.dev/", 0) == 0) CheckSkeinAnnotation(kind, key, text, pointer, checker);
  }
}

void CheckTags(const json& md, Checker& checker) {
  auto it = md.find("tags");
  if (it == md.end() || it->is_null()) return;
  if (!it->is_array()) return checker.Add(PointerOf({"metadata", "tags"}), "metadata.tags must be a list");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& tag = (*it)[i];
    std::string pointer = PointerOf({"metadata", "tags", std::to_string(i)});
    if (!tag.is_string() || !IsValidTag(tag.get<std::string>())) {
      checker.Add(pointer, "tag " + (tag.is_string() ? Quote(tag.get<std::string>()) : tag.dump()) +
                               " must be 1-63 chars of [a-z0-9:+#] separated by '-'");
    }
  }
}

void CheckMetadata(const json& entity, const std::string& kind, Checker& checker) {
  auto md = entity.find("metadata");
  if (md == entity.end() || !md->is_object())
    return checker.Add("", "metadata is missing (a mapping with a name)");
  auto name = md->find("name");
  if (name == md->end() || !name->is_string()) {
    checker.Add("/metadata", "metadata.name is missing or not a string");
  } else if (!IsValidEntityName(name->get<std::string>())) {
    checker.Add("/metadata/name", "name " + Quote(name->get<std::string>()) +
                                      " must be 1-63 chars of [a-zA-Z0-9] joined by [-_.]");
  }
  if (auto ns = md->find("namespace"); ns != md->end()) {
    if (!ns->is_string() || !IsValidNamespace(ns->get<std::string>())) {
      checker.Add("/metadata/namespace",
                  "namespace " + ns->dump() + " must be a DNS label: [a-z0-9]+(-[a-z0-9]+)*");
    }
  }
  for (const char* field : {"title", "description"}) {
    auto it = md->find(field);
    if (it != md->end() && !it->is_string())
      checker.Add(PointerOf({"metadata", field}), std::string(field) + " must be a string");
  }
  CheckStringMap(*md, "labels", kind, checker);
  CheckStringMap(*md, "annotations", kind, checker);
  CheckTags(*md, checker);
}

// ----- spec -----

enum class FieldType { kString, kStringList, kRef, kRefList };

struct FieldRule {
  const char* name;
  FieldType type;
  bool required;
  const char* default_kind;  // for references; "" when Backstage requires the kind to be written
};

const std::map<std::string, std::vector<FieldRule>>& SpecRules() {
  using T = FieldType;
  static const auto* rules = new std::map<std::string, std::vector<FieldRule>>{
      {"Component",
       {{"type", T::kString, true, nullptr},
        {"lifecycle", T::kString, true, nullptr},
        {"owner", T::kRef, true, "group"},
        {"system", T::kRef, false, "system"},
        {"subcomponentOf", T::kRef, false, "component"},
        {"providesApis", T::kRefList, false, "api"},
        {"consumesApis", T::kRefList, false, "api"},
        {"dependsOn", T::kRefList, false, ""},
        {"dependencyOf", T::kRefList, false, ""}}},
      {"Resource",
       {{"type", T::kString, true, nullptr},
        {"owner", T::kRef, true, "group"},
        {"system", T::kRef, false, "system"},
        {"dependsOn", T::kRefList, false, ""},
        {"dependencyOf", T::kRefList, false, ""}}},
      {"System", {{"owner", T::kRef, true, "group"}, {"domain", T::kRef, false, "domain"}}},
      {"Domain", {{"owner", T::kRef, true, "group"}, {"subdomainOf", T::kRef, false, "domain"}}},
      {"API",
       {{"type", T::kString, true, nullptr},
        {"lifecycle", T::kString, true, nullptr},
        {"owner", T::kRef, true, "group"},
        {"definition", T::kString, true, nullptr},
        {"system", T::kRef, false, "system"}}},
      {"Group",
       {{"type", T::kString, true, nullptr},
        {"children", T::kRefList, true, "group"},
        {"parent", T::kRef, false, "group"},
        {"members", T::kRefList, false, "user"}}},
      {"User", {{"memberOf", T::kRefList, true, "group"}, {"leaderOf", T::kRefList, false, "group"}}},
      {"Location",
       {{"type", T::kString, false, nullptr},
        {"target", T::kString, false, nullptr},
        {"targets", T::kStringList, false, nullptr}}},
      {"Template", {}},
  };
  return *rules;
}

void CheckRef(const json& value, const FieldRule& rule, const std::string& ns, const std::string& pointer,
              Checker& checker) {
  std::string where = std::string("spec.") + rule.name;
  if (!value.is_string() || value.get<std::string>().empty()) {
    return checker.Add(pointer, where + " entries must be non-empty entity references");
  }
  std::string text = value.get<std::string>();
  if (std::string_view(rule.default_kind).empty() && text.find(':') == std::string::npos) {
    return checker.Add(
        pointer, where + " entry " + Quote(text) + " needs a kind, e.g. 'resource:default/" + text + "'");
  }
  auto ref = EntityRef::Parse(text, rule.default_kind, ns);
  if (!ref.ok()) return checker.Add(pointer, where + ": " + ref.status().message());
  if (!IsValidKind(ref->kind) || !IsValidNamespace(ref->ns) || !IsValidEntityName(ref->name)) {
    checker.Add(pointer,
                where + " entry " + Quote(text) + " is not a valid entity reference kind:namespace/name");
  }
}

void CheckField(const json& spec, const FieldRule& rule, const std::string& ns, Checker& checker) {
  auto it = spec.find(rule.name);
  std::string pointer = PointerOf({"spec", rule.name});
  if (it == spec.end() || it->is_null()) {
    if (rule.required) checker.Add("/spec", std::string("spec.") + rule.name + " is required");
    return;
  }
  bool is_list = rule.type == FieldType::kStringList || rule.type == FieldType::kRefList;
  if (is_list != it->is_array() || (!is_list && !it->is_string())) {
    return checker.Add(pointer,
                       std::string("spec.") + rule.name + " must be " + (is_list ? "a list" : "a string"));
  }
  if (rule.type == FieldType::kString && it->get<std::string>().empty()) {
    return checker.Add(pointer, std::string("spec.") + rule.name + " must not be empty");
  }
  for (size_t i = 0; is_list && i < it->size(); ++i) {
    std::string item = pointer + "/" + std::to_string(i);
    if (rule.type == FieldType::kRefList) {
      CheckRef((*it)[i], rule, ns, item, checker);
    } else if (!(*it)[i].is_string() || (*it)[i].get<std::string>().empty()) {
      checker.Add(item, std::string("spec.") + rule.name + " entries must be non-empty strings");
    }
  }
  if (rule.type == FieldType::kRef) CheckRef(*it, rule, ns, pointer, checker);
}

void CheckSpec(const json& entity, const std::string& kind, Checker& checker) {
  auto spec = entity.find("spec");
  if (spec == entity.end() || !spec->is_object()) {
    return checker.Add(spec == entity.end() ? "" : "/spec",
                       "spec is missing (a " + kind + " needs a spec mapping)");
  }
  std::string ns = "default";
  if (auto md = entity.find("metadata"); md != entity.end() && md->is_object()) {
    if (auto it = md->find("namespace"); it != md->end() && it->is_string()) ns = it->get<std::string>();
  }
  for (const FieldRule& rule : SpecRules().at(kind)) CheckField(*spec, rule, ns, checker);
  if (kind == "Location" && !spec->contains("target") && !spec->contains("targets")) {
    checker.Add("/spec", "a Location needs spec.target or spec.targets");
  }
}

// Returns the kind when the envelope allows further checks, else "".
std::string CheckEnvelope(const json& entity, Checker& checker) {
  auto api = entity.find("apiVersion");
  auto kind_it = entity.find("kind");
  if (api == entity.end() || !api->is_string()) {
    checker.Add("", "apiVersion is missing (expected backstage.io/v1alpha1)");
    return {};
  }
  if (kind_it == entity.end() || !kind_it->is_string() || !IsValidKind(kind_it->get<std::string>())) {
    checker.Add(kind_it == entity.end() ? "" : "/kind", "kind is missing or not a valid kind name");
    return {};
  }
  std::string version = api->get<std::string>();
  std::string kind = kind_it->get<std::string>();
  if (kind == "Template" && version.rfind("scaffolder.backstage.io/", 0) == 0) return kind;
  if (version != "backstage.io/v1alpha1" && version != "backstage.io/v1beta1") {
    checker.Add("/apiVersion",
                "apiVersion " + Quote(version) + " is not backstage.io/v1alpha1 or backstage.io/v1beta1");
    return {};
  }
  if (!SpecRules().count(kind)) {
    std::vector<std::string> kinds;
    for (const auto& [name, rules] : SpecRules()) kinds.push_back(name);
    std::string guess = ClosestMatch(kind, kinds);
    checker.Add("/kind", "unknown kind " + Quote(kind) +
                             (guess.empty() ? "" : "; did you mean " + Quote(guess) + "?"));
    return {};
  }
  return kind;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<EntityProblem> ValidateEntity(const json& entity) {
  Checker checker;
  if (!entity.is_object()) {
    checker.Add("", "an entity must be a mapping with apiVersion, kind, metadata and spec");
    return checker.Take();
  }
  std::string kind = CheckEnvelope(entity, checker);
  CheckMetadata(entity, kind.empty() ? "?" : kind, checker);
  if (!kind.empty() && kind != "Template") CheckSpec(entity, kind, checker);
  return checker.Take();
}

bool IsValidEntityName(std::string_view name) {
  if (name.empty() || name.size() > 63 || !IsAlnum(name.front()) || !IsAlnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool IsValidNamespace(std::string_view ns) {
  static const std::regex kLabel("^[a-z0-9]+(-+[a-z0-9]+)*$");
  return !ns.empty() && ns.size() <= 63 && std::regex_match(ns.begin(), ns.end(), kLabel);
}

bool IsValidKind(std::string_view kind) {
  static const std::regex kKind("^[A-Za-z][A-Za-z0-9]*$");
  return !kind.empty() && kind.size() <= 63 && std::regex_match(kind.begin(), kind.end(), kKind);
}

bool IsValidTag(std::string_view tag) {
  static const std::regex kTag("^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$");
  return !tag.empty() && tag.size() <= 63 && std::regex_match(tag.begin(), tag.end(), kTag);
}

bool IsValidDatasetId(std::string_view id) {
  static const std::regex kId("^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)+$");
  return id.size() <= kMaxRegexInput && std::regex_match(id.begin(), id.end(), kId);
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string lower = ToLower(word);
  size_t limit = std::max<size_t>(2, lower.size() / 4);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    size_t d = EditDistance(lower, ToLower(candidate));
    if (d < best_distance && d < lower.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace skein
