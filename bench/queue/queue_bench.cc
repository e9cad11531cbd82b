// No-op jobs per second through the job queue (queue/queue.h), on SQLite and PostgreSQL.
//
// One measurement: a campaign of N jobs of kind "noop" (payload "{}") is created and started;
// W threads, each with its own Queue, claim in batches (Claim with max_jobs = B) and complete
// each batch with CompleteMany, until a claim comes back empty. Jobs per second = N / the time
// from the moment every thread is connected to the last thread's end. Enqueueing is timed apart.
//
// Modes (each on a fresh campaign in the same store, same table, same run):
//   queue      Claim + CompleteMany, as above
//   +advance   the same plus what `skein worker` does after each batch: StageOpen, and Advance
//              (which locks the campaign) when the stage has no open job left
//   reference  the floor for the same work on the same table, with the same client code
//              (queue/sql_session.h): one statement claims a batch (UPDATE jobs SET
//              state='running' ... WHERE id IN (SELECT ... ORDER BY stage, priority, id LIMIT B
//              [FOR UPDATE SKIP LOCKED]) RETURNING id), one marks it done (UPDATE jobs SET
//              state='done' WHERE id IN (batch)); each its own autocommit transaction. No
//              campaign lock, no caps, no attempts rows.
//
// Every statement goes through a counting SqlSession, so the output says how many round trips
// (statements, BEGIN and COMMIT included) a batch took and where the time went (--profile).
//
//   skein-bench-queue [--jobs N] [--batch B,...] [--workers W,...] [--pg URL] [--no-sqlite]
//                     [--modes queue,+advance,reference] [--profile]
// --pg defaults to $SKEIN_BENCH_PG; without either, PostgreSQL is skipped. SQLite: a temporary file.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "consumer/bench_util.h"
#include "queue/queue.h"
#include "queue/sql_session.h"

namespace fs = std::filesystem;
using skein::bench::Ms;
using skein::queue::Dialect;
using skein::queue::Param;
using skein::queue::Rows;
using skein::queue::SqlSession;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void Die(const std::string& message) { skein::bench::Die("skein-bench-queue", message); }

template <typename T>
T OrDie(skein::Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().message());
  return std::move(result).value();
}

void OrDie(const skein::Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.message());
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Statement counts and time, by statement (its first words).
struct Profile {
  struct Entry {
    int64_t count = 0;
    double ms = 0;
  };
  std::map<std::string, Entry> by_statement;
  int64_t statements = 0;
  void Add(const Profile& other) {
    statements += other.statements;
    for (const auto& [key, e] : other.by_statement) {
      by_statement[key].count += e.count;
      by_statement[key].ms += e.ms;
    }
  }
};

// The statement's kind for the profile: its first 70 characters, whitespace folded.
std::string StatementKey(std::string_view sql) {
  std::string key;
  for (char c : sql) {
    if (key.size() >= 70) break;
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !key.empty() && key.back() == ' ') continue;
    key += c;
  }
  return key;
}

// Runs `f`, adding one statement of kind `key` and its time to `profile`.
template <typename F>
auto Timed(Profile& profile, const std::string& key, F&& f) {
  auto start = Clock::now();
  auto out = f();
  Profile::Entry& e = profile.by_statement[key];
  ++e.count;
  e.ms += Ms(Clock::now() - start).count();
  ++profile.statements;
  return out;
}

// A SqlSession that forwards to the real one and counts every round trip.
class CountingSession final : public SqlSession {
 public:
  CountingSession(std::unique_ptr<SqlSession> inner, Profile* profile)
      : inner_(std::move(inner)), profile_(profile) {}
  Dialect dialect() const override { return inner_->dialect(); }
  std::string Describe() const override { return inner_->Describe(); }
  skein::Status Begin() override {
    return Timed(*profile_, "BEGIN", [&] { return inner_->Begin(); });
  }
  skein::Status Commit() override {
    return Timed(*profile_, "COMMIT", [&] { return inner_->Commit(); });
  }
  void Rollback() override {
    Timed(*profile_, "ROLLBACK", [&] {
      inner_->Rollback();
      return 0;
    });
  }
  skein::Result<Rows> Query(std::string_view sql, const std::vector<Param>& params) override {
    return Timed(*profile_, StatementKey(sql), [&] { return inner_->Query(sql, params); });
  }

