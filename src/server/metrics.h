// /metrics: Prometheus' text format (0.0.4). Queue figures are read from the store at each
// scrape (jobs by state, queue depth, live and desired workers, attempt durations, failure rates);
// verifier failures are counted from attempts' evidence as they end (a counter kept by this
// process, rebuilt from the store when it starts); HTTP figures are this process's own.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "queue/queue.h"

namespace skein::server {

class Metrics {
 public:
  explicit Metrics(int worker_slots) : worker_slots_(worker_slots) {}

  // One answered request: its route's template ("/api/v1/jobs/{id}", "assets", "other").
  void CountRequest(const std::string& route, int status, double seconds);
  // The whole text for a scrape.
  Result<std::string> Render(queue::Queue& q, int64_t now, const std::string& version);

 private:
  Status ReadVerifierFailures(queue::Queue& q);

  int worker_slots_;
  std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;  // (route, status) -> count
  struct Histogram {
    std::vector<int64_t> buckets;
    int64_t count = 0;
    double sum = 0;
  };
  std::map<std::string, Histogram> durations_;  // by route
  std::map<std::string, int64_t> verifier_failures_;
  int64_t verifiers_read_to_ms_ = 0;                   // attempts that ended before this are counted
  std::set<std::pair<int64_t, int64_t>> at_boundary_;  // (job, token) counted at verifiers_read_to_ms_
};

// The HTTP request duration buckets, in seconds.
extern const std::vector<double> kRequestBuckets;

}  // namespace skein::server
