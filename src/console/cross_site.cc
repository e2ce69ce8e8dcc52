#include "console/cross_site.h"

#include <algorithm>
#include <cctype>

#include "crypto/constant_time.h"

namespace mandate::console {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool visible_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Quoted in a refusal: a header's value, cut short and made printable.
std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (const char c : value.substr(0, 100)) out.push_back(c >= 0x20 && c < 0x7f && c != '"' ? c : '?');
  return out + (value.size() > 100 ? "…\"" : "\"");
}

}  // namespace

std::optional<std::string> origin_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos || !visible_ascii(authority)) {
    return std::nullopt;
  }
  std::string host = lower(authority);
  // The port follows the last ':' that is not inside an IPv6 literal.
  const auto bracket = host.rfind(']');
  const auto colon = host.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    const std::string port = host.substr(colon + 1);
    if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80") || port.empty()) host.erase(colon);
  }
  return scheme + "://" + host;
}

bool is_safe_method(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

std::optional<std::string> cross_site_refusal(const RequestSignals& signals, std::string_view own_origin,
                                              std::string_view session_csrf_token) {
  if (signals.fetch_site && *signals.fetch_site != "same-origin") {
    return "cross-site request refused: Sec-Fetch-Site is " + quoted(*signals.fetch_site) + ", not same-origin";
  }
  if (signals.origin && *signals.origin != own_origin) {
    return "cross-site request refused: Origin " + quoted(*signals.origin) + " is not this server's origin " +
           std::string(own_origin);
  }
  if (!signals.csrf_token) {
    return std::string("cross-site request refused: no X-CSRF-Token header (GET /console/session gives it)");
  }
  if (!crypto::equal_in_constant_time(*signals.csrf_token, session_csrf_token)) {
    return std::string("cross-site request refused: the X-CSRF-Token header is not this session's token");
  }
  return std::nullopt;
}

std::string safe_return_to(std::optional<std::string_view> asked) {
  constexpr std::size_t kMaxLength = 2048;
  if (!asked || !asked->starts_with(kConsoleRoot) || asked->size() > kMaxLength || !visible_ascii(*asked) ||
      asked->find('\\') != std::string_view::npos) {
    return std::string(kConsoleRoot);
  }
  return std::string(*asked);
}

}  // namespace mandate::console
