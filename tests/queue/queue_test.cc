// The job queue's contract (queue/queue.h), on SQLite and on PostgreSQL, each case on a fresh
// database: campaigns made once, stages, leases and fencing, retries, caps, approvals, the
// breaker, cancel and rollback, and concurrent claimers that never share a job.
#include "queue/queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "queue/sql_session.h"
#include "tests/store/store_test_databases.h"

namespace skein::queue {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kTtl(30000);

NewJob Data(std::string target) {
  NewJob j;
  j.kind = "partition";
  j.target = std::move(target);
  j.stage = kDataStage;
  return j;
}

NewJob Consumer(std::string target, int wave, std::string repo = "", bool approval = false) {
  NewJob j;
  j.kind = "consumer";
  j.target = std::move(target);
  j.wave = wave;
  j.stage = StageOfWave(wave);
  j.repo = repo.empty() ? "repos/" + j.target : std::move(repo);
  j.owner = "group:default/team";
  j.needs_approval = approval;
  return j;
}

class QueueTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = testing::NewStoreDatabase(GetParam());
    q_ = Open();
    ASSERT_NE(q_, nullptr);
  }

  std::unique_ptr<Queue> Open() {
    auto q = Queue::Open(db_->url(), std::chrono::seconds(20));
    EXPECT_TRUE(q.ok()) << q.status().message();
    return q.ok() ? std::move(q).value() : nullptr;
  }

  CampaignSpec Spec(std::string id = "c1") {
    CampaignSpec s;
    s.id = std::move(id);
    s.manifest_file = "m.yaml";
    s.manifest = "kind: Migration";
    s.workdir = "/tmp";
    s.policy.max_attempts = 3;
    s.policy.retry_base = milliseconds(1000);
    s.policy.retry_cap = milliseconds(10000);
    return s;
  }

  void Create(const CampaignSpec& spec, const std::vector<NewJob>& jobs, int64_t now = 1000) {
    auto created = q_->CreateCampaign(spec, jobs, now);
    ASSERT_TRUE(created.ok()) << created.status().message();
    auto started = q_->Start(spec.id, now);
    ASSERT_TRUE(started.ok()) << started.status().message();
  }

  std::vector<Lease> Claim(int n, int64_t now, std::string worker = "w1", std::string group = "") {
    auto leases = q_->Claim(worker, group, n, kTtl, now);
    EXPECT_TRUE(leases.ok()) << leases.status().message();
    return leases.ok() ? *leases : std::vector<Lease>{};
  }

  JobState StateOf(int64_t id) {
    auto job = q_->FindJob(id);
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() && job->has_value() ? (*job)->state : JobState::kWaiting;
  }

  CampaignState CampaignStateOf(const std::string& id) {
    auto c = q_->FindCampaign(id);
    EXPECT_TRUE(c.ok() && c->has_value());
    return c.ok() && c->has_value() ? (*c)->state : CampaignState::kPlanned;
  }

  std::unique_ptr<testing::StoreDatabase> db_;
  std::unique_ptr<Queue> q_;
};

TEST_P(QueueTest, CreatingACampaignTwiceMakesOneWithEachJobOnce) {
  auto first = q_->CreateCampaign(Spec(), {Data("a"), Consumer("x", 1)}, 1000);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->second);
  auto second = q_->CreateCampaign(Spec(), {Data("a"), Consumer("x", 1), Consumer("y", 1)}, 2000);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_FALSE(second->second);
  auto counts = q_->CountJobs("c1");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total, 3);
  EXPECT_EQ(counts->of(JobState::kWaiting), 3);
  EXPECT_EQ(CampaignStateOf("c1"), CampaignState::kPlanned);
}

