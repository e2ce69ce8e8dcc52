#include "core/time.h"

#include <cstdint>

namespace mandate::core {
namespace {

void append_digits(std::string& out, std::int64_t value, int width) {
  // Written backwards into a fixed buffer: 19 digits hold any int64.
  char buffer[20];
  int n = 0;
  do {
    buffer[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int pad = n; pad < width; ++pad) out.push_back('0');
  while (n > 0) out.push_back(buffer[--n]);
}

// Reads exactly `count` ASCII digits at `pos`; no sign, no spaces, which is
// what keeps the parser strict where std::from_chars or sscanf would not be.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool expect(std::string_view text, std::size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

}  // namespace

std::string format_timestamp(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> clock{t - day};

  std::string out;
  out.reserve(27);
  auto year = static_cast<std::int64_t>(static_cast<int>(ymd.year()));
  if (year < 0) {
    out.push_back('-');
    year = -year;
  }
  append_digits(out, year, 4);
  out.push_back('-');
  append_digits(out, static_cast<unsigned>(ymd.month()), 2);
  out.push_back('-');
  append_digits(out, static_cast<unsigned>(ymd.day()), 2);
  out.push_back('T');
  append_digits(out, clock.hours().count(), 2);
  out.push_back(':');
  append_digits(out, clock.minutes().count(), 2);
  out.push_back(':');
  append_digits(out, clock.seconds().count(), 2);
  out.push_back('.');
  append_digits(out, clock.subseconds().count(), 6);
  out.push_back('Z');
  return out;
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  // Layout: YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z
  const auto y = read_digits(text, 0, 4);
  const auto mo = read_digits(text, 5, 2);
  const auto d = read_digits(text, 8, 2);
  const auto h = read_digits(text, 11, 2);
  const auto mi = read_digits(text, 14, 2);
  const auto s = read_digits(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  if (!expect(text, 4, '-') || !expect(text, 7, '-') || !expect(text, 10, 'T') ||
      !expect(text, 13, ':') || !expect(text, 16, ':')) {
    return std::nullopt;
  }

  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (expect(text, pos, '.')) {
    ++pos;
    std::size_t count = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++count > 6) return std::nullopt;
      micros = micros * 10 + (text[pos] - '0');
      ++pos;
    }
    if (count == 0) return std::nullopt;
    for (; count < 6; ++count) micros *= 10;
  }
  if (!expect(text, pos, 'Z') || pos + 1 != text.size()) return std::nullopt;

  if (*h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                           day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;

  return Timestamp{sys_days{ymd}} + hours{*h} + minutes{*mi} + seconds{*s} +
         microseconds{micros};
}

}  // namespace mandate::core
