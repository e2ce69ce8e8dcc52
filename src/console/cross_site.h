#pragma once
// What keeps another site from acting through a signed-in browser: the
// checks on a state-changing request that came with the session cookie, and
// where a sign-in may send the browser back to. Pure functions of headers
// and configuration, so each refusal is tested on its own.
#include <optional>
#include <string>
#include <string_view>

namespace mandate::console {

// "scheme://host[:port]" of an http(s) URL as a browser serializes an
// origin (RFC 6454): scheme and host lower-cased, the default port left
// out. nullopt for anything else.
std::optional<std::string> origin_of(std::string_view url);

// GET, HEAD and OPTIONS change nothing (RFC 9110 §9.2.1); every other
// method made with the session cookie is checked.
bool is_safe_method(std::string_view method);

// What a state-changing request with the session cookie carried.
struct RequestSignals {
  std::optional<std::string_view> origin;          // Origin
  std::optional<std::string_view> fetch_site;      // Sec-Fetch-Site
  std::optional<std::string_view> csrf_token;      // X-CSRF-Token
};

// Why the request is refused as cross-site, or nullopt when it may go on:
// Sec-Fetch-Site, when sent, must be same-origin; Origin, when sent, must
// be `own_origin`; X-CSRF-Token must equal the session's token (compared in
// constant time). The reason names the header, never the token.
std::optional<std::string> cross_site_refusal(const RequestSignals& signals, std::string_view own_origin,
                                              std::string_view session_csrf_token);

inline constexpr std::string_view kConsoleRoot = "/console/";
// `asked` when it is a path under /console/ of this server (visible ASCII,
// no backslash, at most 2048 bytes), else /console/: a sign-in never sends
// the browser anywhere else (no open redirect).
std::string safe_return_to(std::optional<std::string_view> asked);

}  // namespace mandate::console
