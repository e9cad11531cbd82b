// Reading a running Backstage backend's catalog through its REST API:
// GET {base}/api/catalog/entities/by-query?limit=N[&filter=...] and then &cursor=C until the
// response's pageInfo has no nextCursor. Entities are validated exactly as descriptor files are
// (validate.h); problems name the URL and the entity ref instead of file:line:col.
//
// Thread-safety: free functions; each call uses its own HTTP connection.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/entity.h"

namespace skein {

struct BackstageQuery {
  std::string base_url;              // "http://localhost:7007" or "https://backstage.example.com/prefix"
  std::string token;                 // sent as "Authorization: Bearer <token>"; "" sends none
  std::vector<std::string> filters;  // each one `filter=` parameter, e.g. "kind=component"
  int page_size = 200;
  int timeout_seconds = 30;
};

// Every entity the backend returns, following cursor pages. Entity::origin is the base URL.
// InvalidInput for a rejected token or invalid entities (one line per problem), NotFound when
// the URL has no catalog API, Unavailable when the server cannot be reached or answers badly.
Result<std::vector<Entity>> FetchBackstageEntities(const BackstageQuery& query);

}  // namespace skein
