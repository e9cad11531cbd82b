// The dashboard's files (server/assets/), compiled into the binary by embed_assets.cmake, so
// that `skein serve` needs nothing beside itself and no request can reach the file system.
#pragma once

#include <string_view>

namespace skein::server {

struct Asset {
  std::string_view name;  // "index.html", "app.js", ...
  std::string_view body;
};

// The asset with exactly this name, or nullptr.
const Asset* FindAsset(std::string_view name);

}  // namespace skein::server