TEST_P(QueueTest, ConcurrentCreatorsMakeOneCampaign) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  std::atomic<int> errors{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto q = Open();
      if (!q) return;
      std::vector<NewJob> jobs;
      for (int i = 0; i < 50; ++i) jobs.push_back(Consumer("c" + std::to_string(i), 1));
      auto r = q->CreateCampaign(Spec(), jobs, 1000);
      if (!r.ok()) {
        ++errors;
      } else if (r->second) {
        ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM jobs"), "50");
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM campaigns"), "1");
}

TEST_P(QueueTest, StagesOpenInOrderAndTheCampaignCompletes) {
  Create(Spec(), {Data("p1"), Data("p2"), Consumer("x", 1), Consumer("y", 2)});
  EXPECT_EQ(CampaignStateOf("c1"), CampaignState::kMigratingData);
  // Only the data stage is open, and data jobs run one at a time.
  for (int i = 0; i < 2; ++i) {
    auto leases = Claim(10, 2000);
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].job.kind, "partition");
    EXPECT_TRUE(Claim(10, 2000).empty()) << "a second data job waits for the first";
    ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, true, "ok", "{}", "{}", 3000).ok());
    ASSERT_TRUE(q_->Advance("c1", 3000).ok());
  }
  std::vector<Lease> leases;
  EXPECT_EQ(CampaignStateOf("c1"), CampaignState::kMigratingConsumers);
  leases = Claim(10, 3000);
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].job.target, "x");
  ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, true, "ok", "{}", "{}", 4000).ok());
  ASSERT_TRUE(q_->Advance("c1", 4000).ok());
  leases = Claim(10, 4000);
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].job.target, "y");
  ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, true, "ok", "{}", "{}", 5000).ok());
  auto advanced = q_->Advance("c1", 5000);
  ASSERT_TRUE(advanced.ok());
  EXPECT_EQ(advanced->after, CampaignState::kCompleted);
  ASSERT_FALSE(advanced->events.empty());
  EXPECT_EQ(advanced->events.back().kind, "completed");
}

TEST_P(QueueTest, AnExpiredLeaseIsReclaimedAndTheStaleHolderIsRefused) {
  Create(Spec(), {Data("p1")});
  auto first = Claim(1, 2000, "w1");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(q_->Fence(first[0].job.id, first[0].token, 2000 + 100).ok());
  // Not yet expired: the sweeper leaves it.
  auto swept = q_->Sweep(2000 + kTtl.count() - 1);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 0);
  swept = q_->Sweep(2000 + kTtl.count() + 1);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1);
  auto second = Claim(1, 2000 + kTtl.count() + 2, "w2");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].job.id, first[0].job.id);
  EXPECT_GT(second[0].token, first[0].token);
  // The first holder can neither act nor record an outcome.
  int64_t later = 2000 + kTtl.count() + 10;
  Status fence = q_->Fence(first[0].job.id, first[0].token, later);
  EXPECT_EQ(fence.code(), StatusCode::kConflict) << fence.message();
  EXPECT_EQ(q_->Complete(first[0].job.id, first[0].token, true, "", "{}", "{}", later).code(),
            StatusCode::kConflict);
  EXPECT_EQ(q_->Renew(first[0].job.id, first[0].token, kTtl, later).code(), StatusCode::kConflict);
  EXPECT_TRUE(q_->Complete(second[0].job.id, second[0].token, true, "ok", "{}", "{}", later).ok());
  auto attempts = q_->ListAttempts(first[0].job.id);
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 2u);
  EXPECT_EQ((*attempts)[0].outcome, "lost");
  EXPECT_EQ((*attempts)[0].worker, "w1");
  EXPECT_EQ((*attempts)[1].outcome, "done");
  EXPECT_EQ((*attempts)[1].worker, "w2");
}

TEST_P(QueueTest, RenewKeepsALeaseAliveAndAnExpiredOneCannotFence) {
  Create(Spec(), {Data("p1")});
  auto leases = Claim(1, 2000);
  ASSERT_EQ(leases.size(), 1u);
  ASSERT_TRUE(q_->Renew(leases[0].job.id, leases[0].token, kTtl, 2000 + 20000).ok());
  auto swept = q_->Sweep(2000 + kTtl.count() + 1);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 0);  // renewed until 52000
  EXPECT_EQ(q_->Fence(leases[0].job.id, leases[0].token, 2000 + 20000 + kTtl.count() + 1).code(),
            StatusCode::kConflict);
}

TEST_P(QueueTest, ErrorsAreRetriedWithBackoffThenTheJobIsDead) {
  CampaignSpec spec = Spec();
  Create(spec, {Data("p1")});
  int64_t now = 2000;
  int64_t id = 0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto leases = Claim(1, now);
    ASSERT_EQ(leases.size(), 1u) << "attempt " << attempt;
    id = leases[0].job.id;
    EXPECT_EQ(leases[0].job.attempts, attempt);
    ASSERT_TRUE(q_->Fail(id, leases[0].token, "boom " + std::to_string(attempt), "{}", now).ok());
    if (attempt < 3) {
      auto job = q_->FindJob(id);
      ASSERT_TRUE(job.ok() && job->has_value());
      EXPECT_EQ((*job)->state, JobState::kPending);
      int64_t delay = Queue::Backoff(spec.policy, id, attempt).count();
      EXPECT_EQ((*job)->run_after_ms, now + delay);
      // Not claimable before its time.
      EXPECT_TRUE(Claim(1, now + delay - 1).empty());
      now += delay;
    }
  }
  EXPECT_EQ(StateOf(id), JobState::kDead);
  auto events = q_->ListEvents("c1");
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(std::any_of(events->begin(), events->end(), [](const Event& e) { return e.kind == "dead"; }));
}

