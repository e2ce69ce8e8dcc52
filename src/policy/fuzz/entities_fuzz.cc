// Entities JSON from an attacker: loading must end in an entity store or an
// error; a loaded store must answer `in` for every pair it holds.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/entities.h"

namespace {

// Walks the ancestor index the way evaluation does, so a store that loads
// but is internally inconsistent shows up under the sanitizers.
void ask_every_pair(const mandate::policy::Entities& entities, const nlohmann::json& json) {
  std::vector<mandate::policy::EntityUid> uids;
  for (const auto& e : json) {
    if (auto uid = mandate::policy::uid_from_json(e.at("uid"))) uids.push_back(std::move(*uid));
    if (uids.size() == 32) break;  // quadratic below: keep each input fast
  }
  for (const auto& a : uids) {
    if (entities.find(a) == nullptr) __builtin_trap();  // loaded, so it must be found
    for (const auto& b : uids) (void)entities.is_descendant_or_self(a, b);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto entities = mandate::policy::parse_entities(text);
  if (entities) ask_every_pair(*entities, nlohmann::json::parse(text));
  return 0;
}
