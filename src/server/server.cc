// The portal's HTTP side: routes, authentication and sessions, the event stream, assets,
// /metrics, the alert sender and the request log (server.h).
#include "server/server.h"

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

#include "base/log.h"
#include "base/version.h"
#include "fleet/alerts.h"
#include "server/api.h"
#include "server/assets.h"
#include "server/metrics.h"
#include "server/tokens.h"

namespace skein::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr size_t kMaxBody = 64 * 1024;
constexpr auto kSessionLifetime = std::chrono::hours(12);
constexpr const char* kCookie = "skein_session";
constexpr const char* kSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

int64_t NowMs(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch()).count();
}

// What the request log and /metrics learn while a request is handled (one thread per request).
struct RequestContext {
  std::chrono::steady_clock::time_point start;
  std::string route;
  std::string who;
  json fields = json::object();  // campaign, job
};
thread_local RequestContext t_request;

std::string ContentTypeOf(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js") || name.ends_with(".mjs")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".png")) return "image/png";
  if (name.ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

void WriteJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void WriteError(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  WriteJson(res, status, {{"error", {{"code", code}, {"message", message}}}});
}

// The cookie's value from a Cookie header, or "".
std::string CookieValue(const httplib::Request& req, std::string_view name) {
  std::string header = req.get_header_value("Cookie");
  for (size_t at = 0; at < header.size();) {
    size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string_view part(header.data() + at, end - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    at = end + 1;
  }
  return "";
}

// Constant-time comparison, for secrets.
bool SameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// "/api/v1/campaigns/{id}/jobs" -> "/api/v1/campaigns/([^/]+)/jobs"
std::string PatternRegex(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex(R"(\{[a-z_]+\})"), "([^/]+)");
}

}  // namespace

// A place among the open event streams, given back when the stream ends.
struct StreamSlot {
  StreamSlot(std::atomic<int>& open, int limit) : open_(open) {
    taken = open_.fetch_add(1) < limit;
    if (!taken) open_.fetch_sub(1);
  }
  ~StreamSlot() {
    if (taken) open_.fetch_sub(1);
  }
  bool taken = false;

 private:
  std::atomic<int>& open_;
};

struct Server::Impl {
  struct Session {
    std::string name;
    Role role = Role::kViewer;
    std::string csrf;
    std::chrono::steady_clock::time_point expires;
  };
  struct Caller {
    Identity who;
    bool by_cookie = false;
    std::string csrf;
  };

  Impl(ServerOptions o, Clock& c)
      : options(std::move(o)), clock(c), api(options.store_url, c), metrics(options.worker_slots) {}

  void Log(json line) {
    std::string level = line.value("level", "info");
    std::string msg = line.value("msg", "");
    std::string text = JsonLogLine(level, msg, line);
    if (options.log) {
      std::lock_guard lock(log_mutex);
      options.log(text);
    } else {
      WriteLogLine(text);
    }
  }

  // The caller, or nullopt after writing the 401/403 answer.
  std::optional<Caller> Authorize(const httplib::Request& req, httplib::Response& res, Role least,
                                  bool unsafe) {
    Caller caller;
    std::string authorization = req.get_header_value("Authorization");
    if (!authorization.empty()) {
      if (!authorization.starts_with("Bearer ")) {
        WriteError(res, 401, "unauthenticated", "Authorization must be 'Bearer <token>'");
        return std::nullopt;
      }
      Result<std::optional<TokenInfo>> token = tokens->Verify(authorization.substr(7));
      if (!token.ok()) {
        WriteError(res, 503, "unavailable", token.status().message());
        return std::nullopt;
      }
      if (!token->has_value()) {
        WriteError(res, 401, "unauthenticated", "the token is not known or was revoked");
        return std::nullopt;
      }
      caller.who = Identity{(*token)->name, (*token)->role};
    } else {
      std::string cookie = CookieValue(req, kCookie);
      std::optional<Session> session = FindSession(cookie);
      if (!session) {
        WriteError(res, 401, "unauthenticated",
                   "sign in: send 'Authorization: Bearer <token>' or POST /api/v1/session with a token");
        return std::nullopt;
      }
      caller.who = Identity{session->name, session->role};
      caller.by_cookie = true;
      caller.csrf = session->csrf;
      // A cookie rides along with any request the browser makes; the CSRF token only with ours.
      if (unsafe && !SameSecret(req.get_header_value("X-CSRF-Token"), session->csrf)) {
        WriteError(res, 403, "csrf", "missing or wrong X-CSRF-Token header for this session");
        return std::nullopt;
      }
    }
    t_request.who = caller.who.name;
    if (least == Role::kOperator && caller.who.role != Role::kOperator) {
      WriteError(res, 403, "forbidden",
                 "this action needs an operator token; '" + caller.who.name + "' is a viewer");
      return std::nullopt;
    }
    return caller;
  }

  std::optional<Session> FindSession(const std::string& id) {
    if (id.empty()) return std::nullopt;
    std::lock_guard lock(sessions_mutex);
    auto it = sessions.find(Sha256Hex(id));
    if (it == sessions.end()) return std::nullopt;
    if (std::chrono::steady_clock::now() > it->second.expires) {
      sessions.erase(it);
      return std::nullopt;
    }
    return it->second;
  }

  // The request's JSON body (null when empty), or nullopt after writing the 4xx answer.
  std::optional<json> Body(const httplib::Request& req, httplib::Response& res) {
    if (req.body.empty()) return json(nullptr);
    std::string type = req.get_header_value("Content-Type");
    if (!type.starts_with("application/json")) {
      WriteError(res, 415, "unsupported-media-type",
                 "the body must be JSON (Content-Type: application/json)");
      return std::nullopt;
    }
    try {
      return json::parse(req.body);
    } catch (const json::parse_error& e) {
      WriteError(res, 400, "bad-request", std::string("malformed JSON: ") + e.what());
      return std::nullopt;
    }
  }

  void AddRoutes();
  void AddSessionRoutes();
  void AddStream();
  void SendAlerts();

  ServerOptions options;
  Clock& clock;
  Api api;
  Metrics metrics;
  std::unique_ptr<TokenStore> tokens;
  httplib::Server http;
  std::mutex log_mutex;
  std::mutex sessions_mutex;
  std::map<std::string, Session> sessions;  // by SHA-256 of the cookie
  std::atomic<bool> stopping{false};
  std::atomic<int> open_streams{0};
  std::mutex stop_mutex;
  std::condition_variable stop_signal;
  std::thread listener;
  std::thread alerter;
  int port = 0;
};

void Server::Impl::AddRoutes() {
  for (const Api::Route& route : Api::Routes()) {
    auto handler = [this, &route](const httplib::Request& req, httplib::Response& res) {
      t_request.route = route.pattern;
      std::optional<Caller> caller = Authorize(req, res, route.role, route.method != "GET");
      if (!caller) return;
      ApiRequest request;
      for (size_t i = 1; i < req.matches.size(); ++i) request.params.push_back(req.matches[i].str());
      for (const auto& [key, value] : req.params) request.query.emplace(key, value);
      std::optional<json> body = Body(req, res);
      if (!body) return;
      request.body = std::move(*body);
      request.who = caller->who;
      if (route.pattern.starts_with("/api/v1/campaigns/{id}"))
        t_request.fields["campaign"] = request.params.at(0);
      if (route.pattern.starts_with("/api/v1/jobs/{id}")) t_request.fields["job"] = request.params.at(0);
      ApiReply reply = (api.*route.handler)(request);
      if (reply.text) {
        res.status = reply.status;
        res.set_content(*reply.text, "application/json");
      } else {
        WriteJson(res, reply.status, reply.body);
      }
      if (route.method != "GET") {
        Log({{"level", reply.status < 400 ? "info" : "warn"},
             {"msg", "action"},
             {"action", route.pattern.substr(route.pattern.rfind('/') + 1)},
             {"by", caller->who.name},
             {"status", reply.status},
             {"campaign", t_request.fields.value("campaign", json(nullptr))},
             {"job", t_request.fields.value("job", json(nullptr))}});
      }
    };
    std::string regex = PatternRegex(route.pattern);
    if (route.method == "GET") {
      http.Get(regex, handler);
    } else if (route.method == "POST") {
      http.Post(regex, handler);
    } else {
      http.Delete(regex, handler);
    }
  }

  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    t_request.route = "/healthz";
    res.set_content("ok\n", "text/plain");
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    t_request.route = "/metrics";
    Result<Pool<queue::Queue>::Handle> q = api.queues().Borrow();
    Result<std::string> text = q.ok() ? metrics.Render(**q, NowMs(clock), SKEIN_VERSION) : q.status();
    if (!text.ok()) {
      res.status = 503;
      res.set_content("# store unavailable: " + text.status().message() + "\n", "text/plain");
      return;
    }
    res.set_content(*text, "text/plain; version=0.0.4; charset=utf-8");
  });
  auto serve_asset = [](const std::string& name, httplib::Response& res) {
    const Asset* asset = FindAsset(name);
    if (asset == nullptr) {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(asset->body), ContentTypeOf(asset->name).c_str());
  };
  http.Get("/", [serve_asset](const httplib::Request&, httplib::Response& res) {
    t_request.route = "/";
    serve_asset("index.html", res);
  });
  http.Get("/assets/(.+)", [serve_asset](const httplib::Request& req, httplib::Response& res) {
    t_request.route = "/assets";
    // Names are looked up exactly among the compiled-in files: "../x" or "a/b" are simply not there.
    serve_asset(req.matches[1].str(), res);
  });
}

