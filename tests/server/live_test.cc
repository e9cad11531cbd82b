// The portal's live side: the event stream follows a campaign as it moves, alert webhooks go out
// once per event however many servers share the store, and docs/openapi.yaml and deploy/'s
// monitoring files agree with what the server serves.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/server/portal_fixture.h"
#include "tests/support/test_support.h"

namespace skein::testing {
namespace {

using nlohmann::json;

// Reads an event stream on its own thread and keeps every (event, data) it sees.
class StreamReader {
 public:
  StreamReader(int port, const std::string& path, const std::string& token) : client_("127.0.0.1", port) {
    client_.set_read_timeout(30);
    thread_ = std::thread([this, path, token] {
      httplib::Headers headers = {{"Authorization", "Bearer " + token}};
      auto res = client_.Get(path, headers, [&](const char* data, size_t size) {
        std::lock_guard lock(mutex_);
        buffer_.append(data, size);
        for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
          std::string block = buffer_.substr(0, end);
          buffer_.erase(0, end + 2);
          std::string event, payload;
          std::istringstream lines(block);
          for (std::string line; std::getline(lines, line);) {
            if (line.starts_with("event: ")) event = line.substr(7);
            if (line.starts_with("data: ")) payload = line.substr(6);
          }
          if (!event.empty()) events_.emplace_back(event, json::parse(payload, nullptr, false));
        }
        changed_.notify_all();
        return !stop_;
      });
      std::lock_guard lock(mutex_);
      status_ = res ? res->status : -1;
      done_ = true;
      changed_.notify_all();
    });
  }
  ~StreamReader() {
    stop_ = true;
    client_.stop();  // ends the read at once, not at the next ping
    thread_.join();
  }
  // Waits until `match` holds for a seen event; false after `timeout`.
  bool WaitFor(const std::function<bool(const std::string&, const json&)>& match,
               std::chrono::seconds timeout = std::chrono::seconds(15)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const auto& [event, data] : events_) {
        if (match(event, data)) return true;
      }
      return done_;
    }) && !done_;
  }
  int status() {
    std::lock_guard lock(mutex_);
    return status_;
  }

 private:
  httplib::Client client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string buffer_;
  std::vector<std::pair<std::string, json>> events_;
  std::atomic<bool> stop_{false};
  bool done_ = false;
  int status_ = 0;
  std::thread thread_;
};

TEST_P(PortalTest, StreamsProgressAndEventsAsTheCampaignMoves) {
  StreamReader stream(port_, "/api/v1/stream?campaign=c1", viewer_token_);
  const json& schemas = OpenApiDocument::Get().doc()["components"]["schemas"];
  ASSERT_TRUE(stream.WaitFor([](const std::string& event, const json& data) {
    return event == "progress" && data["counts"]["done"] == 2;
  })) << "no first progress";
  ASSERT_FALSE(schemas.is_null());

  // A worker elsewhere finishes a job: the stream says so without being asked again.
  auto lease = q_->Claim("w2", "", 1, std::chrono::seconds(30), Now() + 100);
  ASSERT_TRUE(lease.ok() && lease->size() == 1);
  ASSERT_TRUE(
      q_->Complete(lease->at(0).job.id, lease->at(0).token, true, "done", "{}", "{}", Now() + 110).ok());
  EXPECT_TRUE(stream.WaitFor([](const std::string& event, const json& data) {
    return event == "progress" && data["counts"]["done"] == 3 && data["consumers"]["remaining"] == 2;
  }));
  ASSERT_TRUE(q_->Pause("c1", "paused by a test", Now() + 120).ok());
  EXPECT_TRUE(stream.WaitFor([](const std::string& event, const json& data) {
    return event == "event" && data["kind"] == "paused" && data["message"] == "paused by a test";
  }));
  EXPECT_TRUE(stream.WaitFor([](const std::string& event, const json& data) {
    return event == "progress" && data["state"] == "paused";
  }));
}

