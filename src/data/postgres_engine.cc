// The PostgreSQL SqlEngine (see engine.h), over pg/'s libpq wrapper. Scans read through a
// cursor a batch at a time; appends go through COPY FROM STDIN in text format.
#include <algorithm>

#include "base/text.h"
#include "data/engine.h"
#include "data/postgres_schema.h"
#include "data/sql_text.h"
#include "pg/pg_conn.h"

namespace skein {
namespace {

RowSet RowsOf(const pg::PgResult& result) {
  RowSet out;
  for (int c = 0; c < result.columns(); ++c) out.columns.push_back(result.ColumnName(c));
  out.rows.resize(static_cast<size_t>(result.rows()));
  for (int r = 0; r < result.rows(); ++r) {
    auto& row = out.rows[static_cast<size_t>(r)];
    row.reserve(out.columns.size());
    for (int c = 0; c < result.columns(); ++c) {
      if (result.IsNull(r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(result.Text(r, c));
      }
    }
  }
  return out;
}

// A value in COPY's text format: backslash, tab, newline and carriage return escaped; NULL is \N.
void AppendCopyValue(const Value& value, std::string* out) {
  if (!value) {
    *out += "\\N";
    return;
  }
  for (char c : *value) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        *out += c;
    }
  }
}

class PostgresEngine final : public SqlEngine {
 public:
  explicit PostgresEngine(pg::PgConnection conn, std::string url)
      : conn_(std::move(conn)), description_("PostgreSQL at " + RedactUrl(url)) {}

  EngineKind kind() const override { return EngineKind::kPostgres; }
  std::string description() const override { return description_; }

  Result<RowSet> Query(std::string_view sql) override {
    ASSIGN_OR_RETURN(pg::PgResult result, conn_.Exec(sql));
    return RowsOf(result);
  }
  Status Execute(std::string_view sql) override { return conn_.Exec(sql).status(); }

  Status Scan(std::string_view sql, size_t batch_rows,
              const std::function<Status(const RowSet&)>& sink) override {
    // A cursor lives in a transaction: one of ours unless the caller has one open.
    bool own = !in_transaction_;
    if (own) RETURN_IF_ERROR(Begin());
    batch_rows = std::max<size_t>(batch_rows, 1);  // FETCH 0 would re-read the current row
    std::string cursor = "skein_scan_" + std::to_string(++cursors_);
    Status status = conn_.Exec("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + std::string(sql)).status();
    bool declared = status.ok();
    while (status.ok()) {
      Result<pg::PgResult> batch = conn_.Exec("FETCH " + std::to_string(batch_rows) + " FROM " + cursor);
      if (!batch.ok()) {
        status = batch.status();
        break;
      }
      if (batch->rows() == 0) break;
      status = sink(RowsOf(*batch));
      if (batch->rows() < static_cast<int>(batch_rows)) break;
    }
    if (status.ok()) {
      status = conn_.Exec("CLOSE " + cursor).status();
    } else if (declared && !own) {
      (void)conn_.Exec("CLOSE " + cursor);  // a sink's error leaves the caller's transaction usable
    }
    if (own) {
      if (status.ok()) return Commit();
      (void)Rollback();
    }
    return status;
  }

  Status Append(const std::vector<std::string>& table, const RowSet& rows) override {
    std::vector<std::string> quoted;
    for (const auto& part : table) quoted.push_back(QuoteIdentifier(part));
    std::string data;
    for (const auto& row : rows.rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) data += '\t';
        AppendCopyValue(row[i], &data);
      }
      data += '\n';
    }
    return conn_.CopyIn("COPY " + Join(quoted, ".") + " FROM STDIN", data);
  }

  Status Begin() override {
    RETURN_IF_ERROR(Execute("BEGIN"));
    in_transaction_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    in_transaction_ = false;
    return Execute("COMMIT");
  }
  Status Rollback() override {
    in_transaction_ = false;
    return Execute("ROLLBACK");
  }

  Result<std::string> TableName(const DatasetLocation& location) override {
    if (location.format != DatasetLocation::Format::kPostgres) {
      return Status::InvalidInput("PostgreSQL does not write '" + location.ToString() + "'");
    }
    return QualifiedTable(location.table);
  }

  Result<std::string> Relation(const DatasetLocation& location) override {
    if (location.format == DatasetLocation::Format::kAvro) {
      return Status::InvalidInput(
          "PostgreSQL cannot read Avro files; '" + location.ToString() +
          "' is read with DuckDB (a migration from Avro writes v2 as Parquet files or "
          "a DuckDB table)");
    }
    ASSIGN_OR_RETURN(std::string name, TableName(location));
    Result<pg::PgResult> probe = conn_.Exec("SELECT 1 FROM " + name + " LIMIT 0");
    if (!probe.ok() && probe.status().message().find("does not exist") != std::string::npos) {
      return Status::NotFound("no table " + location.table + " in " + description_);
    }
    RETURN_IF_ERROR(probe.status());
    return name;
  }

 private:
  static std::string QualifiedTable(const std::string& table) {
    return table.find('.') == std::string::npos ? QuoteIdentifier("public") + "." + QuoteIdentifier(table)
                                                : QuoteQualifiedName(table);
  }

  pg::PgConnection conn_;
  std::string description_;
  bool in_transaction_ = false;
  int cursors_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqlEngine>> OpenPostgresEngine(std::string_view url) {
  ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(url));
  return std::unique_ptr<SqlEngine>(std::make_unique<PostgresEngine>(std::move(conn), std::string(url)));
}

}  // namespace skein
