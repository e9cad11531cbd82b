// The portal's API tokens: bearer tokens with a role (viewer reads, operator also acts), kept in
// the store as SHA-256 hashes only — a token is shown once, when it is made, and never stored.
// A token is "skn_" + 40 hex characters (160 random bits).
//
// Thread-safety: a TokenStore may be shared by threads (one session behind a mutex; a verified
// token is remembered for a few seconds so that a busy API does not ask the store each time).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash.h"
#include "base/status.h"
#include "queue/sql_session.h"

namespace skein::server {

enum class Role { kViewer, kOperator };
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);

struct TokenInfo {
  std::string name;
  Role role = Role::kViewer;
  int64_t created_ms = 0;
  int64_t revoked_ms = 0;  // 0: in force
};

class TokenStore {
 public:
  static Result<std::unique_ptr<TokenStore>> Open(std::string_view store_url);
  explicit TokenStore(std::unique_ptr<queue::SqlSession> session);

  // Makes a token named `name` (unique; letters, digits, '.', '_', '-'); returns its text.
  // Conflict when the name is taken.
  Result<std::string> Create(std::string_view name, Role role, int64_t now);
  // The token's owner when `token` is in force, else nullopt.
  Result<std::optional<TokenInfo>> Verify(std::string_view token);
  Result<std::vector<TokenInfo>> List();
  // Revokes by name; NotFound when there is none.
  Status Revoke(std::string_view name, int64_t now);
  // True when no token was ever made (the first start).
  Result<bool> Empty();

 private:
  struct Cached {
    std::optional<TokenInfo> info;
    std::chrono::steady_clock::time_point at;
  };
  // Runs `body` in one transaction (read-only or writing); the caller holds mutex_.
  Status InTransaction(bool read_only, const std::function<Status()>& body);

  std::mutex mutex_;
  std::unique_ptr<queue::SqlSession> session_;
  std::map<std::string, Cached> cache_;  // by hash
};

// skein::Sha256Hex (base/hash.h), here too for the callers of this namespace.
using ::skein::Sha256Hex;
// Hex of `bytes` random bytes (OpenSSL's generator).
std::string RandomHex(int bytes);

}  // namespace skein::server
