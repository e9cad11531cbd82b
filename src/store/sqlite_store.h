// The SQLite store: the embedded default, one database file (WAL) that threads and processes on
// one machine share. Opening it applies pending schema migrations under BEGIN IMMEDIATE, so two
// processes opening it at once apply each step once.
//
// Thread-safety: a store object is used by one thread at a time; open one per thread.
#pragma once

#include <filesystem>
#include <memory>

#include "base/status.h"
#include "store/store.h"

namespace skein::store {

// Opens (creating) the SQLite store at `path`; its folder must exist.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

}  // namespace skein::store
