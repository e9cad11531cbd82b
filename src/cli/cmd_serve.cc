// The portal's commands:
//
//   skein serve [--bind ADDR] [--port N] [--token-file PATH] [--worker-slots N] [--no-alerts]
//               [--manifests DIR] [--catalog PATH... | --backstage URL] [--catalog-every D] ...
//       the web dashboard, the REST API and /metrics, until SIGTERM or SIGINT; with a manifests
//       folder or a catalog source, also what `skein watch` does (but no jobs: workers run them).
//   skein token create NAME [--role viewer|operator];  skein token list [--json];
//   skein token revoke NAME
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "base/clock.h"
#include "cli/cli.h"
#include "server/server.h"
#include "server/tokens.h"

namespace skein {
namespace {

std::atomic<bool> g_serve_stop{false};
extern "C" void OnServeStop(int) { g_serve_stop = true; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct ServeOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string token_file = ".skein/operator-token";
  int worker_slots = 4;
  bool no_alerts = false;
  WatchFlags watch;
};

// Makes the first operator token when the store has none, and says where it is.
void FirstToken(const std::string& url, const std::string& file) {
  bool made = OrFail(server::EnsureFirstToken(url, file, NowMs()));
  if (made) {
    std::cerr << "skein: made the first operator token; it is in " << file
              << " (sign in with it; make more with skein token create)\n";
  }
}

std::string Url(const std::string& bind, int port) {
  std::string host = bind == "0.0.0.0" || bind == "::" ? "127.0.0.1" : bind;
  return "http://" + host + ":" + std::to_string(port) + "/";
}

void RunServe(const ServeOptions& options, const GlobalOptions& global) {
  if (options.port < 0 || options.port > 65535) Fail(Status::InvalidInput("--port must be 0..65535"));
  if (options.worker_slots < 1) Fail(Status::InvalidInput("--worker-slots must be at least 1"));
  watch::WatchOptions watch_options;
  std::chrono::milliseconds watch_tick{0};
  if (options.watch.configured()) {
    watch_options = WatchOptionsOrFail(options.watch);
    watch_options.send_alerts = !options.no_alerts;
    watch_tick = DurationOrFail(options.watch.tick, "--tick");
  }
  std::string url = StoreUrlFrom(global.store);
  { std::unique_ptr<Store> probe = OpenStoreOrFail(global); }  // fail fast, with the store's message
  FirstToken(url, options.token_file);
  server::ServerOptions s;
  s.store_url = url;
  s.bind = options.bind;
  s.port = options.port;
  s.worker_slots = options.worker_slots;
  s.send_alerts = !options.no_alerts;
  SystemClock clock;
  server::Server portal(s, clock);
  int port = OrFail(portal.Start());
  std::cerr << "skein: portal on " << Url(options.bind, port) << "\n";
  struct sigaction action = {};
  action.sa_handler = OnServeStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // Background mode alongside the portal, when configured: its own connections and thread.
  std::thread watching;
  std::unique_ptr<Store> watch_store;
  std::unique_ptr<queue::Queue> watch_queue;
  std::unique_ptr<watch::Watcher> watcher;
  if (options.watch.configured()) {
    watch_store = OpenStoreOrFail(global);
    watch_queue = OpenQueueOrFail(global);
    watcher = std::make_unique<watch::Watcher>(watch_options, *watch_store, *watch_queue, clock);
    std::cerr << "skein: watching (" << DescribeWatch(options.watch)
              << "); `skein worker` or `skein watch` runs the jobs\n";
    watching = std::thread([&] { (void)WatchUntil(*watcher, watch_tick, g_serve_stop, false, false); });
  }
  while (!g_serve_stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (watching.joinable()) watching.join();
  portal.Stop();
  std::cerr << "skein: portal stopped\n";
}

}  // namespace

std::shared_ptr<void> StartPortal(const GlobalOptions& global, const std::string& bind, int port) {
  std::string url = StoreUrlFrom(global.store);
  Result<bool> made = server::EnsureFirstToken(url, ".skein/operator-token", NowMs());
  if (!made.ok()) {
    std::cerr << "skein: no portal: " << made.status().message() << "\n";
    return nullptr;
  }
  if (*made) std::cerr << "skein: made the first operator token; it is in .skein/operator-token\n";
  static SystemClock clock;
  server::ServerOptions s;
  s.store_url = url;
  s.bind = bind;
  s.port = port;
  s.threads = 16;
  s.send_alerts = false;  // skein run's own follower sends them (each event once, claimed in the store)
  s.log = [](const std::string&) {};  // the run's terminal shows progress, not request logs
  auto portal = std::make_shared<server::Server>(s, clock);
  Result<int> started = portal->Start();
  if (!started.ok()) {
    std::cerr << "skein: no portal: " << started.status().message() << "\n";
    return nullptr;
  }
  std::cerr << "skein: dashboard on " << Url(bind, *started) << " (--no-ui turns it off)\n";
  return portal;
}

void AddServeCommands(CLI::App& app, GlobalOptions& global) {
  auto serve = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the web dashboard, the REST API and /metrics");
  cmd->add_option("--bind", serve->bind, "Address to listen on (default 127.0.0.1)");
  cmd->add_option("--port", serve->port, "Port (default 8080; 0 picks a free one)");
  cmd->add_option("--token-file", serve->token_file,
                  "Where the first start writes the operator token (default .skein/operator-token)");
  cmd->add_option("--worker-slots", serve->worker_slots,
                  "Slots per worker, for skein_desired_workers (default 4; as skein worker --slots)");
  cmd->add_flag(
      "--no-alerts", serve->no_alerts,
      "Do not post alert webhooks from here (the campaigns' and, with a watch configured, its notices)");
  AddWatchFlags(cmd, serve->watch);
  cmd->callback([serve, &global] { RunServe(*serve, global); });

  CLI::App* token = app.add_subcommand("token", "Make, list and revoke the portal's API tokens");
  token->require_subcommand(1);
  auto create = std::make_shared<std::pair<std::string, std::string>>("", "viewer");
  CLI::App* sub = token->add_subcommand("create", "Make a token and print it (shown once; stored hashed)");
  sub->add_option("name", create->first, "A name for the token: who or what uses it")->required();
  sub->add_option("--role", create->second, "viewer (reads) or operator (also acts); default viewer");
  sub->callback([create, &global] {
    server::Role role = OrFail(server::ParseRole(create->second));
    std::unique_ptr<server::TokenStore> tokens = OrFail(server::TokenStore::Open(StoreUrlFrom(global.store)));
    std::cout << OrFail(tokens->Create(create->first, role, NowMs())) << "\n";
  });
  auto as_json = std::make_shared<bool>(false);
  sub =
      token->add_subcommand("list", "List the tokens (names and roles; the tokens themselves are not kept)");
  sub->add_flag("--json", *as_json, "Print JSON");
  sub->callback([as_json, &global] {
    std::unique_ptr<server::TokenStore> tokens = OrFail(server::TokenStore::Open(StoreUrlFrom(global.store)));
    std::vector<server::TokenInfo> list = OrFail(tokens->List());
    if (*as_json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& t : list) {
        out.push_back({{"name", t.name},
                       {"role", server::RoleName(t.role)},
                       {"created_ms", t.created_ms},
                       {"revoked_ms", t.revoked_ms}});
      }
      PrintJson(out);
      return;
    }
    if (list.empty()) std::cout << "No tokens yet: skein serve makes the first one.\n";
    for (const auto& t : list) {
      std::printf("%-24s %-9s %s\n", t.name.c_str(), std::string(server::RoleName(t.role)).c_str(),
                  t.revoked_ms > 0 ? "revoked" : "in force");
    }
  });
  auto revoke = std::make_shared<std::string>();
  sub = token->add_subcommand("revoke", "Revoke a token by name");
  sub->add_option("name", *revoke, "The token's name")->required();
  sub->callback([revoke, &global] {
    std::unique_ptr<server::TokenStore> tokens = OrFail(server::TokenStore::Open(StoreUrlFrom(global.store)));
    OrFail(tokens->Revoke(*revoke, NowMs()));
    std::cout << "revoked " << *revoke << "\n";
  });
}

}  // namespace skein
