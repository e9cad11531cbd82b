// trace-duckdb.so: an LD_PRELOAD library that logs every DuckDB C API call a program makes to
// prepare, run or parse SQL, with its wall time, so the migration benchmark
// (bench/data/migrate/run --trace) can tell where `skein data run` and `verify` spend their time.
// Not part of skein: built by the run script. Only calls through libduckdb.so's dynamic symbols
// are seen; a program that links DuckDB statically logs nothing.
//
//   SKEIN_BENCH_TRACE=FILE LD_PRELOAD=trace-duckdb.so skein ...
//
// Each line of FILE: "<call>\t<seconds>\t<SQL on one line>", call being open, parse (extract
// statements), prepare, execute (a prepared statement, or a pending one: the SQL of its
// prepare), or query (duckdb_query).
#include <dlfcn.h>
#include <duckdb.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace {

std::mutex mutex;
std::map<const void*, std::string> sql_of;  // prepared or pending statement -> its SQL

template <typename F>
F Real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void Log(const char* call, double start, const std::string& sql) {
  static FILE* out = [] {
    const char* path = std::getenv("SKEIN_BENCH_TRACE");
    return path != nullptr ? std::fopen(path, "a") : nullptr;
  }();
  if (out == nullptr) return;
  std::string line = sql;
  for (char& c : line) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  std::fprintf(out, "%s\t%.6f\t%s\n", call, Now() - start, line.c_str());
  std::fflush(out);
}

std::string SqlOf(const void* handle) {
  auto it = sql_of.find(handle);
  return it == sql_of.end() ? std::string("?") : it->second;
}

}  // namespace

extern "C" {

duckdb_state duckdb_open_ext(const char* path, duckdb_database* db, duckdb_config config, char** error) {
  static auto real = Real<decltype(&duckdb_open_ext)>("duckdb_open_ext");
  double start = Now();
  duckdb_state state = real(path, db, config, error);
  std::lock_guard<std::mutex> lock(mutex);
  Log("open", start, path != nullptr ? path : ":memory:");
  return state;
}

idx_t duckdb_extract_statements(duckdb_connection c, const char* query, duckdb_extracted_statements* out) {
  static auto real = Real<decltype(&duckdb_extract_statements)>("duckdb_extract_statements");
  double start = Now();
  idx_t count = real(c, query, out);
  std::lock_guard<std::mutex> lock(mutex);
  Log("parse", start, query);
  return count;
}

duckdb_state duckdb_prepare(duckdb_connection c, const char* query, duckdb_prepared_statement* out) {
  static auto real = Real<decltype(&duckdb_prepare)>("duckdb_prepare");
  double start = Now();
  duckdb_state state = real(c, query, out);
  std::lock_guard<std::mutex> lock(mutex);
  sql_of[*out] = query;
  Log("prepare", start, query);
  return state;
}

void duckdb_destroy_prepare(duckdb_prepared_statement* statement) {
  static auto real = Real<decltype(&duckdb_destroy_prepare)>("duckdb_destroy_prepare");
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (statement != nullptr) sql_of.erase(*statement);
  }
  real(statement);
}

duckdb_state duckdb_execute_prepared(duckdb_prepared_statement statement, duckdb_result* result) {
  static auto real = Real<decltype(&duckdb_execute_prepared)>("duckdb_execute_prepared");
  double start = Now();
  duckdb_state state = real(statement, result);
  std::lock_guard<std::mutex> lock(mutex);
  Log("execute", start, SqlOf(statement));
  return state;
}

duckdb_state duckdb_pending_prepared_streaming(duckdb_prepared_statement statement, duckdb_pending_result* out) {
  static auto real = Real<decltype(&duckdb_pending_prepared_streaming)>("duckdb_pending_prepared_streaming");
  duckdb_state state = real(statement, out);
  std::lock_guard<std::mutex> lock(mutex);
  sql_of[*out] = SqlOf(statement);
  return state;
}

duckdb_state duckdb_execute_pending(duckdb_pending_result pending, duckdb_result* result) {
  static auto real = Real<decltype(&duckdb_execute_pending)>("duckdb_execute_pending");
  double start = Now();
  duckdb_state state = real(pending, result);
  std::lock_guard<std::mutex> lock(mutex);
  Log("execute", start, SqlOf(pending));  // streaming: the rows fetched later are not timed
  return state;
}

duckdb_state duckdb_query(duckdb_connection c, const char* query, duckdb_result* result) {
  static auto real = Real<decltype(&duckdb_query)>("duckdb_query");
  double start = Now();
  duckdb_state state = real(c, query, result);
  std::lock_guard<std::mutex> lock(mutex);
  Log("query", start, query);
  return state;
}

}  // extern "C"
