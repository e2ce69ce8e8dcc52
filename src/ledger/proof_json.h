#pragma once
// RFC 9162 proofs as JSON (hashes base64), the shape `mandate ledger proof`
// prints and the server's ledger endpoints return.
#include <cstdint>

#include <nlohmann/json.hpp>

namespace mandate::ledger {
class Ledger;

nlohmann::json inclusion_json(Ledger& ledger, std::uint64_t index, std::uint64_t tree_size);
nlohmann::json consistency_json(Ledger& ledger, std::uint64_t first, std::uint64_t second);

}  // namespace mandate::ledger
