#include "server/tokens.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <cstdio>

namespace skein::server {
namespace {

constexpr auto kCacheFor = std::chrono::seconds(5);

std::string Hex(const unsigned char* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' && ch != '-') return false;
  }
  return true;
}

}  // namespace

Status TokenStore::InTransaction(bool read_only, const std::function<Status()>& body) {
  Status status = read_only ? session_->BeginRead() : session_->Begin();
  if (status.ok()) status = body();
  if (status.ok()) status = session_->Commit();
  if (!status.ok()) session_->Rollback();
  return status;
}

std::string_view RoleName(Role role) { return role == Role::kOperator ? "operator" : "viewer"; }

Result<Role> ParseRole(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "operator") return Role::kOperator;
  return Status::InvalidInput("unknown role '" + std::string(name) + "' (roles: viewer, operator)");
}

std::string RandomHex(int bytes) {
  std::vector<unsigned char> buffer(static_cast<size_t>(bytes));
  if (RAND_bytes(buffer.data(), bytes) != 1) std::abort();  // no entropy: nothing safe to hand out
  return Hex(buffer.data(), buffer.size());
}

Result<std::unique_ptr<TokenStore>> TokenStore::Open(std::string_view store_url) {
  ASSIGN_OR_RETURN(std::unique_ptr<queue::SqlSession> session, queue::OpenSession(store_url));
  return std::make_unique<TokenStore>(std::move(session));
}

TokenStore::TokenStore(std::unique_ptr<queue::SqlSession> session) : session_(std::move(session)) {}

Result<std::string> TokenStore::Create(std::string_view name, Role role, int64_t now) {
  if (!ValidName(name)) {
    return Status::InvalidInput("token name '" + std::string(name) +
                                "': use 1 to 64 letters, digits, '.', '_' or '-'");
  }
  std::string token = "skn_" + RandomHex(20);
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    ASSIGN_OR_RETURN(queue::Rows taken, session_->Query("SELECT 1 FROM api_tokens WHERE name = $1", {name}));
    if (!taken.empty()) return Status::Conflict("a token named '" + std::string(name) + "' exists");
    return session_
        ->Query(
            "INSERT INTO api_tokens (name, role, hash, created_ms, revoked_ms) VALUES ($1, $2, $3, $4, 0)",
            {name, RoleName(role), Sha256Hex(token), now})
        .status();
  }));
  return token;
}

Result<std::optional<TokenInfo>> TokenStore::Verify(std::string_view token) {
  if (!token.starts_with("skn_") || token.size() != 44) return std::optional<TokenInfo>();
  std::string hash = Sha256Hex(token);
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (auto it = cache_.find(hash); it != cache_.end() && now - it->second.at < kCacheFor)
    return it->second.info;
  std::optional<TokenInfo> info;
  RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    ASSIGN_OR_RETURN(queue::Rows rows,
                     session_->Query("SELECT name, role, created_ms FROM api_tokens WHERE hash = $1 AND "
                                     "revoked_ms = 0",
                                     {hash}));
    if (rows.empty()) return Status::Ok();
    TokenInfo t;
    t.name = rows.at(0, 0);
    ASSIGN_OR_RETURN(t.role, ParseRole(rows.at(0, 1)));
    t.created_ms = rows.Int(0, 2);
    info = t;
    return Status::Ok();
  }));
  if (cache_.size() > 1024) cache_.clear();
  cache_[hash] = Cached{info, now};
  return info;
}

Result<std::vector<TokenInfo>> TokenStore::List() {
  std::lock_guard lock(mutex_);
  std::vector<TokenInfo> out;
  RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    ASSIGN_OR_RETURN(
        queue::Rows rows,
        session_->Query("SELECT name, role, created_ms, revoked_ms FROM api_tokens ORDER BY name"));
    for (size_t r = 0; r < rows.size(); ++r) {
      TokenInfo t;
      t.name = rows.at(r, 0);
      ASSIGN_OR_RETURN(t.role, ParseRole(rows.at(r, 1)));
      t.created_ms = rows.Int(r, 2);
      t.revoked_ms = rows.Int(r, 3);
      out.push_back(t);
    }
    return Status::Ok();
  }));
  return out;
}

Status TokenStore::Revoke(std::string_view name, int64_t now) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    ASSIGN_OR_RETURN(queue::Rows rows,
                     session_->Query("UPDATE api_tokens SET revoked_ms = $2 WHERE name = $1 AND "
                                     "revoked_ms = 0 RETURNING name",
                                     {name, now}));
    if (rows.empty()) return Status::NotFound("no token named '" + std::string(name) + "' in force");
    return Status::Ok();
  }));
  cache_.clear();  // a revoked token stops working here at once; other processes within kCacheFor
  return Status::Ok();
}

Result<bool> TokenStore::Empty() {
  std::lock_guard lock(mutex_);
  bool empty = true;
  RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    ASSIGN_OR_RETURN(queue::Rows rows, session_->Query("SELECT COUNT(*) FROM api_tokens"));
    empty = rows.empty() || rows.Int(0, 0) == 0;
    return Status::Ok();
  }));
  return empty;
}

}  // namespace skein::server
