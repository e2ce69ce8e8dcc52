#pragma once
// The body of a C2SP tlog-witness add-checkpoint request, parsed strictly:
//
//   old <size>\n
//   <base64 hash>\n        (0 to 63 consistency proof lines)
//   \n
//   <signed checkpoint>
//
// Untrusted input from the network: every refusal says which line and why.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/merkle.h"

namespace mandate::witness {

inline constexpr std::size_t kMaxProofLines = 63;

struct AddCheckpointRequest {
  std::uint64_t old_size = 0;
  std::vector<ledger::Hash> proof;
  std::string checkpoint;  // the signed note after the empty line, as sent
};

std::expected<AddCheckpointRequest, std::string> parse_add_checkpoint(std::string_view body);

// The request body a log sends (tests and clients build it this way).
std::string format_add_checkpoint(const AddCheckpointRequest& request);

}  // namespace mandate::witness
