// The catalog's data model: Backstage entities (apiVersion backstage.io/v1alpha1) and the facts
// skein reads from their `skein.dev/` annotations (docs/catalog.md lists them).
//
// A dataset is a Resource with a `skein.dev/dataset-id` annotation. A consumer is a Component
// that depends on a dataset (spec.dependsOn, or the dataset's spec.dependencyOf); what it
// produces (`skein.dev/produces`) makes the lineage transitive.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace skein {

// `kind:namespace/name`. Kind and namespace may be omitted in text and take defaults.
// Backstage compares references case-insensitively; Key() is the normalized form.
struct EntityRef {
  std::string kind;  // as written, e.g. "Component"; may be empty only when unknown
  std::string ns = "default";
  std::string name;

  // Parses "kind:ns/name", "kind:name", "ns/name" or "name".
  static Result<EntityRef> Parse(std::string_view text, std::string_view default_kind,
                                 std::string_view default_ns = "default");
  // "component:default/daily-active-users", lower-cased: the identity used for lookups.
  std::string Key() const;
  bool operator==(const EntityRef& other) const { return Key() == other.Key(); }
  bool operator<(const EntityRef& other) const { return Key() < other.Key(); }
};

// A ref key for people: "group:growth" in the default namespace, else the key unchanged.
std::string ShortRef(std::string_view key);

// "YYYY-MM-DD" as a calendar day; InvalidInput otherwise (2026-02-30 included).
Result<std::chrono::sys_days> ParseDate(std::string_view text);

struct Entity {
  std::string api_version;
  std::string kind;  // "Component", "Resource", "Group", "System", "Location", ...
  std::string ns = "default";
  std::string name;
  std::string title;
  std::string description;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> tags;
  nlohmann::json spec = nlohmann::json::object();  // as written

  // Where it was read from: a file path or a URL, and the 1-based line of its document (0: none).
  std::string origin;
  int origin_line = 0;

  EntityRef Ref() const { return EntityRef{kind, ns, name}; }

  // The annotation's value, or "" when absent.
  std::string Annotation(std::string_view key) const;
  // spec[key] when it is a string, else "".
  std::string SpecString(std::string_view key) const;
  // spec[key] as a list of entity references (dependsOn, dependencyOf, ...). Entries that do not
  // parse are skipped here; the validator reports them.
  std::vector<EntityRef> SpecRefs(std::string_view key, std::string_view default_kind) const;

  // skein's facts.
  std::string DatasetId() const;              // skein.dev/dataset-id, "" when the entity is not a dataset
  std::string Location() const;               // skein.dev/location, e.g. "parquet:warehouse/core/x"
  std::string Lifecycle() const;              // skein.dev/lifecycle, else spec.lifecycle
  std::string Owner() const;                  // spec.owner as a full ref key, e.g. "group:default/growth"
  std::string Tier() const;                   // skein.dev/tier, else the first tag "tier-N", else ""
  std::string Repo() const;                   // skein.dev/repo
  std::string Framework() const;              // skein.dev/framework (sql, dbt, python, scala, config, ...)
  std::vector<std::string> Produces() const;  // skein.dev/produces, comma-separated dataset ids
  // Deprecation (datasets): skein.dev/deprecated-by (the replacing dataset id, "" when none) and
  // skein.dev/decommission-date (YYYY-MM-DD, "" when none). Deprecated(): lifecycle deprecated or
  // a replacement named.
  std::string DeprecatedBy() const;
  std::string DecommissionDate() const;
  bool Deprecated() const;

  // The entity as a Backstage JSON object (apiVersion, kind, metadata, spec), plus origin under
  // metadata.annotations["skein.dev/origin"] is NOT added: origin is kept separately by stores.
  nlohmann::json ToJson() const;
  // Reads a Backstage-shaped JSON object. Does not validate beyond the shape (see validate.h).
  static Result<Entity> FromJson(const nlohmann::json& json);
};

}  // namespace skein
