#include "store/internal/event_codec.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/error.h"

namespace mandate::store {
namespace {

// Text nlohmann-json writes as it is: printable ASCII that needs no escape.
// Nearly every id, name and signal is; the rest takes the general path.
bool plain(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

void append_string(std::string& out, std::string_view text) {
  out += '"';
  out += text;
  out += '"';
}

// The bytes nlohmann-json dumps for the same array (its objects' members in
// key order), written directly: an import encodes every event's chain and
// signals, and building a JSON tree for each was a tenth of the store's time.
std::optional<std::string> plain_chain(const std::vector<core::DelegationLink>& chain) {
  std::string out = "[";
  for (const auto& link : chain) {
    const std::string_view relation = core::to_string(link.relation);
    const std::string_view kind = core::to_string(link.principal.kind);
    if (!plain(relation) || !plain(link.principal.id) || !plain(kind) || !plain(link.principal.name)) return std::nullopt;
    if (out.size() > 1) out += ',';
    out += "{\"id\":";
    append_string(out, link.principal.id);
    out += ",\"kind\":";
    append_string(out, kind);
    out += ",\"name\":";
    append_string(out, link.principal.name);
    out += ",\"relation\":";
    append_string(out, relation);
    out += '}';
  }
  out += ']';
  return out;
}

std::optional<std::string> plain_signals(const std::vector<std::string>& signals) {
  std::string out = "[";
  for (const auto& signal : signals) {
    if (!plain(signal)) return std::nullopt;
    if (out.size() > 1) out += ',';
    append_string(out, signal);
  }
  out += ']';
  return out;
}

}  // namespace

std::string encode_chain(const std::vector<core::DelegationLink>& chain) {
  if (auto plain = plain_chain(chain)) return std::move(*plain);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& link : chain) {
    out.push_back({{"relation", core::to_string(link.relation)},
                   {"id", link.principal.id},
                   {"kind", core::to_string(link.principal.kind)},
                   {"name", link.principal.name}});
  }
  // Replacement keeps a hostile byte sequence from failing the whole batch;
  // parsers already refuse invalid UTF-8, so this never changes real data.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<core::DelegationLink> decode_chain(std::string_view text) {
  std::vector<core::DelegationLink> chain;
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_array()) fail(ErrorKind::check_failed, "stored event chain is not a JSON array");
  for (const auto& item : json) {
    core::DelegationLink link;
    link.relation = core::parse_relation(item.value("relation", "")).value_or(core::Relation::assumed_by);
    link.principal.id = item.value("id", "");
    link.principal.kind = core::parse_principal_kind(item.value("kind", "")).value_or(core::PrincipalKind::unknown);
    link.principal.name = item.value("name", "");
    chain.push_back(std::move(link));
  }
  return chain;
}

std::string encode_signals(const std::vector<std::string>& signals) {
  if (auto plain = plain_signals(signals)) return std::move(*plain);
  return nlohmann::json(signals).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> decode_signals(std::string_view text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_array()) fail(ErrorKind::check_failed, "stored event signals are not a JSON array");
  return json.get<std::vector<std::string>>();
}

}  // namespace mandate::store
