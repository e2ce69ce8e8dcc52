#pragma once
// Internal to the broker: how a use case turns into one committed step (a
// ledger entry plus the state records it changes) and how it reads state
// back with the versions it must still hold at commit time.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "broker/records.h"
#include "ledger/entry.h"
#include "store/store.h"
#include "token/mandate_token.h"

namespace mandate::ledger {
class Ledger;
}
namespace mandate::keys {
class Keyring;
}

namespace mandate::broker {

template <typename T>
struct Versioned {
  T value;
  std::int64_t version = 0;
};

class Step {
 public:
  Step(std::string type, const Caller& caller, core::Timestamp at);
  Step& ref(const std::string& name, const std::string& id);
  Step& data(const std::string& key, nlohmann::json value);
  Step& put(const std::string& kind, const std::string& id, const std::string& ref, const nlohmann::json& body,
            std::int64_t expected_version);
  // Files the entry under the task, for trace and evidence.
  Step& about_task(const std::string& task_id);
  // Files the entry under (kind, key): records(kind, key) then lists it.
  Step& index_under(const std::string& kind, const std::string& key);
  ledger::EntryDraft& entry() { return entry_; }
  // Durable when it returns; Error{conflict} when a record moved meanwhile.
  std::uint64_t commit(ledger::Ledger& ledger);

 private:
  ledger::EntryDraft entry_;
  std::vector<store::RecordPut> puts_;
};

std::optional<Versioned<ActorRecord>> find_actor(store::Store& store, const std::string& id);
Versioned<ActorRecord> get_actor(store::Store& store, const std::string& id);  // not_found
Versioned<TaskRecord> get_task(store::Store& store, const std::string& id);    // not_found
std::optional<Versioned<MandateRecord>> find_mandate(store::Store& store, const std::string& jti);
std::vector<core::Approval> task_approvals(store::Store& store, const std::string& task_id);
std::vector<Versioned<MandateRecord>> task_mandates(store::Store& store, const std::string& task_id);
std::vector<core::ApprovalRule> loaded_rules(store::Store& store);
// The loaded rules that apply to `task`, or the default rule when none does.
std::vector<core::ApprovalRule> applicable_rules(store::Store& store, const core::Task& task);

// The caller as an active registered actor of an allowed kind, or a
// bad_input error saying why not.
ActorRecord require_active_actor(store::Store& store, const Caller& caller, std::initializer_list<core::ActorKind> kinds,
                                 const std::string& role);

// An active workload or agent with a registered key, or a bad_input error
// saying which of those it is not: whom a mandate can be bound to.
ActorRecord require_executor(store::Store& store, const std::string& id);

std::string new_id(const std::string& prefix);  // prefix + 128 random bits, base32-ish
std::string sha256_hex(std::string_view text);

// The limits of all applicable rules combined: the strictest of each.
struct Limits {
  std::chrono::seconds max_task_duration{0};
  std::chrono::seconds max_mandate_lifetime{0};
  std::uint32_t max_uses = 0;
  bool break_glass_allowed = true;
  std::chrono::seconds review_within{0};
};
Limits combine(const std::vector<core::ApprovalRule>& rules);

// A new task for `request`, checked on its own and against the rules that
// apply (their longest task duration); rule_ids and the use budget filled;
// the audience is `default_audience` when the request names none. Writes
// nothing.
struct DraftTask {
  TaskRecord record;
  Limits limits;
};
DraftTask draft_task(store::Store& store, const std::string& initiator, const TaskRequest& request, core::Timestamp at,
                     bool break_glass, const std::string& default_audience);

// The token claims describing mandate `m` (issuance.cc).
token::MandateClaims claims_for(const core::Mandate& m, const Settings& settings, core::Timestamp issued_at,
                                const std::string& approval_hash, bool break_glass);

// The keyring key with this kid, if it may still verify at `now`: the
// active key always, a rotated-out one only within `grace` after its
// successor was made. Used wherever a mandate is verified.
std::optional<token::PublicKey> acceptable_key(const keys::Keyring& keyring, std::string_view kid, core::Timestamp now,
                                               std::chrono::seconds grace);

// A mandate record ends: the revocation is stored and the entry records it.
void revoke_into(Step& step, Versioned<MandateRecord>& mandate, core::RevocationReason reason,
                 const std::optional<std::string>& by, core::Timestamp at);

}  // namespace mandate::broker
