#include "policy/extensions.h"

#include <limits>
#include <vector>

namespace mandate::policy {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Dotted quad as Rust's Ipv4Addr accepts it: no leading zeros, octets <= 255.
std::optional<std::array<std::uint8_t, 4>> parse_v4(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  std::size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    std::size_t start = pos;
    int value = 0;
    while (pos < text.size() && is_digit(text[pos]) && pos - start < 3)
      value = value * 10 + (text[pos++] - '0');
    const std::size_t len = pos - start;
    if (len == 0 || value > 255 || (len > 1 && text[start] == '0')) return std::nullopt;
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value);
  }
  if (pos != text.size()) return std::nullopt;
  return out;
}

// Parses a run of colon-separated hex groups (with an optional trailing
// dotted quad when `allow_v4_tail`) into 16-bit words. Cedar rejects IPv6
// text with an embedded IPv4 tail (`::ffff:1.2.3.4`), so callers pass false;
// the branch is kept for a future lenient mode.
std::optional<std::vector<std::uint16_t>> parse_groups(std::string_view text, bool allow_v4_tail) {
  std::vector<std::uint16_t> words;
  if (text.empty()) return words;
  std::size_t pos = 0;
  while (true) {
    const std::size_t colon = text.find(':', pos);
    const std::string_view group =
        text.substr(pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos);
    if (colon == std::string_view::npos && allow_v4_tail && group.find('.') != std::string_view::npos) {
      const auto quad = parse_v4(group);
      if (!quad) return std::nullopt;
      words.push_back(static_cast<std::uint16_t>(((*quad)[0] << 8) | (*quad)[1]));
      words.push_back(static_cast<std::uint16_t>(((*quad)[2] << 8) | (*quad)[3]));
      return words;
    }
    if (group.empty() || group.size() > 4) return std::nullopt;
    unsigned value = 0;
    for (char c : group) {
      const int h = hex_value(c);
      if (h < 0) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(h);
    }
    words.push_back(static_cast<std::uint16_t>(value));
    if (colon == std::string_view::npos) return words;
    pos = colon + 1;
  }
}

std::optional<std::array<std::uint8_t, 16>> parse_v6(std::string_view text) {
  std::vector<std::uint16_t> words;
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    auto all = parse_groups(text, false);
    if (!all || all->size() != 8) return std::nullopt;
    words = *all;
  } else {
    auto head = parse_groups(text.substr(0, gap), false);
    auto tail = parse_groups(text.substr(gap + 2), false);
    if (!head || !tail || head->size() + tail->size() > 7) return std::nullopt;
    words = *head;
    words.resize(8 - tail->size(), 0);
    words.insert(words.end(), tail->begin(), tail->end());
  }
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(words[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(words[i] & 0xff);
  }
  return out;
}

// The address with host bits cleared (`fill` = 0) or set (`fill` = 1).
std::array<std::uint8_t, 16> bound(const IpAddr& ip, bool fill) {
  std::array<std::uint8_t, 16> out = ip.bytes;
  const int total = ip.v4 ? 32 : 128;
  for (int bit = ip.prefix; bit < total; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    auto& byte = out[static_cast<std::size_t>(bit / 8)];
    byte = static_cast<std::uint8_t>(fill ? (byte | mask) : (byte & ~mask));
  }
  return out;
}

IpAddr range(bool v4, std::array<std::uint8_t, 16> bytes, std::uint8_t prefix) {
  IpAddr r;
  r.v4 = v4;
  r.bytes = bytes;
  r.prefix = prefix;
  return r;
}

}  // namespace

