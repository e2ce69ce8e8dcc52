#pragma once
// The name of a key file: `<yyyymmddThhmmssZ>-<seq>-<kid>.pem`, or, for a
// staged key, `<yyyymmddThhmmssZ>-<seq>-<kid>.activates-<yyyymmddThhmmssZ>.pem`.
//
// A staged key's activation time is in its name, not in a sidecar file: one
// file is copied (or not) as a whole, so no server can hold the key without
// knowing when it may sign with it. A mandate binary older than staging
// refuses such a name like any stray file: it fails to start on that
// directory (and, reading keys only at start, a running one never sees it),
// rather than signing with a key the other servers do not have yet.
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
  // A staged key signs only from this time on; always later than `created`
  // (a key active at once has none, so each name has one spelling).
  std::optional<std::chrono::sys_seconds> activates;

  std::string to_string() const;
  // nullopt for anything that is not exactly what to_string() writes.
  static std::optional<KeyFileName> parse(std::string_view file_name);

  friend bool operator==(const KeyFileName&, const KeyFileName&) = default;
};

}  // namespace mandate::keys