TEST(QueueBackoff, FollowsTheDocumentedFormula) {
  CampaignPolicy p;
  p.retry_base = milliseconds(1000);
  p.retry_cap = milliseconds(5000);
  for (int n = 1; n <= 6; ++n) {
    double full = std::min(5000.0, 1000.0 * (1 << (n - 1)));
    int64_t d = Queue::Backoff(p, 42, n).count();
    EXPECT_GE(d, static_cast<int64_t>(full * 0.5)) << n;
    EXPECT_LT(d, static_cast<int64_t>(full) + 1) << n;
    EXPECT_EQ(d, Queue::Backoff(p, 42, n).count());  // deterministic
  }
  // Jitter: different jobs retry at different times.
  std::set<int64_t> delays;
  for (int64_t job = 1; job <= 20; ++job) delays.insert(Queue::Backoff(p, job, 3).count());
  EXPECT_GT(delays.size(), 10u);
}

TEST_P(QueueTest, CapsLimitRunningJobsPerCampaignAndPerRepository) {
  CampaignSpec spec = Spec();
  spec.policy.max_parallel = 3;
  spec.policy.per_repo = 1;
  Create(spec, {Consumer("a", 1, "repos/shared"), Consumer("b", 1, "repos/shared"), Consumer("c", 1),
                Consumer("d", 1), Consumer("e", 1)});
  auto leases = Claim(10, 2000);
  ASSERT_EQ(leases.size(), 3u);
  std::set<std::string> targets;
  for (const auto& l : leases) targets.insert(l.job.target);
  EXPECT_EQ(targets, (std::set<std::string>{"a", "c", "d"}));  // b shares a's repository
  EXPECT_TRUE(Claim(10, 2000).empty());
  ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, true, "", "{}", "{}", 2100).ok());
  auto next = Claim(10, 2100);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].job.target, "b");
}

TEST_P(QueueTest, OneClaimServesSeveralCampaignsEachUnderItsOwnCaps) {
  CampaignSpec capped = Spec("c1");
  capped.policy.max_parallel = 1;
  Create(capped, {Consumer("a", 1), Consumer("b", 1)});
  Create(Spec("c2"), {Consumer("x", 1), Consumer("y", 1), Consumer("z", 1)});
  auto leases = Claim(10, 2000);
  std::map<std::string, int> per_campaign;
  for (const auto& l : leases) ++per_campaign[l.job.campaign];
  EXPECT_EQ(per_campaign["c1"], 1) << "c1 runs one job at a time";
  EXPECT_EQ(per_campaign["c2"], 3) << "c2 has no cap";
  EXPECT_TRUE(Claim(10, 2000).empty());
}

TEST_P(QueueTest, AStageIsOpenUntilItsLastJobEnds) {
  Create(Spec(), {Consumer("a", 1), Consumer("b", 1), Consumer("c", 2)});
  auto open = q_->StageOpen("c1", StageOfWave(1));
  ASSERT_TRUE(open.ok()) << open.status().message();
  EXPECT_TRUE(*open) << "pending jobs";
  auto leases = Claim(10, 2000);
  ASSERT_EQ(leases.size(), 2u);
  ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, true, "", "{}", "{}", 2100).ok());
  EXPECT_TRUE(*q_->StageOpen("c1", StageOfWave(1))) << "one job still running";
  ASSERT_TRUE(q_->Complete(leases[1].job.id, leases[1].token, false, "", "{}", "{}", 2200).ok());
  EXPECT_FALSE(*q_->StageOpen("c1", StageOfWave(1))) << "done and failed have both ended";
  EXPECT_TRUE(*q_->StageOpen("c1", StageOfWave(2))) << "wave 2 is waiting";
}

