// Sample data for the equivalence verifier (see sample_data.h).
#include "verify/sample_data.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/dataset.h"
#include "dataset/result_compare.h"

namespace skein::verify {
namespace {

// splitmix64: a tiny generator whose sequence is fixed by its seed on every platform (the
// standard library's distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool OneIn(int n) { return Next() % static_cast<uint64_t>(n) == 0; }

 private:
  uint64_t state_;
};

enum class Kind {
  kBoolean,
  kInteger,
  kDecimal,
  kDouble,
  kFloat,
  kText,
  kDate,
  kTimestamp,
  kTime,
  kUuid,
  kBlob,
  kOther
};

struct ColumnKind {
  Kind kind = Kind::kOther;
  std::string min, max;  // integers: the type's range
  int precision = 18, scale = 3;
};

ColumnKind Of(Kind kind) {
  ColumnKind k;
  k.kind = kind;
  return k;
}

ColumnKind KindOf(std::string_view written) {
  std::string t = ToLower(Trim(written));
  ColumnKind k;
  struct IntegerType {
    const char* name;
    const char* min;
    const char* max;
  };
  static const IntegerType kIntegers[] = {
      {"tinyint", "-128", "127"},
      {"int1", "-128", "127"},
      {"smallint", "-32768", "32767"},
      {"int2", "-32768", "32767"},
      {"integer", "-2147483648", "2147483647"},
      {"int", "-2147483648", "2147483647"},
      {"int4", "-2147483648", "2147483647"},
      {"bigint", "-9223372036854775808", "9223372036854775807"},
      {"int8", "-9223372036854775808", "9223372036854775807"},
      {"long", "-9223372036854775808", "9223372036854775807"},
      {"hugeint", "-170141183460469231731687303715884105728", "170141183460469231731687303715884105727"},
      {"utinyint", "0", "255"},
      {"usmallint", "0", "65535"},
      {"uinteger", "0", "4294967295"},
      {"ubigint", "0", "18446744073709551615"},
  };
  for (const IntegerType& i : kIntegers) {
    if (t == i.name) {
      k = Of(Kind::kInteger);
      k.min = i.min;
      k.max = i.max;
      return k;
    }
  }
  if (t.starts_with("decimal") || t.starts_with("numeric")) {
    k.kind = Kind::kDecimal;
    int p = 18, s = 3;
    if (std::sscanf(t.c_str() + t.find('(') + (t.find('(') == std::string::npos ? t.size() : 1), "%d , %d",
                    &p, &s) >= 1) {
      k.precision = p;
      k.scale = t.find(',') == std::string::npos ? 0 : s;
    }
    return k;
  }
  if (t == "double" || t == "float8" || t == "double precision") return Of(Kind::kDouble);
  if (t == "float" || t == "real" || t == "float4") return Of(Kind::kFloat);
  if (t == "boolean" || t == "bool") return Of(Kind::kBoolean);
  if (t == "varchar" || t == "text" || t == "string" || t.starts_with("varchar(") || t == "char" ||
      t.starts_with("char(") || t == "bpchar")
    return Of(Kind::kText);
  if (t == "date") return Of(Kind::kDate);
  if (t.starts_with("timestamp") || t == "datetime") return Of(Kind::kTimestamp);
  if (t == "time") return Of(Kind::kTime);
  if (t == "uuid") return Of(Kind::kUuid);
  if (t == "blob" || t == "bytea") return Of(Kind::kBlob);
  return k;
}

// "YYYY-MM-DD" of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
std::string DateOf(int64_t days) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  char buffer[64];  // room for any int64 the compiler cannot rule out
  std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lld", static_cast<long long>(y + (m <= 2)),
                static_cast<long long>(m), static_cast<long long>(d));
  return buffer;
}

std::string TimeOf(Random& random) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d:%02d", static_cast<int>(random.Between(0, 23)),
                static_cast<int>(random.Between(0, 59)), static_cast<int>(random.Between(0, 59)));
  return buffer;
}

// A decimal with `scale` digits after the point and at most `whole` before it.
std::string DecimalOf(Random& random, int whole, int scale) {
  int64_t limit = 1;
  for (int i = 0; i < std::min(whole + scale, 12); ++i) limit *= 10;
  int64_t mantissa = random.Between(-(limit - 1) / 10, limit - 1);  // mostly positive, as amounts are
  std::string digits = std::to_string(mantissa < 0 ? -mantissa : mantissa);
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    digits.insert(digits.size() - scale, ".");
  }
  return (mantissa < 0 ? "-" : "") + digits;
}

