#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// Internal: bearer tokens that already verified, remembered until they
// expire, so a caller presenting the same token on every request (a resource
// server, a pipeline) pays one signature check, not one per request. Keyed
// by the token's SHA-256, so the cache holds no credential.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "identity/authenticator.h"

namespace mandate::identity {

class VerifiedTokens {
 public:
  explicit VerifiedTokens(std::size_t capacity = 16'384) : capacity_(capacity) {}

  std::optional<Identity> find(std::string_view token, std::chrono::system_clock::time_point now);
  // Remembers `identity` for `token` until `expires` (the token's own exp,
  // or sooner), never past `max_age` from now.
  void remember(std::string_view token, const Identity& identity, std::chrono::system_clock::time_point expires,
                std::chrono::system_clock::time_point now);

  static constexpr std::chrono::minutes kMaxAge{5};

 private:
  struct Entry {
    Identity identity;
    std::chrono::system_clock::time_point until;
  };
  std::size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mandate::identity
