#pragma once
// Internal to the broker: how a use case turns into one committed step (a
// ledger entry plus the state records it changes, each at the version it
// was read at), and the ids and hashes steps are made of.
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "broker/records.h"
#include "ledger/entry.h"
#include "store/store.h"

namespace mandate::ledger {
class Ledger;
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
  // The same put, with the index of the entry it commits with added to the
  // body as "entry" (store::RecordPut::names_entry).
  Step& put_naming_entry(const std::string& kind, const std::string& id, const std::string& ref,
                         const nlohmann::json& body, std::int64_t expected_version);
  // Holds (kind, id) for this entry alone until `until` (a proof's jti,
  // store::RecordPut::claim): another entry claiming it meanwhile is
  // refused with Error{conflict}.
  Step& claim(const std::string& kind, const std::string& id, core::Timestamp until);
  // Commits only if the record is still at `version` (read for this
  // step), without changing it.
  Step& require(const std::string& kind, const std::string& id, std::int64_t version);
  // Files the entry under the task, for trace and evidence.
  Step& about_task(const std::string& task_id);
  // Files the entry under (kind, key): records(kind, key) then lists it.
  Step& index_under(const std::string& kind, const std::string& key);
  ledger::EntryDraft& entry() { return entry_; }
  // Durable when it returns; Error{conflict} when a record moved meanwhile.
  std::uint64_t commit(ledger::Ledger& ledger);
  // The same without waiting: `done` is told the index or the error on the
  // thread that committed (Ledger::append_async). The step is spent.
  using Committed = std::function<void(std::uint64_t index, std::exception_ptr error)>;
  void commit_without_waiting(ledger::Ledger& ledger, Committed done);
  // The entry's canonical bytes, for a caller that appends it another way
  // (a group, or without waiting); only for steps that put no records.
  ledger::EncodedEntry encoded() const;

 private:
  ledger::EntryDraft entry_;
  std::vector<store::RecordPut> puts_;
};

std::string new_id(const std::string& prefix);  // prefix + 128 random bits, base32-ish
std::string sha256_hex(std::string_view text);

// A mandate record ends: the revocation is stored and the entry records it.
void revoke_into(Step& step, Versioned<MandateRecord>& mandate, core::RevocationReason reason,
                 const std::optional<std::string>& by, core::Timestamp at);

}  // namespace mandate::broker
