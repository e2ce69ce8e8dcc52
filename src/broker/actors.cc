// Actors: registration (one key, one actor), suspension, offboarding.
#include <set>

#include "broker/broker.h"
#include "broker/lookups.h"
#include "broker/step.h"
#include "broker/internal/policy_context.h"
#include "core/ids.h"
#include "core/error.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "token/public_key.h"

namespace mandate::broker {
namespace {

// The actor a key (by its RFC 7638 thumbprint) is registered for, if any.
// A key names one actor for good: a mandate binds to it (cnf.jkt) and every
// decision entry records it (proof-of-possession:jkt=…), so two actors
// sharing a key could not be told apart, neither at decision time nor when
// the ledger is read later. An offboarded actor keeps its key for that reason.
std::optional<ActorRecord> key_holder(store::Store& store, const std::string& thumbprint) {
  if (const auto index = store.record(kActorKeyKind, thumbprint)) {
    if (auto holder = find_actor(store, index->ref)) return holder->value;
  }
  // Actors registered before keys were indexed have no actor_key record.
  for (const store::Record& r : store.records(kActorKind)) {
    ActorRecord actor = actor_from_json(nlohmann::json::parse(r.body));
    if (actor.key_thumbprint == thumbprint) return actor;
  }
  return std::nullopt;
}

[[noreturn]] void fail_key_taken(const ActorRecord& holder) {
  std::string message = "this key is already registered for " + std::string(core::to_string(holder.actor.kind)) +
                        " " + holder.actor.id;
  if (holder.actor.state != core::LifecycleState::active) {
    message += " (" + std::string(core::to_string(holder.actor.state)) + ")";
  }
  fail(ErrorKind::conflict, message + "; each workload and agent needs a key of its own");
}

}  // namespace

Recorded Broker::add_actor(const Caller& caller, const core::Actor& actor, const std::optional<std::string>& public_key) {
  if (auto ok = core::validate_actor(actor); !ok) fail(ErrorKind::bad_input, "actor: " + ok.error());
  if (actor.state != core::LifecycleState::active) fail(ErrorKind::bad_input, "a new actor starts active");
  if (find_actor(store_, actor.id)) fail(ErrorKind::bad_input, "actor " + actor.id + " is already registered");
  if (actor.owner) {
    auto owner = find_actor(store_, *actor.owner);
    if (!owner) fail(ErrorKind::bad_input, "owner " + *actor.owner + " is not a registered actor");
    if (auto ok = core::check_owner(actor, owner->value.actor); !ok) fail(ErrorKind::bad_input, "owner: " + ok.error());
  }
  ActorRecord record{actor, std::nullopt, std::nullopt};
  if (public_key) {
    if (actor.kind == core::ActorKind::human) {
      fail(ErrorKind::bad_input, "humans are proven by their identity provider; only workloads and agents register keys");
    }
    auto key = token::PublicKey::parse(*public_key);
    if (!key) fail(ErrorKind::bad_input, "key: " + key.error());
    record.public_jwk = key->jwk_json();
    record.key_thumbprint = key->thumbprint();
    if (auto holder = key_holder(store_, *record.key_thumbprint)) fail_key_taken(*holder);
  }
  Step step("actor.added", caller, now());
  step.ref("actor", actor.id).data("actor", to_json(record));
  step.put(kActorKind, actor.id, actor.owner.value_or(""), to_json(record), store::kAbsent);
  // Claims the key in the same transaction, so two registrations of one key
  // racing past the check above cannot both commit.
  if (record.key_thumbprint) {
    step.put(kActorKeyKind, *record.key_thumbprint, actor.id, {{"actor", actor.id}}, store::kAbsent);
  }
  step.put(kEpochKind, "actors", "", nlohmann::json::object(), store::kAnyVersion);
  std::uint64_t index = 0;
  try {
    index = step.commit(ledger_);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::conflict && record.key_thumbprint) {
      if (auto holder = key_holder(store_, *record.key_thumbprint)) fail_key_taken(*holder);
    }
    throw;
  }
  policy_cache_->mark_stale();  // actors are entities of the policy context
  return {index};
}

std::vector<ActorRecord> Broker::actors() {
  std::vector<ActorRecord> out;
  for (const store::Record& r : store_.records(kActorKind)) out.push_back(actor_from_json(nlohmann::json::parse(r.body)));
  return out;
}

ActorRecord Broker::actor(const std::string& id) { return get_actor(store_, id).value; }

Recorded Broker::suspend_actor(const Caller& caller, const std::string& id, const std::string& reason) {
  auto actor = get_actor(store_, id);
  if (actor.value.actor.state != core::LifecycleState::active) {
    fail(ErrorKind::bad_input, "actor " + id + " is " + std::string(core::to_string(actor.value.actor.state)));
  }
  if (auto ok = core::check_text(reason); !ok) fail(ErrorKind::bad_input, "reason: " + ok.error());
  actor.value.actor.state = core::LifecycleState::suspended;
  Step step("actor.suspended", caller, now());
  step.ref("actor", id).data("reason", reason);
  step.put(kActorKind, id, actor.value.actor.owner.value_or(""), to_json(actor.value), actor.version);
  step.put(kEpochKind, "actors", "", nlohmann::json::object(), store::kAnyVersion);
  const std::uint64_t index = step.commit(ledger_);
  policy_cache_->mark_stale();  // actors are entities of the policy context
  return {index};
}

Broker::Offboarded Broker::offboard_actor(const Caller& caller, const std::string& id, const std::string& reason) {
  auto actor = get_actor(store_, id);
  if (actor.value.actor.state == core::LifecycleState::offboarded) fail(ErrorKind::bad_input, "actor " + id + " is already offboarded");
  if (auto ok = core::check_text(reason); !ok) fail(ErrorKind::bad_input, "reason: " + ok.error());
  const core::Timestamp at = now();
  actor.value.actor.state = core::LifecycleState::offboarded;
  Step step("actor.offboarded", caller, at);
  step.ref("actor", id).data("reason", reason);
  step.put(kActorKind, id, actor.value.actor.owner.value_or(""), to_json(actor.value), actor.version);
  step.put(kEpochKind, "actors", "", nlohmann::json::object(), store::kAnyVersion);

  // Everything the actor executes, and everything its owned machines execute,
  // ends now: an offboarded person leaves no standing privilege behind.
  std::set<std::string> executors{id};
  for (const store::Record& r : store_.records(kActorKind, id)) executors.insert(r.id);
  Offboarded out;
  for (const store::Record& r : store_.records(kMandateKind)) {
    Versioned<MandateRecord> mandate{mandate_from_json(nlohmann::json::parse(r.body)), r.version};
    if (mandate.value.revocation || !executors.contains(mandate.value.mandate.executor)) continue;
    if (mandate.value.mandate.expires_at <= at) continue;
    const auto reason_code = mandate.value.mandate.executor == id ? core::RevocationReason::revoked_by_person
                                                                   : core::RevocationReason::owner_offboarded;
    revoke_into(step, mandate, reason_code, caller.actor_id, at);
    out.revoked_mandates.push_back(mandate.value.mandate.id);
  }
  step.data("revoked_mandates", out.revoked_mandates);
  out.ledger_index = step.commit(ledger_);
  policy_cache_->mark_stale();
  return out;
}

}  // namespace mandate::broker
