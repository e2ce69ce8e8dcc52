#include "store/internal/event_codec.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace mandate::store {

std::string encode_chain(const std::vector<core::DelegationLink>& chain) {
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
  return nlohmann::json(signals).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> decode_signals(std::string_view text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_array()) fail(ErrorKind::check_failed, "stored event signals are not a JSON array");
  return json.get<std::vector<std::string>>();
}

}  // namespace mandate::store