// The pool ordinary text values come from: small, so values repeat as real categories do.
const char* const kWords[] = {"alpha",   "beta",  "gamma", "delta", "O'Brien", "with space",
                              "ünïcödé", "UPPER", "lower", "MiXeD", "a,b",     "x\"y"};

Value Ordinary(const ColumnKind& k, Random& random) {
  switch (k.kind) {
    case Kind::kBoolean:
      return random.OneIn(2) ? "true" : "false";
    case Kind::kInteger:
      // Small values, so flags (0/1), categories and join keys repeat.
      return std::to_string(k.min == "0" ? random.Between(0, 100) : random.Between(-3, 100));
    case Kind::kDecimal:
      return DecimalOf(random, std::max(k.precision - k.scale, 0), k.scale);
    case Kind::kDouble:
    case Kind::kFloat: {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.3f",
                    static_cast<double>(random.Between(-100000, 1000000)) / 1000.0);
      return std::string(buffer);
    }
    case Kind::kText: {
      if (random.OneIn(4)) return "v" + std::to_string(random.Between(0, 500));
      return std::string(kWords[random.Next() % (sizeof kWords / sizeof kWords[0])]);
    }
    case Kind::kDate:
      return DateOf(random.Between(10957, 10957 + 365 * 30));  // 2000 .. 2029
    case Kind::kTimestamp:
      return DateOf(random.Between(10957, 10957 + 365 * 30)) + " " + TimeOf(random);
    case Kind::kTime:
      return TimeOf(random);
    case Kind::kUuid: {
      char buffer[40];
      uint64_t a = random.Next(), b = random.Next();
      std::snprintf(buffer, sizeof buffer, "%08llx-%04llx-4%03llx-a%03llx-%012llx",
                    static_cast<unsigned long long>(a >> 32),
                    static_cast<unsigned long long>((a >> 16) & 0xffff),
                    static_cast<unsigned long long>(a & 0xfff), static_cast<unsigned long long>(b >> 52),
                    static_cast<unsigned long long>(b & 0xffffffffffffull));
      return std::string(buffer);
    }
    case Kind::kBlob:
      return "b" + std::to_string(random.Between(0, 50));
    case Kind::kOther:
      break;
  }
  return std::nullopt;
}

// The edge values of row `edge` (1: empty and zero, 2: minimum, 3: maximum, 4: tiny); ordinary
// where a kind has no such value.
Value Edge(const ColumnKind& k, int edge, bool extremes, Random& random) {
  if (k.kind == Kind::kOther) return std::nullopt;
  if (edge == 1) {
    switch (k.kind) {
      case Kind::kBoolean:
        return "false";
      case Kind::kText:
      case Kind::kBlob:
        return "";
      case Kind::kDate:
        return "1970-01-01";
      case Kind::kTimestamp:
        return "1970-01-01 00:00:00";
      case Kind::kTime:
        return "00:00:00";
      case Kind::kUuid:
        return "00000000-0000-0000-0000-000000000000";
      default:
        return "0";
    }
  }
  if (!extremes) return Ordinary(k, random);
  bool low = edge == 2;
  switch (k.kind) {
    case Kind::kInteger:
      if (edge == 4) return low ? k.min : "1";
      return low ? k.min : k.max;
    case Kind::kDecimal: {
      if (edge == 4) return k.scale > 0 ? "0." + std::string(k.scale - 1, '0') + "1" : "1";
      std::string nines = std::string(std::max(k.precision - k.scale, 1), '9');
      if (k.precision - k.scale <= 0) nines = "0";
      if (k.scale > 0) nines += "." + std::string(k.scale, '9');
      return (low ? "-" : "") + nines;
    }
    case Kind::kDouble:
      if (edge == 4) return "2.2250738585072014e-308";
      return low ? "-1.7976931348623157e308" : "1.7976931348623157e308";
    case Kind::kFloat:
      if (edge == 4) return "1.17549435e-38";
      return low ? "-3.4028235e38" : "3.4028235e38";
    case Kind::kDate:
      if (edge == 4) return "2000-02-29";
      return low ? "0001-01-01" : "9999-12-31";
    case Kind::kTimestamp:
      if (edge == 4) return "2000-02-29 12:00:00";
      return low ? "0001-01-01 00:00:00" : "9999-12-31 23:59:59";
    case Kind::kTime:
      return low ? "00:00:00" : "23:59:59";
    case Kind::kText:
      return low ? " " : std::string(200, 'z');
    case Kind::kUuid:
      return low ? "00000000-0000-0000-0000-000000000001" : "ffffffff-ffff-ffff-ffff-ffffffffffff";
    default:
      return Ordinary(k, random);
  }
}

