// How privilege is narrowed for a downstream tool: a child mandate, minted
// by the holder of a live parent, that can do no more, for no longer and no
// more often than the parent (invariant 2 for sub-delegation).
#include <algorithm>

#include "broker/broker.h"
#include "broker/key_acceptance.h"
#include "broker/limits.h"
#include "broker/lookups.h"
#include "broker/internal/seen_proofs.h"
#include "broker/step.h"
#include "core/error.h"
#include "core/ids.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "token/mandate_token.h"
#include "token/proof.h"
#include "token/public_key.h"

namespace mandate::broker {
namespace {

inline constexpr const char* kAttenuateAction = "mandate:attenuate";

struct LiveParent {
  Versioned<MandateRecord> mandate;
  Versioned<TaskRecord> task;
};

// The parent token verified and issued here, neither it nor an ancestor
// revoked, unexpired, and its task still active.
LiveParent live_parent(store::Store& store, const keys::Keyring& keyring, const Settings& settings,
                       const std::string& parent_token, core::Timestamp at) {
  const token::KeyLookup lookup = [&](std::string_view kid) { return acceptable_key(keyring, kid, at, settings.key_grace); };
  auto claims = token::verify_mandate_token(parent_token, lookup, {settings.issuer, std::nullopt, at, settings.clock_skew});
  if (!claims) {
    fail(ErrorKind::bad_input,
         "parent token refused (" + std::string(token::to_string(claims.error().check)) + "): " + claims.error().reason);
  }
  auto parent = find_mandate(store, claims->jti);
  if (!parent || parent->value.token_hash != token::token_hash(parent_token)) {
    fail(ErrorKind::bad_input, "the parent mandate was not issued here");
  }
  if (parent->value.revocation) fail(ErrorKind::bad_input, "the parent mandate is revoked");
  if (at >= parent->value.mandate.expires_at) fail(ErrorKind::bad_input, "the parent mandate has expired");
  for (auto ancestor = parent->value.mandate.parent_id; ancestor;) {
    auto a = find_mandate(store, *ancestor);
    if (!a || a->value.revocation) fail(ErrorKind::bad_input, "an ancestor of the parent mandate is revoked");
    ancestor = a->value.mandate.parent_id;
  }
  auto task = get_task(store, parent->value.mandate.task_id);
  if (task.value.task.state != core::TaskState::active) fail(ErrorKind::bad_input, "the task is no longer active");
  return {std::move(*parent), std::move(task)};
}

// A child spends its parent's uses and the task's: it can have at most
// what is left of both.
std::uint32_t uses_for_child(store::Store& store, const LiveParent& parent, std::optional<std::uint32_t> asked) {
  const std::int64_t parent_used = store.record_version(kUsesKind, parent.mandate.value.mandate.id);
  const std::int64_t task_used = store.record_version(kTaskUsesKind, parent.task.value.task.id);
  const std::int64_t left = std::min<std::int64_t>(parent.mandate.value.mandate.max_uses - parent_used,
                                                   static_cast<std::int64_t>(parent.task.value.use_budget) - task_used);
  if (left <= 0) fail(ErrorKind::bad_input, "the parent mandate's uses are spent");
  if (asked && *asked > left) {
    fail(ErrorKind::bad_input, "max_uses " + std::to_string(*asked) + " exceeds the " + std::to_string(left) +
                                   " use(s) left to the parent mandate");
  }
  return asked.value_or(static_cast<std::uint32_t>(left));
}

// The holder of the parent proves possession, naming the child executor:
// a stolen bearer copy of the parent cannot mint children for a thief.
// Returns the proof's seen-proof id, recorded so it cannot be replayed.
std::string holder_proof(store::Store& store, const Settings& settings, std::optional<core::Timestamp> jti_alone_until,
                         const Broker::Attenuation& request,
                         const core::Mandate& parent, const std::string& child_executor, core::Timestamp at) {
  auto proof = token::verify_proof(request.parent_proof, request.parent_token, parent.key_binding.thumbprint,
                                   kAttenuateAction, child_executor, {at, settings.proof_max_age, kProofClockSkew});
  if (!proof) {
    fail(ErrorKind::bad_input,
         "parent proof refused (" + std::string(token::to_string(proof.error().check)) + "): " + proof.error().reason);
  }
  if (proof_was_seen(store, *proof, jti_alone_until)) fail(ErrorKind::bad_input, "parent proof replayed");
  return seen_proof_id(*proof);
}

// The child as asked for, bound to its executor's key, refused unless it
// stays inside the parent in every dimension.
core::Mandate child_of(const core::Mandate& p, const Broker::Attenuation& request, const ActorRecord& executor,
                       std::uint32_t max_uses, std::uint32_t max_depth, core::Timestamp at) {
  if (request.ttl <= std::chrono::seconds::zero()) fail(ErrorKind::bad_input, "ttl must be positive");
  core::Mandate m;
  m.id = new_id("m-");
  m.task_id = p.task_id;
  m.executor = executor.actor.id;
  m.on_behalf_of = p.on_behalf_of;
  m.on_behalf_of.push_back(p.executor);
  m.scope = request.scope;
  m.not_before = std::max(core::Timestamp(std::chrono::floor<std::chrono::seconds>(at)), p.not_before);
  m.expires_at = std::min(m.not_before + request.ttl, p.expires_at);
  m.max_uses = max_uses;
  m.audience = request.audience.empty() ? p.audience : request.audience;
  m.key_binding = {core::KeyBindingKind::jkt, *executor.key_thumbprint};
  m.parent_id = p.id;
  m.depth = p.depth + 1;
  if (auto ok = core::validate_scope(m.scope); !ok || m.scope.empty()) {
    fail(ErrorKind::bad_input, "scope: " + (ok ? std::string("must not be empty") : ok.error()));
  }
  if (request.ttl > p.expires_at - m.not_before) {
    fail(ErrorKind::bad_input, "ttl " + format_duration(request.ttl) + " outlives the parent mandate");
  }
  for (const std::string& a : m.audience) {
    if (std::ranges::find(p.audience, a) == p.audience.end()) {
      fail(ErrorKind::bad_input, "audience " + a + " is not a resource server the parent mandate is for");
    }
  }
  // Invariant 2 for sub-delegation, decided by the model.
  if (auto fault = core::check_attenuation(m, p, max_depth)) {
    fail(ErrorKind::bad_input, "refusing to attenuate: " + std::string(core::to_string(*fault)));
  }
  return m;
}

}  // namespace

IssuedMandate Broker::attenuate(const Attenuation& request) {
  const core::Timestamp at = now();
  const LiveParent parent = live_parent(store_, *keyring_.current(), settings_, request.parent_token, at);
  const core::Mandate& p = parent.mandate.value.mandate;
  const std::uint32_t max_uses = uses_for_child(store_, parent, request.max_uses);
  const std::string child_executor = request.executor.value_or(p.executor);
  const std::string seen_proof = holder_proof(store_, settings_, proofs_kept_by_jti_alone_until_, request, p, child_executor, at);
  const ActorRecord executor = require_executor(store_, child_executor);

  MandateRecord record;
  record.mandate = child_of(p, request, executor, max_uses, settings_.max_delegation_depth, at);
  record.approval_hash = parent.mandate.value.approval_hash;
  record.break_glass = parent.mandate.value.break_glass;
  record.issued_at = at;
  const core::Mandate& m = record.mandate;
  const token::MandateClaims c = claims_for(m, settings_, m.not_before, record.approval_hash, record.break_glass);
  const auto keyring = keyring_.current();
  const keys::SigningKey& signer = keyring->active(std::chrono::floor<std::chrono::seconds>(at));
  const std::string token = token::issue_mandate_token(c, signer);
  record.token_hash = token::token_hash(token);

  Caller holder{p.executor, caller_kind(get_actor(store_, p.executor).value.actor.kind),
                "proof-of-possession:jkt=" + p.key_binding.thumbprint};
  Step step("mandate.attenuated", holder, at);
  step.about_task(m.task_id).ref("mandate", m.id).ref("parent", p.id).data("mandate", to_json(record));
  step.data("kid", signer.kid());
  step.put(kMandateKind, m.id, m.task_id, to_json(record), store::kAbsent);
  remember_proof(step, seen_proof);
  const std::uint64_t index = step.commit(ledger_);
  return {token, record, index};
}

}  // namespace mandate::broker
