// Fills a store with what the portal benchmark reads (docs/benchmarks.md, "The portal"): one
// campaign of N consumer jobs (default 10,000) in the states a real campaign has part-way through
// its last wave, and the catalog behind it.
//
//   skein-portal-seed [--store URL] [--consumers N] [--batch B]
//
// The catalog (Store::ImportEntities of descriptors parsed by ParseDescriptors, as `skein catalog
// import` does): eight Groups, the dataset core.user_profile_v1 (and v2), and N Components that
// read v1 (spec.dependsOn), with owners over the eight teams, tiers 1/2/3 (5% / 25% / 70%), a repo
// and a produced dataset each.
//
// The campaign "user-profile-v2" (the example's manifest; rollout canary 1% of N, then 9%, then
// the rest: 3 waves; tier-1 consumers in the last wave, behind an approval) goes through the real
// queue on a simulated clock that ends now: CreateCampaign, Start, the 24 data partitions and the
// publish job (approved) claimed and completed, Advance, then each wave claimed in batches of B
// (default 50, the policy's max_parallel) and completed one job at a time with Complete, whose
// result and evidence have the shapes the consumer job writes (src/fleet/campaign.cc RunConsumer,
// src/fleet/consumer_job.cc ConsumerJobToJson): a unified diff of a few lines, two tries with
// verifier results (the first fails equivalence, the second passes), the change request. About 6%
// fail with a verdict (two tries, neither verified), 3% error once and then succeed (two attempts
// rows), and in the last wave 0.2% error on every attempt and end dead. Waves 1 and 2 end; the
// last wave is stopped when ~89% of it has ended: the rest pending, 12 running (leases that run
// past now), 25 tier-1 consumers still awaiting approval.
//
// Prints one JSON object on stdout: the campaign and dataset ids, the consumer jobs' id range,
// the jobs' counts by state, and how long each part took.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/descriptor_reader.h"
#include "queue/queue.h"
#include "store/store.h"

namespace {

using nlohmann::json;
using skein::queue::Job;
using skein::queue::JobState;
using skein::queue::Lease;
using skein::queue::NewJob;
using skein::queue::Queue;
using Steady = std::chrono::steady_clock;

constexpr const char* kCampaign = "user-profile-v2";
constexpr const char* kDataset = "core.user_profile_v1";
constexpr const char* kTeams[] = {"growth",    "finance",  "identity", "marketing",
                                  "analytics", "payments", "search",   "ml-platform"};
constexpr const char* kNouns[] = {"daily-report", "funnel", "retention", "export", "features",
                                  "dashboard",    "sync",   "cohorts",   "alerts", "rollup"};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "skein-portal-seed: %s\n", message.c_str());
  std::exit(2);
}

template <typename T>
T OrDie(skein::Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().message());
  return std::move(result).value();
}

void OrDie(const skein::Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.message());
}

double Seconds(Steady::time_point since) {
  return std::chrono::duration<double>(Steady::now() - since).count();
}

// A small deterministic hash, so that every run seeds the same store.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Consumer {
  std::string name;  // metadata.name
  std::string team;
  std::string tier;
  std::string framework;
  int wave = 0;
};

std::vector<Consumer> MakeConsumers(int n) {
  std::vector<Consumer> out;
  out.reserve(n);
  const char* frameworks[] = {"sql", "sql", "dbt", "python", "sql", "scala", "sql", "config"};
  for (int i = 0; i < n; ++i) {
    uint64_t h = Mix(static_cast<uint64_t>(i));
    Consumer c;
    c.team = kTeams[h % 8];
    char name[96];
    std::snprintf(name, sizeof name, "%s-%s-%04d", c.team.c_str(), kNouns[(h >> 8) % 10], i);
    c.name = name;
    int t = static_cast<int>((h >> 16) % 100);
    c.tier = t < 5 ? "tier-1" : t < 30 ? "tier-2" : "tier-3";
    c.framework = frameworks[(h >> 24) % 8];
    out.push_back(std::move(c));
  }
  // Waves as the planner makes them: the least critical first. Canary 1% (tier-3), then 9% (no
  // tier-1), then the rest (every tier-1 consumer among them).
  int canary = std::max(1, n / 100);
  int second = std::max(1, n * 9 / 100);
  int in1 = 0;
  int in2 = 0;
  for (Consumer& c : out) {
    if (c.tier == "tier-3" && in1 < canary) {
      c.wave = 1;
      ++in1;
    } else if (c.tier != "tier-1" && in2 < second) {
      c.wave = 2;
      ++in2;
    } else {
      c.wave = 3;
    }
  }
  return out;
}

