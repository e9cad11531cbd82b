// The portal's tests: a real server on a free port over a fresh store (SQLite or PostgreSQL),
// a campaign with jobs in every interesting state, operator and viewer tokens, an HTTP client,
// and docs/openapi.yaml loaded so every answer is checked against what the document says.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "queue/queue.h"
#include "server/server.h"
#include "store/store.h"
#include "tests/store/store_test_databases.h"

namespace skein::testing {

// docs/openapi.yaml as JSON, and a check of an answer against the schema it gives for it.
class OpenApiDocument {
 public:
  static const OpenApiDocument& Get();
  const nlohmann::json& doc() const { return doc_; }
  // The operation for (method, OpenAPI path), or null.
  const nlohmann::json* Operation(const std::string& method, const std::string& path) const;
  // "" when `body` with `status` is what the document says `method path` answers; else why not.
  std::string Check(const std::string& method, const std::string& path, int status,
                    const nlohmann::json& body) const;

 private:
  std::string Validate(const nlohmann::json& schema, const nlohmann::json& value,
                       const std::string& where) const;
  nlohmann::json doc_;
};

struct Reply {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
  std::string text;
  httplib::Headers headers;
};

class PortalTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A request; `pattern` (the OpenAPI path) makes the answer checked against the document.
  Reply Call(const std::string& method, const std::string& path, const std::string& token,
             const std::optional<nlohmann::json>& body = std::nullopt, const std::string& pattern = "",
             const httplib::Headers& extra = {});
  // A request with a raw body and content type.
  Reply Raw(const std::string& method, const std::string& path, const std::string& token,
            const std::string& body, const std::string& content_type, const httplib::Headers& extra = {});
  queue::Job Job(int64_t id);
  queue::Campaign Campaign(const std::string& id);
  int64_t JobIdOf(const std::string& target);
  int64_t Now() const { return now_; }

  std::unique_ptr<StoreDatabase> db_;
  std::unique_ptr<queue::Queue> q_;
  SystemClock clock_;
  std::unique_ptr<server::Server> server_;
  int port_ = 0;
  std::string operator_token_;
  std::string viewer_token_;
  // The server's log lines so far (the server writes them from its threads).
  std::vector<std::string> Logs() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  int64_t now_ = 0;
};

}  // namespace skein::testing