std::string Quoted(const std::vector<std::string>& parts) {
  return QuoteIdentifier(parts[0]) + "." + QuoteIdentifier(parts[1]);
}

Result<int64_t> CountRows(SqlEngine& engine, const std::string& table) {
  ASSIGN_OR_RETURN(RowSet rows, engine.Query("SELECT count(*) FROM " + table));
  return std::stoll(rows.rows.at(0).at(0).value_or("0"));
}

// Samples the real v1 into `table`; an error says why it could not.
Status SampleReal(SqlEngine& engine, const DatasetLocation& location, const std::string& table, int rows,
                  uint64_t seed) {
  if (location.format == DatasetLocation::Format::kPostgres) {
    return Status::InvalidInput("v1 is a PostgreSQL table, which the in-memory DuckDB does not read");
  }
  ASSIGN_OR_RETURN(std::string relation, engine.Relation(location));
  // A reservoir sample is repeatable only when one thread reads the input in order; the
  // engine's own setting is put back afterwards.
  ASSIGN_OR_RETURN(RowSet threads, engine.Query("SELECT current_setting('threads')"));
  std::string previous = threads.rows.empty() || !threads.rows[0][0] ? "" : *threads.rows[0][0];
  RETURN_IF_ERROR(engine.Execute("SET threads = 1"));
  Status made = engine.Execute("CREATE TABLE " + table + " AS SELECT * FROM " + relation +
                               " USING SAMPLE reservoir(" + std::to_string(rows) + " ROWS) REPEATABLE (" +
                               std::to_string(seed % 2147483648ull) + ")");
  bool digits = !previous.empty() && previous.find_first_not_of("0123456789") == std::string::npos;
  (void)engine.Execute(digits ? "SET threads = " + previous : std::string("RESET threads"));
  return made;
}

// The types values are invented for: v1's, except that a text column the manifest retypes
// (signup_ts VARCHAR -> TIMESTAMP) gets text its `using` can cast, as the real column holds.
Schema GenerationSchema(const Migration& migration, const Schema& schema) {
  Schema out = schema;
  for (Column& column : out.columns) {
    if (KindOf(column.type).kind != Kind::kText) continue;
    for (const ColumnOp& op : migration.columns) {
      if (op.kind == ColumnOpKind::kMap && EqualsIgnoreCase(op.from, column.name) && !op.type.empty())
        column.type = op.type;
    }
  }
  return out;
}

Status CreateGenerated(SqlEngine& engine, const Migration& migration, const Schema& schema,
                       const std::vector<std::string>& parts, int rows, uint64_t seed, bool extremes) {
  std::vector<std::string> columns;
  for (const Column& c : schema.columns) {
    RETURN_IF_ERROR(CheckSqlFragment(c.type));
    columns.push_back(QuoteIdentifier(c.name) + " " + c.type);
  }
  RETURN_IF_ERROR(engine.Execute("CREATE TABLE " + Quoted(parts) + " (" + Join(columns, ", ") + ")"));
  return engine.Append(parts, GenerateSampleRows(GenerationSchema(migration, schema), rows, seed, extremes));
}

// Generated values need not lie in the domain the manifest's `reverse` expressions assume: an
// INTEGER flag generated as 26 becomes TRUE in v2 and reads back as 1, so a correctly migrated
// consumer would "differ" on a value real data never holds. Every column with a `reverse` is
// replaced by its round trip (v1 -> transform -> reverse), so v1's sample holds only values the
// migration maps both ways. Left as generated when the round trip cannot be computed.
Status KeepToTheRoundTrip(SqlEngine& engine, const Migration& migration,
                          const std::vector<std::string>& parts) {
  const std::string table = Quoted(parts);
  constexpr std::string_view kPrefix = "__skein_v1__";
  ASSIGN_OR_RETURN(Schema v1, dataset::DescribeSelect(engine, "SELECT * FROM " + table));
  ASSIGN_OR_RETURN(dataset::Transform transform, dataset::PlanTransform(migration, v1));
  std::vector<std::string> inner, outer;
  bool any = false;
  for (const Column& c : v1.columns) {
    inner.push_back(QuoteIdentifier(c.name) + " AS " + QuoteIdentifier(std::string(kPrefix) + c.name));
    const ColumnOp* reversed = nullptr;
    for (const ColumnOp& op : migration.columns) {
      if (op.kind != ColumnOpKind::kAdd && !op.reverse.empty() && EqualsIgnoreCase(op.from, c.name))
        reversed = &op;
    }
    if (reversed == nullptr) {
      outer.push_back(QuoteIdentifier(std::string(kPrefix) + c.name) + " AS " + QuoteIdentifier(c.name));
      continue;
    }
    RETURN_IF_ERROR(CheckSqlFragment(reversed->reverse));
    outer.push_back("CAST((" + reversed->reverse + ") AS " + c.type + ") AS " + QuoteIdentifier(c.name));
    any = true;
  }
  if (!any) return Status::Ok();
  for (const dataset::TargetColumn& t : transform.columns)
    inner.push_back(t.expression + " AS " + QuoteIdentifier(t.name));
  std::string select =
      "SELECT " + Join(outer, ", ") + " FROM (SELECT " + Join(inner, ", ") + " FROM " + table + ")";
  const std::string kept = Quoted({parts[0], parts[1] + "__round_trip"});
  RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + kept));
  RETURN_IF_ERROR(engine.Execute("CREATE TABLE " + kept + " AS " + select));
  RETURN_IF_ERROR(engine.Execute("DROP TABLE " + table));
  return engine.Execute("ALTER TABLE " + kept + " RENAME TO " + QuoteIdentifier(parts[1]));
}

