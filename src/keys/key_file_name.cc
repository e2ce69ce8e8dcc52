#include "keys/key_file_name.h"

#include <charconv>

#include "keys/jwk.h"

namespace mandate::keys {
namespace {

constexpr std::string_view kSuffix = ".pem";
constexpr std::string_view kActivates = ".activates-";
constexpr std::size_t kTimeLength = 16;  // yyyymmddThhmmssZ
constexpr int kSequenceWidth = 6;

// Appends `value` in decimal, zero-padded to `width` digits.
void append_padded(std::string& out, std::uint64_t value, int width) {
  std::string digits = std::to_string(value);
  if (digits.size() < static_cast<std::size_t>(width)) {
    out.append(static_cast<std::size_t>(width) - digits.size(), '0');
  }
  out += digits;
}

std::optional<std::uint64_t> parse_digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string format_time(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss time{t - day};
  std::string out;
  append_padded(out, static_cast<std::uint64_t>(static_cast<int>(date.year())), 4);
  append_padded(out, static_cast<unsigned>(date.month()), 2);
  append_padded(out, static_cast<unsigned>(date.day()), 2);
  out += 'T';
  append_padded(out, static_cast<std::uint64_t>(time.hours().count()), 2);
  append_padded(out, static_cast<std::uint64_t>(time.minutes().count()), 2);
  append_padded(out, static_cast<std::uint64_t>(time.seconds().count()), 2);
  out += 'Z';
  return out;
}

std::optional<std::chrono::sys_seconds> parse_time(std::string_view text) {
  using namespace std::chrono;
  if (text.size() != kTimeLength || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 8 && i != 15 && (text[i] < '0' || text[i] > '9')) return std::nullopt;
  }
  const auto field = [&](std::size_t at, std::size_t len) { return *parse_digits(text.substr(at, len)); };
  const year_month_day date{year{static_cast<int>(field(0, 4))}, month{static_cast<unsigned>(field(4, 2))},
                            day{static_cast<unsigned>(field(6, 2))}};
  const auto h = field(9, 2), m = field(11, 2), s = field(13, 2);
  if (!date.ok() || h > 23 || m > 59 || s > 59) return std::nullopt;
  return sys_days{date} + hours{h} + minutes{m} + seconds{s};
}

}  // namespace

std::string KeyFileName::to_string() const {
  std::string out = format_time(created);
  out += '-';
  append_padded(out, sequence, kSequenceWidth);
  out += '-';
  out += kid;
  if (activates) {
    out += kActivates;
    out += format_time(*activates);
  }
  out += kSuffix;
  return out;
}

std::optional<KeyFileName> KeyFileName::parse(std::string_view file_name) {
  if (!file_name.ends_with(kSuffix)) return std::nullopt;
  std::string_view name = file_name.substr(0, file_name.size() - kSuffix.size());
  // A kid is base64url, which has no '.': the only '.' left starts the activation.
  std::optional<std::chrono::sys_seconds> activates;
  if (const auto dot = name.find('.'); dot != std::string_view::npos) {
    const std::string_view rest = name.substr(dot);
    if (!rest.starts_with(kActivates)) return std::nullopt;
    activates = parse_time(rest.substr(kActivates.size()));
    if (!activates) return std::nullopt;
    name = name.substr(0, dot);
  }

  const auto first_dash = name.find('-');
  if (first_dash == std::string_view::npos) return std::nullopt;
  const auto second_dash = name.find('-', first_dash + 1);
  if (second_dash == std::string_view::npos) return std::nullopt;
  // The kid itself may contain '-' (base64url), so it is everything after the second dash.
  const auto time_text = name.substr(0, first_dash);
  const auto sequence_text = name.substr(first_dash + 1, second_dash - first_dash - 1);
  const auto kid_text = name.substr(second_dash + 1);

  const auto created = parse_time(time_text);
  const auto sequence = parse_digits(sequence_text);
  if (!created || !sequence || *sequence == 0 || !looks_like_kid(kid_text)) return std::nullopt;

  if (activates && *activates <= *created) return std::nullopt;
  KeyFileName parsed{*created, *sequence, std::string(kid_text), activates};
  // One spelling per name: rejects extra leading zeros and the like.
  if (parsed.to_string() != file_name) return std::nullopt;
  return parsed;
}

}  // namespace mandate::keys
