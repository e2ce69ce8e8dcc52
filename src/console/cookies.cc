#include "console/cookies.h"

namespace mandate::console {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Cookies cookies_for(bool https) {
  const std::string prefix = https ? "__Host-" : "";
  return {{prefix + "mandate_session", SameSite::strict, https}, {prefix + "mandate_login", SameSite::lax, https}};
}

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    const std::string_view pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::string set_cookie(const CookieSpec& spec, std::string_view value, std::chrono::seconds max_age) {
  std::string out = spec.name + "=" + std::string(value) + "; Path=/; Max-Age=" + std::to_string(max_age.count()) +
                    "; HttpOnly";
  if (spec.secure) out += "; Secure";
  out += spec.same_site == SameSite::strict ? "; SameSite=Strict" : "; SameSite=Lax";
  return out;
}

std::string clear_cookie(const CookieSpec& spec) { return set_cookie(spec, "", std::chrono::seconds(0)); }

}  // namespace mandate::console
