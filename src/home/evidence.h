#pragma once
// The evidence bundle about one task of this home, sealed by it: its origin,
// a checkpoint it signs now (after the trace was read, so it covers every
// entry), the key that verifies that checkpoint and the mandates' JWKS. What
// `mandate evidence export` prints and GET /v1/evidence/{task} answers.
#include <string>

#include <nlohmann/json.hpp>

namespace mandate::home {

class Home;

nlohmann::json export_evidence(Home& home, const std::string& task_id);

}  // namespace mandate::home
