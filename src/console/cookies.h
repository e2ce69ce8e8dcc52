#pragma once
// The console's two cookies and how they are read and written (RFC 6265).
//
// Behind https (the public URL's scheme), they carry the __Host- prefix:
// the browser then accepts them only with Secure, Path=/ and no Domain, so
// neither a sibling subdomain nor a plain-http page can plant or overwrite
// one. Without https (a test, or a laptop), the prefix cannot be used.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mandate::console {

enum class SameSite { strict, lax };

struct CookieSpec {
  std::string name;
  SameSite same_site = SameSite::strict;
  bool secure = true;
};

struct Cookies {
  // The session: SameSite=Strict, so no other site's page, link or form
  // ever makes the browser send it.
  CookieSpec session;
  // A sign-in under way: SameSite=Lax, because the provider sends the
  // browser back with a top-level navigation from its own site, which a
  // Strict cookie would not accompany.
  CookieSpec login;
};
Cookies cookies_for(bool https);

// The value of cookie `name` in a Cookie request header, or nullopt.
std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name);

// A Set-Cookie value: HttpOnly, Path=/, Max-Age, SameSite, Secure when the spec says.
std::string set_cookie(const CookieSpec& spec, std::string_view value, std::chrono::seconds max_age);
// The Set-Cookie value that makes the browser forget the cookie.
std::string clear_cookie(const CookieSpec& spec);

}  // namespace mandate::console
