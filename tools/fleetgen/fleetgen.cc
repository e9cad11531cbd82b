// The fleet generator. Plans are drawn for all repositories first from one seeded stream (kind,
// datasets read, catalog facts, size), then each repository's files are written from its own
// stream Rng(seed, index), so the output does not depend on the thread count. Filler text comes
// from pools of code blocks drawn once per seed; pools never contain a dataset reference (no pool
// identifier ends in "_v1"), so every reference in a file went through Repo::Count().
#include "tools/fleetgen/fleetgen.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "base/text.h"

namespace skein::fleetgen {
namespace {

namespace fs = std::filesystem;

// SplitMix64: small, fast, and the same sequence on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  Rng(uint64_t seed, uint64_t stream)
      : state_(seed * 0x9e3779b97f4a7c15ULL + stream * 0xd1b54a32d192ed03ULL + 1) {
    Next();
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  int Between(int lo, int hi) { return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  template <size_t N>
  const char* Pick(const char* const (&items)[N]) {
    return items[Below(N)];
  }
  const std::string& Pick(const std::vector<std::string>& items) { return items[Below(items.size())]; }

 private:
  uint64_t state_;
};

const char* const kSchemas[] = {"core", "sales", "growth",  "finance", "marketing",
                                "ops",  "risk",  "product", "billing", "identity"};
const char* const kTables[] = {
    "user_profile", "orders",        "sessions",    "events",      "payments",  "invoices",    "accounts",
    "devices",      "subscriptions", "refunds",     "campaigns",   "clicks",    "impressions", "carts",
    "shipments",    "returns",       "products",    "prices",      "inventory", "suppliers",   "tickets",
    "chats",        "surveys",       "reviews",     "signups",     "logins",    "transfers",   "balances",
    "ledgers",      "fx_rates",      "regions",     "stores",      "employees", "shifts",      "payroll",
    "budgets",      "forecasts",     "experiments", "assignments", "features"};
const char* const kTeams[] = {"growth", "identity", "payments", "search", "ads",
                              "risk",   "finance",  "platform", "data",   "ml"};
const char* const kWords[] = {
    "user",    "account", "session", "event",  "order",   "payment", "invoice", "device",   "region",
    "country", "channel", "metric",  "score",  "segment", "cohort",  "revenue", "amount",   "status",
    "created", "updated", "count",   "total",  "daily",   "weekly",  "window",  "batch",    "record",
    "frame",   "column",  "config",  "retry",  "timeout", "client",  "request", "response", "cache",
    "buffer",  "stream",  "handler", "worker", "queue",   "job",     "task",    "report",   "summary",
    "feature", "label",   "model",   "export", "merge",   "filter",  "rank",    "limit",    "value",
    "key",     "name",    "kind",    "flag",   "owner",   "source",  "target",  "delta",    "snapshot"};
const char* const kLetters[] = {"a", "b", "c", "d", "e", "f", "g", "h", "s", "t", "u", "x"};
const char* const kSentences[] = {"Keeps the numbers in line with finance's monthly close.",
                                  "Runs after the upstream partitions land, usually before 04:00 UTC.",
                                  "Late rows are picked up by the next day's run.",
                                  "Do not change the grain without telling the dashboard owners.",
                                  "Backfills take about an hour per month of data.",
                                  "The output is read by two dashboards and one alerting job.",
                                  "Null keys are dropped on purpose; see the incident notes.",
                                  "Deduplicates on the natural key, keeping the latest record."};

std::string Word(Rng& rng) { return rng.Pick(kWords); }
std::string Ident(Rng& rng) { return Word(rng) + "_" + Word(rng); }
std::string Number(Rng& rng, int hi = 1000) { return std::to_string(rng.Between(1, hi)); }
std::string Camel(const std::string& snake) {
  std::string out;
  bool upper = true;
  for (char c : snake) {
    if (c == '_' || c == '-') {
      upper = true;
      continue;
    }
    out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
    upper = false;
  }
  return out;
}
std::string TwoDigits(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

// --- Filler pools: blocks of plausible code that reference no dataset. ---

std::string SqlBlock(Rng& rng) {
  std::string a = rng.Pick(kLetters), b = rng.Pick(kLetters), key = Word(rng) + "_id";
  return Ident(rng) + " AS (\n  SELECT\n    " + a + "." + key + ",\n    " + a + "." + Ident(rng) +
         ",\n    COALESCE(" + b + "." + Ident(rng) + ", 0) AS " + Ident(rng) + ",\n    CASE WHEN " + a + "." +
         Word(rng) + " > " + Number(rng) + " THEN '" + Word(rng) + "' ELSE '" + Word(rng) + "' END AS " +
         Ident(rng) + "\n  FROM staging." + Ident(rng) + " " + a + "\n  LEFT JOIN scratch." + Ident(rng) +
         " " + b + " ON " + b + "." + key + " = " + a + "." + key + "\n  WHERE " + a + ".dt >= DATE '2024-0" +
         std::to_string(rng.Between(1, 9)) + "-" + TwoDigits(rng.Between(1, 28)) + "'\n),\n";
}
std::string PythonBlock(Rng& rng) {
  std::string fn = Ident(rng), arg = Word(rng), v = Ident(rng);
  return "def " + fn + "(" + arg + ", " + Word(rng) + "_limit=" + Number(rng) + "):\n    \"\"\"" +
         rng.Pick(kSentences) + "\"\"\"\n    " + v + " = " + arg + "." + Word(rng) + "(" + Word(rng) +
         "_limit)\n    if " + v + " is None:\n        raise ValueError(\"" + Word(rng) + " " + Word(rng) +
         " missing\")\n    LOG.info(\"" + Word(rng) + " %s rows\", " + v + ")\n    return " + v + "\n\n\n";
}
std::string ScalaBlock(Rng& rng) {
  return "  def " + Camel(Ident(rng)) + "(df: DataFrame): DataFrame = {\n    df.filter(col(\"" + Ident(rng) +
         "\") > " + Number(rng) + ")\n      .withColumn(\"" + Ident(rng) + "\", lit(\"" + Word(rng) +
         "\"))\n      .groupBy(\"" + Ident(rng) + "\")\n      .agg(sum(\"" + Ident(rng) + "\").as(\"" +
         Ident(rng) + "\"))\n  }\n\n";
}
std::string GoBlock(Rng& rng) {
  std::string type = Camel(Word(rng)), arg = Word(rng);
  return "func " + Camel(Ident(rng)) + "(ctx context.Context, " + arg + " *" + type + ") error {\n\tif " +
         arg + " == nil {\n\t\treturn fmt.Errorf(\"" + Word(rng) + ": nil " + Word(rng) +
         "\")\n\t}\n\tfor _, item := range " + arg + "." + Camel(Word(rng)) + "s {\n\t\titem." +
         Camel(Word(rng)) + " += " + Number(rng) + "\n\t}\n\treturn nil\n}\n\n";
}
std::string TsBlock(Rng& rng) {
  std::string arg = Word(rng);
  return "export async function " + Word(rng) + Camel(Word(rng)) + "(" + arg + ": " + Camel(Word(rng)) +
         "): Promise<" + Camel(Word(rng)) + "> {\n  const res = await client.get(`/api/" + Word(rng) + "/${" +
         arg + ".id}`);\n  return { ...res.data, " + Word(rng) + ": " + Number(rng) + " };\n}\n\n";
}
std::string YamlBlock(Rng& rng) {
  return Ident(rng) + ":\n  enabled: " + (rng.Chance(0.5) ? "true" : "false") +
         "\n  retries: " + Number(rng, 9) + "\n  timeout: " + Number(rng, 600) + "s\n  tags: [" + Word(rng) +
         ", " + Word(rng) + "]\n";
}
std::string MarkdownBlock(Rng& rng) {
  return "## " + Camel(Word(rng)) + " " + Word(rng) + "\n\n" + rng.Pick(kSentences) + " " +
         rng.Pick(kSentences) + "\n\n- `" + Ident(rng) + "`: " + rng.Pick(kSentences) + "\n- `" + Ident(rng) +
         "`: " + rng.Pick(kSentences) + "\n\n";
}
std::string CsvRow(Rng& rng) {
  return Number(rng, 999999) + "," + Word(rng) + "," + Ident(rng) + "," + Number(rng, 9999) + "." +
         Number(rng, 99) + ",2024-0" + std::to_string(rng.Between(1, 9)) + "-" +
         TwoDigits(rng.Between(1, 28)) + "\n";
}
std::string JsonRow(Rng& rng) {
  return "  {\"id\": " + Number(rng, 999999) + ", \"" + Word(rng) + "\": \"" + Word(rng) + "\", \"" +
         Ident(rng) + "\": " + Number(rng, 9999) + "." + Number(rng, 99) + "},\n";
}
std::string LogLine(Rng& rng) {
  return "2024-03-" + TwoDigits(rng.Between(1, 28)) + "T" + TwoDigits(rng.Between(0, 23)) + ":" +
         TwoDigits(rng.Between(0, 59)) + ":" + TwoDigits(rng.Between(0, 59)) + "Z INFO " + Word(rng) + "." +
         Word(rng) + " processed " + Number(rng, 99999) + " rows in " + Number(rng, 99) + "." +
         Number(rng, 999) + "s\n";
}

enum Pool { kSql, kPython, kScala, kGo, kTs, kYaml, kMarkdown, kCsv, kJson, kLog, kPoolCount };

struct Pools {
  std::vector<std::string> blocks[kPoolCount];
  explicit Pools(uint64_t seed) {
    Rng rng(seed, 0xf111e7);
    std::string (*const makers[kPoolCount])(Rng&) = {SqlBlock,  PythonBlock,   ScalaBlock, GoBlock, TsBlock,
                                                     YamlBlock, MarkdownBlock, CsvRow,     JsonRow, LogLine};
    for (int p = 0; p < kPoolCount; ++p) {
      for (int i = 0; i < 1024; ++i) blocks[p].push_back(makers[p](rng));
    }
  }
};

// Appends pool blocks until `out` has grown by at least `bytes`.
void Fill(std::string* out, const Pools& pools, Pool pool, size_t bytes, Rng& rng) {
  size_t goal = out->size() + bytes;
  const auto& blocks = pools.blocks[pool];
  while (out->size() < goal) *out += blocks[rng.Below(blocks.size())];
}

// --- Plans ---

struct RepoPlan {
  std::string name;
  std::string kind;
  std::string team;
  std::vector<int> datasets;  // read by the repository
  bool in_catalog = false;
  std::vector<int> declared;
  uint64_t target_bytes = 0;  // 0: natural size
  int tier = 3;
};

std::vector<RepoPlan> MakePlans(const FleetSpec& spec) {
  Rng rng(spec.seed, 0x91a5);
  std::vector<RepoPlan> plans(static_cast<size_t>(spec.repos));
  std::vector<double> weights;
  const char* const kinds[] = {"sql",    "sql",    "sql",   "dbt",     "dbt",     "python",
                               "python", "python", "scala", "service", "service", "service"};
  for (int i = 0; i < spec.repos; ++i) {
    RepoPlan& plan = plans[static_cast<size_t>(i)];
    plan.kind = rng.Pick(kinds);
    plan.team = rng.Pick(kTeams);
    const char* suffix = plan.kind == "dbt"       ? "dbt"
                         : plan.kind == "service" ? "service"
                         : plan.kind == "sql"     ? "jobs"
                                                  : "etl";
    std::string idx = std::to_string(i);
    plan.name = plan.team + "-" + rng.Pick(kWords) + "-" + suffix + "-" +
                std::string(idx.size() < 4 ? 4 - idx.size() : 0, '0') + idx;
    plan.tier = rng.Between(1, 3);
    if (rng.Chance(spec.consumer_share)) {
      int count = std::min(spec.datasets, rng.Between(1, 3));
      std::set<int> chosen;
      if (rng.Chance(0.5)) chosen.insert(0);  // the popular (and deprecated) one
      while (static_cast<int>(chosen.size()) < count) {
        double u = rng.Unit();
        chosen.insert(static_cast<int>(u * u * spec.datasets));  // skewed towards low indexes
      }
      plan.datasets.assign(chosen.begin(), chosen.end());
      plan.in_catalog = rng.Chance(spec.known_share);
      plan.declared = plan.datasets;
      if (plan.declared.size() > 1 && rng.Chance(0.15)) plan.declared.pop_back();  // known, undeclared
    } else {
      plan.in_catalog = rng.Chance(0.5);
      if (plan.in_catalog && rng.Chance(0.1))
        plan.declared.push_back(rng.Chance(0.6) ? 0 : static_cast<int>(rng.Below(spec.datasets)));
    }
    // Log-normal sizes: most repositories are small, a few are big.
    double g = std::sqrt(-2.0 * std::log(std::max(rng.Unit(), 1e-12))) * std::cos(2 * M_PI * rng.Unit());
    weights.push_back(std::exp(0.8 * g));
  }
  if (spec.size_mb > 0) {
    double total = 0;
    for (double w : weights) total += w;
    double bytes = spec.size_mb * 1024.0 * 1024.0;
    for (size_t i = 0; i < plans.size(); ++i)
      plans[i].target_bytes = static_cast<uint64_t>(bytes * weights[i] / total);
  }
  return plans;
}

// --- One repository ---

class Repo {
 public:
  Repo(const FleetSpec& spec, const Pools& pools, const std::vector<std::string>& datasets,
       const RepoPlan& plan, const fs::path& root, int index)
      : spec_(spec),
        pools_(pools),
        datasets_(datasets),
        plan_(plan),
        root_(root),
        rng_(spec.seed, 1000 + static_cast<uint64_t>(index)) {}

  Status Write(PlantedRepo* out) {
    out->name = plan_.name;
    out->kind = plan_.kind;
    out->in_catalog = plan_.in_catalog;
    for (int d : plan_.declared) out->declared.push_back(datasets_[static_cast<size_t>(d)]);
    WriteCommon();
    if (plan_.kind == "sql") WriteSql();
    if (plan_.kind == "dbt") WriteDbt();
    if (plan_.kind == "python") WritePython();
    if (plan_.kind == "scala") WriteScala();
    if (plan_.kind == "service") WriteService();
    Pad();
    if (!status_.ok()) return status_;
    for (size_t d = 0; d < counts_.size(); ++d) {
      if (counts_[d] > 0) out->references[datasets_[d]] = counts_[d];
    }
    out->files = files_;
    out->bytes = bytes_;
    out->text_bytes = text_bytes_;
    return Status::Ok();
  }

 private:
  // --- references: the only way a dataset name gets into a scanned file ---
  std::string Schema(int d) const {
    return datasets_[static_cast<size_t>(d)].substr(0, datasets_[static_cast<size_t>(d)].find('.'));
  }
  std::string Table(int d) const {
    return datasets_[static_cast<size_t>(d)].substr(datasets_[static_cast<size_t>(d)].find('.') + 1);
  }
  void Count(int d) {
    if (counts_.empty()) counts_.assign(datasets_.size(), 0);
    ++counts_[static_cast<size_t>(d)];
  }
  // As SQL writes a table: every form discovery knows but dbt's.
  std::string SqlRef(int d) {
    Count(d);
    std::string s = Schema(d), t = Table(d);
    uint64_t form = rng_.Below(100);
    if (form < 40) return s + "." + t;
    if (form < 47) return ToUpper(s + "." + t);
    if (form < 50) return MixedCase(s + "." + t);
    if (form < 60) return std::string(rng_.Chance(0.5) ? "warehouse." : "analytics_prod.") + s + "." + t;
    if (form < 70) return "\"" + s + "\".\"" + t + "\"";
    if (form < 75) return "`" + s + "`.`" + t + "`";
    if (form < 80) return "[" + s + "].[" + t + "]";
    if (form < 92) return "`acme-analytics." + s + "." + t + "`";
    return "[acme-analytics:" + s + "." + t + "]";
  }
  // As code writes a table name inside a string literal.
  std::string CodeRef(int d) {
    Count(d);
    std::string name = Schema(d) + "." + Table(d);
    uint64_t form = rng_.Below(10);
    if (form < 7) return name;
    if (form < 8) return ToUpper(name);
    if (form < 9) return "acme-analytics." + name;
    return "acme-analytics:" + name;
  }
  // Quoted identifiers inside a JSON or code string literal: \"core\".\"user_profile_v1\".
  std::string EscapedRef(int d) {
    Count(d);
    return "\\\"" + Schema(d) + "\\\".\\\"" + Table(d) + "\\\"";
  }
  std::string DbtRef(int d) {
    Count(d);
    std::string q = rng_.Chance(0.7) ? "'" : "\"";
    std::string s = q + Schema(d) + q, t = q + Table(d) + q;
    switch (rng_.Below(4)) {
      case 0:
        return "source(" + s + ", " + t + ")";
      case 1:
        return "source(" + s + "," + t + ")";
      case 2:
        return "source( " + s + " , " + t + " )";
      default:
        return "source(\n        " + s + ",\n        " + t + "\n    )";
    }
  }
  // A near miss: looks like the dataset to a substring search, is not a reference.
  std::string Decoy(int d) {
    std::string s = Schema(d), t = Table(d);
    switch (rng_.Below(6)) {
      case 0:
        return s + "." + t + "0";
      case 1:
        return s + "." + t + "_backup";
      case 2:
        return "x" + s + "." + t;
      case 3:
        return "archive_" + t;
      case 4:
        return s + "." + t.substr(0, t.size() - 1) + "2";
      default:
        return "'" + t + "'";
    }
  }
  // "Core.User_Profile_V1": each word capitalized, separators kept.
  static std::string MixedCase(std::string text) {
    bool start = true;
    for (char& c : text) {
      if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      start = c == '_' || c == '.';
    }
    return text;
  }
  static std::string ToUpper(std::string text) {
    for (char& c : text) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    return text;
  }
  int AnyDataset() { return static_cast<int>(rng_.Below(datasets_.size())); }
  bool Consumer() const { return !plan_.datasets.empty(); }
  // The datasets job j of `jobs` reads: every dataset is read by some job.
  std::vector<int> JobDatasets(int j, int jobs) const {
    std::vector<int> out;
    for (size_t i = 0; i < plan_.datasets.size(); ++i) {
      if (static_cast<int>(i) % jobs == j) out.push_back(plan_.datasets[i]);
    }
    return out;
  }
  int JobCount(int lo, int hi) {
    return std::max(static_cast<int>(plan_.datasets.size()), rng_.Between(lo, hi));
  }

  // --- files ---
  void File(const std::string& relative, const std::string& content, bool scanned = true) {
    if (!status_.ok()) return;
    fs::path path = root_ / relative;
    std::string parent = path.parent_path().native();
    if (made_dirs_.insert(parent).second) {
      std::error_code ec;
      fs::create_directories(parent, ec);
      if (ec) {
        status_ = Status::IoError("cannot create " + parent + ": " + ec.message());
        return;
      }
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      status_ = Status::IoError(path.string() + ": cannot create: " + std::strerror(errno));
      return;
    }
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        status_ = Status::IoError(path.string() + ": write failed: " + std::strerror(errno));
        break;
      }
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    ++files_;
    bytes_ += content.size();
    if (scanned) text_bytes_ += content.size();
  }

  void WriteCommon() {
    std::string readme =
        "# " + plan_.name + "\n\nOwned by the " + plan_.team + " team. " + rng_.Pick(kSentences) + "\n\n";
    if (Consumer() && rng_.Chance(0.5)) {
      readme += "## Inputs\n\n";
      for (int d : plan_.datasets) readme += "- `" + CodeRef(d) + "`\n";
      readme += "\n";
    }
    if (rng_.Chance(0.2))
      readme += "Note: " + Decoy(Consumer() ? plan_.datasets[0] : AnyDataset()) + " is not read here.\n\n";
    Fill(&readme, pools_, kMarkdown, static_cast<size_t>(rng_.Between(300, 2500)), rng_);
    File("README.md", readme);
    if (rng_.Chance(0.5)) File("CODEOWNERS", "# Owners\n* @acme/" + plan_.team + "\n");
    File(".gitignore", "__pycache__/\n*.pyc\ntarget/\nnode_modules/\n.venv/\n", false);
    // Hidden: discovery skips it, so nothing in it counts.
    std::string ci =
        "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make "
        "test\n";
    if (Consumer())
      ci += "      - run: ./check-table " + datasets_[static_cast<size_t>(plan_.datasets[0])] + "\n";
    File(".github/workflows/ci.yml", ci, false);
  }

  std::string SqlJob(const std::string& job, const std::vector<int>& reads) {
    std::string sql = "-- " + plan_.name + ": " + job + "\n-- " + rng_.Pick(kSentences) + "\n";
    if (rng_.Chance(0.15))
      sql += "-- formerly read from " + Decoy(reads.empty() ? AnyDataset() : reads[0]) + "\n";
    sql += "WITH\n";
    for (size_t i = 0; i < reads.size(); ++i) {
      sql += "input_" + std::to_string(i) + " AS (\n  SELECT *\n  FROM " + SqlRef(reads[i]) +
             " u\n  WHERE u.dt = '{{ ds }}'\n),\n";
      if (rng_.Chance(0.3)) {
        sql += "joined_" + std::to_string(i) + " AS (\n  SELECT p.*, s.session_count\n  FROM " +
               SqlRef(reads[i]) + " AS p\n  JOIN staging.session_counts s ON s.user_id = p.user_id\n),\n";
      }
    }
    Fill(&sql, pools_, kSql, static_cast<size_t>(rng_.Between(800, 6000)), rng_);
    sql += "final AS (\n  SELECT * FROM staging.rollup\n)\nINSERT INTO " + plan_.team + "_out." + job +
           "\nSELECT * FROM final;\n";
    return sql;
  }

  void WriteSql() {
    int jobs = JobCount(2, 5);
    std::string schedule = "jobs:\n";
    for (int j = 0; j < jobs; ++j) {
      std::string job = Ident(rng_) + "_" + std::to_string(j);
      std::vector<int> reads = JobDatasets(j, jobs);
      File("sql/jobs/" + job + ".sql", SqlJob(job, reads));
      schedule +=
          "  - name: " + job + "\n    cron: \"0 " + std::to_string(rng_.Between(0, 23)) + " * * *\"\n";
      if (!reads.empty() && rng_.Chance(0.5))
        schedule += "    inputs:\n      - table: " + CodeRef(reads[0]) + "\n";
      std::string ddl = "CREATE TABLE IF NOT EXISTS " + plan_.team + "_out." + job + " (\n";
      for (int c = rng_.Between(3, 12); c > 0; --c) ddl += "  " + Ident(rng_) + " VARCHAR,\n";
      File("sql/ddl/" + job + ".sql", ddl + "  dt DATE\n);\n");
    }
    Fill(&schedule, pools_, kYaml, 200, rng_);
    File("config/schedule.yaml", schedule);
  }

  void WriteDbt() {
    std::string project = plan_.name;
    std::replace(project.begin(), project.end(), '-', '_');
    File("dbt_project.yml",
         "name: " + project + "\nversion: '1.0.0'\nprofile: warehouse\nmodel-paths: [models]\n");
    File("packages.yml", "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n");
    std::string sources = "version: 2\n\nsources:\n";
    std::vector<int> reads = plan_.datasets;
    for (int d : reads) {
      sources += "  - name: " + Schema(d) + "\n    tables:\n      - name: " + Table(d) + "\n";
      if (rng_.Chance(0.3)) sources += "        description: \"Raw copy of " + CodeRef(d) + "\"\n";
    }
    if (reads.empty()) sources += "  - name: raw_app\n    tables:\n      - name: users\n";
    File("models/staging/sources.yml", sources);
    for (int d : reads) {
      std::string model = "with source as (\n    select * from {{ " + DbtRef(d) + " }}\n),\n\nrenamed as (\n";
      Fill(&model, pools_, kSql, static_cast<size_t>(rng_.Between(300, 3000)), rng_);
      model += "    select * from source\n)\n\nselect * from renamed\n";
      File("models/staging/stg_" + Table(d) + ".sql", model);
    }
    for (int m = rng_.Between(1, 4); m > 0; --m) {
      std::string mart =
          "{{ config(materialized='table') }}\n\nwith base as (\n    select * from {{ ref('stg_" +
          Word(rng_) + "') }}\n),\n";
      Fill(&mart, pools_, kSql, static_cast<size_t>(rng_.Between(500, 5000)), rng_);
      mart += "select * from base\n";
      File("models/marts/" + Ident(rng_) + "_" + std::to_string(m) + ".sql", mart);
    }
    std::string macro =
        "{% macro cents_to_dollars(column_name) %}\n    ({{ column_name }} / 100)::numeric(16, 2)\n{% "
        "endmacro %}\n";
    File("macros/cents_to_dollars.sql", macro);
  }

  void WritePython() {
    std::string pkg = Word(rng_) + "_" + rng_.Pick(kTeams);
    File("pyproject.toml", "[project]\nname = \"" + plan_.name +
                               "\"\nversion = \"0.1.0\"\ndependencies = [\"pyspark>=3.4\"]\n");
    File("requirements.txt", "pyspark==3.5.1\npyyaml==6.0.1\nrequests==2.31.0\n");
    File("src/" + pkg + "/__init__.py", "\"\"\"" + plan_.name + ".\"\"\"\n");
    int jobs = JobCount(1, 3);
    for (int j = 0; j < jobs; ++j) {
      std::string job = Ident(rng_) + "_" + std::to_string(j);
      std::vector<int> reads = JobDatasets(j, jobs);
      std::string py = "\"\"\"Builds " + job + ". " + rng_.Pick(kSentences) +
                       "\"\"\"\nimport logging\n\nfrom pyspark.sql import SparkSession, functions as "
                       "F\n\nLOG = logging.getLogger(__name__)\n";
      for (size_t i = 0; i < reads.size(); ++i)
        py += "SOURCE_TABLE_" + std::to_string(i) + " = \"" + CodeRef(reads[i]) + "\"\n";
      if (!reads.empty()) {
        py += "QUERY = \"\"\"\nSELECT u.user_id, count(*) AS n\nFROM " + SqlRef(reads[0]) +
              " u\nJOIN staging.sessions s ON s.user_id = u.user_id\nGROUP BY 1\n\"\"\"\n";
      }
      py += "\n\n";
      Fill(&py, pools_, kPython, static_cast<size_t>(rng_.Between(1000, 8000)), rng_);
      py += "def run(spark: SparkSession) -> None:\n";
      if (!reads.empty()) {
        py += "    frame = spark.table(SOURCE_TABLE_0)\n";
        if (rng_.Chance(0.3))
          py +=
              "    extra = spark.sql(\"SELECT * FROM " + CodeRef(reads[0]) + " WHERE dt = '2024-01-01'\")\n";
      }
      py += "    LOG.info(\"done\")\n";
      File("src/" + pkg + "/jobs/" + job + ".py", py);
      if (!reads.empty() && rng_.Chance(0.5)) {
        std::string conf = "{\n  \"job\": \"" + job + "\",\n  \"source\": \"" + CodeRef(reads[0]) + "\",\n";
        if (rng_.Chance(0.4))
          conf += "  \"check\": \"SELECT count(*) FROM " + EscapedRef(reads[0]) + " WHERE dt = ?\",\n";
        File("conf/" + job + ".json", conf + "  \"partition\": \"dt\",\n  \"retries\": 3\n}\n");
      }
      std::string test = "from " + pkg + ".jobs import " + job + "\n\n\n";
      if (!reads.empty() && rng_.Chance(0.3)) {
        test += "def test_reads_the_right_table():\n    assert " + job + ".SOURCE_TABLE_0 == \"" +
                CodeRef(reads[0]) + "\"\n\n\n";
      }
      Fill(&test, pools_, kPython, static_cast<size_t>(rng_.Between(300, 2000)), rng_);
      File("tests/test_" + job + ".py", test);
    }
  }

  void WriteScala() {
    std::string pkg = Word(rng_);
    File("build.sbt", "name := \"" + plan_.name +
                          "\"\nscalaVersion := \"2.13.12\"\nlibraryDependencies += \"org.apache.spark\" %% "
                          "\"spark-sql\" % \"3.5.1\"\n");
    int jobs = JobCount(1, 3);
    std::string conf;
    for (int j = 0; j < jobs; ++j) {
      std::string name = Camel(Ident(rng_)) + std::to_string(j) + "Job";
      std::vector<int> reads = JobDatasets(j, jobs);
      std::string scala = "package com.acme." + pkg +
                          "\n\nimport org.apache.spark.sql.{DataFrame, SparkSession}\nimport "
                          "org.apache.spark.sql.functions._\n\n/** " +
                          rng_.Pick(kSentences) + " */\nobject " + name + " {\n";
      for (size_t i = 0; i < reads.size(); ++i) {
        scala += "  val Source" + std::to_string(i) + " = \"" + CodeRef(reads[i]) + "\"\n";
      }
      scala += "\n  def run(spark: SparkSession): DataFrame = {\n";
      if (!reads.empty()) {
        scala +=
            "    val users = spark.read.table(Source0)\n    val recent = spark.sql(\"\"\"SELECT * FROM " +
            SqlRef(reads[0]) +
            " WHERE dt >= current_date() - 7\"\"\")\n    users.join(recent, Seq(\"user_id\"))\n";
      } else {
        scala += "    spark.emptyDataFrame\n";
      }
      scala += "  }\n\n";
      Fill(&scala, pools_, kScala, static_cast<size_t>(rng_.Between(1000, 8000)), rng_);
      scala += "}\n";
      File("src/main/scala/com/acme/" + pkg + "/" + name + ".scala", scala);
      if (!reads.empty()) conf += "jobs." + name + ".source.table = \"" + CodeRef(reads[0]) + "\"\n";
    }
    conf += "spark.app.name = \"" + plan_.name + "\"\n";
    File("src/main/resources/application.conf", conf);
    std::string spec =
        "package com.acme." + pkg +
        "\n\nimport org.scalatest.funsuite.AnyFunSuite\n\nclass JobSpec extends AnyFunSuite {\n";
    Fill(&spec, pools_, kScala, static_cast<size_t>(rng_.Between(500, 3000)), rng_);
    File("src/test/scala/com/acme/" + pkg + "/JobSpec.scala", spec + "}\n");
  }

  void WriteService() {
    std::string module = Word(rng_);
    File("go.mod", "module github.com/acme/" + plan_.name + "\n\ngo 1.22\n");
    std::string main = "package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\n";
    Fill(&main, pools_, kGo, static_cast<size_t>(rng_.Between(800, 5000)), rng_);
    File("cmd/" + module + "/main.go",
         main + "func main() { fmt.Println(run(context.Background(), nil)) }\n");
    for (int f = rng_.Between(1, 4); f > 0; --f) {
      std::string go = "package " + module + "\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\n";
      Fill(&go, pools_, kGo, static_cast<size_t>(rng_.Between(1000, 9000)), rng_);
      File("internal/" + module + "/" + Word(rng_) + "_" + std::to_string(f) + ".go", go);
    }
    std::string ts = "import { client } from './client';\n\n";
    Fill(&ts, pools_, kTs, static_cast<size_t>(rng_.Between(800, 6000)), rng_);
    File("web/src/" + Word(rng_) + ".ts", ts);
    File("package.json",
         "{\n  \"name\": \"" + plan_.name + "\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n");
    if (Consumer()) {
      std::string config = "service: " + plan_.name + "\ntables:\n";
      for (int d : plan_.datasets) config += "  - " + CodeRef(d) + "\n";
      File("config/" + module + ".yaml", config);
      File("internal/store/tables.go",
           "package store\n\n// The table the nightly export reads.\nconst sourceTable = \"" +
               CodeRef(plan_.datasets[0]) + "\"\n");
    }
  }

  // Pads the repository to its size target with files that read nothing (except a big file,
  // which may carry a few references deep inside).
  void Pad() {
    if (plan_.target_bytes == 0) return;
    bool big_written = false;
    int n = 0;
    while (status_.ok() && bytes_ < plan_.target_bytes) {
      uint64_t remaining = plan_.target_bytes - bytes_;
      std::string id = std::to_string(++n);
      uint64_t pick = rng_.Below(100);
      if (!big_written && remaining > (3u << 20) && rng_.Chance(0.3)) {
        big_written = true;
        WriteBigFile(std::min<uint64_t>(remaining, static_cast<uint64_t>(rng_.Between(2, 8)) << 20), id);
      } else if (pick < 60) {
        Pool pool = CodePool();
        std::string code = CodeHeader(pool);
        Fill(&code, pools_, pool, Cap(remaining, 4 << 10, 40 << 10), rng_);
        File(CodePath(pool, id), code);
      } else if (pick < 75) {
        std::string doc = "# " + Camel(Word(rng_)) + "\n\n";
        Fill(&doc, pools_, kMarkdown, Cap(remaining, 2 << 10, 16 << 10), rng_);
        File("docs/" + Word(rng_) + "_" + id + ".md", doc);
      } else if (pick < 95) {
        bool csv = rng_.Chance(0.6);
        std::string data = csv ? "id,name,key,amount,dt\n" : "[\n";
        Fill(&data, pools_, csv ? kCsv : kJson, Cap(remaining, 32 << 10, 512 << 10), rng_);
        if (!csv) data += "  {}\n]\n";
        File("fixtures/" + Word(rng_) + "_" + id + (csv ? ".csv" : ".json"), data);
      } else {
        // A binary file: a NUL in the first bytes makes discovery skip it, so the dataset name
        // in its metadata does not count.
        std::string bin = std::string("PAR1\0\0\x15\x04", 8);
        if (Consumer()) bin += "schema " + datasets_[static_cast<size_t>(plan_.datasets[0])] + "\n";
        size_t size = Cap(remaining, 16 << 10, 256 << 10);
        while (bin.size() < size) {
          uint64_t r = rng_.Next();
          bin.append(reinterpret_cast<const char*>(&r), sizeof r);
        }
        File("data/" + Word(rng_) + "_" + id + ".parquet", bin, false);
      }
    }
  }

  size_t Cap(uint64_t remaining, size_t lo, size_t hi) {
    size_t want = static_cast<size_t>(rng_.Between(static_cast<int>(lo), static_cast<int>(hi)));
    return static_cast<size_t>(std::max<uint64_t>(256, std::min<uint64_t>(want, remaining)));
  }
  Pool CodePool() {
    if (plan_.kind == "sql" || plan_.kind == "dbt") return rng_.Chance(0.7) ? kSql : kYaml;
    if (plan_.kind == "python") return kPython;
    if (plan_.kind == "scala") return kScala;
    return rng_.Chance(0.6) ? kGo : kTs;
  }
  std::string CodeHeader(Pool pool) {
    switch (pool) {
      case kSql:
        return "-- " + std::string(rng_.Pick(kSentences)) + "\nWITH\n";
      case kPython:
        return "import logging\n\nLOG = logging.getLogger(__name__)\n\n\n";
      case kScala:
        return "package com.acme.util\n\nobject " + Camel(Ident(rng_)) + " {\n";
      case kGo:
        return "package util\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\n";
      default:
        return "// " + std::string(rng_.Pick(kSentences)) + "\n";
    }
  }
  std::string CodePath(Pool pool, const std::string& id) {
    switch (pool) {
      case kSql:
        return (plan_.kind == "dbt" ? "models/intermediate/int_" : "sql/lib/") + Ident(rng_) + "_" + id +
               ".sql";
      case kYaml:
        return "config/" + Word(rng_) + "_" + id + ".yaml";
      case kPython:
        return "src/lib/" + Ident(rng_) + "_" + id + ".py";
      case kScala:
        return "src/main/scala/com/acme/util/" + Camel(Ident(rng_)) + id + ".scala";
      case kGo:
        return "internal/util/" + Ident(rng_) + "_" + id + ".go";
      default:
        return "web/src/lib/" + Word(rng_) + id + ".ts";
    }
  }

  // A multi-megabyte log (or SQL seed): discovery reads it in chunks. A consumer's carries a few
  // references at random depths.
  void WriteBigFile(uint64_t size, const std::string& id) {
    bool log = rng_.Chance(0.6);
    std::vector<uint64_t> plant_at;
    if (Consumer()) {
      for (int k = rng_.Between(1, 4); k > 0; --k) plant_at.push_back(rng_.Below(size));
      std::sort(plant_at.begin(), plant_at.end());
    }
    std::string text;
    text.reserve(size + 4096);
    size_t next = 0;
    while (text.size() < size) {
      if (next < plant_at.size() && text.size() >= plant_at[next]) {
        int d = plan_.datasets[rng_.Below(plan_.datasets.size())];
        text += log ? "2024-03-02T03:00:00Z INFO loader.read loaded " + CodeRef(d) + " rows=1234\n"
                    : "INSERT INTO staging.audit SELECT * FROM " + SqlRef(d) + " LIMIT 10;\n";
        ++next;
        continue;
      }
      if (log) {
        text += pools_.blocks[kLog][rng_.Below(pools_.blocks[kLog].size())];
      } else {
        const std::string& row = pools_.blocks[kCsv][rng_.Below(pools_.blocks[kCsv].size())];
        text += "INSERT INTO staging.seed VALUES ('" + row.substr(0, row.size() - 1) + "');\n";
      }
    }
    File(log ? "logs/backfill-" + id + ".log" : "seeds/seed_" + id + ".sql", text);
  }

  const FleetSpec& spec_;
  const Pools& pools_;
  const std::vector<std::string>& datasets_;
  const RepoPlan& plan_;
  fs::path root_;
  Rng rng_;
  std::vector<int> counts_;
  std::set<std::string> made_dirs_;
  uint64_t files_ = 0;
  uint64_t bytes_ = 0;
  uint64_t text_bytes_ = 0;
  Status status_;
};

std::string ResourceName(const std::string& dataset_id) {
  std::string name = dataset_id;
  for (char& c : name) {
    if (c == '.' || c == '_') c = '-';
  }
  return name;
}

std::string CatalogDatasets(const FleetManifest& manifest) {
  std::string out;
  for (size_t d = 0; d < manifest.datasets.size(); ++d) {
    const std::string& id = manifest.datasets[d];
    std::string schema = id.substr(0, id.find('.')), table = id.substr(id.find('.') + 1);
    out += "---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: " + ResourceName(id) +
           "\n  annotations:\n    skein.dev/dataset-id: " + id +
           "\n    skein.dev/location: parquet:warehouse/" + schema + "/" + table +
           "\n    skein.dev/lifecycle: " + (d == 0 ? "deprecated" : "production") +
           "\nspec:\n  type: dataset\n  owner: group:default/" + schema + "\n";
  }
  return out;
}

std::string CatalogComponents(const FleetManifest& manifest, const std::vector<RepoPlan>& plans) {
  std::string out;
  for (size_t i = 0; i < plans.size(); ++i) {
    const RepoPlan& plan = plans[i];
    if (!plan.in_catalog) continue;
    out += "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + plan.name +
           "\n  annotations:\n    skein.dev/repo: repos/" + plan.name +
           "\n    skein.dev/framework: " + plan.kind + "\n    skein.dev/produces: " + plan.team + "_out." +
           [&] {
             std::string n = plan.name;
             std::replace(n.begin(), n.end(), '-', '_');
             return n;
           }() +
           "\n  tags: [tier-" + std::to_string(plan.tier) +
           "]\nspec:\n  type: " + (plan.kind == "service" ? "service" : "data-pipeline") +
           "\n  lifecycle: production\n  owner: group:default/" + plan.team + "\n";
    if (!plan.declared.empty()) {
      out += "  dependsOn:\n";
      for (int d : plan.declared)
        out += "    - resource:default/" + ResourceName(manifest.datasets[static_cast<size_t>(d)]) + "\n";
    }
  }
  return out;
}

}  // namespace

std::string FleetDatasetId(int index) {
  // Consecutive ids differ in their table; every (schema, table) pair of one round of
  // kTableCount * kSchemaCount ids is distinct (schema index: round-robin plus the lap).
  constexpr int kSchemaCount = static_cast<int>(std::size(kSchemas));
  constexpr int kTableCount = static_cast<int>(std::size(kTables));
  constexpr int kRound = kSchemaCount * kTableCount;
  int within = index % kRound;
  int lap = within / kTableCount;
  std::string table = kTables[within % kTableCount];
  if (index >= kRound) table += "_p" + std::to_string(index / kRound);
  return std::string(kSchemas[(lap + 3 * within) % kSchemaCount]) + "." + table + "_v1";
}

int FleetManifest::References(const std::string& dataset) const {
  int total = 0;
  for (const PlantedRepo& repo : repos) {
    auto it = repo.references.find(dataset);
    if (it != repo.references.end()) total += it->second;
  }
  return total;
}

int FleetManifest::ConsumerRepos(const std::string& dataset) const {
  return static_cast<int>(std::count_if(
      repos.begin(), repos.end(), [&](const PlantedRepo& r) { return r.references.count(dataset) > 0; }));
}

int FleetManifest::ShadowConsumers(const std::string& dataset) const {
  return static_cast<int>(std::count_if(repos.begin(), repos.end(), [&](const PlantedRepo& r) {
    return r.references.count(dataset) > 0 && !(spec.catalog && r.in_catalog);
  }));
}

int FleetManifest::StaleConsumers(const std::string& dataset) const {
  if (!spec.catalog) return 0;
  return static_cast<int>(std::count_if(repos.begin(), repos.end(), [&](const PlantedRepo& r) {
    return r.in_catalog && r.references.count(dataset) == 0 &&
           std::find(r.declared.begin(), r.declared.end(), dataset) != r.declared.end();
  }));
}

nlohmann::json FleetManifest::ToJson() const {
  nlohmann::json json;
  json["format"] = kFleetFormatVersion;
  json["spec"] = {{"repos", spec.repos},
                  {"datasets", spec.datasets},
                  {"size_mb", spec.size_mb},
                  {"seed", spec.seed},
                  {"catalog", spec.catalog},
                  {"consumer_share", spec.consumer_share},
                  {"known_share", spec.known_share}};
  json["files"] = files;
  json["bytes"] = bytes;
  json["text_bytes"] = text_bytes;
  json["datasets"] = nlohmann::json::array();
  for (const std::string& id : datasets) {
    json["datasets"].push_back({{"id", id},
                                {"references", References(id)},
                                {"repositories", ConsumerRepos(id)},
                                {"shadow_consumers", ShadowConsumers(id)},
                                {"stale_consumers", StaleConsumers(id)}});
  }
  json["repositories"] = nlohmann::json::array();
  for (const PlantedRepo& repo : repos) {
    json["repositories"].push_back({{"name", repo.name},
                                    {"kind", repo.kind},
                                    {"files", repo.files},
                                    {"bytes", repo.bytes},
                                    {"in_catalog", spec.catalog && repo.in_catalog},
                                    {"declared", spec.catalog ? repo.declared : std::vector<std::string>{}},
                                    {"references", repo.references}});
  }
  return json;
}

Result<FleetManifest> GenerateFleet(const FleetSpec& spec, const fs::path& out, bool replace) {
  if (spec.repos < 1) return Status::InvalidInput("--repos must be at least 1");
  if (spec.datasets < 1) return Status::InvalidInput("--datasets must be at least 1");
  if (spec.size_mb < 0) return Status::InvalidInput("--size-mb must not be negative");
  if (spec.consumer_share < 0 || spec.consumer_share > 1 || spec.known_share < 0 || spec.known_share > 1) {
    return Status::InvalidInput("shares must be between 0 and 1");
  }
  std::error_code ec;
  for (const char* part : {"repos", "catalog", "fleet.json"}) {
    if (!fs::exists(out / part, ec)) continue;
    if (!replace)
      return Status::Conflict((out / part).string() + " exists: " + out.string() +
                              " holds a fleet already (use --force)");
    fs::remove_all(out / part, ec);
    if (ec) return Status::IoError("cannot remove " + (out / part).string() + ": " + ec.message());
  }
  fs::create_directories(out / "repos", ec);
  if (ec) return Status::IoError("cannot create " + (out / "repos").string() + ": " + ec.message());

  FleetManifest manifest;
  manifest.spec = spec;
  for (int d = 0; d < spec.datasets; ++d) manifest.datasets.push_back(FleetDatasetId(d));
  std::vector<RepoPlan> plans = MakePlans(spec);
  manifest.repos.resize(plans.size());
  Pools pools(spec.seed);

  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  Status error;
  auto work = [&] {
    for (size_t i = next++; i < plans.size(); i = next++) {
      Repo repo(spec, pools, manifest.datasets, plans[i], out / "repos" / plans[i].name, static_cast<int>(i));
      Status status = repo.Write(&manifest.repos[i]);
      if (!status.ok()) {
        std::lock_guard lock(error_mutex);
        if (error.ok()) error = status;
        next = plans.size();
      }
    }
  };
  int threads =
      spec.threads > 0 ? spec.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& thread : pool) thread.join();
  RETURN_IF_ERROR(error);

  for (const PlantedRepo& repo : manifest.repos) {
    manifest.files += repo.files;
    manifest.bytes += repo.bytes;
    manifest.text_bytes += repo.text_bytes;
  }
  if (spec.catalog) {
    fs::create_directories(out / "catalog", ec);
    RETURN_IF_ERROR(WriteFileAtomically(out / "catalog" / "datasets.yaml", CatalogDatasets(manifest)));
    RETURN_IF_ERROR(
        WriteFileAtomically(out / "catalog" / "components.yaml", CatalogComponents(manifest, plans)));
  }
  RETURN_IF_ERROR(WriteFileAtomically(out / "fleet.json", manifest.ToJson().dump(1) + "\n"));
  return manifest;
}

}  // namespace skein::fleetgen
