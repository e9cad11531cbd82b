// skein-sampledata: writes the example organisation's core.user_profile_v1 as Hive-partitioned
// Parquet (one folder per day, dt=YYYY-MM-DD), deterministically, through DuckDB.
//
//   skein-sampledata --out warehouse/core/user_profile_v1 [--users 1000] [--days 7]
//
// Columns: user_id BIGINT, email VARCHAR, country VARCHAR, signup_ts VARCHAR ("YYYY-MM-DD
// HH:MM:SS", v1 keeps timestamps as text), is_premium INTEGER (0/1), legacy_segment VARCHAR (NULL
// for a quarter of users), dt DATE (the partition).
#include <duckdb.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

int Usage() {
  std::fprintf(stderr, "usage: skein-sampledata --out DIR [--users N] [--days D]\n");
  return 2;
}

std::string QuoteLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  long users = 1000;
  long days = 7;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    if (arg == "--out") {
      out = argv[++i];
    } else if (arg == "--users") {
      users = std::strtol(argv[++i], nullptr, 10);
    } else if (arg == "--days") {
      days = std::strtol(argv[++i], nullptr, 10);
    } else {
      return Usage();
    }
  }
  if (out.empty() || users <= 0 || days <= 0 || days > 3650) return Usage();

  // Written beside the target, then renamed over it: a reader never sees half a dataset.
  std::filesystem::path target(out);
  std::filesystem::path staging = target;
  staging += ".staging";
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  std::filesystem::create_directories(target.parent_path().empty() ? "." : target.parent_path(), ec);

  std::string sql =
      "COPY (SELECT u.i AS user_id,"
      " 'user' || u.i || '@example.com' AS email,"
      " (['US','DE','FR','BR','IN','JP','GB'])[1 + CAST(hash(u.i) % 7 AS INTEGER)] AS country,"
      " strftime(TIMESTAMP '2023-01-01 00:00:00' + to_seconds(CAST(hash(u.i * 7) % 31536000 AS BIGINT)),"
      "          '%Y-%m-%d %H:%M:%S') AS signup_ts,"
      " CAST(hash(u.i * 13) % 5 = 0 AS INTEGER) AS is_premium,"
      " CASE CAST(hash(u.i * 17) % 4 AS INTEGER) WHEN 0 THEN NULL WHEN 1 THEN 'A' WHEN 2 THEN 'B'"
      "   ELSE 'C' END AS legacy_segment,"
      " DATE '2026-01-01' + CAST(d.d AS INTEGER) AS dt"
      " FROM range(1, " + std::to_string(users + 1) + ") u(i), range(0, " + std::to_string(days) +
      ") d(d) ORDER BY dt, user_id)"
      " TO " + QuoteLiteral(staging.string()) + " (FORMAT parquet, PARTITION_BY (dt))";

  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(nullptr, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
    std::fprintf(stderr, "skein-sampledata: cannot open DuckDB\n");
    return 1;
  }
  duckdb_result result;
  int code = 0;
  if (duckdb_query(con, sql.c_str(), &result) != DuckDBSuccess) {
    std::fprintf(stderr, "skein-sampledata: %s\n", duckdb_result_error(&result));
    code = 1;
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  if (code != 0) return code;

  std::filesystem::remove_all(target, ec);
  std::filesystem::rename(staging, target, ec);
  if (ec) {
    std::fprintf(stderr, "skein-sampledata: cannot move %s into place: %s\n", staging.c_str(), ec.message().c_str());
    return 1;
  }
  std::printf("skein-sampledata: %ld rows in %ld partitions under %s\n", users * days, days, target.c_str());
  return 0;
}
