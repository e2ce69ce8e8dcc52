#pragma once
// Cedar extension types `decimal` and `ipaddr`: parsing and their methods.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mandate::policy {

// Fixed point with four fractional digits, as Cedar defines it.
struct Decimal {
  std::int64_t scaled = 0;  // value * 10^4
  bool operator==(const Decimal&) const = default;
  auto operator<=>(const Decimal&) const = default;
};

// An address together with its prefix length; a plain address has the full
// prefix. Equality compares the address as written, not just the network.
struct IpAddr {
  bool v4 = true;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first four
  std::uint8_t prefix = 32;
  bool operator==(const IpAddr&) const = default;
  auto operator<=>(const IpAddr&) const = default;
};

// Milliseconds since the Unix epoch, UTC.
struct Datetime {
  std::int64_t ms = 0;
  bool operator==(const Datetime&) const = default;
  auto operator<=>(const Datetime&) const = default;
};

// A signed span in milliseconds.
struct Duration {
  std::int64_t ms = 0;
  bool operator==(const Duration&) const = default;
  auto operator<=>(const Duration&) const = default;
};

std::optional<Decimal> parse_decimal(std::string_view text);
// "YYYY-MM-DD", optionally "Thh:mm:ss" + optional ".SSS" + "Z" or "+hhmm"/"-hhmm".
std::optional<Datetime> parse_datetime(std::string_view text);
// "[-]<n>d<n>h<n>m<n>s<n>ms", units in that order, each optional, at least one.
std::optional<Duration> parse_duration(std::string_view text);
std::string to_string(const Datetime& d);
std::string to_string(const Duration& d);
std::optional<IpAddr> parse_ip(std::string_view text);
std::string to_string(const Decimal& d);
std::string to_string(const IpAddr& ip);

bool is_loopback(const IpAddr& ip);
bool is_multicast(const IpAddr& ip);
// True when every address of `inner` lies within `outer` (same family only).
bool is_in_range(const IpAddr& inner, const IpAddr& outer);

}  // namespace mandate::policy