// A campaign without caps or open data stages is claimed without locking its row: a claim does
// not wait for a transaction that holds it (an Advance, a Pause) — claims run in parallel.
TEST_P(QueueTest, AClaimOnAnUncappedCampaignDoesNotWaitForItsLock) {
  if (GetParam() == "sqlite") GTEST_SKIP() << "SQLite has one writer: its claims are serialised by design";
  Create(Spec(), {Consumer("a", 1)});
  auto holder = OpenSession(db_->url());
  ASSERT_TRUE(holder.ok()) << holder.status().message();
  ASSERT_TRUE((*holder)->Begin().ok());
  ASSERT_TRUE((*holder)->Query("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE", {"c1"}).ok());
  std::atomic<bool> claimed{false};
  std::thread claimer([&] {
    auto q = Open();
    if (!q) return;
    auto leases = q->Claim("w1", "", 1, kTtl, 2000);
    if (leases.ok() && leases->size() == 1) claimed = true;
  });
  for (int i = 0; i < 200 && !claimed; ++i) std::this_thread::sleep_for(milliseconds(25));
  bool in_time = claimed.load();
  (*holder)->Rollback();  // lets an old-style claim finish either way
  claimer.join();
  EXPECT_TRUE(in_time) << "the claim waited for the campaign's row lock";
}

TEST_P(QueueTest, ApprovalGatesHoldJobsUntilApproved) {
  Create(Spec(), {Consumer("a", 1, "", true), Consumer("b", 1), Consumer("c", 2, "", true)});
  auto leases = Claim(10, 2000);
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].job.target, "b");
  auto jobs = q_->ListJobs("c1", JobFilter{JobState::kAwaitingApproval, "", -1, 0});
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  // Unknown ids are refused and approve nothing.
  EXPECT_EQ(q_->Approve("c1", {(*jobs)[0].id, 999999}, 0, "alice", 2100).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(StateOf((*jobs)[0].id), JobState::kAwaitingApproval);
  auto approved = q_->Approve("c1", {(*jobs)[0].id}, 0, "alice", 2100);
  ASSERT_TRUE(approved.ok()) << approved.status().message();
  EXPECT_EQ(*approved, 1);
  auto next = Claim(10, 2100);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].job.target, "a");
  EXPECT_EQ(next[0].job.approved_by, "alice");
  // A later wave approved ahead goes straight to pending when it opens.
  approved = q_->Approve("c1", {}, 2, "bob", 2200);
  ASSERT_TRUE(approved.ok());
  EXPECT_EQ(*approved, 1);
  ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, true, "", "{}", "{}", 2300).ok());
  ASSERT_TRUE(q_->Complete(next[0].job.id, next[0].token, true, "", "{}", "{}", 2300).ok());
  ASSERT_TRUE(q_->Advance("c1", 2300).ok());
  auto wave2 = Claim(10, 2300);
  ASSERT_EQ(wave2.size(), 1u);
  EXPECT_EQ(wave2[0].job.target, "c");
}

TEST_P(QueueTest, AWaveOverTheFailureThresholdPausesUntilResumed) {
  CampaignSpec spec = Spec();
  spec.policy.pause_on_failure_rate = 0.5;
  spec.policy.breaker_min_sample = 100;  // only the wave rule here
  Create(spec, {Consumer("a", 1), Consumer("b", 1), Consumer("c", 2)});
  auto leases = Claim(10, 2000);
  ASSERT_EQ(leases.size(), 2u);
  ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, false, "wrong", "{}", "{}", 2100).ok());
  ASSERT_TRUE(q_->Complete(leases[1].job.id, leases[1].token, true, "", "{}", "{}", 2100).ok());
  auto advanced = q_->Advance("c1", 2100);
  ASSERT_TRUE(advanced.ok());
  EXPECT_EQ(advanced->after, CampaignState::kPaused);
  EXPECT_TRUE(Claim(10, 2200).empty());
  ASSERT_TRUE(q_->Resume("c1", 2300).ok());
  advanced = q_->Advance("c1", 2300);
  ASSERT_TRUE(advanced.ok());
  EXPECT_EQ(advanced->after, CampaignState::kMigratingConsumers);
  EXPECT_EQ(Claim(10, 2300).size(), 1u);
}

