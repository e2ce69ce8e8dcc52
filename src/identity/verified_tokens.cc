#include "identity/internal/verified_tokens.h"

#include <algorithm>

#include "crypto/sha256.h"

namespace mandate::identity {

namespace {
std::string key_of(std::string_view token) {
  const auto hash = crypto::sha256(token);
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}
}  // namespace

std::optional<Identity> VerifiedTokens::find(std::string_view token, std::chrono::system_clock::time_point now) {
  const std::string key = key_of(token);
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.until) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.identity;
}

void VerifiedTokens::remember(std::string_view token, const Identity& identity,
                              std::chrono::system_clock::time_point expires, std::chrono::system_clock::time_point now) {
  const auto until = std::min(expires, now + kMaxAge);
  if (until <= now) return;
  std::string key = key_of(token);
  std::lock_guard lock(mu_);
  // A flood of distinct valid tokens only costs the cache its contents.
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::move(key), Entry{identity, until});
}

}  // namespace mandate::identity
