// Backstage catalog REST client (see backstage_client.h), on cpp-httplib.
//
// Thread-safety: free functions; each call owns its httplib::Client.
#include "catalog/backstage_client.h"

#include <httplib.h>

#include <map>
#include <set>

#include "base/text.h"
#include "catalog/validate.h"

namespace skein {
namespace {

using nlohmann::json;

// "https://host:port/prefix/" -> {"https://host:port", "/prefix"}.
struct SplitUrl {
  std::string scheme_host_port;
  std::string prefix;
};

Result<SplitUrl> ParseBaseUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos || (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
    return Status::InvalidInput("'" + url + "' is not an http:// or https:// URL");
  }
  size_t slash = url.find('/', scheme + 3);
  SplitUrl out{url.substr(0, slash), slash == std::string::npos ? "" : url.substr(slash)};
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (out.scheme_host_port.size() <= scheme + 3) return Status::InvalidInput("'" + url + "' names no host");
  return out;
}

std::string PageTarget(const SplitUrl& base, const BackstageQuery& query, const std::string& cursor) {
  std::string target =
      base.prefix + "/api/catalog/entities/by-query?limit=" + std::to_string(query.page_size);
  if (!cursor.empty()) return target + "&cursor=" + httplib::detail::encode_query_param(cursor);
  for (const std::string& filter : query.filters)
    target += "&filter=" + httplib::detail::encode_query_param(filter);
  return target;
}

Status HttpStatusError(int status, const std::string& url, const std::string& body) {
  std::string brief = body.substr(0, 200);
  if (status == 401 || status == 403) {
    return Status::InvalidInput(url + ": token rejected (HTTP " + std::to_string(status) + ")");
  }
  if (status == 404) return Status::NotFound(url + ": no Backstage catalog API here (HTTP 404)");
  return Status::Unavailable(url + ": HTTP " + std::to_string(status) + (brief.empty() ? "" : ": " + brief));
}

// One page: its items and the cursor of the next page ("" at the end).
struct Page {
  json items;
  std::string next_cursor;
};

Result<Page> FetchPage(httplib::Client& client, const SplitUrl& base, const BackstageQuery& query,
                       const std::string& cursor) {
  std::string target = PageTarget(base, query, cursor);
  std::string url = base.scheme_host_port + target;
  auto response = client.Get(target.c_str());
  if (!response) {
    return Status::Unavailable("cannot reach Backstage at " + query.base_url + ": " +
                               httplib::to_string(response.error()));
  }
  if (response->status < 200 || response->status >= 300)
    return HttpStatusError(response->status, url, response->body);
  json body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("items") || !body["items"].is_array()) {
    return Status::Unavailable(url + ": the answer is not a Backstage by-query page ({items, pageInfo})");
  }
  Page page{std::move(body["items"]), ""};
  if (auto info = body.find("pageInfo"); info != body.end() && info->is_object()) {
    if (auto next = info->find("nextCursor"); next != info->end() && next->is_string())
      page.next_cursor = next->get<std::string>();
  }
  return page;
}

// A name for an entity in messages, even when it is malformed.
std::string RefForMessage(const json& item) {
  if (!item.is_object()) return "?";
  auto str = [](const json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string("?");
  };
  auto md = item.find("metadata");
  json metadata = md != item.end() && md->is_object() ? *md : json::object();
  std::string ns = metadata.contains("namespace") ? str(metadata, "namespace") : "default";
  return ToLower(str(item, "kind")) + ":" + ns + "/" + str(metadata, "name");
}

// Validates one page's items into `entities`; problems go to `errors`.
void AddItems(const json& items, const std::string& url, std::vector<Entity>& entities,
              std::set<std::string>& seen, std::vector<std::string>& errors) {
  for (const json& item : items) {
    std::string where = url + " (" + RefForMessage(item) + ")";
    std::vector<EntityProblem> problems = ValidateEntity(item);
    for (const EntityProblem& p : problems) {
      errors.push_back(where + ": " + (p.pointer.empty() ? "" : p.pointer + ": ") + p.message);
    }
    if (!problems.empty()) continue;
    auto entity = Entity::FromJson(item);
    if (!entity.ok()) {
      errors.push_back(where + ": " + entity.status().message());
      continue;
    }
    if (!seen.insert(entity->Ref().Key()).second) {
      errors.push_back(where + ": returned twice");
      continue;
    }
    entity->origin = url;
    entities.push_back(std::move(entity).value());
  }
}

}  // namespace

Result<std::vector<Entity>> FetchBackstageEntities(const BackstageQuery& query) {
  ASSIGN_OR_RETURN(SplitUrl base, ParseBaseUrl(query.base_url));
  if (query.page_size <= 0) return Status::InvalidInput("page size must be positive");
  httplib::Client client(base.scheme_host_port);
  client.set_connection_timeout(query.timeout_seconds, 0);
  client.set_read_timeout(query.timeout_seconds, 0);
  client.set_follow_location(true);
  if (!query.token.empty()) client.set_bearer_token_auth(query.token);

  std::string url = base.scheme_host_port + base.prefix;
  std::vector<Entity> entities;
  std::vector<std::string> errors;
  std::set<std::string> seen_refs;
  std::set<std::string> seen_cursors;
  std::string cursor;
  do {
    ASSIGN_OR_RETURN(Page page, FetchPage(client, base, query, cursor));
    AddItems(page.items, url, entities, seen_refs, errors);
    cursor = page.next_cursor;
    // A server that hands out a cursor twice would page forever.
    if (!cursor.empty() && !seen_cursors.insert(cursor).second) {
      return Status::Unavailable(url + ": the catalog API repeated cursor '" + cursor + "'");
    }
  } while (!cursor.empty());
  if (!errors.empty()) return Status::InvalidInput(Join(errors, "\n"));
  return entities;
}

}  // namespace skein
