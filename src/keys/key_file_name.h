#pragma once
// The name of a key file: `<yyyymmddThhmmssZ>-<seq>-<kid>.pem`.
//
// The name carries what the keyring needs before it opens the file: when the
// key was made (UTC, whole seconds), its place in creation order, and its kid.
// Creation order is the sequence number, not the time: clocks step backwards,
// counters do not. Each field has exactly one spelling, so a name round-trips.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mandate::keys {

struct KeyFileName {
  std::chrono::sys_seconds created;
  std::uint64_t sequence = 0;  // 1 for the first key; zero-padded to 6 digits in the name
  std::string kid;

  std::string to_string() const;
  // nullopt for anything that is not exactly what to_string() writes.
  static std::optional<KeyFileName> parse(std::string_view file_name);

  friend bool operator==(const KeyFileName&, const KeyFileName&) = default;
};

}  // namespace mandate::keys
