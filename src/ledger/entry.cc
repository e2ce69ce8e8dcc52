#include "ledger/entry.h"

#include <charconv>

#include "encoding/canonical_writer.h"
#include "encoding/json.h"

namespace mandate::ledger {
namespace {

bool is_lower_hex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool valid_ref_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool has_control_chars(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::expected<std::string, std::string> canonical(const nlohmann::json& value, std::string_view what) {
  // Grown once for the common sizes (a decision's data is about a
  // kilobyte), not doubled from empty as it is written.
  std::string text;
  text.reserve(1024);
  if (auto written = encoding::append_canonical(text, value); !written) {
    return std::unexpected(std::string(what) + ": " + written.error());
  }
  return text;
}

}  // namespace

bool valid_entry_type(std::string_view type) {
  if (type.empty() || type.size() > 64 || !(type[0] >= 'a' && type[0] <= 'z')) return false;
  for (const char c : type) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}

bool valid_traceparent(std::string_view tp) {
  // 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, ids not all zero.
  if (tp.size() != 55 || tp.substr(0, 3) != "00-" || tp[35] != '-' || tp[52] != '-') return false;
  const auto trace = tp.substr(3, 32), parent = tp.substr(36, 16), flags = tp.substr(53, 2);
  if (!is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(flags)) return false;
  return trace.find_first_not_of('0') != std::string_view::npos &&
         parent.find_first_not_of('0') != std::string_view::npos;
}

namespace {

void put_digits(char* at, int width, long value) {
  for (int i = width - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
}

}  // namespace

std::string format_rfc3339(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  // floor, not time_point_cast: before 1970 truncation toward zero would
  // move the time forward.
  const auto micros = floor<microseconds>(time);
  const auto day = floor<days>(micros);
  const year_month_day date{day};
  // Digits by hand, not gmtime_r and snprintf: those take a lock and parse a
  // format, on every entry. The clock's range (nanoseconds: 1677 to 2262)
  // keeps the year to four digits.
  static_assert(duration<double, years::period>(system_clock::duration::max()).count() < 8000);
  const int y = static_cast<int>(date.year());
  const hh_mm_ss clock{micros - day};
  std::string out = "0000-00-00T00:00:00.000000Z";
  put_digits(&out[0], 4, y);
  put_digits(&out[5], 2, static_cast<long>(static_cast<unsigned>(date.month())));
  put_digits(&out[8], 2, static_cast<long>(static_cast<unsigned>(date.day())));
  put_digits(&out[11], 2, clock.hours().count());
  put_digits(&out[14], 2, clock.minutes().count());
  put_digits(&out[17], 2, static_cast<long>(clock.seconds().count()));
  put_digits(&out[20], 6, static_cast<long>(clock.subseconds().count()));
  return out;
}

std::expected<EncodedEntry, std::string> encode_entry(const EntryDraft& draft) {
  if (!valid_entry_type(draft.type)) {
    return std::unexpected("entry type \"" + draft.type + "\" must match [a-z][a-z0-9._-]{0,63}");
  }
  if (draft.actor.id.empty() || draft.actor.id.size() > 512 || has_control_chars(draft.actor.id)) {
    return std::unexpected("actor id must be 1-512 characters without control characters");
  }
  const std::string& kind = draft.actor.kind;
  if (kind != "human" && kind != "workload" && kind != "agent" && kind != "system") {
    return std::unexpected("actor kind \"" + kind + "\" is not one of human, workload, agent, system");
  }
  if (draft.actor.authenticated_by.size() > 512 || has_control_chars(draft.actor.authenticated_by)) {
    return std::unexpected("actor authenticated_by must be at most 512 characters without control characters");
  }
  for (const auto& [name, id] : draft.refs) {
    if (!valid_ref_name(name)) return std::unexpected("reference name \"" + name + "\" must match [a-z][a-z0-9_]*");
    if (id.empty() || has_control_chars(id)) return std::unexpected("reference " + name + " needs a printable id");
  }
  if (draft.traceparent && !valid_traceparent(*draft.traceparent)) {
    return std::unexpected("traceparent is not a W3C trace context (00-<trace id>-<parent id>-<flags>)");
  }

  // Members in RFC 8785 order: actor, data, index, refs, time, traceparent,
  // type; reference names are [a-z0-9_], so the map's order is theirs.
  encoding::CanonicalWriter actor;
  actor.begin_object();
  if (!draft.actor.authenticated_by.empty()) actor.key("authenticated_by").string(draft.actor.authenticated_by);
  actor.key("id").string(draft.actor.id).key("kind").string(kind).end_object();
  auto actor_text = std::move(actor).take();
  if (!actor_text) return std::unexpected("actor: " + actor_text.error());
  std::expected<std::string, std::string> encoded_data;
  if (!draft.canonical_data) {
    encoded_data = canonical(draft.data, "data");
    if (!encoded_data) return std::unexpected(encoded_data.error());
  }
  const std::string& data_text = draft.canonical_data ? *draft.canonical_data : *encoded_data;
  encoding::CanonicalWriter refs;
  refs.begin_object();
  for (const auto& [name, id] : draft.refs) refs.key(name).string(id);
  refs.end_object();
  auto refs_text = std::move(refs).take();
  if (!refs_text) return std::unexpected("refs: " + refs_text.error());

  EncodedEntry e;
  e.type_ = draft.type;
  e.head_.reserve(30 + actor_text->size() + data_text.size());
  e.head_.append("{\"actor\":").append(*actor_text).append(",\"data\":").append(data_text).append(",\"index\":");
  e.tail_.reserve(64 + refs_text->size() + draft.type.size());
  e.tail_.append(",\"refs\":").append(*refs_text).append(",\"time\":\"").append(format_rfc3339(draft.time)).append("\"");
  if (draft.traceparent) e.tail_.append(",\"traceparent\":\"").append(*draft.traceparent).append("\"");
  e.tail_.append(",\"type\":\"").append(draft.type).append("\"}");
  return e;
}

std::optional<std::uint64_t> entry_index(std::string_view bytes) {
  static constexpr std::string_view kKey = ",\"index\":";
  for (auto at = bytes.rfind(kKey); at != std::string_view::npos; at = at == 0 ? at - 1 : bytes.rfind(kKey, at - 1)) {
    const char* begin = bytes.data() + at + kKey.size();
    std::uint64_t index = 0;
    const auto [ptr, ec] = std::from_chars(begin, bytes.data() + bytes.size(), index);
    if (ec != std::errc() || ptr == begin) continue;
    if (std::string_view(ptr, static_cast<std::size_t>(bytes.data() + bytes.size() - ptr)).starts_with(",\"refs\":{")) {
      return index;
    }
  }
  return std::nullopt;
}

}  // namespace mandate::ledger
