#include "console/sessions.h"

#include "core/error.h"
#include "crypto/constant_time.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"

namespace mandate::console {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kSecretLength = 43;  // base64url of 32 bytes, no padding
constexpr std::chrono::minutes kSweepInterval{1};

// The map key for a secret. The lookup compares hashes, so its timing says
// nothing an attacker can use about the secret itself.
std::string key_of(std::string_view secret) {
  const auto hash = crypto::sha256(secret);
  return std::string(hash.begin(), hash.end());
}

}  // namespace

std::string random_secret() {
  const auto bytes = crypto::random_bytes(kSecretBytes);
  return encoding::base64url_encode(bytes);
}

bool looks_like_secret(std::string_view text) {
  if (text.size() != kSecretLength) return false;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

SessionStore::SessionStore(std::chrono::seconds ttl, std::chrono::seconds idle_timeout, Clock clock)
    : ttl_(ttl), idle_timeout_(idle_timeout), clock_(std::move(clock)) {}

bool SessionStore::live(const Session& session, TimePoint now) const {
  return now < session.expires_at && now - session.last_used < idle_timeout_;
}

// Expired sessions and logins are dropped at most once a minute, on the way
// through, so the maps hold what is live plus at most a minute's leftovers.
void SessionStore::sweep_locked(TimePoint now) {
  if (now - last_sweep_ < kSweepInterval) return;
  last_sweep_ = now;
  std::erase_if(sessions_, [&](const auto& item) { return !live(item.second, now); });
  std::erase_if(logins_, [&](const auto& item) { return now >= item.second.login.expires_at; });
}

SessionStore::Opened SessionStore::open(const SignedIn& who) {
  const TimePoint now = clock_();
  Opened out;
  out.id = random_secret();
  out.session.who = who;
  out.session.csrf_token = random_secret();
  out.session.created_at = now;
  out.session.expires_at = now + ttl_;
  out.session.last_used = now;
  std::lock_guard lock(mu_);
  sweep_locked(now);
  sessions_[key_of(out.id)] = out.session;
  return out;
}

std::optional<Session> SessionStore::find(std::string_view id) {
  if (!looks_like_secret(id)) return std::nullopt;
  const TimePoint now = clock_();
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(key_of(id));
  if (it == sessions_.end()) return std::nullopt;
  if (!live(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

bool SessionStore::alive(std::string_view id) {
  if (!looks_like_secret(id)) return false;
  const TimePoint now = clock_();
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(key_of(id));
  return it != sessions_.end() && live(it->second, now);
}

bool SessionStore::close(std::string_view id) {
  if (!looks_like_secret(id)) return false;
  std::lock_guard lock(mu_);
  return sessions_.erase(key_of(id)) > 0;
}

std::size_t SessionStore::open_sessions() {
  std::lock_guard lock(mu_);
  sweep_locked(clock_());
  return sessions_.size();
}

SessionStore::LoginStarted SessionStore::begin_login(std::string return_to,
                                                     std::optional<std::string_view> browser_cookie) {
  const TimePoint now = clock_();
  LoginStarted out;
  out.state = random_secret();
  out.browser_cookie = browser_cookie && looks_like_secret(*browser_cookie) ? std::string(*browser_cookie) : random_secret();
  out.login.code_verifier = random_secret();
  out.login.nonce = random_secret();
  out.login.return_to = std::move(return_to);
  out.login.expires_at = now + kLoginLifetime;
  std::lock_guard lock(mu_);
  sweep_locked(now);
  // Anyone may start a sign-in: the bound keeps a flood of them from
  // filling memory. Each ends by itself within kLoginLifetime.
  if (logins_.size() >= kMaxPendingLogins) {
    fail(ErrorKind::io, "too many sign-ins are under way; try again in a few minutes");
  }
  logins_[key_of(out.state)] = {out.login, key_of(out.browser_cookie)};
  return out;
}

std::expected<PendingLogin, std::string> SessionStore::take_login(std::string_view state,
                                                                  std::optional<std::string_view> browser_cookie) {
  if (!looks_like_secret(state)) return std::unexpected("the state parameter is missing or malformed");
  const TimePoint now = clock_();
  std::lock_guard lock(mu_);
  const auto it = logins_.find(key_of(state));
  if (it == logins_.end()) {
    return std::unexpected("the state names no sign-in under way (already used, expired, or begun elsewhere)");
  }
  const StoredLogin stored = std::move(it->second);
  logins_.erase(it);
  if (now >= stored.login.expires_at) return std::unexpected("the sign-in took longer than 10 minutes; start again");
  if (!browser_cookie || !looks_like_secret(*browser_cookie)) {
    return std::unexpected("this browser holds no login cookie: the sign-in was not started here");
  }
  if (!crypto::equal_in_constant_time(key_of(*browser_cookie), stored.browser_hash)) {
    return std::unexpected("the login cookie is not the one this sign-in was started with");
  }
  return stored.login;
}

}  // namespace mandate::console
