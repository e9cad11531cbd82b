// Descriptor files, folders and Location targets (see descriptor_reader.h).
//
// Thread-safety: a CatalogReader lives for one ReadCatalogPaths call on one thread.
#include "catalog/descriptor_reader.h"

#include <fnmatch.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "base/text.h"
#include "catalog/marked_yaml.h"
#include "catalog/validate.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsYamlFile(const fs::path& path) {
  std::string ext = ToLower(path.extension().string());
  return ext == ".yaml" || ext == ".yml";
}

bool IsHidden(const fs::path& path) {
  std::string name = path.filename().string();
  return name.size() > 1 && name[0] == '.' && name != "..";
}

fs::path Canonical(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return path.lexically_normal();
  fs::path canonical = fs::weakly_canonical(absolute, ec);
  return ec ? absolute.lexically_normal() : canonical;
}

// The Location targets of a valid Location entity, with their JSON pointers.
std::vector<std::pair<std::string, std::string>> LocationTargets(const json& spec) {
  std::vector<std::pair<std::string, std::string>> targets;
  if (auto it = spec.find("target"); it != spec.end() && it->is_string()) {
    targets.emplace_back(it->get<std::string>(), "/spec/target");
  }
  if (auto it = spec.find("targets"); it != spec.end() && it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      if ((*it)[i].is_string())
        targets.emplace_back((*it)[i].get<std::string>(), "/spec/targets/" + std::to_string(i));
    }
  }
  return targets;
}

class CatalogReader {
 public:
  explicit CatalogReader(CatalogRead& out) : out_(out) {}