void Server::Impl::AddSessionRoutes() {
  http.Post("/api/v1/session", [this](const httplib::Request& req, httplib::Response& res) {
    t_request.route = "/api/v1/session";
    std::optional<json> body = Body(req, res);
    if (!body) return;
    if (!body->is_object() || !body->contains("token") || !(*body)["token"].is_string()) {
      WriteError(res, 400, "bad-request", "expected {\"token\": \"skn_...\"}");
      return;
    }
    Result<std::optional<TokenInfo>> token = tokens->Verify((*body)["token"].get<std::string>());
    if (!token.ok()) {
      WriteError(res, 503, "unavailable", token.status().message());
      return;
    }
    if (!token->has_value()) {
      WriteError(res, 401, "unauthenticated", "the token is not known or was revoked");
      return;
    }
    std::string id = RandomHex(32);
    Session session{(*token)->name, (*token)->role, RandomHex(16),
                    std::chrono::steady_clock::now() + kSessionLifetime};
    {
      std::lock_guard lock(sessions_mutex);
      // Forget expired sessions now and then, so the map does not grow without end.
      auto now = std::chrono::steady_clock::now();
      for (auto it = sessions.begin(); it != sessions.end();)
        it = now > it->second.expires ? sessions.erase(it) : std::next(it);
      sessions[Sha256Hex(id)] = session;
    }
    t_request.who = session.name;
    res.set_header("Set-Cookie", std::string(kCookie) + "=" + id +
                                     "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
                                     std::to_string(std::chrono::seconds(kSessionLifetime).count()));
    WriteJson(res, 200, {{"name", session.name}, {"role", RoleName(session.role)}, {"csrf", session.csrf}});
    Log({{"level", "info"}, {"msg", "signed in"}, {"by", session.name}, {"role", RoleName(session.role)}});
  });
  http.Get("/api/v1/session", [this](const httplib::Request& req, httplib::Response& res) {
    t_request.route = "/api/v1/session";
    std::optional<Caller> caller = Authorize(req, res, Role::kViewer, false);
    if (!caller) return;
    json body = {{"name", caller->who.name}, {"role", RoleName(caller->who.role)}};
    body["csrf"] = caller->by_cookie ? json(caller->csrf) : json(nullptr);
    WriteJson(res, 200, body);
  });
  http.Delete("/api/v1/session", [this](const httplib::Request& req, httplib::Response& res) {
    t_request.route = "/api/v1/session";
    std::optional<Caller> caller = Authorize(req, res, Role::kViewer, true);
    if (!caller) return;
    if (caller->by_cookie) {
      std::lock_guard lock(sessions_mutex);
      sessions.erase(Sha256Hex(CookieValue(req, kCookie)));
    }
    res.set_header("Set-Cookie", std::string(kCookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    WriteJson(res, 200, {{"signed_out", true}});
  });
}

// Server-sent events: `progress` when a campaign's counts or state change, `event` for each new
// campaign event. Polls the store (every worker on every machine writes there).
void Server::Impl::AddStream() {
  http.Get("/api/v1/stream", [this](const httplib::Request& req, httplib::Response& res) {
    t_request.route = "/api/v1/stream";
    if (!Authorize(req, res, Role::kViewer, false)) return;
    std::string campaign = req.get_param_value("campaign");
    if (req.get_param_value_count("campaign") > 1) {
      WriteError(res, 400, "bad-request", "campaign: give it once");
      return;
    }
    // Each open stream holds one of the server's threads: keep half of them for everything else.
    auto slot = std::make_shared<StreamSlot>(open_streams, std::max(options.threads / 2, 1));
    if (!slot->taken) {
      WriteError(res, 503, "unavailable", "too many live streams open; close a tab or try again later");
      return;
    }
    Result<Pool<queue::Queue>::Handle> q = api.queues().Borrow();
    if (!q.ok()) {
      WriteError(res, 503, "unavailable", q.status().message());
      return;
    }
    if (!campaign.empty()) {
      Result<std::optional<queue::Campaign>> found = (*q)->FindCampaign(campaign);
      if (found.ok() && !found->has_value()) {
        WriteError(res, 404, "not-found", "no campaign '" + campaign + "'");
        return;
      }
    }
    // Events from now on (or after the one the browser saw last, when it reconnects).
    int64_t last_event = 0;
    std::string last_seen = req.get_header_value("Last-Event-ID");
    if (!last_seen.empty()) {
      last_event = std::atoll(last_seen.c_str());
    } else {
      Result<int64_t> latest = (*q)->LastEventId();
      if (latest.ok()) last_event = *latest;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto shared_queue = std::make_shared<Pool<queue::Queue>::Handle>(std::move(*q));
    res.set_chunked_content_provider("text/event-stream", [this, campaign, last_event, shared_queue, slot](
                                                              size_t, httplib::DataSink& sink) mutable {
      std::map<std::string, std::string> sent;  // campaign -> its last progress text
      auto last_ping = std::chrono::steady_clock::now();
      while (!stopping && sink.is_writable()) {
        queue::Queue& queue = **shared_queue;
        std::vector<std::string> ids;
        if (!campaign.empty()) {
          ids.push_back(campaign);
        } else if (Result<std::vector<queue::Campaign>> all = queue.ListCampaigns(); all.ok()) {
          for (const auto& c : *all) ids.push_back(c.id);
        }
        std::string out;
        for (const std::string& id : ids) {
          Result<std::optional<json>> progress = api.Progress(queue, id);
          if (!progress.ok() || !progress->has_value()) continue;
          // Sent when it changes; when it was computed is not a change.
          json unstamped = **progress;
          unstamped.erase("as_of_ms");
          std::string key = unstamped.dump();
          if (sent[id] == key) continue;
          sent[id] = std::move(key);
          out += "event: progress\ndata: " + (*progress)->dump() + "\n\n";
        }
        Result<std::vector<queue::Event>> events = queue.EventsAfter(last_event, 200);
        if (events.ok()) {
          for (const auto& e : *events) {
            last_event = e.id;
            if (!campaign.empty() && e.campaign != campaign) continue;
            json data = {{"id", e.id},
                         {"campaign", e.campaign},
                         {"at_ms", e.at_ms},
                         {"kind", e.kind},
                         {"message", e.message}};
            out += "id: " + std::to_string(e.id) +
                   "\nevent: event\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) +
                   "\n\n";
          }
        }
        auto now = std::chrono::steady_clock::now();
        if (out.empty() && now - last_ping > options.stream_ping) out = ": ping\n\n";
        if (!out.empty()) {
          last_ping = now;
          if (!sink.write(out.data(), out.size())) break;
        }
        std::unique_lock lock(stop_mutex);
        stop_signal.wait_for(lock, options.stream_poll, [this] { return stopping.load(); });
      }
      sink.done();
      return false;
    });
  });
}

// Each alert-worthy event of any campaign, once across every process sharing the store: claimed
// in the store first, given back when the webhook could not be reached so a later pass retries.
void Server::Impl::SendAlerts() {
  Result<std::unique_ptr<queue::Queue>> opened =
      queue::Queue::Open(options.store_url, std::chrono::seconds(5));
  if (!opened.ok()) {
    Log({{"level", "error"}, {"msg", "alerts off: " + opened.status().message()}});
    return;
  }
  queue::Queue& q = **opened;
  int64_t cursor = 0;
  std::map<int64_t, int> failures;  // event -> failed sends
  while (!stopping) {
    Result<std::vector<queue::Event>> events = q.EventsAfter(cursor, 200);
    std::map<std::string, std::string> webhooks;
    if (events.ok()) {
      for (const queue::Event& e : *events) {
        if (!IsAlertKind(e.kind)) {
          cursor = e.id;
          continue;
        }
        if (!webhooks.count(e.campaign)) {
          Result<std::optional<queue::Campaign>> c = q.FindCampaign(e.campaign);
          webhooks[e.campaign] = c.ok() && c->has_value() ? AlertWebhook((*c)->policy_json) : "";
        }
        const std::string& url = webhooks[e.campaign];
        Result<bool> claimed = url.empty() ? Result<bool>(false) : q.ClaimAlert(e.id, NowMs(clock));
        if (claimed.ok() && *claimed) {
          Status sent = SendAlert(url, e);
          if (!sent.ok()) {
            (void)q.UnclaimAlert(e.id);
            Log({{"level", "warn"},
                 {"msg", "alert not sent: " + sent.message()},
                 {"campaign", e.campaign},
                 {"event", e.id}});
            if (++failures[e.id] < 5) break;  // try this one again on the next pass
          } else {
            Log({{"level", "info"},
                 {"msg", "alert sent"},
                 {"campaign", e.campaign},
                 {"event", e.id},
                 {"kind", e.kind}});
          }
        }
        cursor = e.id;
      }
    }
    std::unique_lock lock(stop_mutex);
    stop_signal.wait_for(lock, std::chrono::seconds(1), [this] { return stopping.load(); });
  }
}

Server::Server(ServerOptions options, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}

Server::~Server() { Stop(); }

Result<int> Server::Start() {
  Impl& s = *impl_;
  ASSIGN_OR_RETURN(s.tokens, TokenStore::Open(s.options.store_url));
  s.http.new_task_queue = [threads = std::max(s.options.threads, 2)] {
    return new httplib::ThreadPool(threads);
  };
  s.http.set_payload_max_length(kMaxBody);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a second server on a taken
  // port would start and silently share it instead of saying the port is taken. TCP_NODELAY
  // (accepted sockets inherit it): httplib writes headers and body apart, and with Nagle's
  // algorithm a kept-alive connection's body would wait ~40 ms for the client's delayed ACK.
  s.http.set_tcp_nodelay(true);
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<void*>(&yes), sizeof(yes));
  });
  s.http.set_keep_alive_max_count(1000);
  s.http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request = RequestContext{std::chrono::steady_clock::now(), "", "", json::object()};
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.http.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", kSecurityPolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
  });
  s.http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string code = res.status == 413 ? "too-large" : res.status == 404 ? "not-found" : "bad-request";
    std::string message = res.status == 413   ? "the body is over 64 KiB"
                          : res.status == 404 ? "no such path: " + req.path
                                              : "bad request";
    WriteError(res, res.status, code, message);
    res.set_header("Content-Security-Policy", kSecurityPolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
  });
  s.http.set_exception_handler(
      [&s](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unexpected error";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        s.Log({{"level", "error"}, {"msg", "handler failed: " + what}, {"route", t_request.route}});
        WriteError(res, 500, "internal", "internal error (logged)");
      });
  s.http.set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request.start).count();
    std::string route = t_request.route.empty() ? "other" : t_request.route;
    s.metrics.CountRequest(route, res.status, seconds);
    json line = {{"level", res.status >= 500 ? "error" : "info"},
                 {"msg", "request"},
                 {"method", req.method},
                 {"path", req.path},
                 {"route", route},
                 {"status", res.status},
                 {"ms", std::round(seconds * 10000) / 10}};
    if (!t_request.who.empty()) line["by"] = t_request.who;
    for (const auto& [key, value] : t_request.fields.items()) line[key] = value;
    s.Log(line);
  });
  s.AddSessionRoutes();
  s.AddStream();
  s.AddRoutes();

  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(s.options.bind);
    if (s.port <= 0) return Status::IoError("cannot listen on " + s.options.bind);
  } else {
    if (!s.http.bind_to_port(s.options.bind, s.options.port))
      return Status::IoError("cannot listen on " + s.options.bind + ":" + std::to_string(s.options.port) +
                             " (is the port taken? --port 0 picks a free one)");
    s.port = s.options.port;
  }
  s.listener = std::thread([&s] { s.http.listen_after_bind(); });
  // Until it runs, httplib's stop() would not stop it: wait, so that Stop() always ends it.
  for (int i = 0; i < 5000 && !s.http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (s.options.send_alerts) s.alerter = std::thread([&s] { s.SendAlerts(); });
  s.Log({{"level", "info"}, {"msg", "listening"}, {"address", s.options.bind}, {"port", s.port}});
  return s.port;
}