 private:
  std::unique_ptr<SqlSession> inner_;
  Profile* profile_;
};

struct Options {
  int jobs = 20000;
  std::vector<int> batches = {50};
  std::vector<int> workers = {1, 2, 4, 8};
  std::vector<std::string> modes = {"queue", "reference"};
  std::string pg;
  bool sqlite = true;
  bool profile = false;
};

std::vector<int> IntList(const std::string& text) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int value = std::atoi(item.c_str());
    if (value <= 0) Die("not a positive number list: " + text);
    out.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> WordList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

struct Measurement {
  double enqueue_s = 0;
  double seconds = 0;
  int64_t batches = 0;
  double claim_ms = 0;     // summed over threads
  double complete_ms = 0;  // summed over threads (Advance included in +advance)
  Profile profile;
};

// Removes a campaign's rows, so every measurement starts from the same table.
void DropCampaign(SqlSession& s, const std::string& id) {
  OrDie(s.Query("DELETE FROM attempts WHERE job IN (SELECT id FROM jobs WHERE campaign = $1)", {id}).status(),
        "cleanup");
  OrDie(s.Query("DELETE FROM jobs WHERE campaign = $1", {id}).status(), "cleanup");
  OrDie(s.Query("DELETE FROM campaign_events WHERE campaign = $1", {id}).status(), "cleanup");
  OrDie(s.Query("DELETE FROM campaigns WHERE id = $1", {id}).status(), "cleanup");
  if (s.dialect() == Dialect::kPostgres) {
    OrDie(s.Query("VACUUM ANALYZE jobs").status(), "vacuum");
    OrDie(s.Query("VACUUM ANALYZE attempts").status(), "vacuum");
  }
}

// Waits until `count` threads arrived, then lets them all go; returns when they may start.
class StartLine {
 public:
  explicit StartLine(int count) : count_(count) {}
  void Arrive() {
    ++arrived_;
    while (!go_.load()) std::this_thread::yield();
  }
  Clock::time_point Release() {
    while (arrived_.load() < count_) std::this_thread::sleep_for(std::chrono::microseconds(100));
    auto t = Clock::now();
    go_ = true;
    return t;
  }

 private:
  int count_;
  std::atomic<int> arrived_{0};
  std::atomic<bool> go_{false};
};