std::string Catalog(const std::vector<Consumer>& consumers) {
  std::string out;
  for (const char* team : kTeams) {
    out += "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: ";
    out += team;
    out += "\nspec:\n  type: team\n  children: []\n---\n";
  }
  out += R"(apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: user-profile-v1
  title: core.user_profile_v1
  description: One row per user and day. Deprecated in favour of core.user_profile_v2.
  annotations:
    skein.dev/dataset-id: core.user_profile_v1
    skein.dev/location: parquet:warehouse/core/user_profile_v1
    skein.dev/lifecycle: deprecated
    skein.dev/schema: "user_id BIGINT, email VARCHAR, country VARCHAR, signup_ts VARCHAR, is_premium INTEGER, legacy_segment VARCHAR, dt DATE"
spec:
  type: dataset
  owner: group:default/identity
  system: user-profile
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: user-profile-v2
  title: core.user_profile_v2
  annotations:
    skein.dev/dataset-id: core.user_profile_v2
    skein.dev/location: parquet:warehouse/core/user_profile_v2
    skein.dev/lifecycle: production
    skein.dev/schema: "account_id BIGINT, email VARCHAR, country VARCHAR, signup_at TIMESTAMP, is_premium BOOLEAN, plan_type VARCHAR, dt DATE"
spec:
  type: dataset
  owner: group:default/identity
  system: user-profile
)";
  for (const Consumer& c : consumers) {
    std::string produced = c.name;
    std::replace(produced.begin(), produced.end(), '-', '_');
    out += "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + c.name +
           "\n  description: Reads core.user_profile_v1 (" + c.framework + ").\n  annotations:\n" +
           "    skein.dev/repo: repos/" + c.name + "\n    skein.dev/framework: " + c.framework +
           "\n    skein.dev/produces: " + c.team.substr(0, c.team.find('-')) + "." + produced +
           "\n  tags: [" + c.tier + ", " + c.framework +
           "]\nspec:\n  type: data-pipeline\n  owner: group:default/" + c.team +
           "\n  lifecycle: production\n  system: user-profile\n  dependsOn: "
           "[\"resource:default/user-profile-v1\"]\n";
  }
  return out;
}

constexpr const char* kManifest =
    R"yaml(# Moves every consumer of core.user_profile_v1 onto core.user_profile_v2.
apiVersion: skein.dev/v1
kind: Migration
metadata: {name: user-profile-v2, owner: group:identity}
spec:
  from: core.user_profile_v1
  to: core.user_profile_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: signup_ts, to: signup_at, type: TIMESTAMP,
       using: "CAST(signup_ts AS TIMESTAMP)",
       reverse: "strftime(signup_at, '%Y-%m-%d %H:%M:%S')"}
    - {from: is_premium, to: is_premium, type: BOOLEAN, using: "is_premium = 1",
       reverse: "CASE WHEN is_premium THEN 1 ELSE 0 END"}
    - {drop: legacy_segment}
    - {add: plan_type, type: VARCHAR, using: "CASE WHEN is_premium = 1 THEN 'premium' ELSE 'free' END"}
  data: {materialize: true, partition_by: dt, key: [user_id],
         verify: {checksum: true, max_mismatch_ratio: 0}, publish: {approval: required}}
  consumers:
    preserve_output: true
    agent: {kind: chain, command: "claude -p", timeout: 600s}
    verifiers: [parse, residual, equivalence, build, scope]
    change: {branch: skein/user-profile-v2, title: "Move to core.user_profile_v2"}
  rollout: {canary: 100, growth: 9.0, max_parallel: 50, pause_on_failure_rate: 0.25,
            retries: {max: 3, base: 30s, cap: 1h}, approval: {tiers: [tier-1]}}
)yaml";

