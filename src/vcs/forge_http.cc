// HTTP plumbing shared by the GitHub and GitLab forges (see forge_http.h).
#include "vcs/forge_http.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "base/text.h"

namespace skein::vcs::internal {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kConnectTimeoutSeconds = 10;
constexpr int kReadTimeoutSeconds = 60;

std::optional<long long> ParseInteger(std::string_view text) {
  text = Trim(text);
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// What the forge said about waiting, when an answer is a rate-limit refusal.
struct RateLimitAnswer {
  bool limited = false;
  std::optional<milliseconds> hint;  // how long the forge asked to wait
};

RateLimitAnswer ClassifyRateLimit(const httplib::Response& response, Clock::time_point now) {
  RateLimitAnswer answer;
  bool has_retry_after = response.has_header("Retry-After");
  bool exhausted = response.get_header_value("x-ratelimit-remaining") == "0" ||
                   response.get_header_value("RateLimit-Remaining") == "0";
  bool says_rate_limit = ToLower(response.body).find("rate limit") != std::string::npos;
  if (response.status == 429) answer.limited = true;
  if (response.status == 403 && (has_retry_after || exhausted || says_rate_limit)) answer.limited = true;
  if (!answer.limited) return answer;

  if (auto retry_after = ParseInteger(response.get_header_value("Retry-After"))) {
    answer.hint = seconds(std::max(0LL, *retry_after));
    return answer;
  }
  // GitHub's x-ratelimit-reset and GitLab's RateLimit-Reset are both epoch seconds.
  for (const char* header : {"x-ratelimit-reset", "RateLimit-Reset"}) {
    if (auto reset = ParseInteger(response.get_header_value(header))) {
      auto until = Clock::time_point(seconds(*reset)) - now;
      answer.hint = std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(until));
      return answer;
    }
  }
  return answer;
}

std::string DescribeSeconds(milliseconds wait) { return std::to_string((wait.count() + 999) / 1000) + "s"; }

// The forge's own explanation: GitHub and GitLab put it in "message" (GitLab sometimes "error").
std::string ForgeMessage(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    for (const char* key : {"message", "error"}) {
      auto it = parsed.find(key);
      if (it == parsed.end()) continue;
      std::string text = it->is_string() ? it->get<std::string>() : it->dump();
      if (auto errors = parsed.find("errors"); errors != parsed.end()) text += " " + errors->dump();
      return text.substr(0, 300);
    }
  }
  return body.substr(0, 200);
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string JsonString(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return "";
}

Result<std::pair<std::string, std::string>> SplitApiUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos || (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0))
    return Status::InvalidInput("API URL '" + url + "' is not an http:// or https:// URL");
  size_t slash = url.find('/', scheme + 3);
  std::string host = url.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (host.size() <= scheme + 3) return Status::InvalidInput("API URL '" + url + "' names no host");
  return std::make_pair(host, prefix);
}

ForgeHttp::ForgeHttp(ForgeHttpOptions options, Clock& clock) : options_(std::move(options)), clock_(clock) {
  Result<std::pair<std::string, std::string>> split = SplitApiUrl(options_.api_url);
  if (!split.ok()) {
    init_status_ = split.status().WithContext(options_.forge);
    return;
  }
  scheme_host_port_ = split->first;
  prefix_ = split->second;
  client_ = std::make_unique<httplib::Client>(scheme_host_port_);
  client_->set_connection_timeout(kConnectTimeoutSeconds, 0);
  client_->set_read_timeout(kReadTimeoutSeconds, 0);
  // A redirect could carry the token to another host; the API URL must be the final one.
  client_->set_follow_location(false);
  // Paths arrive percent-encoded (GitLab's "group%2Fproject"); encoding them again would break them.
  client_->set_url_encode(false);
}

std::string ForgeHttp::Redact(std::string text) const {
  if (options_.token.empty()) return text;
  for (size_t at = text.find(options_.token); at != std::string::npos; at = text.find(options_.token, at))
    text.replace(at, options_.token.size(), "***");
  return text;
}

Result<ForgeResponse> ForgeHttp::Send(const std::string& method, const std::string& path, const json& body) {
  return SendToHost(method, prefix_ + path, body);
}

Result<ForgeResponse> ForgeHttp::SendToHost(const std::string& method, const std::string& host_path,
                                            const json& body) {
  if (!init_status_.ok()) return init_status_;
  std::string what = options_.forge + ": " + method + " " + scheme_host_port_ + host_path;
  httplib::Request request;
  request.method = method;
  request.path = host_path;
  request.headers = options_.headers;
  if (!body.is_null()) {
    request.body = body.dump();
    request.set_header("Content-Type", "application/json");
  }
  const RateLimitPolicy& limits = options_.limits;
  for (int attempt = 0;; ++attempt) {
    httplib::Result result = client_->send(request);
    if (!result) {
      return Status::Unavailable(
          Redact(what + ": cannot reach the API: " + httplib::to_string(result.error())));
    }
    const httplib::Response& response = *result;
    if (response.status >= 200 && response.status < 300) {
      ForgeResponse out;
      out.status = response.status;
      if (!response.body.empty()) out.json = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
      if (out.json.is_discarded()) return Status::Unavailable(what + ": the answer is not JSON");
      return out;
    }
    RateLimitAnswer limit = ClassifyRateLimit(response, clock_.Now());
    if (!limit.limited) {
      std::string status = "HTTP " + std::to_string(response.status);
      std::string said = Redact(ForgeMessage(response.body));
      if (response.status == 401)
        return Status::InvalidInput(what + ": " + status + ": the token in $" + options_.token_env +
                                    " was rejected (expired or revoked?): " + said);
      if (response.status == 403)
        return Status::InvalidInput(what + ": " + status + ": the token in $" + options_.token_env +
                                    " may not do this (missing scope or permission): " + said);
      if (response.status == 404) return Status::NotFound(what + ": " + status + ": " + said);
      if (response.status == 400 || response.status == 422)
        return Status::InvalidInput(what + ": " + status + ": " + said);
      return Status::Unavailable(what + ": " + status + ": " + said);
    }
    milliseconds backoff = limit.hint ? seconds(1) * (1LL << std::min(attempt, 20))
                                      : seconds(60) * (1LL << std::min(attempt, 20));
    milliseconds wait = std::max(limit.hint.value_or(milliseconds(0)), backoff);
    milliseconds max_wait = std::chrono::duration_cast<milliseconds>(limits.max_wait);
    if (limit.hint && *limit.hint > max_wait) {
      return Status::Unavailable(what + ": rate limited (HTTP " + std::to_string(response.status) +
                                 "); the forge asked to wait " + DescribeSeconds(*limit.hint) +
                                 ", longer than the " + DescribeSeconds(max_wait) + " skein accepts");
    }
    if (attempt >= limits.max_retries) {
      return Status::Unavailable(what + ": still rate limited (HTTP " + std::to_string(response.status) +
                                 ") after " + std::to_string(attempt) + " retries; the forge asked to wait " +
                                 (limit.hint ? DescribeSeconds(*limit.hint) : std::string("(no hint)")));
    }
    clock_.SleepFor(std::min(wait, max_wait));
  }
}

}  // namespace skein::vcs::internal