Measurement Measure(const std::string& url, const std::string& mode, int workers, int batch, int jobs) {
  using namespace skein::queue;
  std::string id = "bench-queue-" + mode.substr(mode[0] == '+' ? 1 : 0) + "-w" + std::to_string(workers) +
                   "-b" + std::to_string(batch);
  auto admin_session = OrDie(OpenSession(url), "open " + url);
  SqlSession& admin = *admin_session;
  DropCampaign(admin, id);
  auto q = OrDie(Queue::Open(url), "open " + url);

  CampaignSpec spec;
  spec.id = id;
  spec.manifest_file = "bench";
  spec.manifest = "bench";
  spec.workdir = fs::temp_directory_path().string();
  std::vector<NewJob> new_jobs;
  new_jobs.reserve(static_cast<size_t>(jobs));
  for (int i = 0; i < jobs; ++i) {
    NewJob j;
    j.kind = "noop";
    j.target = "noop-" + std::to_string(i);
    j.priority = i;
    j.wave = 1;  // where consumer jobs are: data jobs run one at a time by design
    j.stage = StageOfWave(1);
    new_jobs.push_back(std::move(j));
  }
  Measurement m;
  auto start = Clock::now();
  OrDie(q->CreateCampaign(spec, new_jobs, NowMs()).status(), "CreateCampaign");
  OrDie(q->Start(id, NowMs()).status(), "Start");
  m.enqueue_s = std::chrono::duration<double>(Clock::now() - start).count();

  const bool reference = mode == "reference";
  const bool advance = mode == "+advance";
  const bool pg = admin.dialect() == Dialect::kPostgres;
  std::string claim_sql =
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = lease_token + 1, "
      "lease_worker = $2, lease_expires_ms = $3, updated_ms = $4 WHERE id IN (SELECT id FROM jobs WHERE "
      "state = 'pending' AND run_after_ms <= $4 AND campaign = $1 ORDER BY stage, priority, id LIMIT $5" +
      std::string(pg ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING id, lease_token";
  std::string done_sql = "UPDATE jobs SET state = 'done', updated_ms = $2, finished_ms = $2 WHERE id " +
                         IdsIn(admin.dialect(), 1);

  StartLine line(workers);
  std::vector<Profile> profiles(static_cast<size_t>(workers));
  std::vector<int64_t> batches(static_cast<size_t>(workers), 0);
  std::vector<double> claim_ms(static_cast<size_t>(workers), 0), complete_ms(static_cast<size_t>(workers), 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto session = OrDie(OpenSession(url), "open " + url);
      auto counted = std::make_unique<CountingSession>(std::move(session), &profiles[w]);
      CountingSession* raw = counted.get();
      std::unique_ptr<Queue> wq;
      if (!reference) wq = std::make_unique<Queue>(std::move(counted), std::chrono::seconds(60));
      std::string worker = "bench-" + std::to_string(w);
      line.Arrive();
      for (;;) {
        auto t0 = Clock::now();
        std::vector<std::pair<int64_t, int64_t>> claimed;
        if (reference) {
          auto rows = raw->Query(claim_sql, {id, worker, NowMs() + 60000, NowMs(), batch});
          if (!rows.ok()) {
            if (rows.status().code() == skein::StatusCode::kUnavailable) continue;  // SQLite busy
            Die("reference claim: " + rows.status().message());
          }
          for (size_t r = 0; r < rows->size(); ++r) claimed.emplace_back(rows->Int(r, 0), rows->Int(r, 1));
        } else {
          auto leases = OrDie(wq->Claim(worker, "", batch, std::chrono::seconds(60), NowMs()), "Claim");
          for (const auto& l : leases) claimed.emplace_back(l.job.id, l.token);
        }
        auto t1 = Clock::now();
        claim_ms[w] += Ms(t1 - t0).count();
        if (claimed.empty()) break;
        if (reference) {
          std::vector<int64_t> ids;
          for (const auto& [job, token] : claimed) ids.push_back(job);
          for (;;) {
            auto done = raw->Query(done_sql, {JsonIds(ids), NowMs()});
            if (done.ok()) break;
            if (done.status().code() != skein::StatusCode::kUnavailable)
              Die("reference done: " + done.status().message());
          }
        } else {
          auto stale = OrDie(wq->CompleteMany(claimed, NowMs()), "CompleteMany");
          if (!stale.empty()) Die("CompleteMany found a stale lease");
          if (advance && !OrDie(wq->StageOpen(id, StageOfWave(1)), "StageOpen"))
            OrDie(wq->Advance(id, NowMs()).status(), "Advance");
        }
        complete_ms[w] += Ms(Clock::now() - t1).count();
        ++batches[w];
      }
    });
  }
  auto t0 = line.Release();
  for (auto& t : threads) t.join();
  m.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (int w = 0; w < workers; ++w) {
    m.batches += batches[w];
    m.claim_ms += claim_ms[w];
    m.complete_ms += complete_ms[w];
    m.profile.Add(profiles[w]);
  }
  Rows done =
      OrDie(admin.Query("SELECT COUNT(*) FROM jobs WHERE campaign = $1 AND state = 'done'", {id}), "count");
  if (done.Int(0, 0) != jobs) {
    Die(mode + ": " + std::to_string(done.Int(0, 0)) + " of " + std::to_string(jobs) + " jobs done");
  }
  DropCampaign(admin, id);
  return m;
}

