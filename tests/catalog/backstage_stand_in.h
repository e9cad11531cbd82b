// BackstageStandIn: a local HTTP server that stands in for a real Backstage backend in tests
// (a real one cannot run here). Header-only so any test binary linking skein_httplib can use it.
#pragma once

#include <httplib.h>

#include <cctype>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace skein::testing {

// Stands in for a real Backstage backend (which cannot run in this test): an HTTP server on
// 127.0.0.1 that answers GET /api/catalog/entities/by-query the way Backstage does — items,
// pageInfo.nextCursor, totalItems, `kind=` filters — and rejects requests without the bearer
// token. It records each request's query string.
class BackstageStandIn {
 public:
  BackstageStandIn(std::vector<nlohmann::json> entities, std::string token)
      : entities_(std::move(entities)), token_(token) {
    server_.Get("/api/catalog/entities/by-query",
                [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() only works once the accept loop runs.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~BackstageStandIn() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  // The next request answers with this HTTP status and body instead of a page.
  void FailNext(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_status_ = status;
    fail_body_ = std::move(body);
  }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string query;
    for (const auto& [key, value] : req.params) query += (query.empty() ? "" : "&") + key + "=" + value;
    requests_.push_back(query);
    if (req.get_header_value("Authorization") != "Bearer " + token_) {
      res.status = 401;
      res.set_content(R"({"error":{"name":"AuthenticationError","message":"Missing credentials"}})",
                      "application/nlohmann::json");
      return;
    }
    if (fail_status_ != 0) {
      res.status = fail_status_;
      res.set_content(fail_body_, "application/nlohmann::json");
      fail_status_ = 0;
      return;
    }
    // Backstage's cursors are opaque and carry the query; this one carries the filter and offset.
    std::string filter = req.has_param("filter") ? req.get_param_value("filter") : "";
    size_t offset = 0;
    if (req.has_param("cursor")) {
      std::string cursor = req.get_param_value("cursor");
      size_t bar = cursor.find('|');
      offset = std::stoul(cursor.substr(0, bar));
      filter = cursor.substr(bar + 1);
    }
    std::vector<nlohmann::json> matching;
    for (const nlohmann::json& e : entities_) {
      if (filter.empty() || "kind=" + ToLowerAscii(e["kind"].get<std::string>()) == filter)
        matching.push_back(e);
    }
    size_t limit = std::stoul(req.get_param_value("limit"));
    nlohmann::json page = {{"items", nlohmann::json::array()},
                           {"totalItems", matching.size()},
                           {"pageInfo", nlohmann::json::object()}};
    for (size_t i = offset; i < matching.size() && i < offset + limit; ++i)
      page["items"].push_back(matching[i]);
    if (offset + limit < matching.size())
      page["pageInfo"]["nextCursor"] = std::to_string(offset + limit) + "|" + filter;
    res.set_content(page.dump(), "application/nlohmann::json");
  }

  static std::string ToLowerAscii(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  std::vector<nlohmann::json> entities_;
  std::string token_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
  int fail_status_ = 0;
  std::string fail_body_;
};

}  // namespace skein::testing
