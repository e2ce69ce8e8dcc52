#pragma once
// Builds an Authenticator from TOML text the way the server will: the
// text handed to parse_identity_config, files beside it.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "fixtures.h"
#include "identity/authenticator.h"
#include "support/process.h"

namespace mandate::identity::testing {

using mandate::testing::TempDir;
using mandate::testing::write_file;

inline std::expected<IdentityConfig, std::string> parse_config_text(const std::string& toml_text,
                                                                    const std::filesystem::path& base_dir) {
  return parse_identity_config(toml_text, "mandate.toml", base_dir);
}

// A clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::chrono::system_clock::time_point> now =
      std::make_shared<std::chrono::system_clock::time_point>(std::chrono::system_clock::now());
  Clock clock() const {
    return [now = now] { return *now; };
  }
  void advance(std::chrono::seconds s) const { *now += s; }
};

inline Authenticator make_authenticator(const std::string& toml_text, const std::filesystem::path& base_dir,
                                        std::shared_ptr<JwksFetcher> fetcher, Clock clock = {}) {
  auto config = parse_config_text(toml_text, base_dir);
  EXPECT_TRUE(config.has_value()) << config.error();
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  return Authenticator(config ? std::move(*config) : IdentityConfig{}, std::move(fetcher), std::move(clock));
}

// A refusal reason must never quote the token, nor any of its three parts.
inline void expect_not_quoted(const std::string& reason, const std::string& token) {
  EXPECT_EQ(reason.find(token), std::string::npos) << reason;
  std::size_t start = 0;
  while (start < token.size()) {
    auto end = token.find('.', start);
    if (end == std::string::npos) end = token.size();
    if (end - start >= 8) {
      EXPECT_EQ(reason.find(token.substr(start, end - start)), std::string::npos) << reason;
    }
    start = end + 1;
  }
}

}  // namespace mandate::identity::testing
