#include "ingest/internal/json_reader.h"

#include <array>
#include <charconv>
#include <chrono>

namespace mandate::ingest {

std::string_view utf8_prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  // Back off continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string field_name(std::string_view pointer) {
  std::string name(pointer.starts_with('/') ? pointer.substr(1) : pointer);
  for (char& c : name) {
    if (c == '/') c = '.';
  }
  return name;
}

std::optional<simdjson::dom::element> JsonReader::member(std::string_view name) const {
  for (std::size_t i = 0; i < member_count_; ++i) {
    if (members_[i].key() == name) return members_[i].value;
  }
  std::optional<simdjson::dom::element> value;
  simdjson::dom::element found;
  if (root_.at_key(name).get(found) == simdjson::SUCCESS) value = found;
  if (member_count_ < members_.size() && name.size() <= Member{}.name.size()) {
    Member& m = members_[member_count_++];
    std::copy(name.begin(), name.end(), m.name.begin());
    m.size = name.size();
    m.value = value;
  }
  return value;
}

std::optional<simdjson::dom::element> JsonReader::node(std::string_view pointer) const {
  simdjson::dom::element value;
  // Pointers here are literals without ~ escapes: "/name" or "/name/rest…".
  if (root_.is_object() && pointer.starts_with('/')) {
    const std::size_t slash = pointer.find('/', 1);
    const auto top = member(pointer.substr(1, slash == std::string_view::npos ? std::string_view::npos : slash - 1));
    if (!top) return std::nullopt;
    value = *top;
    if (slash != std::string_view::npos && value.at_pointer(pointer.substr(slash)).get(value) != simdjson::SUCCESS) {
      return std::nullopt;
    }
  } else if (root_.at_pointer(pointer).get(value) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  if (value.is_null()) return std::nullopt;
  return value;
}

void JsonReader::wrong_type(std::string_view pointer, std::string_view expected) {
  refuse(field_name(pointer) + " must be " + std::string(expected));
}

std::string_view JsonReader::text(std::string_view pointer) {
  const auto value = node(pointer);
  if (!value) return {};
  std::string_view out;
  if (value->get_string().get(out) != simdjson::SUCCESS) {
    wrong_type(pointer, "a string");
    return {};
  }
  return out;
}

std::string JsonReader::scalar_text(std::string_view pointer) {
  const auto value = node(pointer);
  if (!value) return {};
  if (value->is_string()) return std::string(std::string_view(*value));
  if (value->is_int64()) return std::to_string(std::int64_t(*value));
  if (value->is_uint64()) return std::to_string(std::uint64_t(*value));
  wrong_type(pointer, "a string or an integer");
  return {};
}

std::optional<std::int64_t> JsonReader::integer(std::string_view pointer) {
  const auto value = node(pointer);
  if (!value) return std::nullopt;
  std::int64_t out = 0;
  if (value->get_int64().get(out) != simdjson::SUCCESS) {
    wrong_type(pointer, "an integer");
    return std::nullopt;
  }
  return out;
}

std::vector<std::string_view> JsonReader::texts(std::string_view pointer) {
  std::vector<std::string_view> out;
  const auto value = node(pointer);
  if (!value) return out;
  simdjson::dom::array array;
  if (value->get_array().get(array) != simdjson::SUCCESS) {
    wrong_type(pointer, "an array of strings");
    return out;
  }
  for (const auto item : array) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      wrong_type(pointer, "an array of strings");
      return {};
    }
    out.push_back(s);
  }
  return out;
}

std::optional<core::Timestamp> JsonReader::time(std::string_view pointer) {
  const std::string_view t = text(pointer);
  if (t.empty()) return std::nullopt;
  auto parsed = parse_source_time(t);
  if (!parsed) refuse(field_name(pointer) + " is not an RFC 3339 time");
  return parsed;
}

