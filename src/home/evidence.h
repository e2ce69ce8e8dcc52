#pragma once
// The evidence bundle about one task of this home, sealed by it: its origin,
// a checkpoint that covers every entry, the key that verifies that
// checkpoint and the mandates' JWKS. What `mandate evidence export` prints
// and GET /v1/evidence/{task} answers.
//
// The checkpoint is the newest witnessed one (cosigned by the witnesses'
// quorum, docs/witnesses.md) when it covers the task's entries; otherwise
// one `witness_now` obtains, if given; otherwise one signed now.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mandate::home {

class Home;

// A witnessed checkpoint of at least `size` entries, asked for now; nothing
// when the witnesses' quorum could not be had.
using WitnessNow = std::function<std::optional<std::string>(std::uint64_t size)>;

nlohmann::json export_evidence(Home& home, const std::string& task_id, const WitnessNow& witness_now = {});

}  // namespace mandate::home