// "name dev ino size mtime ctime" of one file or folder; ctime moves with every change of the
// file, even one that sets its modification time back.
std::string StatLine(const std::string& name, const struct stat& st) {
  auto ns = [](const struct timespec& t) {
    return std::to_string(t.tv_sec) + "." + std::to_string(t.tv_nsec);
  };
  return name + '\t' + std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + " " +
         std::to_string(st.st_size) + " " + ns(st.st_mtim) + " " + ns(st.st_ctim) + "\n";
}

// Whether a file changed so recently that a second change could still get the same times:
// file systems stamp times in ticks (jiffies; whole seconds on some), as git's "racy clean" knows.
bool JustChanged(const struct stat& st) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return st.st_ctim.tv_sec >= now.tv_sec - 1;
}

// What is at `path` now, for SampleTablesKey: the file, or the folder and everything below it
// (a glob: the folder before its first wildcard). nullopt when that cannot be said, or when
// something there changed within the last second or two (see JustChanged).
std::optional<std::string> FilesFingerprint(std::string path) {
  if (path.find("://") != std::string::npos) return std::nullopt;  // s3://, https://: not files here
  if (size_t wildcard = path.find_first_of("*?[{"); wildcard != std::string::npos) {
    size_t slash = path.rfind('/', wildcard);
    path = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = fs::absolute(path, ec);
  if (ec) return std::nullopt;
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return root.string() + "\tabsent\n";
    return std::nullopt;
  }
  if (JustChanged(st)) return std::nullopt;
  std::string out = StatLine(root.string(), st);
  if (!S_ISDIR(st.st_mode)) return out;
  std::vector<std::string> lines;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    // A linked folder is not walked here, yet a glob may follow it: no fingerprint.
    if (it->is_symlink(ec) && fs::is_directory(it->path(), ec)) return std::nullopt;
    if (::stat(it->path().c_str(), &st) != 0 || JustChanged(st)) return std::nullopt;
    lines.push_back(StatLine(it->path().lexically_relative(root).string(), st));
  }
  if (ec) return std::nullopt;
  std::sort(lines.begin(), lines.end());
  for (const std::string& line : lines) out += line;
  return out;
}

}  // namespace

std::optional<std::string> SampleTablesKey(const Migration& migration, const Schema& v1_schema,
                                           const std::optional<DatasetLocation>& v1_location, int rows,
                                           uint64_t seed) {
  std::string key = MigrationToJson(migration).dump() + "\n";
  for (const Column& c : v1_schema.columns) key += c.name + " " + c.type + "\n";
  key += "rows " + std::to_string(rows) + ", seed " + std::to_string(seed) + "\n";
  if (!v1_location) return key;
  using F = DatasetLocation::Format;
  if (v1_location->format == F::kPostgres) return std::nullopt;
  key += v1_location->ToString() + "\n";
  std::vector<std::string> paths = {v1_location->path};
  if (v1_location->format == F::kDuckDb) paths.push_back(v1_location->path + ".wal");
  for (const std::string& path : paths) {
    std::optional<std::string> files = FilesFingerprint(path);
    if (!files) return std::nullopt;
    key += *files;
  }
  return key;
}

std::vector<std::string> SampleTableName(std::string_view dataset_id) {
  std::vector<std::string> parts = Split(dataset_id, '.', false);
  if (parts.size() == 1) return {"main", parts[0]};
  return {parts[parts.size() - 2], parts.back()};
}

