// The console's cookies, attribute for attribute, and reading them back.
#include "console/cookies.h"

#include <gtest/gtest.h>


namespace mandate::console {
namespace {

using namespace std::chrono_literals;

TEST(Cookies, UnderHttpsTheyAreHostPrefixedSecureHttpOnlyAndSameSite) {
  const Cookies c = cookies_for(true);
  EXPECT_EQ(set_cookie(c.session, "abc", 8h),
            "__Host-mandate_session=abc; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Strict");
  EXPECT_EQ(set_cookie(c.login, "xyz", 10min),
            "__Host-mandate_login=xyz; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax");
  EXPECT_EQ(clear_cookie(c.session), "__Host-mandate_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
}

TEST(Cookies, WithoutHttpsTheyCannotBeSecure) {
  const Cookies c = cookies_for(false);
  EXPECT_EQ(set_cookie(c.session, "abc", 1h), "mandate_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict");
  EXPECT_EQ(c.login.name, "mandate_login");
}

TEST(Cookies, AreReadFromTheCookieHeader) {
  const std::string header = "theme=dark; __Host-mandate_session=s3ss10n;mandate_login=\"l0g1n\" ; empty=";
  EXPECT_EQ(cookie_value(header, "__Host-mandate_session"), "s3ss10n");
  EXPECT_EQ(cookie_value(header, "mandate_login"), "l0g1n");
  EXPECT_EQ(cookie_value(header, "empty"), "");
  EXPECT_FALSE(cookie_value(header, "mandate_session"));  // not a suffix match
  EXPECT_FALSE(cookie_value("", "x"));
  EXPECT_FALSE(cookie_value("novalue", "novalue"));
}

}  // namespace
}  // namespace mandate::console
