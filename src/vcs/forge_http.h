// vcs/forge_http.h (internal to vcs/): the HTTP plumbing GitHub and GitLab forges share — JSON
// requests against the configured API base URL, the auth header, and waiting out the forge's
// rate-limit answers through the Clock.
//
// Rate-limit answers: 429, or 403 carrying Retry-After, x-ratelimit-remaining: 0 or a "rate
// limit" message (GitHub's secondary limit). The wait is the forge's hint (Retry-After seconds,
// else x-ratelimit-reset / RateLimit-Reset epoch seconds minus now), at least an exponential
// backoff (1s, 2s, 4s, ...; 60s, 120s, ... when the forge gave no hint, as GitHub asks for its
// secondary limit). A hinted wait longer than policy.max_wait is not waited at all (retrying
// sooner only earns another refusal); an unhinted backoff is capped at max_wait. After
// policy.max_retries waits the call fails with Unavailable naming the forge and the wait asked.
//
// Only rate-limit answers are retried: a 5xx after a POST may have created the request, and
// OpenOrUpdate's find-first is what keeps a re-run from opening a second one.
//
// The token is sent only to the API base URL (redirects are not followed) and is scrubbed from
// every message this file builds.
//
// Thread-safety: not thread-safe; the forge that owns a ForgeHttp serializes its calls.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "vcs/forge.h"

namespace skein::vcs::internal {

struct ForgeResponse {
  int status = 0;
  nlohmann::json json;  // the parsed body; null when the body is empty or not JSON
};

struct ForgeHttpOptions {
  std::string forge;         // "github", "gitlab": the first word of every message
  std::string api_url;       // "https://api.github.com", "https://gitlab.example/api/v4"
  std::string token;         // never printed
  std::string token_env;     // named in messages instead of the token
  httplib::Headers headers;  // sent with every request (auth, Accept, User-Agent)
  RateLimitPolicy limits;
};

class ForgeHttp {
 public:
  ForgeHttp(ForgeHttpOptions options, Clock& clock);

  // Sends `method` to the API base URL + `path` (already percent-encoded, may carry a query),
  // with `body` as JSON unless it is null. 2xx: the answer. 404: NotFound. 401/403 that are no
  // rate limit: InvalidInput (the token or its permissions). 422/400: InvalidInput with the
  // forge's message. Other failures: Unavailable.
  Result<ForgeResponse> Send(const std::string& method, const std::string& path,
                             const nlohmann::json& body = nullptr);

  // `path` below the host, ignoring the API prefix ("/api/graphql" on GitHub Enterprise).
  Result<ForgeResponse> SendToHost(const std::string& method, const std::string& host_path,
                                   const nlohmann::json& body = nullptr);

  // The API base URL's path ("" for https://api.github.com, "/api/v4" for GitLab).
  const std::string& prefix() const { return prefix_; }
  const std::string& forge() const { return options_.forge; }
  // `text` with the token replaced by "***".
  std::string Redact(std::string text) const;

 private:
  ForgeHttpOptions options_;
  Clock& clock_;
  std::string scheme_host_port_;
  std::string prefix_;
  std::unique_ptr<httplib::Client> client_;
  Status init_status_;
};

// Percent-encodes everything but unreserved characters: "group/project" -> "group%2Fproject".
std::string PercentEncode(std::string_view text);

// The field `key` of `object` as a string ("" when missing or not a string; numbers as digits).
std::string JsonString(const nlohmann::json& object, const char* key);

// Splits "scheme://host:port/prefix" into its two parts; InvalidInput for anything else.
Result<std::pair<std::string, std::string>> SplitApiUrl(const std::string& url);

// The HTTP forges, for MakeForge: `config` is complete and validated, `token` read from its variable.
std::unique_ptr<Forge> MakeGitHubForge(const ForgeConfig& config, std::string token, Clock& clock);
std::unique_ptr<Forge> MakeGitLabForge(const ForgeConfig& config, std::string token, Clock& clock);

}  // namespace skein::vcs::internal