void Server::Stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  s.stop_signal.notify_all();
  s.http.stop();
  if (s.listener.joinable()) s.listener.join();
  if (s.alerter.joinable()) s.alerter.join();
}

std::vector<ServedRoute> ServedRoutes() {
  std::vector<ServedRoute> out = {{"GET", "/api/v1/session", "viewer"},
                                  {"POST", "/api/v1/session", "none"},
                                  {"DELETE", "/api/v1/session", "viewer"},
                                  {"GET", "/api/v1/stream", "viewer"},
                                  {"GET", "/healthz", "none"},
                                  {"GET", "/metrics", "none"}};
  for (const Api::Route& r : Api::Routes())
    out.push_back({r.method, r.pattern, std::string(RoleName(r.role))});
  return out;
}

Result<bool> EnsureFirstToken(const std::string& store_url, const std::string& path, int64_t now) {
  ASSIGN_OR_RETURN(std::unique_ptr<TokenStore> tokens, TokenStore::Open(store_url));
  ASSIGN_OR_RETURN(bool empty, tokens->Empty());
  if (!empty) return false;
  Result<std::string> token = tokens->Create("initial", Role::kOperator, now);
  if (!token.ok() && token.status().code() == StatusCode::kConflict) return false;  // another process won
  if (!token.ok()) return token.status();
  std::error_code ec;
  fs::path file(path);
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    (void)tokens->Revoke("initial", now);
    return Status::IoError(path + ": cannot write the operator token: " + std::strerror(errno));
  }
  ::fchmod(fd, 0600);
  std::string text = *token + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) {
    (void)tokens->Revoke("initial", now);
    return Status::IoError(path + ": cannot write the operator token");
  }
  return true;
}

}  // namespace skein::server
