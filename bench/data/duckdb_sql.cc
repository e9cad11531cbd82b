// duckdb-sql: runs SQL statements in one DuckDB database (in memory, or --db FILE) and prints
// each result as tab-separated text, with the wall time of each statement on stderr. The data
// benchmarks (bench/data/diff/run, bench/data/migrate/run) use it to generate their data and to
// run the plain DuckDB baselines skein is compared with. Not part of skein: built by the run
// scripts.
//
//   duckdb-sql [--db FILE] [--threads N] SQL...     each argument is one statement
//   duckdb-sql [--db FILE] [--threads N] < FILE     no SQL argument: stdin is one script (statements
//                                                   separated by ';', sent in one call)

#include <duckdb.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

void PrintResult(duckdb_result& result) {
  idx_t columns = duckdb_column_count(&result);
  idx_t rows = duckdb_row_count(&result);
  for (idx_t r = 0; r < rows; ++r) {
    for (idx_t c = 0; c < columns; ++c) {
      char* value = duckdb_value_varchar(&result, c, r);
      std::printf("%s%s", c > 0 ? "\t" : "", value != nullptr ? value : "NULL");
      duckdb_free(value);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string file;
  std::string threads;
  int first = 1;
  while (first < argc && std::strncmp(argv[first], "--", 2) == 0) {
    if (std::strcmp(argv[first], "--db") == 0 && first + 1 < argc) {
      file = argv[first + 1];
    } else if (std::strcmp(argv[first], "--threads") == 0 && first + 1 < argc) {
      threads = argv[first + 1];
    } else {
      std::fprintf(stderr, "usage: duckdb-sql [--db FILE] [--threads N] [SQL...]\n");
      return 2;
    }
    first += 2;
  }
  std::vector<std::string> statements(argv + first, argv + argc);
  if (statements.empty()) {
    statements.emplace_back(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }

  duckdb_database db = nullptr;
  duckdb_connection conn = nullptr;
  duckdb_config config = nullptr;
  duckdb_create_config(&config);
  if (!threads.empty()) duckdb_set_config(config, "threads", threads.c_str());
  char* error = nullptr;
  if (duckdb_open_ext(file.empty() ? nullptr : file.c_str(), &db, config, &error) != DuckDBSuccess) {
    std::fprintf(stderr, "duckdb-sql: cannot open: %s\n", error != nullptr ? error : "?");
    return 1;
  }
  duckdb_destroy_config(&config);
  if (duckdb_connect(db, &conn) != DuckDBSuccess) return 1;
  int code = 0;
  for (size_t i = 0; i < statements.size() && code == 0; ++i) {
    auto start = std::chrono::steady_clock::now();
    duckdb_result result;
    if (duckdb_query(conn, statements[i].c_str(), &result) != DuckDBSuccess) {
      std::fprintf(stderr, "duckdb-sql: %s\n", duckdb_result_error(&result));
      code = 1;
    } else {
      PrintResult(result);
    }
    duckdb_destroy_result(&result);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "duckdb-sql: statement %zu: %.3f s\n", i + 1, seconds);
  }
  std::fflush(stdout);
  duckdb_disconnect(&conn);
  duckdb_close(&db);
  return code;
}
