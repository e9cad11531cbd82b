#include "server/metrics.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

namespace skein::server {
namespace {

const std::vector<int64_t> kAttemptBucketsMs = {100, 500, 1000, 5000, 10000, 30000, 60000, 300000, 900000};

// A label value with Prometheus' escapes (backslash, quote, newline).
std::string Label(std::string_view value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

std::string Number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

const std::vector<double> kRequestBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

void Metrics::CountRequest(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  Histogram& h = durations_[route];
  if (h.buckets.empty()) h.buckets.assign(kRequestBuckets.size(), 0);
  for (size_t i = 0; i < kRequestBuckets.size(); ++i) {
    if (seconds <= kRequestBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

Status Metrics::ReadVerifierFailures(queue::Queue& q) {
  ASSIGN_OR_RETURN(std::vector<queue::Attempt> attempts, q.AttemptsEndedSince(verifiers_read_to_ms_));
  for (const queue::Attempt& a : attempts) {
    if (a.ended_ms == verifiers_read_to_ms_ && at_boundary_.count({a.job, a.token}) > 0) continue;
    if (a.ended_ms > verifiers_read_to_ms_) {
      verifiers_read_to_ms_ = a.ended_ms;
      at_boundary_.clear();
    }
    at_boundary_.insert({a.job, a.token});
    nlohmann::json evidence = nlohmann::json::parse(a.evidence, nullptr, false);
    if (!evidence.is_object() || !evidence.contains("attempts") || !evidence["attempts"].is_array()) continue;
    for (const auto& tried : evidence["attempts"]) {
      if (!tried.is_object() || !tried.contains("verifiers") || !tried["verifiers"].is_array()) continue;
      for (const auto& v : tried["verifiers"]) {
        if (v.is_object() && v.value("outcome", "") == "fail")
          ++verifier_failures_[v.value("verifier", "unknown")];
      }
    }
  }
  return Status::Ok();
}

Result<std::string> Metrics::Render(queue::Queue& q, int64_t now, const std::string& version) {
  std::ostringstream out;
  out << "# HELP skein_build_info The skein version serving these metrics.\n# TYPE skein_build_info gauge\n"
      << "skein_build_info{version=\"" << Label(version) << "\"} 1\n";

  ASSIGN_OR_RETURN(std::vector<queue::Campaign> campaigns, q.ListCampaigns());
  out << "# HELP skein_jobs Jobs by campaign and state.\n# TYPE skein_jobs gauge\n";
  std::ostringstream states, rates, thresholds, remaining;
  for (const auto& c : campaigns) {
    ASSIGN_OR_RETURN(queue::Counts counts, q.CountJobs(c.id));
    for (int s = 0; s <= static_cast<int>(queue::JobState::kRolledBack); ++s) {
      auto state = static_cast<queue::JobState>(s);
      out << "skein_jobs{campaign=\"" << Label(c.id) << "\",state=\"" << queue::JobStateName(state) << "\"} "
          << counts.of(state) << "\n";
    }
    states << "skein_campaign_state{campaign=\"" << Label(c.id) << "\",state=\""
           << queue::CampaignStateName(c.state) << "\"} 1\n";
    queue::JobQuery open;
    open.kind = "consumer";
    open.states = {queue::JobState::kWaiting, queue::JobState::kPending, queue::JobState::kAwaitingApproval,
                   queue::JobState::kRunning};
    open.limit = 0;  // only the count
    ASSIGN_OR_RETURN(queue::JobPage left, q.FindJobs(c.id, open));
    remaining << "skein_consumers_remaining{campaign=\"" << Label(c.id) << "\"} " << left.total << "\n";
    ASSIGN_OR_RETURN(queue::FailureRate rate, q.RecentFailureRate(c.id));
    rates << "skein_campaign_failure_rate{campaign=\"" << Label(c.id) << "\"} "
          << Number(rate.sample > 0 ? static_cast<double>(rate.failures) / static_cast<double>(rate.sample)
                                    : 0.0)
          << "\n";
    thresholds << "skein_campaign_failure_threshold{campaign=\"" << Label(c.id) << "\"} "
               << Number(c.policy.pause_on_failure_rate) << "\n";
  }
  out << "# HELP skein_campaign_state A campaign's current state (1).\n# TYPE skein_campaign_state gauge\n"
      << states.str();
  out << "# HELP skein_consumers_remaining Consumer jobs not ended yet (the burndown).\n"
         "# TYPE skein_consumers_remaining gauge\n"
      << remaining.str();
  out << "# HELP skein_campaign_failure_rate Failures among the breaker's window of finished consumer jobs.\n"
         "# TYPE skein_campaign_failure_rate gauge\n"
      << rates.str();
  out << "# HELP skein_campaign_failure_threshold The breaker's threshold (rollout.pause_on_failure_rate).\n"
         "# TYPE skein_campaign_failure_threshold gauge\n"
      << thresholds.str();

  ASSIGN_OR_RETURN(auto depths, q.QueueDepths(now));
  out << "# HELP skein_queue_depth Pending jobs whose time has come.\n# TYPE skein_queue_depth gauge\n";
  for (const auto& [campaign, depth] : depths)
    out << "skein_queue_depth{campaign=\"" << Label(campaign) << "\"} " << depth << "\n";

  ASSIGN_OR_RETURN(std::vector<queue::WorkerInfo> live, q.LiveWorkers(now - 60000));
  ASSIGN_OR_RETURN(int64_t backlog, q.Backlog(now));
  int slots = std::max(worker_slots_, 1);
  out << "# HELP skein_workers_live Workers with a heartbeat in the last minute.\n# TYPE skein_workers_live "
         "gauge\n"
      << "skein_workers_live " << live.size() << "\n"
      << "# HELP skein_backlog Claimable pending plus running jobs of group '' (campaigns not paused, "
         "cancelled "
         "or rolled back).\n# TYPE skein_backlog gauge\nskein_backlog "
      << backlog << "\n"
      << "# HELP skein_desired_workers ceil(backlog / slots per worker): the KEDA figure.\n"
         "# TYPE skein_desired_workers gauge\nskein_desired_workers "
      << (backlog + slots - 1) / slots << "\n";

  ASSIGN_OR_RETURN(std::vector<queue::DurationHistogram> durations, q.AttemptDurations(kAttemptBucketsMs));
  out << "# HELP skein_attempt_duration_seconds How long ended attempts took, by job kind.\n"
         "# TYPE skein_attempt_duration_seconds histogram\n";
  for (const auto& h : durations) {
    for (size_t b = 0; b < kAttemptBucketsMs.size(); ++b) {
      out << "skein_attempt_duration_seconds_bucket{kind=\"" << Label(h.kind) << "\",le=\""
          << Number(static_cast<double>(kAttemptBucketsMs[b]) / 1000.0) << "\"} " << h.cumulative[b] << "\n";
    }
    out << "skein_attempt_duration_seconds_bucket{kind=\"" << Label(h.kind) << "\",le=\"+Inf\"} " << h.count
        << "\n"
        << "skein_attempt_duration_seconds_sum{kind=\"" << Label(h.kind) << "\"} "
        << Number(h.sum_ms / 1000.0) << "\n"
        << "skein_attempt_duration_seconds_count{kind=\"" << Label(h.kind) << "\"} " << h.count << "\n";
  }

  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(ReadVerifierFailures(q));
  out << "# HELP skein_verifier_failures_total Verifier results that failed, by verifier.\n"
         "# TYPE skein_verifier_failures_total counter\n";
  for (const auto& [verifier, n] : verifier_failures_)
    out << "skein_verifier_failures_total{verifier=\"" << Label(verifier) << "\"} " << n << "\n";

  out << "# HELP skein_http_requests_total Requests answered, by route and status.\n"
         "# TYPE skein_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "skein_http_requests_total{route=\"" << Label(key.first) << "\",code=\"" << key.second << "\"} "
        << n << "\n";
  out << "# HELP skein_http_request_duration_seconds Time to answer, by route.\n"
         "# TYPE skein_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_) {
    for (size_t b = 0; b < kRequestBuckets.size(); ++b) {
      out << "skein_http_request_duration_seconds_bucket{route=\"" << Label(route) << "\",le=\""
          << Number(kRequestBuckets[b]) << "\"} " << h.buckets[b] << "\n";
    }
    out << "skein_http_request_duration_seconds_bucket{route=\"" << Label(route) << "\",le=\"+Inf\"} "
        << h.count << "\n"
        << "skein_http_request_duration_seconds_sum{route=\"" << Label(route) << "\"} " << Number(h.sum)
        << "\n"
        << "skein_http_request_duration_seconds_count{route=\"" << Label(route) << "\"} " << h.count << "\n";
  }
  return out.str();
}

}  // namespace skein::server
