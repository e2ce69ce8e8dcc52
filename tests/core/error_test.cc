// The error vocabulary's two tables: every kind has a status and an exit
// code, a client reading a status gets back a kind that is answered and
// exits the same way, and no kind blames the caller for the environment.
#include "core/error.h"

#include <array>

#include <gtest/gtest.h>

namespace mandate {
namespace {

constexpr std::array kAllKinds = {ErrorKind::bad_input,  ErrorKind::unsupported_media_type, ErrorKind::unauthenticated,
                                  ErrorKind::forbidden,  ErrorKind::not_found,              ErrorKind::conflict,
                                  ErrorKind::check_failed, ErrorKind::io,                   ErrorKind::corruption,
                                  ErrorKind::internal};

TEST(ErrorVocabulary, EachKindHasItsStatus) {
  EXPECT_EQ(http_status(ErrorKind::bad_input), 400);
  EXPECT_EQ(http_status(ErrorKind::unauthenticated), 401);
  EXPECT_EQ(http_status(ErrorKind::forbidden), 403);
  EXPECT_EQ(http_status(ErrorKind::not_found), 404);
  EXPECT_EQ(http_status(ErrorKind::conflict), 409);
  EXPECT_EQ(http_status(ErrorKind::unsupported_media_type), 415);
  EXPECT_EQ(http_status(ErrorKind::check_failed), 422);
  EXPECT_EQ(http_status(ErrorKind::corruption), 500);
  EXPECT_EQ(http_status(ErrorKind::internal), 500);
  EXPECT_EQ(http_status(ErrorKind::io), 503);
}

TEST(ErrorVocabulary, AStatusReadBackIsAnsweredAndExitsAsTheKindThatMadeIt) {
  for (const ErrorKind kind : kAllKinds) {
    const ErrorKind read_back = kind_of_http_status(http_status(kind));
    EXPECT_EQ(http_status(read_back), http_status(kind)) << to_string(kind);
    EXPECT_EQ(exit_code(read_back), exit_code(kind)) << to_string(kind);
  }
  EXPECT_EQ(kind_of_http_status(418), ErrorKind::bad_input);  // any other 4xx is the request's fault
  EXPECT_EQ(kind_of_http_status(502), ErrorKind::io);         // a proxy in the way: the environment
}

TEST(ErrorVocabulary, TheCallersFaultsExit2AndTheEnvironments3) {
  for (const ErrorKind kind : kAllKinds) {
    const int status = http_status(kind);
    const int code = exit_code(kind);
    if (kind == ErrorKind::check_failed) {
      EXPECT_EQ(code, kExitCheckFailed);
    } else if (status < 500) {
      EXPECT_EQ(code, kExitBadInput) << to_string(kind);
    } else {
      EXPECT_EQ(code, kExitEnvironment) << to_string(kind);
    }
  }
}

TEST(ErrorVocabulary, EveryKindHasAName) {
  for (const ErrorKind kind : kAllKinds) EXPECT_FALSE(to_string(kind).empty());
  EXPECT_EQ(to_string(ErrorKind::corruption), "corruption");
}

}  // namespace
}  // namespace mandate
