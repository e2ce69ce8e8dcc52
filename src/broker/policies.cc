// Cedar policies and entity data: loading them, recorded in full.
#include "broker/internal/policy_context.h"

#include <set>

#include "broker/step.h"
#include "core/error.h"
#include "encoding/json.h"
#include "ledger/ledger.h"
#include "policy/parser.h"
#include "store/store.h"

namespace mandate::broker {

Broker::PolicySetLoaded Broker::load_policies(const Caller& caller, const std::string& text,
                                              const std::vector<std::string>& sources) {
  auto parsed = policy::parse_policies(text);
  if (!parsed) {
    fail(ErrorKind::bad_input, std::to_string(parsed.error().pos.line) + ":" + std::to_string(parsed.error().pos.column) +
                                   ": " + parsed.error().message);
  }
  const std::string hash = sha256_hex(text);
  const nlohmann::json body = {{"hash", hash}, {"text", text}, {"sources", sources}, {"policies", parsed->policies.size()}};
  Step step("policy.loaded", caller, now());
  step.ref("policy_set", hash).data("policy_set", body);
  step.index_under("policy_entry", hash);
  step.put(kPolicySetKind, "current", "", body, store_.record_version(kPolicySetKind, "current"));
  const std::uint64_t index = step.commit(ledger_);
  policy_cache_->mark_stale();
  return {hash, parsed->policies.size(), index};
}

Recorded Broker::load_entities(const Caller& caller, const std::string& text) {
  auto json = encoding::parse_json_strict(text);
  if (!json) fail(ErrorKind::bad_input, "entities: " + json.error());
  if (!json->is_array()) fail(ErrorKind::bad_input, "entities: expected a JSON array of entities");
  for (const auto& e : *json) {
    if (e.is_object() && e.contains("uid") && e["uid"].is_object()) {
      const auto type = e["uid"].value("type", "");
      if (type == "Human" || type == "Workload" || type == "Agent") {
        fail(ErrorKind::bad_input, "entities: " + type + " entities come from registered actors (mandate actor add)");
      }
    }
  }
  if (auto built = policy::entities_from_json(*json); !built) fail(ErrorKind::bad_input, "entities: " + built.error());
  const std::string canonical = encoding::canonicalize(*json).value();
  const std::string hash = sha256_hex(canonical);
  const nlohmann::json body = {{"hash", hash}, {"text", canonical}};
  Step step("entities.loaded", caller, now());
  step.ref("entities", hash).data("entities", body);
  step.put(kEntitiesKind, "current", "", body, store_.record_version(kEntitiesKind, "current"));
  const std::uint64_t index = step.commit(ledger_);
  policy_cache_->mark_stale();
  return {index};
}

}  // namespace mandate::broker