void PrintProfile(const Measurement& m) {
  std::printf("    statements per batch, mean ms per statement (all threads), share of thread time:\n");
  double total = m.claim_ms + m.complete_ms;
  std::vector<std::pair<std::string, Profile::Entry>> entries(m.profile.by_statement.begin(),
                                                              m.profile.by_statement.end());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  for (const auto& [key, e] : entries) {
    std::printf("    %6.2f x %7.3f ms %5.1f%%  %s\n",
                static_cast<double>(e.count) / static_cast<double>(m.batches),
                e.ms / static_cast<double>(e.count), 100.0 * e.ms / total, key.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const char* pg = std::getenv("SKEIN_BENCH_PG")) o.pg = pg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--jobs") {
      o.jobs = IntList(value()).at(0);
    } else if (a == "--batch") {
      o.batches = IntList(value());
    } else if (a == "--workers") {
      o.workers = IntList(value());
    } else if (a == "--modes") {
      o.modes = WordList(value());
    } else if (a == "--pg") {
      o.pg = value();
    } else if (a == "--no-sqlite") {
      o.sqlite = false;
    } else if (a == "--profile") {
      o.profile = true;
    } else {
      Die("usage: skein-bench-queue [--jobs N] [--batch B,...] [--workers W,...] [--pg URL] [--no-sqlite] "
          "[--modes queue,+advance,reference] [--profile]");
    }
  }
  for (const auto& mode : o.modes) {
    if (mode != "queue" && mode != "+advance" && mode != "reference") Die("unknown mode " + mode);
  }
  std::vector<std::pair<std::string, std::string>> backends;
  fs::path dir = fs::temp_directory_path() / ("skein-bench-queue-" + std::to_string(getpid()));
  if (o.sqlite) {
    fs::create_directories(dir);
    backends.emplace_back("sqlite", (dir / "queue.db").string());
  }
  if (!o.pg.empty()) backends.emplace_back("postgresql", o.pg);
  if (backends.empty()) Die("no backend: pass --pg URL or leave SQLite on");

  std::printf("%d no-op jobs per measurement\n", o.jobs);
  std::printf("%-10s %-9s %7s %5s %9s %9s %10s %8s %9s %9s %10s\n", "backend", "mode", "workers", "batch",
              "enqueue_s", "seconds", "jobs/s", "ratio", "claim_ms", "done_ms", "stmts/batch");
  for (const auto& [name, url] : backends) {
    for (int batch : o.batches) {
      for (int workers : o.workers) {
        std::map<std::string, Measurement> got;
        for (const auto& mode : o.modes) got[mode] = Measure(url, mode, workers, batch, o.jobs);
        double reference = got.count("reference") ? o.jobs / got["reference"].seconds : 0;
        for (const auto& mode : o.modes) {
          const Measurement& m = got[mode];
          double rate = o.jobs / m.seconds;
          std::string ratio = reference > 0 ? std::to_string(rate / reference).substr(0, 4) : "-";
          std::printf("%-10s %-9s %7d %5d %9.2f %9.2f %10.0f %8s %9.2f %9.2f %10.2f\n", name.c_str(),
                      mode.c_str(), workers, batch, m.enqueue_s, m.seconds, rate, ratio.c_str(),
                      m.claim_ms / static_cast<double>(m.batches),
                      m.complete_ms / static_cast<double>(m.batches),
                      static_cast<double>(m.profile.statements) / static_cast<double>(m.batches));
          if (o.profile) PrintProfile(m);
        }
        std::fflush(stdout);
      }
    }
  }
  fs::remove_all(dir);
  return 0;
}
