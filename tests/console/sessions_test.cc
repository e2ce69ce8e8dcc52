// Sessions and sign-ins under way: lifetimes, idle ends, one-time states
// and the login cookie that binds a sign-in to the browser that began it.
#include "console/sessions.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace mandate::console {
namespace {

using namespace std::chrono_literals;

class Sessions : public ::testing::Test {
 protected:
  TimePoint now = std::chrono::system_clock::time_point(std::chrono::hours(500'000));
  SessionStore store{8h, 1h, [this] { return now; }};
  const SignedIn alice{"alice", "oidc:https://idp.example sub=00u1", "https://idp.example", "00u1"};
};

TEST_F(Sessions, AnOpenedSessionIsFoundByItsIdAndHoldsWhoSignedIn) {
  const auto opened = store.open(alice);
  EXPECT_TRUE(looks_like_secret(opened.id));
  EXPECT_TRUE(looks_like_secret(opened.session.csrf_token));
  EXPECT_NE(opened.id, opened.session.csrf_token);
  const auto found = store.find(opened.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->who.actor_id, "alice");
  EXPECT_EQ(found->who.authenticated_by, "oidc:https://idp.example sub=00u1");
  EXPECT_EQ(found->csrf_token, opened.session.csrf_token);
  EXPECT_EQ(found->expires_at, now + 8h);
  // Two sign-ins are two sessions, with their own ids and tokens.
  const auto again = store.open(alice);
  EXPECT_NE(again.id, opened.id);
  EXPECT_NE(again.session.csrf_token, opened.session.csrf_token);
  EXPECT_EQ(store.open_sessions(), 2u);
}

TEST_F(Sessions, UnknownAndMalformedIdsFindNothing) {
  const auto opened = store.open(alice);
  std::string other = opened.id;
  other[0] = other[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(store.find(other));
  EXPECT_FALSE(store.find(""));
  EXPECT_FALSE(store.find(opened.id + "x"));
  EXPECT_FALSE(store.find(opened.session.csrf_token));  // the CSRF token is no session id
}

TEST_F(Sessions, ASessionEndsAtItsLifetimeEvenWhenUsed) {
  const auto opened = store.open(alice);
  for (int i = 0; i < 15; ++i) {
    now += 30min;
    ASSERT_TRUE(store.find(opened.id)) << "after " << (i + 1) * 30 << " minutes";
  }
  now += 30min;  // 8 hours after sign-in
  EXPECT_FALSE(store.find(opened.id));
  EXPECT_EQ(store.open_sessions(), 0u);
}

TEST_F(Sessions, AnIdleSessionEnds) {
  const auto opened = store.open(alice);
  now += 59min;
  ASSERT_TRUE(store.find(opened.id));  // used: the idle clock starts again
  now += 59min;
  ASSERT_TRUE(store.find(opened.id));
  now += 1h;
  EXPECT_FALSE(store.find(opened.id));
}

TEST_F(Sessions, SignOutEndsTheSession) {
  const auto opened = store.open(alice);
  EXPECT_TRUE(store.close(opened.id));
  EXPECT_FALSE(store.find(opened.id));
  EXPECT_FALSE(store.close(opened.id));
}

TEST_F(Sessions, ExpiredSessionsAreSweptWithoutBeingAskedFor) {
  for (int i = 0; i < 5; ++i) store.open(alice);
  now += 2h;  // idle past the timeout, never looked up again
  EXPECT_EQ(store.open_sessions(), 0u);
}

TEST_F(Sessions, ALoginIsTakenOnceWithTheCookieOfTheBrowserThatBeganIt) {
  const auto started = store.begin_login("/console/tasks", std::nullopt);
  EXPECT_TRUE(looks_like_secret(started.state));
  EXPECT_TRUE(looks_like_secret(started.browser_cookie));
  EXPECT_TRUE(looks_like_secret(started.login.code_verifier));
  EXPECT_TRUE(looks_like_secret(started.login.nonce));
  const auto taken = store.take_login(started.state, started.browser_cookie);
  ASSERT_TRUE(taken) << taken.error();
  EXPECT_EQ(taken->return_to, "/console/tasks");
  EXPECT_EQ(taken->nonce, started.login.nonce);
  EXPECT_EQ(taken->code_verifier, started.login.code_verifier);
  const auto replayed = store.take_login(started.state, started.browser_cookie);
  ASSERT_FALSE(replayed);
  EXPECT_NE(replayed.error().find("no sign-in under way"), std::string::npos) << replayed.error();
}

TEST_F(Sessions, ALoginWithoutItsCookieOrWithAnotherIsRefusedAndSpent) {
  const auto started = store.begin_login("/console/", std::nullopt);
  const auto missing = store.take_login(started.state, std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("no login cookie"), std::string::npos) << missing.error();
  // The attempt spent the state: the right cookie comes too late.
  EXPECT_FALSE(store.take_login(started.state, started.browser_cookie));

  const auto second = store.begin_login("/console/", std::nullopt);
  const auto forged = store.take_login(second.state, random_secret());
  ASSERT_FALSE(forged);
  EXPECT_NE(forged.error().find("not the one this sign-in was started with"), std::string::npos) << forged.error();
}

TEST_F(Sessions, ALoginExpiresAfterTenMinutes) {
  const auto started = store.begin_login("/console/", std::nullopt);
  now += 10min;
  const auto late = store.take_login(started.state, started.browser_cookie);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().find("10 minutes"), std::string::npos) << late.error();
}

TEST_F(Sessions, TwoTabsSigningInAtOnceShareTheBrowsersLoginCookie) {
  const auto first = store.begin_login("/console/a", std::nullopt);
  const auto second = store.begin_login("/console/b", first.browser_cookie);
  EXPECT_EQ(second.browser_cookie, first.browser_cookie);
  EXPECT_TRUE(store.take_login(first.state, first.browser_cookie));
  EXPECT_TRUE(store.take_login(second.state, first.browser_cookie));
  // A malformed cookie is not reused.
  EXPECT_NE(store.begin_login("/console/", "short").browser_cookie, "short");
}

TEST_F(Sessions, MalformedStatesAreRefused) {
  EXPECT_FALSE(store.take_login("", random_secret()));
  EXPECT_FALSE(store.take_login("not-a-state", random_secret()));
}

TEST_F(Sessions, SignInsUnderWayAreBounded) {
  for (std::size_t i = 0; i < SessionStore::kMaxPendingLogins; ++i) store.begin_login("/console/", std::nullopt);
  try {
    store.begin_login("/console/", std::nullopt);
    FAIL() << "a sign-in beyond the bound was begun";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io);
  }
  now += 11min;  // they expire, and are swept on the next one
  EXPECT_NO_THROW(store.begin_login("/console/", std::nullopt));
}

}  // namespace
}  // namespace mandate::console
