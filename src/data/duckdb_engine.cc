// The DuckDB SqlEngine (see engine.h): an in-memory database that reads files through table
// functions and ATTACHes DuckDB database files under a name of its own, one per file.
#include <filesystem>
#include <map>

#include "base/text.h"
#include "data/duckdb_conn.h"
#include "data/engine.h"
#include "data/sql_text.h"

namespace skein {
namespace {

using duckdb_internal::DuckDb;

class DuckDbEngine final : public SqlEngine {
 public:
  Status Open() { return db_.Open({{"autoinstall_known_extensions", "false"}}); }

  EngineKind kind() const override { return EngineKind::kDuckDb; }
  std::string description() const override { return "DuckDB (in memory)"; }

  Result<RowSet> Query(std::string_view sql) override { return db_.Query(std::string(sql)); }
  Status Execute(std::string_view sql) override { return db_.Query(std::string(sql)).status(); }
  Status Scan(std::string_view sql, size_t batch_rows,
              const std::function<Status(const RowSet&)>& sink) override {
    return db_.Scan(std::string(sql), batch_rows, sink);
  }
  Status Append(const std::vector<std::string>& table, const RowSet& rows) override {
    if (table.size() != 2 && table.size() != 3) {
      return Status::InvalidInput("a table name of 2 or 3 parts, not " + Join(table, "."));
    }
    // All or nothing, as PostgreSQL's COPY: the appender flushes the rows before a bad value, so
    // it runs in a transaction, ours unless the caller has one open (then its rollback is theirs).
    bool own = !in_transaction_;
    if (own) RETURN_IF_ERROR(Begin());
    Status status = table.size() == 2 ? db_.Append("", table[0], table[1], rows)
                                      : db_.Append(table[0], table[1], table[2], rows);
    if (!own) return status;
    if (!status.ok()) {
      (void)Rollback();
      return status;
    }
    return Commit();
  }
  // A failed BEGIN would abort an open transaction in DuckDB: the engine keeps track instead.
  Status Begin() override {
    RETURN_IF_ERROR(Execute("BEGIN TRANSACTION"));
    in_transaction_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    in_transaction_ = false;  // a failed COMMIT ends the transaction too
    return Execute("COMMIT");
  }
  Status Rollback() override {
    in_transaction_ = false;
    return Execute("ROLLBACK");
  }

  Result<std::string> TableName(const DatasetLocation& location) override {
    if (location.format != DatasetLocation::Format::kDuckDb) {
      return Status::InvalidInput("location '" + location.ToString() + "' is files, not a table");
    }
    ASSIGN_OR_RETURN(std::string alias, Attach(location.path, /*create=*/true));
    return QuoteIdentifier(alias) + "." + QuoteQualifiedName(location.table);
  }

  Result<std::string> Relation(const DatasetLocation& location) override {
    switch (location.format) {
      case DatasetLocation::Format::kPostgres:
        return Status::InvalidInput("DuckDB does not read PostgreSQL tables: '" + location.ToString() + "'");
      case DatasetLocation::Format::kDuckDb: {
        ASSIGN_OR_RETURN(std::string alias, Attach(location.path, /*create=*/false));
        std::string name = QuoteIdentifier(alias) + "." + QuoteQualifiedName(location.table);
        // A missing table is NotFound, as a missing file is.
        Result<RowSet> probe = db_.Query("SELECT 1 FROM " + name + " LIMIT 0");
        if (!probe.ok() && probe.status().message().find("does not exist") != std::string::npos) {
          return Status::NotFound("no table " + location.table + " in " + location.path);
        }
        RETURN_IF_ERROR(probe.status());
        return name;
      }
      default:
        return duckdb_internal::FileReader(location);
    }
  }

 private:
  // The catalog name a DuckDB file is attached under.
  Result<std::string> Attach(const std::string& path, bool create) {
    std::error_code ec;
    std::string key = std::filesystem::weakly_canonical(path, ec).string();
    if (ec || key.empty()) key = path;
    if (auto it = attached_.find(key); it != attached_.end()) return it->second;
    if (!create && !std::filesystem::is_regular_file(path, ec)) {
      return Status::NotFound("no such DuckDB file: " + path);
    }
    std::string alias = "skein_db_" + std::to_string(attached_.size() + 1);
    RETURN_IF_ERROR(db_.Query("ATTACH " + QuoteLiteral(path) + " AS " + QuoteIdentifier(alias)).status());
    attached_.emplace(key, alias);
    return alias;
  }

  DuckDb db_;
  std::map<std::string, std::string> attached_;  // canonical path -> catalog alias
  bool in_transaction_ = false;
};

}  // namespace

std::string_view EngineKindName(EngineKind kind) {
  return kind == EngineKind::kDuckDb ? "duckdb" : "postgresql";
}

Result<std::unique_ptr<SqlEngine>> OpenDuckDbEngine() {
  auto engine = std::make_unique<DuckDbEngine>();
  RETURN_IF_ERROR(engine->Open());
  return std::unique_ptr<SqlEngine>(std::move(engine));
}

Result<std::unique_ptr<SqlEngine>> OpenEngineFor(const DatasetLocation& location) {
  if (location.format == DatasetLocation::Format::kPostgres) return OpenPostgresEngine(location.path);
  return OpenDuckDbEngine();
}

}  // namespace skein
