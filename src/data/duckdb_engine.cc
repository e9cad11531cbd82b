// The DuckDB SqlEngine (see engine.h): an in-memory database that reads files through table
// functions, ATTACHes DuckDB database files under a name of its own, one per file, and loads Avro
// files (which this DuckDB cannot read) into temporary tables through data/avro_reader.h.
#include <filesystem>
#include <map>

#include "base/text.h"
#include "data/avro_reader.h"
#include "data/duckdb_conn.h"
#include "data/engine.h"
#include "data/sql_text.h"

namespace skein {
namespace {

using duckdb_internal::DuckDb;

// Rows per batch read from an Avro file and appended: the load holds one batch in memory.
constexpr size_t kAvroBatchRows = 10000;

// The key a file, folder or glob is remembered under.
std::string PathKey(const std::string& path) {
  std::error_code ec;
  // Absolute first: a relative path's canonical form changes once the file exists.
  std::string key = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec).string();
  return ec || key.empty() ? path : key;
}

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
    if (location.format == DatasetLocation::Format::kAvro) {
      return Status::InvalidInput("location '" + location.ToString() +
                                  "' is Avro files, which skein reads but never writes");
    }
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
      case DatasetLocation::Format::kAvro:
        return LoadAvro(location);
      default:
        return duckdb_internal::FileReader(location);
    }
  }

 private:
  // The catalog name a DuckDB file is attached under.
  Result<std::string> Attach(const std::string& path, bool create) {
    std::string key = PathKey(path);
    if (auto it = attached_.find(key); it != attached_.end()) return it->second;
    std::error_code ec;
    if (!create && !std::filesystem::is_regular_file(path, ec)) {
      return Status::NotFound("no such DuckDB file: " + path);
    }
    std::string alias = "skein_db_" + std::to_string(attached_.size() + 1);
    RETURN_IF_ERROR(db_.Query("ATTACH " + QuoteLiteral(path) + " AS " + QuoteIdentifier(alias)).status());
    attached_.emplace(key, alias);
    return alias;
  }

  // The quoted name of a temporary table holding the rows of the Avro files at `location`,
  // loaded on first use. The load is one transaction (ours unless the caller has one open) and
  // the table is dropped when it fails, so a bad file leaves no half-loaded table behind.
  Result<std::string> LoadAvro(const DatasetLocation& location) {
    std::string key = PathKey(location.path);
    if (auto it = avro_tables_.find(key); it != avro_tables_.end()) {
      // A caller's rollback may have taken the table away since: then it is loaded again.
      if (db_.Query("SELECT 1 FROM " + it->second + " LIMIT 0").ok()) return it->second;
      avro_tables_.erase(it);
    }
    ASSIGN_OR_RETURN(AvroFileSet avro, ReadAvroFileSet(location.path));
    std::string table = "skein_avro_" + std::to_string(++avro_loads_);
    std::string name = QuoteIdentifier("temp") + "." + QuoteIdentifier("main") + "." + QuoteIdentifier(table);
    std::vector<std::string> columns;
    for (const auto& column : avro.schema.columns) {
      columns.push_back(QuoteIdentifier(column.name) + " " + column.type);
    }
    bool own = !in_transaction_;
    if (own) RETURN_IF_ERROR(Begin());
    Status status = Execute("CREATE TEMPORARY TABLE " + name + " (" + Join(columns, ", ") + ")");
    for (size_t i = 0; status.ok() && i < avro.files.size(); ++i) {
      const std::string& file = avro.files[i];
      status = ReadAvroRows(file, kAvroBatchRows, [&](const RowSet& batch) {
        Status appended = Append({"temp", "main", table}, batch);
        return appended.ok() ? appended : appended.WithContext(file);
      });
    }
    if (status.ok() && own) status = Commit();
    if (!status.ok()) {
      if (in_transaction_ && own) (void)Rollback();
      (void)Execute("DROP TABLE IF EXISTS " + name);
      return status.WithContext("loading " + location.ToString());
    }
    avro_tables_.emplace(key, name);
    return name;
  }

  DuckDb db_;
  std::map<std::string, std::string> attached_;     // canonical path -> catalog alias
  std::map<std::string, std::string> avro_tables_;  // canonical path or glob -> temporary table
  int avro_loads_ = 0;
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
