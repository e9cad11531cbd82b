// server/: the portal — skein's web server (cpp-httplib): the JSON API (api.h), the dashboard's
// assets compiled into the binary, live updates by server-sent events, /metrics in Prometheus'
// text format, the alert webhooks of every campaign, and one JSON log line per request.
//
// Security: binds 127.0.0.1 unless told otherwise. Every /api/v1 route needs a bearer token or a
// browser session (POST /api/v1/session trades a token for an HttpOnly, SameSite=Strict cookie);
// actions need the operator role; a browser session's POST and DELETE also need its CSRF token in
// X-CSRF-Token. Bodies over 64 KiB are refused (413); bodies must be JSON (415). Assets come from
// the binary, by exact name, so no request reaches the file system. Every response carries a
// Content-Security-Policy that forbids inline script; the dashboard writes user content as text.
//
// May call: fleet (rollback, alerts), queue, store, catalog, manifest, base.
// Thread-safety: Start() once; the server answers on its own threads until Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace skein::server {

struct ServerOptions {
  std::string store_url;
  std::string bind = "127.0.0.1";
  int port = 8080;          // 0: any free port (the chosen one is returned by Start)
  int worker_slots = 4;     // slots per worker, for skein_desired_workers (the KEDA figure)
  bool send_alerts = true;  // post the campaigns' alert webhooks (each event once, fleet-wide)
  std::chrono::milliseconds stream_poll{250};
  // A quiet stream sends a comment this often: proxies keep it open, and a closed tab is noticed
  // (its thread freed) at the second write after it went.
  std::chrono::milliseconds stream_ping{5000};
  int threads = 64;  // connections served at once (each open event stream holds one)
  // Where JSON log lines go (default: stderr).
  std::function<void(const std::string&)> log;
};

class Server {
 public:
  Server(ServerOptions options, Clock& clock);
  ~Server();

  // Binds and starts answering; the port it listens on. IoError when the port is taken.
  Result<int> Start();
  // Stops listening, ends open streams and background work, and returns when all are done.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct ServedRoute {
  std::string method;
  std::string pattern;  // OpenAPI template, e.g. /api/v1/jobs/{id}
  std::string role;     // "viewer", "operator" or "none" (open)
};
// Every route the server answers but the dashboard's files: what docs/openapi.yaml describes.
std::vector<ServedRoute> ServedRoutes();

// The first start: when the store has no token yet, makes an operator token named "initial" and
// writes it to `path` (mode 0600, its folder created). Returns true when it made one.
Result<bool> EnsureFirstToken(const std::string& store_url, const std::string& path, int64_t now);

}  // namespace skein::server
