#include "ledger/proof_json.h"

#include "encoding/base64.h"
#include "ledger/ledger.h"

namespace mandate::ledger {

namespace {
nlohmann::json hashes_json(const std::vector<Hash>& hashes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : hashes) out.push_back(encoding::base64_encode(h));
  return out;
}
}  // namespace

nlohmann::json inclusion_json(Ledger& l, std::uint64_t index, std::uint64_t size) {
  const auto path = l.inclusion_proof(index, size);
  return {{"index", index},
          {"tree_size", size},
          {"leaf_hash", encoding::base64_encode(l.entry_leaf_hash(index))},
          {"proof", hashes_json(path)},
          {"root_hash", encoding::base64_encode(l.root(size))}};
}

nlohmann::json consistency_json(Ledger& l, std::uint64_t first, std::uint64_t second) {
  const auto path = l.consistency_proof(first, second);
  return {{"first", first},
          {"second", second},
          {"first_root", encoding::base64_encode(l.root(first))},
          {"second_root", encoding::base64_encode(l.root(second))},
          {"proof", hashes_json(path)}};
}

}  // namespace mandate::ledger