TEST_P(QueueTest, TheBreakerTripsOnAFailureRatioOverItsWindow) {
  CampaignSpec spec = Spec();
  spec.policy.pause_on_failure_rate = 0.5;
  spec.policy.breaker_window = 4;
  spec.policy.breaker_min_sample = 3;
  std::vector<NewJob> jobs;
  for (int i = 0; i < 10; ++i) jobs.push_back(Consumer("c" + std::to_string(i), 1));
  Create(spec, jobs);
  auto leases = Claim(10, 2000);
  ASSERT_EQ(leases.size(), 10u);
  // Two failures in a sample of two: below the minimum sample, no verdict.
  ASSERT_TRUE(q_->Complete(leases[0].job.id, leases[0].token, false, "x", "{}", "{}", 2100).ok());
  ASSERT_TRUE(q_->Complete(leases[1].job.id, leases[1].token, false, "x", "{}", "{}", 2101).ok());
  auto advanced = q_->Advance("c1", 2102);
  ASSERT_TRUE(advanced.ok());
  EXPECT_EQ(advanced->after, CampaignState::kMigratingConsumers);
  ASSERT_TRUE(q_->Complete(leases[2].job.id, leases[2].token, true, "", "{}", "{}", 2103).ok());
  advanced = q_->Advance("c1", 2104);
  ASSERT_TRUE(advanced.ok());
  EXPECT_EQ(advanced->after, CampaignState::kPaused);
  ASSERT_FALSE(advanced->events.empty());
  EXPECT_EQ(advanced->events[0].kind, "breaker");
  EXPECT_NE(advanced->events[0].message.find("2 of the last 3"), std::string::npos)
      << advanced->events[0].message;
  // Running jobs may still finish; resume forgets the earlier window.
  ASSERT_TRUE(q_->Resume("c1", 2200).ok());
  advanced = q_->Advance("c1", 2201);
  ASSERT_TRUE(advanced.ok());
  EXPECT_EQ(advanced->after, CampaignState::kMigratingConsumers);
}

TEST_P(QueueTest, CancelStopsWaitingWorkAndRollbackRefusesSideEffects) {
  Create(Spec(), {Consumer("a", 1), Consumer("b", 2)});
  auto leases = Claim(10, 2000);
  ASSERT_EQ(leases.size(), 1u);
  ASSERT_TRUE(q_->BeginRollback("c1", 2100).ok());
  EXPECT_EQ(CampaignStateOf("c1"), CampaignState::kRollingBack);
  Status fence = q_->Fence(leases[0].job.id, leases[0].token, 2100);
  EXPECT_EQ(fence.code(), StatusCode::kConflict);
  EXPECT_NE(fence.message().find("rolling-back"), std::string::npos) << fence.message();
  EXPECT_TRUE(Claim(10, 2200).empty());
  ASSERT_TRUE(q_->BeginRollback("c1", 2200).ok());  // idempotent
  ASSERT_TRUE(q_->FinishRollback("c1", 2300).ok());
  EXPECT_EQ(CampaignStateOf("c1"), CampaignState::kRolledBack);
  auto counts = q_->CountJobs("c1");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->of(JobState::kRolledBack), 2);
  // An ended campaign is not silently restarted.
  auto again = q_->CreateCampaign(Spec(), {Consumer("a", 1)}, 2400);
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);

  Create(Spec("c2"), {Consumer("a", 1), Consumer("b", 2)});
  ASSERT_TRUE(q_->Cancel("c2", "by test", 2500).ok());
  EXPECT_EQ(CampaignStateOf("c2"), CampaignState::kCancelled);
  EXPECT_EQ(q_->Cancel("c2", "again", 2600).code(), StatusCode::kConflict);
}

TEST_P(QueueTest, WorkerGroupsRouteJobs) {
  NewJob eu = Consumer("eu", 1);
  eu.group = "eu-west";
  Create(Spec(), {eu, Consumer("any", 1)});
  auto plain = Claim(10, 2000, "w1", "");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].job.target, "any");
  auto grouped = Claim(10, 2000, "w2", "eu-west");
  ASSERT_EQ(grouped.size(), 1u);
  EXPECT_EQ(grouped[0].job.target, "eu");
}

TEST_P(QueueTest, ReleaseGivesAJobBackWithoutUsingAnAttempt) {
  Create(Spec(), {Data("p1")});
  auto leases = Claim(1, 2000);
  ASSERT_EQ(leases.size(), 1u);
  ASSERT_TRUE(q_->Release(leases[0].job.id, leases[0].token, 2100).ok());
  auto again = Claim(1, 2100);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].job.attempts, 1);
}

