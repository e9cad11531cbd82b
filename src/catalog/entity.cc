#include "catalog/entity.h"

#include "base/text.h"

namespace skein {

Result<EntityRef> EntityRef::Parse(std::string_view text, std::string_view default_kind,
                                   std::string_view default_ns) {
  std::string_view rest = Trim(text);
  if (rest.empty()) return Status::InvalidInput("empty entity reference");
  EntityRef ref;
  ref.kind = std::string(default_kind);
  ref.ns = std::string(default_ns);
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos) {
    ref.kind = std::string(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
  }
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    ref.ns = std::string(rest.substr(0, slash));
    rest = rest.substr(slash + 1);
  }
  ref.name = std::string(rest);
  if (ref.kind.empty() || ref.ns.empty() || ref.name.empty() ||
      ref.name.find_first_of(":/") != std::string::npos) {
    return Status::InvalidInput("malformed entity reference '" + std::string(text) +
                                "' (expected kind:namespace/name)");
  }
  return ref;
}

std::string EntityRef::Key() const { return ToLower(kind) + ":" + ToLower(ns) + "/" + ToLower(name); }

std::string ShortRef(std::string_view key) {
  size_t colon = key.find(':');
  if (colon != std::string_view::npos && key.substr(colon + 1, 8) == "default/") {
    return std::string(key.substr(0, colon + 1)) + std::string(key.substr(colon + 9));
  }
  return std::string(key);
}

std::string Entity::Annotation(std::string_view key) const {
  auto it = annotations.find(std::string(key));
  return it == annotations.end() ? std::string() : it->second;
}

std::string Entity::SpecString(std::string_view key) const {
  auto it = spec.find(std::string(key));
  if (it == spec.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::vector<EntityRef> Entity::SpecRefs(std::string_view key, std::string_view default_kind) const {
  std::vector<EntityRef> refs;
  auto it = spec.find(std::string(key));
  if (it == spec.end()) return refs;
  auto add = [&](const nlohmann::json& item) {
    if (!item.is_string()) return;
    auto ref = EntityRef::Parse(item.get<std::string>(), default_kind, ns);
    if (ref.ok()) refs.push_back(std::move(ref).value());
  };
  if (it->is_array()) {
    for (const auto& item : *it) add(item);
  } else {
    add(*it);
  }
  return refs;
}

std::string Entity::DatasetId() const { return Annotation("skein.dev/dataset-id"); }
std::string Entity::Location() const { return Annotation("skein.dev/location"); }
std::string Entity::Repo() const { return Annotation("skein.dev/repo"); }
std::string Entity::Framework() const { return Annotation("skein.dev/framework"); }

std::string Entity::DeprecatedBy() const { return std::string(Trim(Annotation("skein.dev/deprecated-by"))); }

std::string Entity::DecommissionDate() const {
  return std::string(Trim(Annotation("skein.dev/decommission-date")));
}

bool Entity::Deprecated() const { return Lifecycle() == "deprecated" || !DeprecatedBy().empty(); }

Result<std::chrono::sys_days> ParseDate(std::string_view text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  bool shape = text.size() == 10 && text[4] == '-' && text[7] == '-';
  for (size_t i = 0; shape && i < text.size(); ++i) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) shape = false;
  }
  if (shape) {
    y = std::stoi(std::string(text.substr(0, 4)));
    m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
    d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  }
  std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!shape || !day.ok())
    return Status::InvalidInput("'" + std::string(text) + "' is not a date (YYYY-MM-DD)");
  return std::chrono::sys_days(day);
}

std::string Entity::Lifecycle() const {
  std::string value = Annotation("skein.dev/lifecycle");
  return value.empty() ? SpecString("lifecycle") : value;
}

std::string Entity::Owner() const {
  std::string owner = SpecString("owner");
  if (owner.empty()) return {};
  auto ref = EntityRef::Parse(owner, "group", ns);
  return ref.ok() ? ref->Key() : owner;
}

std::string Entity::Tier() const {
  std::string tier = Annotation("skein.dev/tier");
  if (!tier.empty()) return tier;
  for (const auto& tag : tags) {
    if (tag.rfind("tier-", 0) == 0) return tag;
  }
  return {};
}

std::vector<std::string> Entity::Produces() const { return Split(Annotation("skein.dev/produces"), ','); }

nlohmann::json Entity::ToJson() const {
  nlohmann::json metadata = {{"name", name}, {"namespace", ns}};
  if (!title.empty()) metadata["title"] = title;
  if (!description.empty()) metadata["description"] = description;
  if (!labels.empty()) metadata["labels"] = labels;
  if (!annotations.empty()) metadata["annotations"] = annotations;
  if (!tags.empty()) metadata["tags"] = tags;
  return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", metadata}, {"spec", spec}};
}

Result<Entity> Entity::FromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Status::InvalidInput("entity is not an object");
  Entity e;
  auto str = [](const nlohmann::json& obj, const char* key) -> std::string {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  e.api_version = str(json, "apiVersion");
  e.kind = str(json, "kind");
  auto md = json.find("metadata");
  if (md == json.end() || !md->is_object()) return Status::InvalidInput("entity has no metadata object");
  e.name = str(*md, "name");
  std::string ns = str(*md, "namespace");
  if (!ns.empty()) e.ns = ns;
  e.title = str(*md, "title");
  e.description = str(*md, "description");
  auto copy_map = [&](const char* key, std::map<std::string, std::string>& out) {
    auto it = md->find(key);
    if (it == md->end() || !it->is_object()) return;
    for (auto& [k, v] : it->items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  };
  copy_map("labels", e.labels);
  copy_map("annotations", e.annotations);
  if (auto it = md->find("tags"); it != md->end() && it->is_array()) {
    for (const auto& tag : *it) {
      if (tag.is_string()) e.tags.push_back(tag.get<std::string>());
    }
  }
  if (auto it = json.find("spec"); it != json.end() && it->is_object()) e.spec = *it;
  return e;
}

}  // namespace skein
