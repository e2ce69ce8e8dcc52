#pragma once
// The console's server-side state: signed-in sessions, and sign-ins under
// way (the authorization code flow between /console/login and
// /console/callback). In memory only: a restart signs everyone out, which
// is the safe direction to fail in. Thread-safe.
//
// Secrets are stored as their SHA-256 only: a session id or a login cookie
// is a 256-bit random value the browser holds; this store keeps its hash,
// so a memory dump of the server yields no usable cookie.
#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mandate::console {

using Clock = std::function<std::chrono::system_clock::time_point()>;
using TimePoint = std::chrono::system_clock::time_point;

// Who a session is: the human an ID token proved, as the ledger records it.
struct SignedIn {
  std::string actor_id;
  std::string authenticated_by;  // "oidc:<issuer> sub=<subject>", as for a bearer ID token
  std::string issuer;
  std::string subject;
};

struct Session {
  SignedIn who;
  // Sent to the page by GET /console/session, echoed in X-CSRF-Token on
  // every state-changing call: a page of another site cannot read it.
  std::string csrf_token;
  TimePoint created_at{};
  TimePoint expires_at{};  // created_at + session_ttl; the idle timeout may end it sooner
  TimePoint last_used{};
};

// What /console/login keeps until the provider sends the browser back.
struct PendingLogin {
  std::string code_verifier;  // PKCE (RFC 7636): proves the code is redeemed by whoever started
  std::string nonce;          // must come back in the ID token
  std::string return_to;      // a path under /console/
  TimePoint expires_at{};
};

class SessionStore {
 public:
  SessionStore(std::chrono::seconds ttl, std::chrono::seconds idle_timeout,
               Clock clock = [] { return std::chrono::system_clock::now(); });

  struct Opened {
    std::string id;  // the cookie value: the one copy, never stored
    Session session;
  };
  Opened open(const SignedIn& who);
  // The live session with this id, its idle timer restarted; nullopt when
  // unknown, past its lifetime, idle too long, or closed.
  std::optional<Session> find(std::string_view id);
  // Whether the session is still live, without counting this as a use: a
  // page left open with a live stream still goes idle.
  bool alive(std::string_view id);
  // Ends the session (sign-out); false when there was none.
  bool close(std::string_view id);
  std::size_t open_sessions();

  struct LoginStarted {
    std::string state;           // the OAuth state parameter (secret until used)
    std::string browser_cookie;  // binds the login to this browser (login CSRF)
    PendingLogin login;
  };
  // Starts a sign-in. `browser_cookie` is the login cookie the browser
  // already holds, reused so two tabs signing in at once both succeed; a
  // new one is made when it has none (or a malformed one). Error{io} when
  // too many sign-ins are under way.
  LoginStarted begin_login(std::string return_to, std::optional<std::string_view> browser_cookie);
  // The pending login for `state`, removed whether or not it is returned (a
  // state is good for one attempt). Refused, saying why, when the state is
  // unknown or expired, or the browser's login cookie is missing or not the
  // one the login was started with.
  std::expected<PendingLogin, std::string> take_login(std::string_view state,
                                                      std::optional<std::string_view> browser_cookie);

  static constexpr std::chrono::minutes kLoginLifetime{10};
  static constexpr std::size_t kMaxPendingLogins = 10'000;

 private:
  struct StoredLogin {
    PendingLogin login;
    std::string browser_hash;
  };
  void sweep_locked(TimePoint now);
  bool live(const Session& session, TimePoint now) const;

  const std::chrono::seconds ttl_;
  const std::chrono::seconds idle_timeout_;
  const Clock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;     // by SHA-256 of the id
  std::unordered_map<std::string, StoredLogin> logins_;   // by SHA-256 of the state
  TimePoint last_sweep_{};
};

// 256 random bits, base64url without padding (43 characters).
std::string random_secret();
// Whether `text` has the shape random_secret() makes.
bool looks_like_secret(std::string_view text);

}  // namespace mandate::console
