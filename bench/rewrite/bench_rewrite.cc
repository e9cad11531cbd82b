// bench_rewrite: single-threaded throughput of RewriteSql over a corpus (bench/rewrite/run).
//
//   bench_rewrite CORPUS_DIR [--repeat N] [--preserve-output] [--changes OUT.jsonl]
//
// Reads every CORPUS_DIR/sql/*.sql into memory, then rewrites them all N times (default 5) on
// one thread: core.user_profile_v1 -> core.user_profile_v2 with user_id -> account_id,
// signup_ts -> signed_up_at, plan -> plan_tier, other tables' schemas from CORPUS_DIR/schemas.json.
// Prints one JSON object: bytes, files, per-pass MB/s (median and all passes), files changed.
// With --changes, writes per file one JSON line {"file", "changes": [{"begin", "end", "before",
// "after", "key"}], "findings": [...]}, key being "table:OLD->NEW" or "column:OLD->NEW" (what the agreement with
// sqlglot is computed on). preserve_output is off by default: sqlglot keeps no output names.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "rewrite/rewrite.h"

namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

skein::RewriteSpec BenchSpec(const nlohmann::json& schemas, bool preserve_output) {
  skein::RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  spec.columns = {{"user_id", "account_id", "", false},
                  {"signup_ts", "signed_up_at", "", false},
                  {"plan", "plan_tier", "", false}};
  for (const auto& column : schemas.at(spec.from_table)) {
    std::string name = column.get<std::string>();
    spec.from_columns.push_back(name);
    const skein::ColumnChange* change = spec.FindChange(name);
    spec.to_columns.push_back(change ? change->to : name);
  }
  spec.preserve_output = preserve_output;
  std::map<std::string, std::vector<std::string>> tables;
  for (const auto& [name, columns] : schemas.items()) tables[name] = columns.get<std::vector<std::string>>();
  spec.columns_of = [tables](const std::vector<std::string>& name) -> std::optional<std::vector<std::string>> {
    std::string joined;
    for (const std::string& part : name) joined += (joined.empty() ? "" : ".") + part;
    for (const auto& [table, columns] : tables) {  // a suffix match: `orders` names sales.orders
      if (table == joined || (table.size() > joined.size() && table.ends_with("." + joined))) return columns;
    }
    return std::nullopt;
  };
  return spec;
}

std::string ChangeKey(const skein::Edit& edit, const skein::RewriteSpec& spec) {
  if (edit.why == "table rename") return "table:" + edit.before + "->" + edit.after;
  const std::string prefix = "column rename ";
  if (edit.why.rfind(prefix, 0) == 0) {
    std::string from = edit.why.substr(prefix.size());
    const skein::ColumnChange* change = spec.FindChange(from);
    return "column:" + from + "->" + (change ? change->to : "?");
  }
  return "other:" + edit.why;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_rewrite CORPUS_DIR [--repeat N] [--preserve-output] [--changes OUT]\n");
    return 2;
  }
  fs::path dir = argv[1];
  int repeat = 5;
  bool preserve_output = false;
  std::string changes_path;
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--repeat" && i + 1 < argc) repeat = std::max(1, std::stoi(argv[++i]));
    else if (flag == "--preserve-output") preserve_output = true;
    else if (flag == "--changes" && i + 1 < argc) changes_path = argv[++i];
  }
  nlohmann::json schemas = nlohmann::json::parse(ReadText(dir / "schemas.json"));
  skein::RewriteSpec spec = BenchSpec(schemas, preserve_output);
  std::vector<std::pair<std::string, std::string>> files;  // name, text
  for (const auto& entry : fs::directory_iterator(dir / "sql")) {
    files.emplace_back(entry.path().filename().string(), ReadText(entry.path()));
  }
  std::sort(files.begin(), files.end());
  uint64_t bytes = 0;
  for (const auto& [name, text] : files) bytes += text.size();

  skein::RewriteOptions options;  // ANSI (PostgreSQL) dialect
  std::vector<double> mbps;
  size_t changed_files = 0, edits = 0, findings = 0;
  for (int pass = 0; pass < repeat; ++pass) {
    changed_files = edits = findings = 0;
    auto start = std::chrono::steady_clock::now();
    for (const auto& [name, text] : files) {
      skein::RewriteResult result = skein::RewriteSql(text, spec, options);
      changed_files += result.changed() ? 1 : 0;
      edits += result.edits.size();
      findings += result.findings.size();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    mbps.push_back(bytes / 1e6 / seconds);
  }
  std::vector<double> sorted = mbps;
  std::sort(sorted.begin(), sorted.end());

  if (!changes_path.empty()) {
    std::ofstream out(changes_path);
    for (const auto& [name, text] : files) {
      skein::RewriteResult result = skein::RewriteSql(text, spec, options);
      nlohmann::json changes = nlohmann::json::array();
      for (const skein::Edit& edit : result.edits) {
        changes.push_back({{"begin", edit.begin},
                           {"end", edit.end},
                           {"before", edit.before},
                           {"after", edit.after},
                           {"key", ChangeKey(edit, spec)}});
      }
      nlohmann::json findings = nlohmann::json::array();
      for (const skein::RewriteFinding& f : result.findings) {
        findings.push_back({{"begin", f.begin}, {"end", f.end}, {"reason", f.reason}});
      }
      out << nlohmann::json{{"file", name}, {"changes", changes}, {"findings", findings}}.dump() << "\n";
    }
  }
  nlohmann::json summary = {{"files", files.size()},
                            {"bytes", bytes},
                            {"passes", repeat},
                            {"mb_per_s_median", sorted[sorted.size() / 2]},
                            {"mb_per_s_passes", mbps},
                            {"files_changed", changed_files},
                            {"edits", edits},
                            {"findings", findings},
                            {"preserve_output", preserve_output}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}