RowSet GenerateSampleRows(const Schema& schema, int rows, uint64_t seed, bool extremes) {
  RowSet out;
  std::vector<ColumnKind> kinds;
  for (const Column& c : schema.columns) {
    out.columns.push_back(c.name);
    kinds.push_back(KindOf(c.type));
  }
  Random random(seed);
  constexpr int kEdgeRows = 5;  // all NULL, empty/zero, minimum, maximum, tiny
  for (int r = 0; r < rows; ++r) {
    std::vector<Value> row;
    if (r >= kEdgeRows && r % 10 == 9) {
      out.rows.push_back(out.rows[random.Between(0, r - 1)]);  // a duplicate of an earlier row
      continue;
    }
    for (const ColumnKind& k : kinds) {
      if (r == 0) {
        row.push_back(std::nullopt);
      } else if (r < kEdgeRows) {
        row.push_back(Edge(k, r, extremes, random));
      } else if (random.OneIn(12)) {
        row.push_back(std::nullopt);
      } else if ((k.kind == Kind::kText) && random.OneIn(20)) {
        row.push_back("");
      } else {
        row.push_back(Ordinary(k, random));
      }
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

Result<SampleTables> LoadSampleTables(SqlEngine& engine, const Migration& migration, const Schema& v1_schema,
                                      const std::optional<DatasetLocation>& v1_location, int rows,
                                      uint64_t seed) {
  std::vector<std::string> v1_parts = SampleTableName(migration.from),
                           v2_parts = SampleTableName(migration.to);
  if (EqualsIgnoreCase(v1_parts[0], v2_parts[0]) && EqualsIgnoreCase(v1_parts[1], v2_parts[1])) {
    return Status::InvalidInput(migration.from + " and " + migration.to + " would share one sample table");
  }
  SampleTables out;
  out.v1 = Quoted(v1_parts);
  out.v2 = Quoted(v2_parts);
  for (const std::string& schema : {v1_parts[0], v2_parts[0]})
    RETURN_IF_ERROR(engine.Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(schema)));
  // An engine may be reused: an earlier check's samples go first.
  for (const std::string& table : {out.v1, out.v2})
    RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + table));

  if (v1_location) {
    Status sampled = SampleReal(engine, *v1_location, out.v1, rows, seed);
    out.real = sampled.ok();
    if (sampled.ok()) out.source = "a sample of " + v1_location->ToString();
    if (!sampled.ok()) out.fallback = "real v1 not sampled: " + sampled.message();
  }
  // Extreme values can make the manifest's own `using` fail (a BIGINT max cast to INTEGER); then
  // the sample is generated again without them rather than given up.
  for (bool extremes : {true, false}) {
    if (!out.real) {
      RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + out.v1));
      RETURN_IF_ERROR(CreateGenerated(engine, migration, v1_schema, v1_parts, rows, seed, extremes));
      out.source = std::string("rows generated from v1's schema (seed ") + std::to_string(seed) +
                   (extremes ? "" : ", without extreme values, on which the transform fails") +
                   ", each column with a reverse kept to its round trip)";
    }
    if (!migration.data.window.empty()) {
      RETURN_IF_ERROR(
          engine.Execute("DELETE FROM " + out.v1 + " WHERE (" + migration.data.window + ") IS NOT TRUE"));
    }
    if (!out.real) {
      Status kept = KeepToTheRoundTrip(engine, migration, v1_parts);
      if (!kept.ok()) {
        if (!extremes)
          return Status::InvalidInput("the manifest's transform fails on the sample: " + kept.message());
        continue;  // extremes the transform or a reverse cannot take: generate without them
      }
    }
    ASSIGN_OR_RETURN(out.v1_schema, dataset::DescribeSelect(engine, "SELECT * FROM " + out.v1));
    ASSIGN_OR_RETURN(dataset::Transform transform, dataset::PlanTransform(migration, out.v1_schema));
    RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + out.v2));
    Status made = engine.Execute("CREATE TABLE " + out.v2 + " AS " + transform.Select(out.v1, ""));
    if (made.ok()) break;
    if (out.real || !extremes) {
      return Status::InvalidInput("the manifest's transform fails on the sample: " + made.message());
    }
  }
  ASSIGN_OR_RETURN(out.v1_rows, CountRows(engine, out.v1));
  ASSIGN_OR_RETURN(out.v2_rows, CountRows(engine, out.v2));
  return out;
}

}  // namespace skein::verify