std::optional<Decimal> parse_decimal(std::string_view text) {
  std::size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  // The scaled magnitude is accumulated unsigned so that INT64_MIN fits.
  std::uint64_t magnitude = 0;
  bool overflow = false;
  auto push_digit = [&](int digit) {
    overflow = overflow || __builtin_mul_overflow(magnitude, 10u, &magnitude) ||
               __builtin_add_overflow(magnitude, static_cast<std::uint64_t>(digit), &magnitude);
  };
  const std::size_t int_start = pos;
  while (pos < text.size() && is_digit(text[pos])) push_digit(text[pos++] - '0');
  if (pos == int_start || pos >= text.size() || text[pos] != '.') return std::nullopt;
  ++pos;
  const std::size_t frac_start = pos;
  while (pos < text.size() && is_digit(text[pos])) push_digit(text[pos++] - '0');
  const std::size_t frac_len = pos - frac_start;
  if (frac_len == 0 || frac_len > 4 || pos != text.size()) return std::nullopt;
  for (std::size_t i = frac_len; i < 4; ++i) push_digit(0);
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (overflow || magnitude > kMax + (negative ? 1 : 0)) return std::nullopt;
  if (!negative) return Decimal{static_cast<std::int64_t>(magnitude)};
  return Decimal{magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                       : -static_cast<std::int64_t>(magnitude)};
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads exactly `count` digits at `pos`.
std::optional<int> fixed_digits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(text[pos + i])) return std::nullopt;
    value = value * 10 + (text[pos + i] - '0');
  }
  pos += count;
  return value;
}

bool expect_char(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<Datetime> parse_datetime(std::string_view text) {
  std::size_t pos = 0;
  const auto year = fixed_digits(text, pos, 4);
  if (!year || !expect_char(text, pos, '-')) return std::nullopt;
  const auto month = fixed_digits(text, pos, 2);
  if (!month || !expect_char(text, pos, '-')) return std::nullopt;
  const auto day = fixed_digits(text, pos, 2);
  if (!day || *month < 1 || *month > 12 || *day < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int month_days = kDays[*month - 1] + (*month == 2 && leap_year(*year) ? 1 : 0);
  if (*day > month_days) return std::nullopt;
  std::int64_t ms =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86'400'000;
  if (pos == text.size()) return Datetime{ms};
  if (!expect_char(text, pos, 'T')) return std::nullopt;
  const auto hh = fixed_digits(text, pos, 2);
  if (!hh || !expect_char(text, pos, ':')) return std::nullopt;
  const auto mm = fixed_digits(text, pos, 2);
  if (!mm || !expect_char(text, pos, ':')) return std::nullopt;
  const auto ss = fixed_digits(text, pos, 2);
  if (!ss || *hh > 23 || *mm > 59 || *ss > 59) return std::nullopt;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const auto frac = fixed_digits(text, pos, 3);
    if (!frac) return std::nullopt;
    millis = *frac;
  }
  ms += ((*hh * 60 + *mm) * 60 + *ss) * 1000 + millis;
  if (pos < text.size() && text[pos] == 'Z')
    return pos + 1 == text.size() ? std::optional(Datetime{ms}) : std::nullopt;
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  const bool ahead = text[pos++] == '+';
  const auto off_h = fixed_digits(text, pos, 2);
  const auto off_m = fixed_digits(text, pos, 2);
  if (!off_h || !off_m || *off_h > 23 || *off_m > 59 || pos != text.size()) return std::nullopt;
  // Local time minus a positive offset gives UTC.
  const std::int64_t offset_ms = (static_cast<std::int64_t>(*off_h) * 60 + *off_m) * 60'000;
  return Datetime{ahead ? ms - offset_ms : ms + offset_ms};
}

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  static constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  std::size_t next_unit = 0;
  std::int64_t total = 0;
  bool any = false;
  while (pos < text.size()) {
    std::int64_t n = 0;
    const std::size_t start = pos;
    // A negative duration's numbers count down from zero, so that
    // "-9223372036854775808ms" (the least duration) parses, as in Cedar.
    while (pos < text.size() && is_digit(text[pos])) {
      const int digit = text[pos] - '0';
      if (__builtin_mul_overflow(n, 10, &n) ||
          (negative ? __builtin_sub_overflow(n, digit, &n) : __builtin_add_overflow(n, digit, &n)))
        return std::nullopt;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    std::string_view unit = text.substr(pos, text.substr(pos, 2) == "ms" ? 2 : 1);
    std::size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].first != unit) ++u;
    if (u == std::size(kUnits)) return std::nullopt;  // unknown or out of order
    pos += unit.size();
    next_unit = u + 1;
    std::int64_t part = 0;
    if (__builtin_mul_overflow(n, kUnits[u].second, &part)) return std::nullopt;
    if (__builtin_add_overflow(total, part, &total)) return std::nullopt;
    any = true;
  }
  if (!any) return std::nullopt;
  return Duration{total};
}

