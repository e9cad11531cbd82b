// Fresh, empty store databases for the store tests: a SQLite file in a temporary folder, or a
// PostgreSQL schema of random name in the test server (the URL sets search_path to it), dropped
// at the end. Raw SQL access lets a test arrange what the Store API cannot (a newer schema, a
// failing trigger) and look at tables the API does not expose.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace skein::testing {

class StoreDatabase {
 public:
  virtual ~StoreDatabase() = default;
  // A URL for OpenStore; every store opened with it shares this database.
  virtual std::string url() const = 0;
  // Runs statements directly; fails the test on error.
  virtual void Exec(const std::string& sql) = 0;
  // The first column of the first row of `sql`, as text ("" when there is no row).
  virtual std::string QueryText(const std::string& sql) = 0;
  // Installs a trigger that makes storing the entity with ref key `key` fail.
  virtual void MakeStoringFail(const std::string& key) = 0;
};

// kind: "sqlite" or "postgresql".
std::unique_ptr<StoreDatabase> NewStoreDatabase(std::string_view kind);

}  // namespace skein::testing
