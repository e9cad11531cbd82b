// libFuzzer target for the rewriters: the input's first byte picks a file kind (SQL in each
// dialect, dbt model, dbt sources YAML, Python, Scala, Java, Go, JavaScript, YAML, JSON, TOML), the
// rest is the file. It is rewritten with a fixed spec (renames, a retype with `reverse`, a drop
// without) and the contract of rewrite.h is checked, abort()ing on a violation:
//   - edits sorted, non-overlapping, inside the input, each `before` equal to the input there;
//   - findings sorted, inside the input, with 1-based line and column;
//   - ApplyEdits(input, edits) == text (no byte outside an edit changes);
//   - idempotence: rewriting the output yields no edits.
// Any crash, hang or sanitizer report is a bug too. Seeds: fuzz/rewrite/make_seeds.py.
//   fuzz_rewrite -max_total_time=60 -timeout=10 corpus/
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "rewrite/code_rewriter.h"
#include "rewrite/rewrite.h"

namespace {

using skein::FileKind;
using skein::RewriteResult;
using skein::sql::Dialect;

struct Target {
  const char* path;
  Dialect dialect;
  bool dbt_schema;  // forced to the dbt sources YAML rewriter, whatever the text holds
};

// Keep in step with make_seeds.py.
constexpr Target kTargets[] = {
    {"q.sql", Dialect::kAnsi, false},        {"q.sql", Dialect::kBigQuery, false},
    {"q.sql", Dialect::kSnowflake, false},   {"q.sql", Dialect::kSpark, false},
    {"models/m.sql", Dialect::kAnsi, false}, {"models/sources.yml", Dialect::kAnsi, true},
    {"job.py", Dialect::kAnsi, false},       {"Job.scala", Dialect::kAnsi, false},
    {"Job.java", Dialect::kAnsi, false},     {"job.go", Dialect::kAnsi, false},
    {"job.js", Dialect::kAnsi, false},       {"config.yaml", Dialect::kAnsi, false},
    {"config.json", Dialect::kAnsi, false},  {"config.toml", Dialect::kAnsi, false},
};

const skein::RewriteSpec& Spec() {
  static const skein::RewriteSpec spec = [] {
    skein::RewriteSpec s;
    s.from_table = "core.user_profile_v1";
    s.to_table = "core.user_profile_v2";
    s.columns = {{"user_id", "account_id", "", false},
                 {"signup_ts", "signup_at", "strftime(signup_at, '%Y-%m-%d')", true},
                 {"legacy_segment", "", "", false}};
    s.from_columns = {"user_id", "email", "signup_ts", "legacy_segment", "dt"};
    s.to_columns = {"account_id", "email", "signup_at", "dt"};
    s.preserve_output = true;
    s.columns_of = [](const std::vector<std::string>& name) -> std::optional<std::vector<std::string>> {
      if (name.empty() || name.back().size() % 2 == 0) return std::nullopt;
      return std::vector<std::string>{"order_id", "user_id", "email", name.back()};
    };
    return s;
  }();
  return spec;
}

RewriteResult Rewrite(const Target& target, std::string_view text) {
  skein::RewriteOptions options;
  options.dialect = target.dialect;
  if (target.dbt_schema) return skein::rewrite_internal::RewriteDbtSchemaYaml(text, Spec(), options);
  return skein::RewriteFile(target.path, text, Spec(), options);
}

[[noreturn]] void Fail(const Target& target, const char* what) {
  std::fprintf(stderr, "fuzz_rewrite: %s (%s, dialect %d)\n", what, target.path,
               static_cast<int>(target.dialect));
  std::abort();
}

void CheckResult(const Target& target, std::string_view input, const RewriteResult& r) {
  size_t at = 0;
  for (const skein::Edit& e : r.edits) {
    if (e.begin < at || e.end < e.begin || e.end > input.size()) Fail(target, "edit out of order or range");
    if (input.substr(e.begin, e.end - e.begin) != e.before)
      Fail(target, "edit.before differs from the input");
    if (e.before == e.after) Fail(target, "edit changes nothing");
    at = e.end;
  }
  size_t last = 0;
  for (const skein::RewriteFinding& f : r.findings) {
    if (f.begin < last || f.end < f.begin || f.end > input.size())
      Fail(target, "finding out of order or range");
    if (f.line < 1 || f.col < 1) Fail(target, "finding without line and column");
    last = f.begin;
  }
  if (skein::ApplyEdits(input, r.edits) != r.text) Fail(target, "text differs from the edits applied");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Target& target = kTargets[data[0] % std::size(kTargets)];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  RewriteResult first = Rewrite(target, input);
  CheckResult(target, input, first);
  RewriteResult second = Rewrite(target, first.text);
  CheckResult(target, first.text, second);
  if (!second.edits.empty()) Fail(target, "not idempotent: rewriting the output edits it again");
  return 0;
}
