// skein-rewrite-corpusgen: writes the SQL corpus of the rewrite benchmark (bench/rewrite/run).
//
//   skein-rewrite-corpusgen --out DIR [--files N] [--hit-share F] [--seed S]
//
// DIR/sql/NNNNN.sql: files of 1-50 KiB of PostgreSQL-flavoured analytics SQL (CTE chains, joins,
// correlated subqueries, window functions, CASE, INSERT .. SELECT, comments, string literals).
// A share F of the files (--hit-share, default 0.1) reads the target core.user_profile_v1 in
// some of its statements; the others never name it. DIR/schemas.json lists every table's
// columns, so both rewriters resolve unqualified columns against the same catalog.
// Deterministic for a seed.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

struct Table {
  std::string name;
  std::vector<std::string> columns;  // columns[0] is the key others join on
};

const std::vector<Table>& Tables() {
  static const std::vector<Table> tables = {
      {"core.user_profile_v1", {"user_id", "email", "country", "signup_ts", "plan", "created_at"}},
      {"sales.orders", {"order_id", "customer_ref", "amount", "currency", "ordered_at", "status"}},
      {"sales.order_items", {"order_id", "sku", "quantity", "unit_price", "discount"}},
      {"sales.refunds", {"refund_id", "order_id", "refund_amount", "reason", "refunded_at"}},
      {"web.sessions", {"session_id", "visitor_ref", "started_at", "device", "landing_page"}},
      {"web.page_views", {"view_id", "session_id", "url", "viewed_at", "dwell_ms"}},
      {"marketing.campaigns", {"campaign_id", "channel", "budget", "starts_on", "ends_on"}},
      {"marketing.touches", {"touch_id", "campaign_id", "visitor_ref", "touched_at", "cost"}},
      {"finance.invoices", {"invoice_id", "customer_ref", "total", "due_on", "paid_on"}},
      {"finance.payments", {"payment_id", "invoice_id", "paid_amount", "method", "settled_at"}},
      {"ops.tickets", {"ticket_id", "requester_ref", "priority", "opened_at", "closed_at"}},
      {"ops.ticket_events", {"event_id", "ticket_id", "actor", "action", "event_at"}},
      {"product.features", {"feature_id", "feature_name", "released_on", "owner_team"}},
      {"product.usage_daily", {"usage_day", "feature_id", "account_ref", "events", "active_minutes"}},
      {"core.user_profile_v10", {"user_ref", "nickname", "locale", "updated_at"}},  // a near miss
  };
  return tables;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  std::string File(size_t target_bytes, bool hits) {
    std::string out;
    out += "-- generated job " + std::to_string(Pick(100000)) + ": nightly rollups\n";
    while (out.size() < target_bytes) {
      bool hit = hits && Pick(3) == 0;
      out += Statement(hit);
      out += "\n\n";
    }
    return out;
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  const Table& Other() { return Tables()[1 + Pick(static_cast<int>(Tables().size()) - 1)]; }
  const Table& Source(bool hit) { return hit ? Tables()[0] : Other(); }
  const std::string& Col(const Table& t) { return t.columns[Pick(static_cast<int>(t.columns.size()))]; }
  std::string Alias() {
    static const char* names[] = {"a", "b", "t", "s", "src", "base", "x", "p", "u", "o"};
    return names[Pick(10)];
  }
  std::string Comment() {
    switch (Pick(4)) {
      case 0:
        return "-- keep in sync with the dashboard; core.user_profile_v1 is not read here\n";
      case 1:
        return "/* owner: analytics-eng\n   refreshed hourly */\n";
      case 2:
        return "-- TODO: drop the legacy filter once backfill completes\n";
      default:
        return "";
    }
  }

  std::string Statement(bool hit) {
    const Table& t = Source(hit);
    const Table& o = Other();
    std::string a = Alias();
    std::string b = a == "b" ? "c" : "b";
    std::string c1 = Col(t), c2 = Col(t), c3 = Col(t), k = t.columns[0];
    std::string s = Comment();
    switch (Pick(7)) {
      case 0:  // aggregate with filters
        s += "SELECT " + a + "." + c1 + ", " + a + "." + c2 + ", COUNT(*) AS n, MAX(" + a + "." + c3 + ") AS last_" +
             c3 + "\nFROM " + t.name + " " + a + "\nWHERE " + a + "." + c3 + " IS NOT NULL\n  AND " + a + "." +
             c1 + " <> 'core.user_profile_v1'\nGROUP BY " + a + "." + c1 + ", " + a + "." + c2 +
             "\nORDER BY n DESC\nLIMIT " + std::to_string(10 + Pick(990)) + ";";
        break;
      case 1:  // CTE chain over a join
        s += "WITH recent AS (\n  SELECT " + c1 + ", " + c2 + ", " + k + "\n  FROM " + t.name +
             "\n  WHERE " + c3 + " >= CURRENT_DATE - INTERVAL '30 days'\n),\njoined AS (\n  SELECT r." + c1 +
             ", r." + c2 + ", " + b + "." + Col(o) + " AS other_value\n  FROM recent r\n  JOIN " + o.name + " " +
             b + " ON " + b + "." + o.columns[0] + " = r." + k + "\n)\nSELECT *\nFROM joined\nWHERE other_value IS NOT NULL;";
        break;
      case 2:  // window functions
        s += "SELECT " + a + "." + c1 + ",\n       " + b + "." + Col(o) +
             ",\n       ROW_NUMBER() OVER (PARTITION BY " + a + "." + c1 + " ORDER BY " + a + "." + c2 +
             " DESC) AS rn,\n       SUM(" + b + "." + Col(o) + ") OVER (PARTITION BY " + a + "." + k +
             ") AS running\nFROM " + t.name + " AS " + a + "\nLEFT JOIN " + o.name + " AS " + b + "\n  ON " + b +
             "." + o.columns[0] + " = " + a + "." + k + "\nWHERE " + a + "." + c3 + " IS NOT NULL;";
        break;
      case 3:  // correlated subquery
        s += "SELECT " + a + "." + c1 + ", " + a + "." + c2 + "\nFROM " + t.name + " " + a +
             "\nWHERE EXISTS (\n  SELECT 1 FROM " + o.name + " " + b + "\n  WHERE " + b + "." + o.columns[0] +
             " = " + a + "." + k + "\n    AND " + b + "." + Col(o) + " IS NOT NULL\n)\n  AND " + a + "." + c3 +
             " IN (SELECT " + c3 + " FROM " + t.name + " WHERE " + c1 + " IS NOT NULL);";
        break;
      case 4:  // INSERT .. SELECT with CASE
        s += "INSERT INTO reporting.daily_" + std::to_string(Pick(50)) + "\nSELECT " + c1 + ",\n       CASE WHEN " +
             c2 + " IS NULL THEN 'unknown' ELSE CAST(" + c2 + " AS VARCHAR) END AS label,\n       COALESCE(" +
             c3 + ", " + k + ") AS pick\nFROM " + t.name + "\nWHERE " + k + " IS NOT NULL;";
        break;
      case 5:  // derived table
        s += "SELECT d." + c1 + ", d.total\nFROM (\n  SELECT " + c1 + ", COUNT(" + c2 + ") AS total\n  FROM " +
             t.name + "\n  GROUP BY " + c1 + "\n) AS d\nWHERE d.total > " + std::to_string(Pick(100)) +
             "\nORDER BY d.total DESC;";
        break;
      default:  // a union of two reads
        s += "SELECT " + c1 + ", 'primary' AS origin FROM " + t.name + " WHERE " + c2 + " IS NOT NULL\nUNION ALL\nSELECT " +
             o.columns[0] + ", 'secondary' FROM " + o.name + " WHERE " + Col(o) + " IS NULL;";
        break;
    }
    return s;
  }

  std::mt19937_64 rng_;
};

std::string JsonString(const std::string& s) { return "\"" + s + "\""; }  // names are plain words

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  int files = 2000;
  double hit_share = 0.1;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--out") out = argv[i + 1];
    else if (flag == "--files") files = std::stoi(argv[i + 1]);
    else if (flag == "--hit-share") hit_share = std::stod(argv[i + 1]);
    else if (flag == "--seed") seed = std::stoull(argv[i + 1]);
  }
  if (out.empty()) {
    std::fprintf(stderr, "usage: skein-rewrite-corpusgen --out DIR [--files N] [--hit-share F] [--seed S]\n");
    return 2;
  }
  namespace fs = std::filesystem;
  fs::create_directories(fs::path(out) / "sql");
  Generator gen(seed);
  std::mt19937_64 sizes(seed * 7919 + 1);
  uint64_t total = 0;
  for (int i = 0; i < files; ++i) {
    // Log-uniform 1..50 KiB: most files are small, a few are large.
    double kib = std::exp(std::uniform_real_distribution<double>(0, std::log(50.0))(sizes));
    bool hits = std::uniform_real_distribution<double>(0, 1)(sizes) < hit_share;
    std::string text = gen.File(static_cast<size_t>(kib * 1024), hits);
    char name[32];
    std::snprintf(name, sizeof name, "%05d.sql", i);
    std::ofstream(fs::path(out) / "sql" / name, std::ios::binary) << text;
    total += text.size();
  }
  std::ofstream schemas(fs::path(out) / "schemas.json");
  schemas << "{";
  for (size_t t = 0; t < Tables().size(); ++t) {
    schemas << (t ? ",\n " : "\n ") << JsonString(Tables()[t].name) << ": [";
    for (size_t c = 0; c < Tables()[t].columns.size(); ++c) {
      schemas << (c ? ", " : "") << JsonString(Tables()[t].columns[c]);
    }
    schemas << "]";
  }
  schemas << "\n}\n";
  std::printf("%d files, %.1f MB in %s\n", files, total / 1e6, out.c_str());
  return 0;
}