// Many claimers at once: every job runs exactly once, no two live leases on one job, and the
// counts add up at every sample.
TEST_P(QueueTest, ConcurrentWorkersNeverShareAJob) {
  const int kJobs = 600;
  const int kWorkers = 6;
  std::vector<NewJob> jobs;
  for (int i = 0; i < kJobs; ++i) {
    NewJob j = Data("p" + std::to_string(i));
    j.kind = "noop";  // data jobs would run one at a time
    jobs.push_back(j);
  }
  Create(Spec(), jobs);
  std::atomic<int64_t> clock{10000};
  std::mutex seen_mutex;
  std::map<int64_t, int> done_by_job;
  std::atomic<bool> stop{false};
  std::atomic<int> bad_samples{0};
  std::thread sampler([&] {
    auto q = Open();
    while (q && !stop) {
      auto counts = q->CountJobs("c1");
      if (counts.ok()) {
        int64_t sum = 0;
        for (int64_t n : counts->by_state) sum += n;
        if (sum != kJobs || counts->total != kJobs) ++bad_samples;
      }
    }
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      auto q = Open();
      if (!q) return;
      std::string name = "w" + std::to_string(w);
      for (;;) {
        int64_t now = ++clock;
        auto leases = q->Claim(name, "", 8, kTtl, now);
        ASSERT_TRUE(leases.ok()) << leases.status().message();
        if (leases->empty()) break;
        std::vector<std::pair<int64_t, int64_t>> done;
        for (const auto& l : *leases) done.emplace_back(l.job.id, l.token);
        auto stale = q->CompleteMany(done, ++clock);
        ASSERT_TRUE(stale.ok()) << stale.status().message();
        EXPECT_TRUE(stale->empty());
        std::lock_guard lock(seen_mutex);
        for (const auto& l : *leases) ++done_by_job[l.job.id];
      }
    });
  }
  for (auto& t : workers) t.join();
  stop = true;
  sampler.join();
  EXPECT_EQ(bad_samples.load(), 0);
  ASSERT_EQ(done_by_job.size(), static_cast<size_t>(kJobs));
  for (const auto& [job, n] : done_by_job) EXPECT_EQ(n, 1) << "job " << job;
  auto counts = q_->CountJobs("c1");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->of(JobState::kDone), kJobs);
  auto attempts = q_->ListAllAttempts("c1");
  ASSERT_TRUE(attempts.ok());
  EXPECT_EQ(attempts->size(), static_cast<size_t>(kJobs));
}

TEST_P(QueueTest, AChangeRequestsOutcomeIsRecordedOnceAndAGitBranchDeletedDeclinesNothing) {
  Create(Spec(), {Consumer("a", 0), Consumer("b", 0)});
  std::vector<Lease> leases = Claim(2, 2000);
  ASSERT_EQ(leases.size(), 2u);
  for (const Lease& l : leases)
    ASSERT_TRUE(q_->Complete(l.job.id, l.token, true, "opened", "{}", "{}", 3000).ok());
  auto seen = [&](const Lease& l, std::string forge, std::string state) {
    ChangeRequestSeen s;
    s.campaign = "c1";
    s.consumer = l.job.target;
    s.job = l.job.id;
    s.forge = std::move(forge);
    s.url = "https://forge/" + l.job.target;
    s.branch = "skein/m";
    s.state = std::move(state);
    s.closed_by = "alice";
    s.closed_ms = 2500;
    return s;
  };
  // A person closed a's pull request: declined, the job failed, once.
  EXPECT_EQ(*q_->RecordChangeRequest(seen(leases[0], "github", "closed"), 4000), "declined");
  EXPECT_EQ(StateOf(leases[0].job.id), JobState::kFailed);
  EXPECT_EQ(*q_->RecordChangeRequest(seen(leases[0], "github", "closed"), 5000), "");
  EXPECT_EQ(*q_->RecordChangeRequest(seen(leases[0], "github", "open"), 6000), "")
      << "declined stays declined";
  // b's branch was deleted from a plain git remote: merged or abandoned, nobody declined it.
  EXPECT_EQ(*q_->RecordChangeRequest(seen(leases[1], "git", "closed"), 4000), "closed");
  EXPECT_EQ(StateOf(leases[1].job.id), JobState::kDone);
  EXPECT_EQ(*q_->RecordChangeRequest(seen(leases[1], "git", "closed"), 5000), "");
  auto records = q_->ListChangeRequests("c1");
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].state, "declined");
  EXPECT_EQ((*records)[0].closed_by, "alice");
  EXPECT_EQ((*records)[0].closed_ms, 2500);
  EXPECT_EQ((*records)[1].state, "closed");
  auto events = q_->ListEvents("c1");
  ASSERT_TRUE(events.ok());
  int declined = 0;
  for (const Event& e : *events) declined += e.kind == "declined" ? 1 : 0;
  EXPECT_EQ(declined, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace skein::queue
