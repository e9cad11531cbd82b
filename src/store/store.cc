// OpenStore and StoreUrlFrom: from a store URL to the backend that serves it.
#include "store/store.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "pg/pg_conn.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace skein {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Result<std::unique_ptr<Store>> OpenDefaultStore() {
  std::error_code ec;
  std::filesystem::path folder = std::filesystem::current_path(ec) / ".skein";
  if (!ec) std::filesystem::create_directories(folder, ec);
  if (ec) return Status::IoError("cannot create the store folder " + folder.string() + ": " + ec.message());
  return store::OpenSqliteStore(folder / "skein.db");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url.empty()) return OpenDefaultStore();
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://"))
    return store::OpenPostgresStore(url);
  std::string_view path = url;
  if (StartsWith(url, "sqlite:")) {
    path = url.substr(7);
    if (StartsWith(path, "//")) path = path.substr(2);  // sqlite:///abs/path
  } else if (size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    return Status::InvalidInput("unsupported store URL " + pg::RedactPasswords(url) +
                                ": expected postgresql://..., sqlite:PATH or a file path");
  }
  if (path.empty()) return Status::InvalidInput("store URL " + std::string(url) + " names no SQLite file");
  return store::OpenSqliteStore(std::filesystem::path(path));
}

std::string StoreUrlFrom(std::string_view flag_value) {
  if (!flag_value.empty()) return std::string(flag_value);
  const char* env = std::getenv("SKEIN_STORE");
  return env != nullptr ? std::string(env) : std::string();
}

}  // namespace skein
