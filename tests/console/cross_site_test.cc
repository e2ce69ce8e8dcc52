// The cross-site checks on state-changing requests made with the session
// cookie, origins, and where a sign-in may return to.
#include "console/cross_site.h"

#include <gtest/gtest.h>

namespace mandate::console {
namespace {

TEST(Origin, IsSerializedAsBrowsersSendIt) {
  const std::pair<const char*, const char*> serialized[] = {
      {"https://mandate.example", "https://mandate.example"},
      {"https://Mandate.Example:443/base/", "https://mandate.example"},
      {"HTTP://127.0.0.1:80", "http://127.0.0.1"},
      {"https://127.0.0.1:8443", "https://127.0.0.1:8443"},
      {"https://[::1]:8443/x", "https://[::1]:8443"},
      {"https://[::1]", "https://[::1]"},
  };
  for (const auto& [url, origin] : serialized) EXPECT_EQ(origin_of(url), origin) << url;
  for (const char* url : {"ftp://mandate.example", "mandate.example", "https://user@mandate.example", "https:///path"}) {
    EXPECT_FALSE(origin_of(url)) << url;
  }
}

TEST(Methods, OnlyGetHeadAndOptionsAreSafe) {
  for (const char* m : {"GET", "HEAD", "OPTIONS"}) EXPECT_TRUE(is_safe_method(m)) << m;
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH", "get"}) EXPECT_FALSE(is_safe_method(m)) << m;
}

class CrossSite : public ::testing::Test {
 protected:
  const std::string own = "https://mandate.example";
  const std::string token = "Xk1mP0aQ7q3mYw8eF5sD2gH9jK4lZ6cV0bN1mQ2wE3r";
  std::optional<std::string> refusal(RequestSignals s) { return cross_site_refusal(s, own, token); }
};

TEST_F(CrossSite, TheOwnOriginWithTheSessionsTokenPasses) {
  EXPECT_FALSE(refusal({own, "same-origin", token}));
  EXPECT_FALSE(refusal({std::nullopt, std::nullopt, token}));  // older browsers send neither header
}

TEST_F(CrossSite, AForeignOriginIsRefusedNamingIt) {
  const auto r = refusal({"https://evil.example", std::nullopt, token});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rfind("cross-site request refused: ", 0), 0u) << *r;
  EXPECT_NE(r->find("\"https://evil.example\""), std::string::npos) << *r;
  EXPECT_TRUE(refusal({"null", std::nullopt, token}));
  EXPECT_TRUE(refusal({"https://mandate.example.evil.example", std::nullopt, token}));
  EXPECT_TRUE(refusal({"http://mandate.example", std::nullopt, token}));  // another scheme is another origin
}

TEST_F(CrossSite, FetchMetadataOtherThanSameOriginIsRefused) {
  for (const char* site : {"cross-site", "same-site", "none"}) {
    const auto r = refusal({own, site, token});
    ASSERT_TRUE(r) << site;
    EXPECT_NE(r->find("Sec-Fetch-Site"), std::string::npos) << *r;
  }
}

TEST_F(CrossSite, AMissingOrWrongTokenIsRefusedWithoutQuotingIt) {
  const auto missing = refusal({own, "same-origin", std::nullopt});
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("no X-CSRF-Token"), std::string::npos) << *missing;
  std::string wrong = token;
  wrong.back() = wrong.back() == 'r' ? 's' : 'r';
  const auto r = refusal({own, "same-origin", wrong});
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("not this session's token"), std::string::npos) << *r;
  EXPECT_EQ(r->find(wrong), std::string::npos);
  EXPECT_EQ(r->find(token), std::string::npos);
  EXPECT_TRUE(refusal({own, "same-origin", ""}));
  EXPECT_TRUE(refusal({own, "same-origin", token + token}));
}

TEST(ReturnTo, OnlyPathsUnderTheConsoleAreFollowed) {
  EXPECT_EQ(safe_return_to("/console/tasks/t-1?tab=trace"), "/console/tasks/t-1?tab=trace");
  EXPECT_EQ(safe_return_to("/console/"), "/console/");
  for (const char* bad : {"https://evil.example/", "//evil.example/console/", "/console", "/v1/tasks",
                          "/console/\\\\evil.example", "/console/a b", "/console/\r\nSet-Cookie: x=1", "",
                          "javascript:alert(1)"}) {
    EXPECT_EQ(safe_return_to(std::string_view(bad)), "/console/") << bad;
  }
  EXPECT_EQ(safe_return_to(std::nullopt), "/console/");
  EXPECT_EQ(safe_return_to("/console/" + std::string(3000, 'a')), "/console/");
}

}  // namespace
}  // namespace mandate::console
