// The portal's JSON API, apart from HTTP: each endpoint is a function from a parsed request (path
// parameters, query parameters, a JSON body, who asks) to a reply (an HTTP status and a JSON
// body). server.cc routes requests here after authentication; the route table below is the one
// the server serves and the one the tests check against docs/openapi.yaml.
//
// Replies for bad input name what was wrong: {"error": {"code": "bad-request", "message":
// "wave: expected an integer"}}. Actions change nothing when they answer 4xx.
//
// Thread-safety: an Api may be shared by the server's threads; each call borrows its own queue
// and store connections from pools.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/lineage.h"
#include "queue/queue.h"
#include "server/tokens.h"
#include "store/store.h"

namespace skein::server {

struct Identity {
  std::string name;  // the token's name: who approved, paused, ...
  Role role = Role::kViewer;
};

struct ApiRequest {
  std::vector<std::string> params;  // the path's {placeholders}, in order
  std::multimap<std::string, std::string> query;
  nlohmann::json body;  // null when the request had none
  Identity who;
};

struct ApiReply {
  int status = 200;
  nlohmann::json body;
  // When set, the body already serialized (a cached answer): sent as it is, `body` ignored.
  std::shared_ptr<const std::string> text;
};

// Borrowed connections, returned to their pool when the handle goes.
template <typename T>
class Pool {
 public:
  explicit Pool(std::function<Result<std::unique_ptr<T>>()> open) : open_(std::move(open)) {}
  class Handle {
   public:
    Handle(Pool* pool, std::unique_ptr<T> item) : pool_(pool), item_(std::move(item)) {}
    Handle(Handle&&) = default;
    ~Handle() {
      if (item_) pool_->Return(std::move(item_));
    }
    T& operator*() { return *item_; }
    T* operator->() { return item_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<T> item_;
  };
  Result<Handle> Borrow() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<T> item = std::move(free_.back());
        free_.pop_back();
        return Handle(this, std::move(item));
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<T> item, open_());
    return Handle(this, std::move(item));
  }

 private:
  void Return(std::unique_ptr<T> item) {
    std::lock_guard lock(mutex_);
    if (free_.size() < 64) free_.push_back(std::move(item));
  }
  std::function<Result<std::unique_ptr<T>>()> open_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<T>> free_;
};

class Api {
 public:
  Api(std::string store_url, Clock& clock);
  ~Api();  // waits for rollbacks it started and for its refresher

  using Handler = ApiReply (Api::*)(const ApiRequest&);
  struct Route {
    std::string method;   // GET, POST, DELETE
    std::string pattern;  // OpenAPI template: /api/v1/campaigns/{id}
    Role role;            // the least role that may call it
    Handler handler;
  };
  // Every JSON route but the session's and the stream's (server.cc serves those itself).
  static const std::vector<Route>& Routes();

  ApiReply ListCampaigns(const ApiRequest& r);
  ApiReply GetCampaign(const ApiRequest& r);
  ApiReply ListJobs(const ApiRequest& r);
  ApiReply ListEvents(const ApiRequest& r);
  ApiReply GetJob(const ApiRequest& r);
  ApiReply ListAttempts(const ApiRequest& r);
  ApiReply ListEntities(const ApiRequest& r);
  ApiReply ListDatasets(const ApiRequest& r);
  ApiReply GetLineage(const ApiRequest& r);
  ApiReply Pause(const ApiRequest& r);
  ApiReply Resume(const ApiRequest& r);
  ApiReply Cancel(const ApiRequest& r);
  ApiReply Rollback(const ApiRequest& r);
  ApiReply ApproveCampaign(const ApiRequest& r);
  ApiReply ApproveJob(const ApiRequest& r);
  ApiReply RetryJob(const ApiRequest& r);

  // The progress of one campaign (the stream's `progress` event), or nullopt when it is gone.
  Result<std::optional<nlohmann::json>> Progress(queue::Queue& q, const std::string& campaign);
  Pool<queue::Queue>& queues() { return queues_; }

 private:
  using Compute = std::function<Result<nlohmann::json>(queue::Queue&)>;
  using Shared = std::shared_ptr<const nlohmann::json>;
  struct CachedJson {
    Shared body;
    std::chrono::steady_clock::time_point at;
    bool refreshing = false;  // the refresher has it in hand
  };
  Result<nlohmann::json> Summary(queue::Queue& q, const queue::Campaign& c);
  Result<nlohmann::json> Detail(queue::Queue& q, const std::string& campaign);
  // A dataset's whole lineage with each consumer's state; GetLineage answers a page of it.
  Result<nlohmann::json> WholeLineage(queue::Queue& q, const std::string& dataset, int depth);
  // The summary, reused for a moment: many dashboards ask for the same one.
  Result<nlohmann::json> RecentSummary(queue::Queue& q, const queue::Campaign& c);
  // A cached answer: computed here when there is none; a fresh one as it is; a stale one as it is
  // while the refresher thread computes it again (stale-while-revalidate), so no request waits
  // for a recomputation once the first answer exists.
  Result<Shared> Reuse(std::map<std::string, CachedJson>& cache, const std::string& key,
                       std::chrono::milliseconds fresh, queue::Queue& q, const Compute& compute);
  // After an action: the next read of the campaign is computed afresh.
  void Forget(const std::string& campaign);
  void RefreshLoop();
  // The catalog, read again at most every 30 s (one request rebuilds; the others use the old one).
  Result<std::shared_ptr<const CatalogGraph>> Graph();

  std::string store_url_;
  Clock& clock_;
  Pool<queue::Queue> queues_;
  Pool<Store> stores_;
  std::mutex graph_mutex_;
  std::shared_ptr<const CatalogGraph> graph_;
  std::chrono::steady_clock::time_point graph_at_;
  bool graph_refreshing_ = false;
  std::mutex cache_mutex_;
  std::condition_variable refresh_wake_;
  std::map<std::string, CachedJson> summaries_;  // by campaign
  std::map<std::string, CachedJson> details_;    // by campaign
  std::map<std::string, CachedJson> lineages_;   // by dataset and depth: every consumer
  struct LineagePage {
    Shared whole;  // the lineage it was cut from: a newer one makes it stale
    std::shared_ptr<const std::string> text;
  };
  std::map<std::string, LineagePage> lineage_pages_;  // by dataset, depth, offset and limit
  struct Refresh {
    std::map<std::string, CachedJson>* cache;
    std::string key;
    uint64_t generation;
    Compute compute;
  };
  std::vector<Refresh> refreshes_;  // waiting for the refresher
  uint64_t generation_ = 0;         // Forget() moves it on: a refresh begun before does not land
  bool stopping_ = false;
  std::thread refresher_;
  std::mutex rollbacks_mutex_;
  std::vector<std::thread> rollbacks_;
};

// {"error": {"code", "message"}} with the status that goes with `status`'s code.
ApiReply ErrorReply(const Status& status);
ApiReply ErrorReply(int http_status, std::string_view code, std::string_view message);

}  // namespace skein::server