std::optional<core::Timestamp> JsonReader::epoch_millis(std::string_view pointer) {
  const auto value = node(pointer);
  if (!value) return std::nullopt;
  std::int64_t ms = 0;
  if (value->get_int64().get(ms) != simdjson::SUCCESS) {
    double d = 0;
    if (value->get_double().get(d) != simdjson::SUCCESS || !(d > -1e15 && d < 1e15)) {
      wrong_type(pointer, "epoch milliseconds");
      return std::nullopt;
    }
    ms = static_cast<std::int64_t>(d);
  }
  // Ten thousand years either way: beyond that sys_time would overflow.
  constexpr std::int64_t kLimit = 253402300799999;
  if (ms < -kLimit || ms > kLimit) {
    refuse(field_name(pointer) + " is out of range");
    return std::nullopt;
  }
  return core::Timestamp(std::chrono::milliseconds(ms));
}

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

std::optional<core::Timestamp> parse_source_time(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) micros = micros * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (int i = n; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  // A leap second is read as the last microsecond of its minute's 59th second.
  const int sec = second == 60 ? 59 : second;
  auto t = core::Timestamp(std::chrono::sys_days(ymd)) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
           std::chrono::seconds(sec) + std::chrono::microseconds(second == 60 ? 999999 : micros) -
           std::chrono::minutes(offset_minutes);
  return t;
}

namespace {

// Members whose string values are secrets wherever they appear: AWS session
// credentials in AssumeRole/GetSessionToken responses, the leaked secret a
// GitHub secret_scanning_alert payload quotes ("secret"), and the like.
// privateKeyData: a Google Cloud service-account key, should an audit entry
// of CreateServiceAccountKey ever carry its response whole. Microsoft
// Graph's passwordCredential carries the new secret in secretText.
constexpr std::array<std::string_view, 8> kSecretMembers{"sessionToken",  "secretAccessKey", "SecretAccessKey",
                                                         "SessionToken",  "client_secret",   "privateKeyData",
                                                         "secret",        "secretText"};

// The length of `"name":"` when `rest` (just after a quote) starts with a
// secret member's name and a string value, else 0.
std::size_t secret_member_at(std::string_view rest) {
  // Every secret name starts with one of these: most quotes are ruled out
  // without a comparison.
  if (rest.empty() || (rest[0] != 's' && rest[0] != 'S' && rest[0] != 'c' && rest[0] != 'p')) return 0;
  for (const std::string_view name : kSecretMembers) {
    if (rest.starts_with(name) && rest.substr(name.size()).starts_with("\":\"")) return name.size() + 3;
  }
  return 0;
}

// In minified JSON an unescaped `"name":"` can only be a member name followed
// by a string value (a quote inside a string is always escaped), so looking
// after every quote finds exactly the secret members. One pass over the
// record, whatever the number of secret names: most records have none.
void redact_secrets(std::string& json) {
  for (std::size_t pos = json.find('"'); pos != std::string::npos; pos = json.find('"', pos)) {
    ++pos;
    const std::size_t prefix = secret_member_at(std::string_view(json).substr(pos));
    if (prefix == 0) continue;
    const std::size_t start = pos + prefix;
    std::size_t end = start;
    while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
    json.replace(start, end - start, "REDACTED");
    pos = start + 8;  // the value's closing quote
  }
}


}  // namespace

std::string StoredFormWriter::write(simdjson::dom::element record, std::initializer_list<std::string_view> drop) {
  std::string out;
  simdjson::dom::object object;
  if (drop.size() == 0 || record.get_object().get(object) != simdjson::SUCCESS) {
    builder_.clear();
    builder_.append(record);
    out = builder_.str();
  } else {
    out = "{";
    for (const auto field : object) {
      bool dropped = false;
      for (const auto name : drop) dropped = dropped || field.key == name;
      if (dropped) continue;
      if (out.size() > 1) out += ',';
      append_json_string(out, field.key);
      out += ':';
      builder_.clear();
      builder_.append(field.value);
      out += builder_.str();
    }
    out += '}';
  }
  redact_secrets(out);
  return out;
}

std::string stored_form(simdjson::dom::element record, std::initializer_list<std::string_view> drop) {
  StoredFormWriter writer;
  return writer.write(record, drop);
}

}  // namespace mandate::ingest
