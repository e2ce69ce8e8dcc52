#pragma once
// The evidence bundle about one task: its trace's entries and the policy sets
// it was decided under, proven against a checkpoint signed after the trace was
// read. What `mandate evidence export` prints and the server returns.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "evidence/bundle.h"

namespace mandate::ledger {
class Ledger;
}
namespace mandate::store {
class Store;
}

namespace mandate::evidence {

// Fills in what only the ledger's owner knows: its origin, a checkpoint it
// signs now (after the trace was read, so it covers every entry), the key that
// verifies that checkpoint and its JWKS. The home is one such owner.
using SealBundle = std::function<void(BundleSource&)>;

nlohmann::json export_task_bundle(store::Store& store, ledger::Ledger& ledger,
                                  const std::string& task_or_mandate_id, const SealBundle& seal);

}  // namespace mandate::evidence
