// How privilege ends: outcomes, revocation. And how it is narrowed:
// attenuation for a downstream tool.
#include <algorithm>

#include "broker/broker.h"
#include "broker/key_acceptance.h"
#include "broker/limits.h"
#include "broker/lookups.h"
#include "broker/step.h"
#include "core/ids.h"
#include "core/error.h"
#include "keys/keyring.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "token/mandate_token.h"
#include "token/proof.h"
#include "token/public_key.h"

namespace mandate::broker {

inline constexpr const char* kAttenuateAction = "mandate:attenuate";

Recorded Broker::complete(const Caller& caller, const std::string& task_id, core::OutcomeResult result,
                          const std::string& result_digest) {
  auto task = get_task(store_, task_id);
  if (task.value.task.state != core::TaskState::active) {
    fail(ErrorKind::bad_input, "task " + task_id + " is " + std::string(core::to_string(task.value.task.state)) +
                                   "; only an active task has an outcome");
  }
  if (caller.actor_id != task.value.task.executor && caller.actor_id != task.value.task.initiator) {
    fail(ErrorKind::bad_input, "the outcome of task " + task_id + " is reported by its executor or initiator");
  }
  const core::Timestamp at = now();
  auto mandates = task_mandates(store_, task_id);
  if (mandates.empty()) fail(ErrorKind::bad_input, "task " + task_id + " has no mandate whose outcome could be reported");
  // The outcome answers for the latest mandate; all of them end with it.
  core::Outcome outcome{task_id, mandates.back().value.mandate.id, result, result_digest, at};
  if (auto ok = core::validate_outcome(outcome); !ok) fail(ErrorKind::bad_input, "outcome: " + ok.error());
  task.value.outcome = outcome;
  task.value.task.state = core::TaskState::completed;
  Step step("task.completed", caller, at);
  step.about_task(task_id).data("outcome", to_json(task.value).at("outcome"));
  step.put(kTaskKind, task_id, task.value.task.initiator, to_json(task.value), task.version);
  nlohmann::json ended = nlohmann::json::array();
  for (auto& mandate : mandates) {
    if (mandate.value.revocation) continue;
    revoke_into(step, mandate, core::RevocationReason::task_completed, std::nullopt, at);
    ended.push_back(mandate.value.mandate.id);
  }
  step.data("revoked_mandates", ended);
  return {step.commit(ledger_)};
}

Recorded Broker::revoke_mandate(const Caller& caller, const std::string& jti, const std::string& reason) {
  require_active_actor(store_, caller, {core::ActorKind::human}, "revoker");
  auto mandate = find_mandate(store_, jti);
  if (!mandate) fail(ErrorKind::not_found, "no mandate " + jti);
  if (mandate->value.revocation) fail(ErrorKind::bad_input, "mandate " + jti + " is already revoked");
  if (auto ok = core::check_text(reason); !ok) fail(ErrorKind::bad_input, "reason: " + ok.error());
  const core::Timestamp at = now();
  Step step("mandate.revoked", caller, at);
  step.about_task(mandate->value.mandate.task_id).ref("mandate", jti).data("reason", reason);
  revoke_into(step, *mandate, core::RevocationReason::revoked_by_person, caller.actor_id, at);
  return {step.commit(ledger_)};
}

IssuedMandate Broker::attenuate(const Attenuation& request) {
  const core::Timestamp at = now();
  const token::KeyLookup lookup = [&](std::string_view kid) {
    return acceptable_key(keyring_, kid, at, settings_.key_grace);
  };
  auto parent_claims = token::verify_mandate_token(request.parent_token, lookup,
                                                   {settings_.issuer, std::nullopt, at, settings_.clock_skew});
  if (!parent_claims) {
    fail(ErrorKind::bad_input, "parent token refused (" + std::string(token::to_string(parent_claims.error().check)) +
                                   "): " + parent_claims.error().reason);
  }
  auto parent = find_mandate(store_, parent_claims->jti);
  if (!parent || parent->value.token_hash != token::token_hash(request.parent_token)) {
    fail(ErrorKind::bad_input, "the parent mandate was not issued here");
  }
  if (parent->value.revocation) fail(ErrorKind::bad_input, "the parent mandate is revoked");
  if (at >= parent->value.mandate.expires_at) fail(ErrorKind::bad_input, "the parent mandate has expired");
  for (auto ancestor = parent->value.mandate.parent_id; ancestor;) {
    auto a = find_mandate(store_, *ancestor);
    if (!a || a->value.revocation) fail(ErrorKind::bad_input, "an ancestor of the parent mandate is revoked");
    ancestor = a->value.mandate.parent_id;
  }
  auto task = get_task(store_, parent->value.mandate.task_id);
  if (task.value.task.state != core::TaskState::active) fail(ErrorKind::bad_input, "the task is no longer active");
  // A child spends its parent's uses: it can have at most what is left.
  const std::int64_t parent_used = store_.record_version(kUsesKind, parent->value.mandate.id);
  const std::int64_t task_used = store_.record_version(kTaskUsesKind, task.value.task.id);
  const std::int64_t left = std::min<std::int64_t>(parent->value.mandate.max_uses - parent_used,
                                                   static_cast<std::int64_t>(task.value.use_budget) - task_used);
  if (left <= 0) fail(ErrorKind::bad_input, "the parent mandate's uses are spent");
  if (request.max_uses && *request.max_uses > left) {
    fail(ErrorKind::bad_input, "max_uses " + std::to_string(*request.max_uses) + " exceeds the " + std::to_string(left) +
                                   " use(s) left to the parent mandate");
  }

  const std::string child_executor = request.executor.value_or(parent->value.mandate.executor);
  // The holder of the parent proves possession, naming the child executor:
  // a stolen bearer copy of the parent cannot mint children for a thief.
  auto proof = token::verify_proof(request.parent_proof, request.parent_token, parent->value.mandate.key_binding.thumbprint,
                                   kAttenuateAction, child_executor, {at, settings_.proof_max_age, std::chrono::seconds(5)});
  if (!proof) {
    fail(ErrorKind::bad_input, "parent proof refused (" + std::string(token::to_string(proof.error().check)) + "): " +
                                   proof.error().reason);
  }
  if (store_.record_version(kProofKind, proof->jti) != store::kAbsent) fail(ErrorKind::bad_input, "parent proof replayed");
  const ActorRecord executor = require_executor(store_, child_executor);
  if (request.ttl <= std::chrono::seconds::zero()) fail(ErrorKind::bad_input, "ttl must be positive");

  const core::Mandate& p = parent->value.mandate;
  MandateRecord record;
  core::Mandate& m = record.mandate;
  m.id = new_id("m-");
  m.task_id = p.task_id;
  m.executor = child_executor;
  m.on_behalf_of = p.on_behalf_of;
  m.on_behalf_of.push_back(p.executor);
  m.scope = request.scope;
  m.not_before = std::max(core::Timestamp(std::chrono::floor<std::chrono::seconds>(at)), p.not_before);
  m.expires_at = std::min(m.not_before + request.ttl, p.expires_at);
  m.max_uses = request.max_uses.value_or(static_cast<std::uint32_t>(left));
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
  if (auto fault = core::check_attenuation(m, p, settings_.max_delegation_depth)) {
    fail(ErrorKind::bad_input, "refusing to attenuate: " + std::string(core::to_string(*fault)));
  }
  record.approval_hash = parent->value.approval_hash;
  record.break_glass = parent->value.break_glass;
  record.issued_at = at;
  const token::MandateClaims c = claims_for(m, settings_, m.not_before, record.approval_hash, record.break_glass);
  const std::string token = token::issue_mandate_token(c, keyring_.active());
  record.token_hash = token::token_hash(token);

  Caller holder{p.executor, caller_kind(get_actor(store_, p.executor).value.actor.kind),
                "proof-of-possession:jkt=" + p.key_binding.thumbprint};
  Step step("mandate.attenuated", holder, at);
  step.about_task(m.task_id).ref("mandate", m.id).ref("parent", p.id).data("mandate", to_json(record));
  step.data("kid", keyring_.active().kid());
  step.put(kMandateKind, m.id, m.task_id, to_json(record), store::kAbsent);
  step.put(kProofKind, proof->jti, p.id, nlohmann::json::object(), store::kAbsent);
  const std::uint64_t index = step.commit(ledger_);
  return {token, record, index};
}

}  // namespace mandate::broker