// The campaign's page is reused for a moment and computed again behind the answers; what another
// process changes shows within seconds, newer by its as_of_ms, and an action here shows at once.
TEST_P(PortalTest, CampaignPagesCatchUpWithChangesMadeElsewhere) {
  Reply first = Call("GET", "/api/v1/campaigns/c1", viewer_token_, std::nullopt, "/api/v1/campaigns/{id}");
  ASSERT_EQ(first.status, 200) << first.text;
  ASSERT_EQ(first.body["counts"]["done"], 2);
  auto lease = q_->Claim("w2", "", 1, std::chrono::seconds(30), Now() + 100);
  ASSERT_TRUE(lease.ok() && lease->size() == 1);
  ASSERT_TRUE(
      q_->Complete(lease->at(0).job.id, lease->at(0).token, true, "done", "{}", "{}", Now() + 110).ok());
  Reply later;
  for (int i = 0; i < 100; ++i) {  // 10 s
    later = Call("GET", "/api/v1/campaigns/c1", viewer_token_);
    ASSERT_EQ(later.status, 200) << later.text;
    if (later.body["counts"]["done"] == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(later.body["counts"]["done"], 3) << "the page never caught up";
  EXPECT_GT(later.body["as_of_ms"].get<int64_t>(), first.body["as_of_ms"].get<int64_t>());
  EXPECT_EQ(later.body["burndown"].back()["remaining"], 2);

  ASSERT_EQ(Call("POST", "/api/v1/campaigns/c1/pause", operator_token_, json::object()).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns/c1", viewer_token_).body["state"], "paused");
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", viewer_token_).body["campaigns"][0]["state"], "paused");
}

TEST_P(PortalTest, StreamsKeepHalfTheServersThreadsForTheApi) {
  server_->Stop();
  server::ServerOptions options;
  options.store_url = db_->url();
  options.port = 0;
  options.threads = 4;  // at most 2 streams
  options.stream_ping = std::chrono::milliseconds(100);
  options.send_alerts = false;
  options.log = [](const std::string&) {};
  server_ = std::make_unique<server::Server>(options, clock_);
  port_ = *server_->Start();
  auto first = std::make_unique<StreamReader>(port_, "/api/v1/stream", viewer_token_);
  StreamReader second(port_, "/api/v1/stream?campaign=c1", viewer_token_);
  auto progress = [](const std::string& event, const json&) { return event == "progress"; };
  ASSERT_TRUE(first->WaitFor(progress));
  ASSERT_TRUE(second.WaitFor(progress));
  Reply third = Raw("GET", "/api/v1/stream", viewer_token_, "", "");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", viewer_token_).status, 200) << "the API still answers";
  first.reset();  // a stream that ends gives its place back
  bool reopened = false;
  for (int i = 0; i < 100 && !reopened; ++i) {
    StreamReader again(port_, "/api/v1/stream", viewer_token_);
    reopened = again.WaitFor(progress, std::chrono::seconds(2));
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(reopened);
}

TEST_P(PortalTest, StreamRefusesUnknownCampaignsAndStrangers) {
  EXPECT_EQ(Raw("GET", "/api/v1/stream?campaign=nope", viewer_token_, "", "").status, 404);
  EXPECT_EQ(Raw("GET", "/api/v1/stream", "", "", "").status, 401);
}

// A stand-in for a Slack incoming webhook: a real HTTP server on loopback that records posts and
// fails the first `fail_first` of them.
class WebhookStandIn {
 public:
  explicit WebhookStandIn(int fail_first) : fail_first_(fail_first) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      if (fail_first_-- > 0) {
        res.status = 500;
        return;
      }
      bodies_.push_back(json::parse(req.body, nullptr, false));
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebhookStandIn() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<json> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  std::mutex mutex_;
  int fail_first_;
  std::vector<json> bodies_;
  int port_ = 0;
  std::thread thread_;
};

TEST_P(PortalTest, SendsEachAlertOnceAcrossServersAndRetriesAFailedOne) {
  WebhookStandIn hook(/*fail_first=*/1);
  queue::CampaignSpec spec;
  spec.id = "c2";
  spec.manifest_file = "m.yaml";
  spec.manifest = "kind: Migration";
  spec.workdir = "/tmp";
  spec.policy_json = json{{"alerts", {{"webhook", hook.url()}}}}.dump();
  queue::NewJob job;
  job.kind = "noop";
  job.target = "one";
  ASSERT_TRUE(q_->CreateCampaign(spec, {job}, Now()).ok());
  ASSERT_TRUE(q_->Start("c2", Now()).ok());

  std::vector<std::unique_ptr<server::Server>> servers;
  for (int i = 0; i < 2; ++i) {
    server::ServerOptions options;
    options.store_url = db_->url();
    options.port = 0;
    options.send_alerts = true;
    options.log = [](const std::string&) {};
    servers.push_back(std::make_unique<server::Server>(options, clock_));
    ASSERT_TRUE(servers.back()->Start().ok());
  }
  ASSERT_TRUE(q_->Pause("c2", "paused for the alert test", Now() + 10).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (hook.bodies().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // time for a second, wrong, post
  for (auto& s : servers) s->Stop();
  std::vector<json> posts = hook.bodies();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["campaign"], "c2");
  EXPECT_EQ(posts[0]["kind"], "paused");
  EXPECT_NE(posts[0]["text"].get<std::string>().find("paused for the alert test"), std::string::npos);
  // Campaign c1's events have no webhook: nothing was claimed for them.
  EXPECT_EQ(db_->QueryText("SELECT COUNT(*) FROM campaign_events WHERE campaign = 'c1' AND alerted_ms > 0"),
            "0");
}

TEST(OpenApi, DocumentsEveryServedRouteWithItsRole) {
  const OpenApiDocument& doc = OpenApiDocument::Get();
  for (const server::ServedRoute& route : server::ServedRoutes()) {
    const json* op = doc.Operation(route.method, route.pattern);
    ASSERT_NE(op, nullptr) << route.method << " " << route.pattern << " is not in docs/openapi.yaml";
    EXPECT_EQ(op->value("x-skein-role", ""), route.role) << route.method << " " << route.pattern;
  }
}

TEST(OpenApi, ServesEveryDocumentedOperation) {
  const OpenApiDocument& doc = OpenApiDocument::Get();
  std::set<std::pair<std::string, std::string>> served;
  for (const server::ServedRoute& route : server::ServedRoutes())
    served.insert({route.method, route.pattern});
  for (const auto& [path, item] : doc.doc()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char ch) { return std::toupper(ch); });
      EXPECT_TRUE(served.count({upper, path})) << upper << " " << path << " is documented but not served";
    }
  }
}

// Every metric deploy/monitoring's alert rules and Grafana dashboard read is one /metrics serves.
TEST_P(PortalTest, ServesEveryMetricTheAlertsAndDashboardUse) {
  std::string metrics = Raw("GET", "/metrics", "", "", "").text;
  std::set<std::string> used;
  std::regex name(R"(\bskein_[a-z_]+)");
  auto collect = [&](const std::string& expr) {
    for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name); it != std::sregex_iterator(); ++it) {
      std::string metric = it->str();
      for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (metric.ends_with(suffix)) metric.resize(metric.size() - suffix.size());
      }
      used.insert(metric);
    }
  };
  YAML::Node rules = YAML::LoadFile((SourceDir() / "deploy/monitoring/alerts.yaml").string());
  int alerts = 0;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      collect(rule["expr"].as<std::string>());
      ++alerts;
    }
  }
  EXPECT_GE(alerts, 5);
  std::ifstream dashboard_file(SourceDir() / "deploy/monitoring/grafana-dashboard.json");
  json dashboard = json::parse(dashboard_file);
  std::function<void(const json&)> walk = [&](const json& node) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items()) {
        if ((key == "expr" || key == "query" || key == "definition") && value.is_string()) collect(value);
        walk(value);
      }
    } else if (node.is_array()) {
      for (const auto& item : node) walk(item);
    }
  };
  walk(dashboard);
  EXPECT_GE(used.size(), 8u);
  for (const std::string& metric : used) {
    EXPECT_NE(metrics.find("# TYPE " + metric + " "), std::string::npos)
        << metric << " is not served by /metrics";
  }
}

}  // namespace
}  // namespace skein::testing
