// The PostgreSQL store: state shared by skein workers on many machines. Tables live in the schema
// of the connection's search_path (a URL may set it: `?options=-csearch_path%3Dname`). Opening it
// applies pending schema migrations under a transaction-scoped advisory lock, so processes
// opening it at once apply each step once; imports take another such lock, so two imports never
// both claim one entity.
//
// Thread-safety: a store object is used by one thread at a time; open one per thread.
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "store/store.h"

namespace skein::store {

// Connects to the libpq URL `url` (postgresql://... or postgres://...). Unavailable when the
// server cannot be reached; the message names host and port, never the password.
Result<std::unique_ptr<Store>> OpenPostgresStore(std::string_view url);

}  // namespace skein::store