json Verifier(const std::string& name, bool pass, const std::string& summary, int elapsed_ms,
              json lines = json::array()) {
  return {{"verifier", name},
          {"outcome", pass ? "pass" : "fail"},
          {"summary", summary},
          {"lines", std::move(lines)},
          {"elapsed_ms", elapsed_ms}};
}

std::string FileOf(const Consumer& c) {
  if (c.framework == "dbt") return "models/" + c.name + ".sql";
  if (c.framework == "python") return "jobs/features.py";
  if (c.framework == "scala") return "src/main/scala/Job.scala";
  if (c.framework == "config") return "config/sources.json";
  return "queries/report.sql";
}

std::string Diff(const Consumer& c) {
  std::string f = FileOf(c);
  return "diff --git a/" + f + " b/" + f + "\n--- a/" + f + "\n+++ b/" + f + "\n@@ -3,9 +3,9 @@\n -- " +
         c.name +
         ": daily figures by country\n SELECT\n-  COUNT(DISTINCT user_id) AS active_users,\n"
         "+  COUNT(DISTINCT account_id) AS active_users,\n   country,\n   dt\n-FROM core.user_profile_v1\n"
         "+FROM core.user_profile_v2\n WHERE dt >= DATE '2024-01-01'\n-  AND is_premium = 1\n"
         "+  AND is_premium\n GROUP BY country, dt\n";
}

// The consumer job's evidence (ConsumerJobToJson) and result (RunConsumer's), verified or not.
std::pair<json, json> ConsumerEvidence(const Consumer& c, int index, bool verified) {
  std::string f = FileOf(c);
  std::string branch = "skein/user-profile-v2";
  std::string commit;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx%016llx%08llx", static_cast<unsigned long long>(Mix(index * 7 + 1)),
                static_cast<unsigned long long>(Mix(index * 7 + 2)),
                static_cast<unsigned long long>(Mix(index * 7 + 3) & 0xffffffffULL));
  commit = std::string(buf).substr(0, 40);
  std::string url = "https://github.example/acme/" + c.name + "/pull/" + std::to_string(100 + index % 900);
  json first = {{"attempt", 1},
                {"agent", "builtin"},
                {"ran_command", ""},
                {"edited", {f}},
                {"problems", json::array()},
                {"passed", false},
                {"verifiers",
                 {Verifier("parse", true, "1 file parses (duckdb)", 14),
                  Verifier("residual", true, "no reference to core.user_profile_v1 left", 2),
                  Verifier("equivalence", false,
                           "3 of 7000 rows differ on is_premium (v1 1/0, v2 true/false)", 41, {f + ":11"}),
                  Verifier("build", true, "make test: ok", 812),
                  Verifier("scope", true, "1 file changed, within scope", 1)}}};
  json second = first;
  second["attempt"] = 2;
  second["agent"] = "claude -p";
  second["ran_command"] = "claude -p";
  second["passed"] = verified;
  if (verified) {
    second["verifiers"][2] =
        Verifier("equivalence", true, "1 query equal on 7000 sample rows of real v1", 38);
  } else {
    second["problems"] = {f + ":11: legacy_segment is dropped in v2 and has no reverse mapping"};
    second["verifiers"][1] =
        Verifier("residual", false, "1 reference to core.user_profile_v1 left", 2, {f + ":14"});
  }
  std::string state = verified ? "opened" : "failed";
  std::string reason = verified
                           ? "opened " + url
                           : "no verified change after 2 tries: residual: 1 reference left (" + f + ":14)";
  json evidence = {{"migration", kCampaign},
                   {"consumer", "component:default/" + c.name},
                   {"repo", "repos/" + c.name},
                   {"base_commit", commit.substr(0, 40)},
                   {"branch", branch},
                   {"state", state},
                   {"reason", reason},
                   {"attempts", {first, second}},
                   {"diff", Diff(c)},
                   {"commit", verified ? commit : ""},
                   {"title", "Move to core.user_profile_v2"},
                   {"body",
                    "skein moved this consumer from core.user_profile_v1 to core.user_profile_v2.\n\n"
                    "Verified: parse, residual, equivalence (7000 sample rows of real v1), build, scope."},
                   {"evidence", ".skein/evidence/" + std::to_string(index)}};
  if (verified) {
    evidence["request"] = {{"forge", "github"},
                           {"id", std::to_string(100 + index % 900)},
                           {"url", url},
                           {"state", "open"},
                           {"created", true}};
  }
  json result = {{"state", state},
                 {"reason", reason},
                 {"branch", branch},
                 {"commit", verified ? commit : ""},
                 {"request", verified ? url : ""},
                 {"evidence", ".skein/evidence/" + std::to_string(index)}};
  return {evidence, result};
}

