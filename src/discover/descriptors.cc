// Shadow-consumer descriptors, emitted with yaml-cpp so the output is valid YAML whatever the
// names hold.
#include "discover/descriptors.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "base/text.h"

namespace skein {
namespace {

namespace fs = std::filesystem;

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string OwnerRef(std::string_view owner) {
  if (owner.empty() || owner[0] != '@') return {};
  owner.remove_prefix(1);
  size_t slash = owner.find('/');
  if (slash != std::string_view::npos) return "group:default/" + BackstageName(owner.substr(slash + 1));
  return "user:default/" + BackstageName(owner);
}

}  // namespace

std::string BackstageName(std::string_view text) {
  // Backstage: ^([a-zA-Z0-9]+[-_.])*[a-zA-Z0-9]+$, at most 63 characters.
  std::string name;
  bool pending_separator = false;
  char separator = '-';
  for (char c : ToLower(text)) {
    if (IsAlnum(c)) {
      if (pending_separator && !name.empty()) {
        if (name.size() + 2 > 63) break;
        name.push_back(separator);
      }
      if (name.size() + 1 > 63) break;
      name.push_back(c);
      pending_separator = false;
    } else if (!pending_separator) {
      pending_separator = true;
      separator = c == '_' || c == '.' ? c : '-';
    }
  }
  return name.empty() ? "repository" : name;
}

std::string OwnerFromCodeowners(const fs::path& repo_path) {
  for (const char* place : {"CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"}) {
    std::ifstream in(repo_path / place);
    if (!in) continue;
    std::string first_rule_owner, star_owner, line;
    while (std::getline(in, line)) {
      std::vector<std::string> words;
      for (const std::string& word : Split(line, ' ')) {
        for (const std::string& piece : Split(word, '\t')) words.push_back(piece);
      }
      if (words.empty() || words[0][0] == '#' || words.size() < 2) continue;
      std::string owner = OwnerRef(words[1]);
      if (owner.empty()) continue;
      if (first_rule_owner.empty()) first_rule_owner = owner;
      if (words[0] == "*") star_owner = owner;
    }
    return star_owner.empty() ? first_rule_owner : star_owner;
  }
  return {};
}

std::vector<ShadowDescriptor> ShadowDescriptors(const std::vector<DatasetConsumers>& consumers) {
  std::map<std::string, ShadowDescriptor> by_path;  // repo_path -> descriptor
  for (const DatasetConsumers& dataset : consumers) {
    for (const ConsumerRepo& consumer : dataset.consumers) {
      if (!consumer.shadow()) continue;
      ShadowDescriptor& d = by_path[consumer.repo_path];
      d.repo = consumer.repo;
      d.repo_path = consumer.repo_path;
      d.datasets.push_back(dataset.dataset_id);
      if (dataset.resource) d.depends_on.push_back(dataset.resource->Key());
    }
  }
  std::vector<ShadowDescriptor> out;
  for (auto& [path, d] : by_path) {
    d.owner = OwnerFromCodeowners(path);
    if (d.owner.empty()) d.owner = std::string(kUnknownOwner);
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const ShadowDescriptor& a, const ShadowDescriptor& b) {
    return a.repo != b.repo ? a.repo < b.repo : a.repo_path < b.repo_path;
  });
  // Names must be unique: the second "jobs" becomes "jobs-2".
  std::set<std::string> taken;
  for (ShadowDescriptor& d : out) {
    std::string base = BackstageName(d.repo);
    std::string name = base;
    for (int n = 2; !taken.insert(name).second; ++n) {
      std::string suffix = "-" + std::to_string(n);
      name = base.substr(0, 63 - suffix.size()) + suffix;
    }
    d.name = name;
  }
  return out;
}

std::string DescriptorYaml(const ShadowDescriptor& d) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "backstage.io/v1alpha1";
  out << YAML::Key << "kind" << YAML::Value << "Component";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << d.name;
  out << YAML::Key << "description" << YAML::Value
      << "Reads " + Join(d.datasets, ", ") + "; found by skein discover, not yet in the catalog.";
  out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "skein.dev/discovered-by" << YAML::Value << "skein-discover";
  out << YAML::EndMap;
  out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "skein.dev/repo" << YAML::Value << d.repo_path;
  out << YAML::EndMap;
  out << YAML::EndMap;
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << "data-pipeline";
  out << YAML::Key << "lifecycle" << YAML::Value << "production";
  out << YAML::Key << "owner" << YAML::Value << d.owner;
  if (!d.depends_on.empty()) {
    out << YAML::Key << "dependsOn" << YAML::Value << YAML::BeginSeq;
    for (const std::string& ref : d.depends_on) out << ref;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Result<std::vector<fs::path>> WriteShadowDescriptors(const fs::path& dir,
                                                     const std::vector<ShadowDescriptor>& descriptors,
                                                     bool overwrite) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create '" + dir.string() + "': " + ec.message());
  std::vector<fs::path> paths;
  for (const ShadowDescriptor& d : descriptors) paths.push_back(dir / (d.name + ".yaml"));
  if (!overwrite) {
    std::vector<std::string> existing;
    for (const fs::path& path : paths) {
      if (fs::exists(path, ec)) existing.push_back(path.string());
    }
    if (!existing.empty()) {
      return Status::Conflict("would overwrite " + Join(existing, ", ") + " (use --force to replace)");
    }
  }
  for (size_t i = 0; i < descriptors.size(); ++i) {
    RETURN_IF_ERROR(WriteFileAtomically(paths[i], DescriptorYaml(descriptors[i])));
  }
  return paths;
}

}  // namespace skein