std::string to_string(const Datetime& d) { return std::to_string(d.ms) + "ms since epoch"; }
std::string to_string(const Duration& d) { return std::to_string(d.ms) + "ms"; }

std::optional<IpAddr> parse_ip(std::string_view text) {
  std::string_view addr = text;
  std::optional<int> prefix;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    const auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
    int p = 0;
    for (char c : digits) {
      if (!is_digit(c)) return std::nullopt;
      p = p * 10 + (c - '0');
    }
    prefix = p;
  }
  IpAddr ip;
  if (addr.find(':') == std::string_view::npos) {
    const auto quad = parse_v4(addr);
    if (!quad) return std::nullopt;
    ip.v4 = true;
    std::copy(quad->begin(), quad->end(), ip.bytes.begin());
  } else {
    const auto bytes = parse_v6(addr);
    if (!bytes) return std::nullopt;
    ip.v4 = false;
    ip.bytes = *bytes;
  }
  const int max_prefix = ip.v4 ? 32 : 128;
  if (prefix && *prefix > max_prefix) return std::nullopt;
  ip.prefix = static_cast<std::uint8_t>(prefix.value_or(max_prefix));
  return ip;
}

std::string to_string(const Decimal& d) {
  const bool negative = d.scaled < 0;
  const auto magnitude =
      negative ? 0 - static_cast<std::uint64_t>(d.scaled) : static_cast<std::uint64_t>(d.scaled);
  auto whole = static_cast<unsigned long long>(magnitude / 10000);
  auto frac = static_cast<unsigned>(magnitude % 10000);
  std::string digits = std::to_string(frac);
  digits.insert(0, 4 - digits.size(), '0');
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  return std::string(negative ? "-" : "") + std::to_string(whole) + "." + digits;
}

std::string to_string(const IpAddr& ip) {
  std::string out;
  if (ip.v4) {
    // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict
    // for `"." + std::to_string(...)`.
    for (std::size_t i = 0; i < 4; ++i) {
      if (i) out += '.';
      out += std::to_string(ip.bytes[i]);
    }
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < 16; i += 2) {
      if (i) out += ':';
      const unsigned word = (ip.bytes[i] << 8) | ip.bytes[i + 1];
      out += std::string{kHex[(word >> 12) & 15], kHex[(word >> 8) & 15], kHex[(word >> 4) & 15],
                         kHex[word & 15]};
    }
  }
  if (ip.prefix != (ip.v4 ? 32 : 128)) {
    out += '/';
    out += std::to_string(ip.prefix);
  }
  return out;
}

bool is_in_range(const IpAddr& inner, const IpAddr& outer) {
  if (inner.v4 != outer.v4) return false;
  return bound(outer, false) <= bound(inner, false) && bound(inner, true) <= bound(outer, true);
}

bool is_loopback(const IpAddr& ip) {
  if (ip.v4) return is_in_range(ip, range(true, {127}, 8));
  std::array<std::uint8_t, 16> one{};
  one[15] = 1;
  return is_in_range(ip, range(false, one, 128));
}

bool is_multicast(const IpAddr& ip) {
  if (ip.v4) return is_in_range(ip, range(true, {224}, 4));
  return is_in_range(ip, range(false, {0xff}, 8));
}

}  // namespace mandate::policy