// What happens to a consumer: its attempts' outcomes in order.
enum class Plan { kDone, kFailed, kErrorThenDone, kDead };

Plan PlanFor(int index, int wave) {
  uint64_t h = Mix(static_cast<uint64_t>(index) ^ 0xabcdefULL) % 1000;
  // Failures spread evenly (index * 37 mod 100 < 6), so no window of 20 trips the breaker.
  if ((static_cast<int64_t>(index) * 37) % 100 < 6) return Plan::kFailed;
  if (wave == 3 && h < 2) return Plan::kDead;
  if (h < 32) return Plan::kErrorThenDone;
  return Plan::kDone;
}

}  // namespace

int main(int argc, char** argv) {
  std::string store_url;
  int n = 10000;
  int batch = 50;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--store") {
      store_url = value();
    } else if (arg == "--consumers") {
      n = std::atoi(value().c_str());
    } else if (arg == "--batch") {
      batch = std::atoi(value().c_str());
    } else {
      Die("usage: skein-portal-seed [--store URL] [--consumers N] [--batch B]");
    }
  }
  if (n < 10) Die("--consumers must be at least 10");
  if (batch < 1) Die("--batch must be at least 1");

  json report;
  // --- the catalog ---
  auto t = Steady::now();
  std::vector<Consumer> consumers = MakeConsumers(n);
  std::string text = Catalog(consumers);
  auto entities = OrDie(skein::ParseDescriptors(text, "bench-portal/catalog.yaml"), "parse the catalog");
  auto store = OrDie(skein::OpenStore(store_url), "open the store");
  auto imported = OrDie(store->ImportEntities({skein::ImportBatch{"bench-portal/catalog.yaml", entities}}),
                        "import the catalog");
  report["catalog"] = {{"entities", entities.size()}, {"added", imported.added}, {"seconds", Seconds(t)}};

  // --- the campaign's jobs ---
  t = Steady::now();
  auto q = OrDie(Queue::Open(store_url), "open the queue");
  const int64_t real_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  // A simulated clock that ends about now: the data stage takes ~25 min, each batch of B consumer
  // jobs ~100 s, the last wave's approvals ~20 min (~6 h for 10,000 consumers in batches of 50).
  int64_t now = real_now - (1400 + (static_cast<int64_t>(n) * 9 / 10 / batch + 1) * 100 + 2100) * 1000;
  const int64_t started = now;

  skein::queue::CampaignSpec spec;
  spec.id = kCampaign;
  spec.manifest_file = "migrations/user-profile-v2.yaml";
  spec.manifest = kManifest;
  spec.workdir = "/srv/skein/acme";
  spec.policy_json =
      R"({"canary":100,"growth":9.0,"max_parallel":50,"max_parallel_per_owner":0,"max_parallel_per_repo":0,)"
      R"("pause_on_failure_rate":0.25,"breaker":{"window":20,"min_sample":5},)"
      R"("retries":{"max":3,"base":"30s","cap":"1h"},"approval":{"tiers":["tier-1"]},"group":""})";
  spec.policy.max_parallel = batch;
  spec.policy.pause_on_failure_rate = 0.25;
  spec.policy.max_attempts = 4;

  std::vector<NewJob> jobs;
  for (int p = 0; p < 24; ++p) {
    NewJob j;
    j.kind = "partition";
    char key[32];
    std::snprintf(key, sizeof key, "dt=%04d-%02d", 2024 + p / 12, p % 12 + 1);
    j.target = key;
    j.stage = skein::queue::kDataStage;
    j.priority = p;
    jobs.push_back(j);
  }
  NewJob publish;
  publish.kind = "publish";
  publish.target = "data";
  publish.stage = skein::queue::kPublishStage;
  publish.needs_approval = true;
  jobs.push_back(publish);
  std::map<std::string, int> index_of;  // target -> consumer index
  int priority = 0;
  for (int wave = 1; wave <= 3; ++wave) {
    for (int i = 0; i < n; ++i) {
      const Consumer& c = consumers[i];
      if (c.wave != wave) continue;
      NewJob j;
      j.kind = "consumer";
      j.target = "component:default/" + c.name;
      j.wave = wave;
      j.stage = skein::queue::StageOfWave(wave);
      j.priority = priority++;
      j.owner = "group:default/" + c.team;
      j.repo = "repos/" + c.name;
      j.tier = c.tier;
      j.needs_approval = c.tier == "tier-1";
      j.payload =
          json{{"handler", c.framework == "sql" || c.framework == "dbt" ? "builtin" : "agent"}}.dump();
      index_of[j.target] = i;
      jobs.push_back(std::move(j));
    }
  }
  OrDie(q->CreateCampaign(spec, jobs, now), "create the campaign");
  report["enqueue_seconds"] = Seconds(t);

  t = Steady::now();
  OrDie(q->Start(kCampaign, now).status(), "start");
  const auto ttl = std::chrono::minutes(10);
  std::string workers[] = {"skein-worker-7f9c-1", "skein-worker-7f9c-2", "skein-worker-a41e-1",
                           "skein-worker-a41e-2"};

  // The data stage: partitions one at a time, then the publish job once approved.
  for (int k = 0;; ++k) {
    auto leases = OrDie(q->Claim(workers[k % 4], "", 1, ttl, now), "claim a partition");
    if (leases.empty()) break;
    for (const Lease& l : leases) {
      now += 20000 + static_cast<int64_t>(Mix(l.job.id) % 20000);
      json evidence = {{"partition", l.job.target},
                       {"rows", 291000 + l.job.id % 997},
                       {"checks", {{"count", "equal"}, {"nulls", "equal"}, {"checksum", "equal"}}}};
      OrDie(q->Complete(l.job.id, l.token, true, "staged and verified " + l.job.target, "{}", evidence.dump(),
                        now),
            "complete a partition");
    }
  }
  OrDie(q->Advance(kCampaign, now).status(), "advance to publishing");
  auto publish_jobs = OrDie(q->ListJobs(kCampaign, {JobState::kAwaitingApproval, "publish", -1, 0}), "list");
  now += 600000;
  for (const Job& j : publish_jobs)
    OrDie(q->Approve(kCampaign, {j.id}, 0, "data-lead", now).status(), "approve");
  for (const Lease& l : OrDie(q->Claim(workers[0], "", 1, ttl, now), "claim publish")) {
    now += 45000;
    OrDie(
        q->Complete(l.job.id, l.token, true, "verified and published parquet:warehouse/core/user_profile_v2",
                    "{}", R"({"published": "parquet:warehouse/core/user_profile_v2"})", now),
        "complete publish");
  }
  OrDie(q->Advance(kCampaign, now).status(), "advance to wave 1");

  // The consumer waves.
  int64_t first_id = INT64_MAX;
  int64_t last_id = 0;
  for (const Job& j : OrDie(q->ListJobs(kCampaign, {std::nullopt, "consumer", -1, 0}), "list consumers")) {
    first_id = std::min(first_id, j.id);
    last_id = std::max(last_id, j.id);
  }
  std::map<int64_t, int> errors;  // attempts that ended in an error, per job
  int wave3_total = 0;
  for (const Consumer& c : consumers) wave3_total += c.wave == 3 ? 1 : 0;
  const int wave3_stop = wave3_total * 89 / 100;  // ended jobs of the last wave when we stop
  int wave3_ended = 0;
  int completed = 0;
  int claims = 0;
  int64_t last_end = now;  // the latest end of an attempt so far
  for (int wave = 1; wave <= 3; ++wave) {
    if (wave == 3) {
      // Approvals come in after the wave opens; 25 are still waiting (fewer on a small campaign).
      now += 900000;
      auto waiting = OrDie(q->ListJobs(kCampaign, {JobState::kAwaitingApproval, "consumer", 3, 0}), "list");
      size_t keep = std::min<size_t>(25, waiting.size() / 4);
      std::vector<int64_t> ids;
      for (size_t k = 0; k + keep < waiting.size(); ++k) ids.push_back(waiting[k].id);
      for (size_t k = 0; k < ids.size(); k += 100) {
        std::vector<int64_t> part(ids.begin() + k, ids.begin() + std::min(ids.size(), k + 100));
        OrDie(q->Approve(kCampaign, part, 0, k % 200 == 0 ? "ops-lead" : "dana", now).status(), "approve");
        now += 60000;
      }
    }
    bool stopped = false;
    for (int k = 0; !stopped; ++k) {
      auto leases = OrDie(q->Claim(workers[k % 4], "", batch, ttl, now), "claim");
      ++claims;
      if (leases.empty()) {
        // Only retries waiting for their backoff may be left: let time pass.
        if (!OrDie(q->StageOpen(kCampaign, skein::queue::StageOfWave(wave)), "stage open")) break;
        now += 60000;
        continue;
      }
      for (const Lease& l : leases) {
        int i = index_of.at(l.job.target);
        const Consumer& c = consumers[i];
        int64_t at = now + 40000 + static_cast<int64_t>(Mix(l.job.id * 3 + l.token) % 120000);
        last_end = std::max(last_end, at);
        Plan plan = PlanFor(i, wave);
        if (plan == Plan::kDead || (plan == Plan::kErrorThenDone && errors[l.job.id] == 0)) {
          ++errors[l.job.id];
          std::string error = plan == Plan::kDead
                                  ? "clone repos/" + c.name + ": repository not found (404)"
                                  : "git push skein/user-profile-v2: the remote end hung up unexpectedly";
          OrDie(q->Fail(l.job.id, l.token, error, "{}", at), "fail");  // as the worker does
          if (plan == Plan::kDead && wave == 3 && l.job.attempts >= l.job.max_attempts) ++wave3_ended;
          continue;
        }
        bool verified = plan != Plan::kFailed;
        auto [evidence, result] = ConsumerEvidence(c, i, verified);
        std::string outcome = verified ? "opened: " + result["reason"].get<std::string>()
                                       : "failed: " + result["reason"].get<std::string>();
        OrDie(q->Complete(l.job.id, l.token, verified, outcome, result.dump(), evidence.dump(), at),
              "complete");
        ++completed;
        if (wave == 3) ++wave3_ended;
      }
      now += 100000;  // the next batch starts while this one's slowest jobs still run
      if (wave == 3 && wave3_ended >= wave3_stop) stopped = true;
    }
    if (wave < 3) {
      now = std::max(now, last_end + 1000);  // the wave's last job has ended
      auto advanced = OrDie(q->Advance(kCampaign, now), "advance");
      if (advanced.after != skein::queue::CampaignState::kMigratingConsumers)
        Die("the campaign stopped after wave " + std::to_string(wave) + ": " +
            std::string(skein::queue::CampaignStateName(advanced.after)));
    }
  }
  // A dozen jobs running now, their leases running past the present.
  now = std::max(now, real_now - 120000);
  auto running = OrDie(q->Claim(workers[1], "", std::min(12, batch), std::chrono::hours(2), now), "claim");
  report["run_seconds"] = Seconds(t);
  report["claims"] = claims;
  report["completed"] = completed;

  auto counts = OrDie(q->CountJobs(kCampaign), "count");
  json by_state = json::object();
  for (int s = 0; s <= static_cast<int>(JobState::kRolledBack); ++s) {
    auto state = static_cast<JobState>(s);
    if (counts.of(state) > 0) by_state[std::string(skein::queue::JobStateName(state))] = counts.of(state);
  }
  report["campaign"] = kCampaign;
  report["dataset"] = kDataset;
  report["consumers"] = n;
  report["jobs"] = {{"total", counts.total},
                    {"by_state", by_state},
                    {"first_consumer_id", first_id},
                    {"last_consumer_id", last_id},
                    {"running", running.size()}};
  report["simulated_hours"] = static_cast<double>(now - started) / 3600000.0;
  std::printf("%s\n", report.dump().c_str());
  return 0;
}