  void ReadRoot(const fs::path& path) {
    out_.sets.push_back(DescriptorSet{Canonical(path).string(), {}, 0});
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      ReadFolder(path);
    } else if (fs::exists(path, ec)) {
      ReadDescriptorFile(path);
    } else {
      out_.errors.push_back(path.string() + ": no such file or folder");
    }
  }

  // Reads one descriptor text into the current set. `file` is where Location targets resolve
  // from; nullptr leaves them unread.
  void ReadText(const std::string& text, const std::string& display, const std::string& origin,
                const fs::path* file) {
    auto docs = ParseMarkedYaml(text, display);
    if (!docs.ok()) {
      for (std::string& line : Split(docs.status().message(), '\n')) Error(std::move(line));
      return;
    }
    for (const MarkedDocument& doc : *docs) ReadDocument(doc, display, origin, file);
  }

 private:
  void ReadFolder(const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
    if (ec) return Error(folder.string() + ": cannot list: " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return Error(folder.string() + ": cannot list: " + ec.message());
      if (IsHidden(it->path())) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && IsYamlFile(it->path())) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      auto text = ReadFile(file);
      // Folders hold other YAML (CI, Helm, dbt): only files that speak Backstage are descriptors.
      if (text.ok() && text->find("backstage.io/") == std::string::npos) continue;
      ReadDescriptorFile(file);
    }
  }

  void ReadDescriptorFile(const fs::path& file) {
    fs::path canonical = Canonical(file);
    if (!read_files_.insert(canonical).second) return;  // read already: a Location cycle or overlap
    auto text = ReadFile(file);
    if (!text.ok()) return Error(text.status().message());
    out_.sets.back().files++;
    ReadText(*text, file.lexically_normal().string(), canonical.string(), &file);
  }

  void ReadDocument(const MarkedDocument& doc, const std::string& display, const std::string& origin,
                    const fs::path* file) {
    if (doc.value.is_null()) return;  // an empty document, e.g. after a trailing "---"
    std::vector<EntityProblem> problems = ValidateEntity(doc.value);
    for (const EntityProblem& problem : problems) {
      ErrorAt(display, doc.Find(problem.pointer, problem.at_key), problem.message);
    }
    if (!problems.empty()) return;
    auto entity = Entity::FromJson(doc.value);
    if (!entity.ok()) return ErrorAt(display, doc.start, entity.status().message());
    entity->origin = origin;
    entity->origin_line = doc.start.line;
    std::string where = display + ":" + std::to_string(doc.start.line);
    auto [it, added] = defined_at_.emplace(entity->Ref().Key(), where);
    if (!added) {
      return ErrorAt(display, doc.start,
                     "entity " + entity->Ref().Key() + " is already defined at " + it->second);
    }
    bool is_location = entity->kind == "Location";
    out_.sets.back().entities.push_back(std::move(entity).value());
    if (is_location && file != nullptr) FollowLocation(doc, *file, display);
  }

  void FollowLocation(const MarkedDocument& doc, const fs::path& file, const std::string& display) {
    const json& spec = doc.value["spec"];
    std::string type = spec.value("type", "file");
    for (const auto& [target, pointer] : LocationTargets(spec)) {
      SourcePosition at = doc.Find(pointer);
      if (target.find("://") != std::string::npos || (type != "file" && type != "url")) {
        Warn(display, at,
             "target '" + target + "' (type " + type + ") is not a local file; not read" +
                 " (import a running Backstage with --backstage URL)");
        continue;
      }
      std::string local = target.rfind("file:", 0) == 0 ? target.substr(5) : target;
      fs::path resolved =
          (fs::path(local).is_absolute() ? fs::path(local) : file.parent_path() / local).lexically_normal();
      ReadTarget(resolved, target, display, at);
    }
  }

  void ReadTarget(const fs::path& resolved, const std::string& target, const std::string& display,
                  SourcePosition at) {
    std::string pattern = resolved.filename().string();
    std::error_code ec;
    if (pattern.find_first_of("*?[") == std::string::npos) {
      if (fs::is_directory(resolved, ec)) return ReadFolder(resolved);
      if (!fs::is_regular_file(resolved, ec)) {
        return ErrorAt(display, at,
                       "Location target '" + target + "' does not exist (" + resolved.string() + ")");
      }
      return ReadDescriptorFile(resolved);
    }
    std::vector<fs::path> matches;
    std::error_code list_ec;
    for (fs::directory_iterator it(resolved.parent_path(), list_ec), end; !list_ec && it != end;
         it.increment(list_ec)) {
      if (it->is_regular_file(ec) &&
          fnmatch(pattern.c_str(), it->path().filename().c_str(), FNM_PERIOD) == 0) {
        matches.push_back(it->path());
      }
    }
    if (matches.empty()) return ErrorAt(display, at, "Location target '" + target + "' matches no file");
    std::sort(matches.begin(), matches.end());
    for (const fs::path& match : matches) ReadDescriptorFile(match);
  }

  void Error(std::string message) { out_.errors.push_back(std::move(message)); }
  void ErrorAt(const std::string& file, SourcePosition at, const std::string& message) {
    Error(Status::InvalidInputAt(file, at.line, at.col, message).message());
  }
  void Warn(const std::string& file, SourcePosition at, const std::string& message) {
    out_.warnings.push_back(Status::InvalidInputAt(file, at.line, at.col, message).message());
  }

  CatalogRead& out_;
  std::set<fs::path> read_files_;                  // canonical paths read in this run
  std::map<std::string, std::string> defined_at_;  // entity ref key -> "file:line"
};

}  // namespace

Status CatalogRead::status(size_t max_errors) const {
  if (errors.empty()) return Status::Ok();
  std::vector<std::string> shown(errors.begin(), errors.begin() + std::min(max_errors, errors.size()));
  if (errors.size() > shown.size())
    shown.push_back("... and " + std::to_string(errors.size() - shown.size()) + " more");
  return Status::InvalidInput(Join(shown, "\n"));
}

CatalogRead ReadCatalogPaths(const std::vector<std::filesystem::path>& paths) {
  CatalogRead out;
  CatalogReader reader(out);
  for (const auto& path : paths) reader.ReadRoot(path);
  return out;
}

Result<std::vector<Entity>> ParseDescriptors(std::string_view yaml, std::string_view origin) {
  CatalogRead out;
  out.sets.emplace_back();
  CatalogReader reader(out);
  reader.ReadText(std::string(yaml), std::string(origin), std::string(origin), nullptr);
  RETURN_IF_ERROR(out.status(std::numeric_limits<size_t>::max()));
  return std::move(out.sets.back().entities);
}

}  // namespace skein
