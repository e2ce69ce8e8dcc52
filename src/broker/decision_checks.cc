// The runtime decision's fixed checks, one function each (decision_checks.h).
#include "broker/internal/decision_checks.h"

#include <algorithm>
#include <expected>
#include <span>
#include <utility>
#include <vector>

#include "broker/lookups.h"
#include "broker/internal/policy_context.h"
#include "broker/internal/remembered_uses.h"
#include "broker/internal/replay_window.h"
#include "broker/internal/seen_proofs.h"
#include "broker/internal/tool_calls.h"
#include "core/error.h"
#include "store/store.h"
#include "token/proof.h"

namespace mandate::broker {
namespace {

bool lists(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Failure failed(std::string check, std::string reason) { return Failure{std::move(check), std::move(reason)}; }

std::string spent_reason(const UseCount& u, const std::string& jti) {
  if (std::string_view(u.kind) == kTaskUsesKind) return "the task's approval covers " + std::to_string(u.limit) + " use(s), all spent";
  if (u.id == jti) return "the mandate's " + std::to_string(u.limit) + " use(s) are spent";
  return "a parent mandate's " + std::to_string(u.limit) + " use(s) are spent";
}

Verdict check_certificate(const DecisionRequest& request, const token::MandateClaims& claims, Presentation& p) {
  if (!request.certificate_thumbprint) {
    p.presenter.authenticated_by = "unverified: no client certificate was reported";
    return failed("proof", "a certificate-bound mandate is presented over mTLS with its certificate");
  }
  if (*request.certificate_thumbprint != claims.key_binding.thumbprint) {
    p.presenter.authenticated_by = "unverified: the client certificate is not the bound one";
    return failed("proof", "the presenter's certificate is not the one the mandate is bound to");
  }
  p.presenter = {claims.executor, caller_kind(*p.executor_kind),
                 "proof-of-possession:x5t#S256=" + claims.key_binding.thumbprint};
  return std::nullopt;
}

}  // namespace

std::string decision_audience(const DecisionRequest& request, const std::optional<Caller>& asked_by,
                              const Settings& settings) {
  if (request.audience) return *request.audience;
  if (asked_by && asked_by->kind != CallerKind::home_operator) return asked_by->actor_id;
  return settings.audience;
}

Verdict check_audience(const token::MandateClaims& claims, const std::string& audience, const Settings& settings) {
  if (lists(claims.audience, audience) || lists(claims.audience, settings.audience)) return std::nullopt;
  return failed("audience", "the mandate is not for this resource server (" + audience + ")");
}

namespace {

std::expected<policy::Value, std::string> mandate_context(const token::MandateClaims& claims, const DecisionState& state) {
  nlohmann::json approvers = nlohmann::json::array();
  for (const auto& a : state.approvals) {
    if (a.decision == core::ApprovalDecision::approve) approvers.push_back(a.approver);
  }
  const std::string task_ref = state.task ? state.task->value.task.external_ref.value_or("") : "";
  return policy::value_from_json({{"initiator", claims.on_behalf_of.front()}, {"on_behalf_of", claims.on_behalf_of},
                                  {"approvers", approvers},                   {"task", claims.task_id},
                                  {"task_ref", task_ref},                     {"break_glass", claims.break_glass},
                                  {"depth", claims.depth},                    {"jti", claims.jti}});
}

}  // namespace

DecisionState read_decision_state(store::Store& store, const token::MandateClaims& claims) {
  // Attenuation stops at depth 3; a longer chain can only be a damaged
  // store, and its unread tail is then denied as a missing parent.
  constexpr std::size_t kMaxChain = 16;
  DecisionState state;
  for (std::optional<std::string> id = claims.jti; id && state.chain.size() < kMaxChain;) {
    auto record = find_mandate(store, *id);
    if (!record) break;
    id = record->value.mandate.parent_id;
    state.chain.push_back(std::move(*record));
  }
  state.task = find_task(store, claims.task_id);
  if (state.task && state.task->value.task.state == core::TaskState::active) {
    state.approvals = task_approvals(store, claims.task_id);
  }
  state.executor = find_actor(store, claims.executor);
  if (state.executor && state.executor->value.public_jwk) {
    if (auto key = token::PublicKey::from_jwk(std::string_view(*state.executor->value.public_jwk))) state.executor_key = std::move(*key);
  }
  state.mandate_context = mandate_context(claims, state);
  return state;
}

Verdict check_revocation(const std::string& token_hash, core::Timestamp at, Presentation& p) {
  const token::MandateClaims& claims = *p.claims;
  const DecisionState& state = *p.state;
  if (state.chain.empty() || state.chain.front().value.token_hash != token_hash) {
    return failed("revocation", "no such mandate was issued here");
  }
  const auto& mandate = state.chain.front();
  if (mandate.value.revocation) {
    return failed("revocation", "the mandate was revoked (" + std::string(core::to_string(mandate.value.revocation->reason)) + ")");
  }
  p.uses = {{kUsesKind, claims.jti, claims.task_id, 0, claims.max_uses, std::nullopt}};
  p.standing = {{kMandateKind, claims.jti, mandate.version}};
  for (std::size_t i = 1;; ++i) {
    const auto& parent = state.chain[i - 1].value.mandate.parent_id;
    if (!parent) break;
    if (i == state.chain.size() || state.chain[i].value.revocation) return failed("revocation", "a parent mandate was revoked");
    const auto& record = state.chain[i];
    p.uses.push_back({kUsesKind, record.value.mandate.id, claims.task_id, 0, record.value.mandate.max_uses, std::nullopt});
    p.standing.push_back({kMandateKind, record.value.mandate.id, record.version});
  }
  if (!state.task) fail(ErrorKind::not_found, "no task " + claims.task_id);
  p.task = &state.task->value;
  p.standing.push_back({kTaskKind, claims.task_id, state.task->version});
  p.uses.push_back({kTaskUsesKind, claims.task_id, claims.task_id, 0, p.task->use_budget, std::nullopt});
  if (p.task->task.state != core::TaskState::active) {
    return failed("revocation", "the task is " + std::string(core::to_string(p.task->task.state)));
  }
  if (p.task->window_ends_at && *p.task->window_ends_at <= at) return failed("revocation", "the task's window has ended");
  const auto& executor = state.executor;
  if (!executor || executor->value.actor.state != core::LifecycleState::active) {
    return failed("revocation", "the executor is not active");
  }
  p.standing.push_back({kActorKind, claims.executor, executor->version});
  p.executor_kind = executor->value.actor.kind;
  return std::nullopt;
}

namespace {

using Key = std::pair<std::string, std::string>;

// The counters of p.uses as read (records in p.uses' order).
void take_use_counts(std::span<const std::optional<store::Record>> records, Presentation& p) {
  for (std::size_t i = 0; i < p.uses.size(); ++i) {
    UseCount& u = p.uses[i];
    if (!records[i]) continue;
    u.used = records[i]->version;
    // The task's count (the last) names its latest allow, at this version.
    if (i + 1 == p.uses.size()) u.last_use = named_index(nlohmann::json::parse(records[i]->body), "entry");
  }
}

// None of the counters may be spent.
Verdict first_spent(const Presentation& p) {
  for (const UseCount& u : p.uses) {
    if (u.used >= u.limit) return failed("uses", spent_reason(u, p.claims->jti));
  }
  return std::nullopt;
}

// The proof's own checks (a signature, no reads): DPoP of the HTTP request
// when one is named, else of the action on the resource.
std::expected<token::VerifiedProof, token::ProofRejection> verify_presented_proof(const DecisionRequest& request,
                                                                                 const Settings& settings,
                                                                                 core::Timestamp at, const Presentation& p) {
  const token::MandateClaims& claims = *p.claims;
  token::ProofOptions options{at, settings.proof_max_age, kProofClockSkew};
  options.registered_key = p.state->executor_key;
  if (!p.token_ath.empty()) options.token_ath = p.token_ath;
  if (request.http_request) options.profile = token::ProofProfile::http;
  return request.http_request ? token::verify_proof(request.proof, request.token, claims.key_binding.thumbprint,
                                                    request.http_request->method, request.http_request->uri, options)
                              : token::verify_proof(request.proof, request.token, claims.key_binding.thumbprint,
                                                    request.action, request.resource, options);
}

// A verified proof seen under none of its records is accepted.
Verdict take_proof(const std::expected<token::VerifiedProof, token::ProofRejection>& proof, bool seen, Presentation& p) {
  if (!proof) {
    const std::string why = std::string(token::to_string(proof.error().check)) + ": " + proof.error().reason;
    p.presenter.authenticated_by = "unverified: proof " + why;
    return failed("proof", why);
  }
  if (seen) {
    p.presenter.authenticated_by = "unverified: the proof was replayed";
    return failed("proof", "replayed: this proof was already presented");
  }
  p.proof_jti = proof->jti;
  p.presenter = {p.claims->executor, caller_kind(*p.executor_kind), "proof-of-possession:jkt=" + proof->thumbprint};
  return std::nullopt;
}

}  // namespace

Verdict check_uses_and_proof(store::Store& store, ledger::ClaimRegister& seen_proofs, const DecisionRequest& request,
                             const Settings& settings, core::Timestamp at, Presentation& p, RememberedUses* memory,
                             bool recall, bool may_read) {
  const bool by_certificate = p.claims->key_binding.kind == core::KeyBindingKind::x5t_s256;
  std::optional<std::expected<token::VerifiedProof, token::ProofRejection>> proof;
  if (!by_certificate) proof = verify_presented_proof(request, settings, at, p);
  // From memory, or one read for the counters (one read transaction on
  // SQLite, one query on PostgreSQL); seen proofs are in memory.
  p.uses_recalled = memory && recall && memory->recall(p.uses);
  if (!p.uses_recalled && !may_read) return Failure{kWouldWait, "the use counts are not in memory"};
  if (!p.uses_recalled) {
    std::vector<Key> keys;
    keys.reserve(p.uses.size());
    for (const UseCount& u : p.uses) keys.emplace_back(u.kind, u.id);
    take_use_counts(store.records_at(keys), p);
    if (memory) memory->note_read(p.uses);
  }
  if (auto spent = first_spent(p)) return spent;
  if (by_certificate) return check_certificate(request, *p.claims, p);
  const bool seen = *proof && seen_proofs.held(kProofClaimKind, (*proof)->jti);
  p.proof_claimed_until = at + proof_claim_lifetime(settings.proof_max_age);
  return take_proof(*proof, seen, p);
}

Verdict check_scope(const token::MandateClaims& claims, const DecisionRequest& request) {
  if (request.tool_call) return check_tool_scope(claims, *request.tool_call);
  // Tool-call details grant tool calls through the gateway, nothing else.
  const bool allowed = std::any_of(claims.scope.begin(), claims.scope.end(), [&](const core::AuthorizationDetail& d) {
    return d.type != kToolDetailType && d.type != kHeldCallDetailType && lists(d.actions, request.action) &&
           (lists(d.resources, request.resource) || lists(d.locations, request.resource));
  });
  if (allowed) return std::nullopt;
  return failed("scope", "the action on this resource is outside the approved authorization_details");
}

Verdict check_policy(const Broker::PolicyContext& context, const DecisionRequest& request,
                     const nlohmann::json& user_context, const Presentation& p, DecisionResult& result) {
  if (context.policy_set_hash.empty()) return failed("policy", "no policy set is loaded (mandate policy load)");
  const token::MandateClaims& claims = *p.claims;
  // The caller's members, then `mandate` (parse_context refused a context
  // that sets it).
  policy::Record fields;
  for (const auto& [name, value] : user_context.items()) {
    auto member = policy::value_from_json(value);
    if (!member) fail(ErrorKind::bad_input, "context: " + member.error());
    fields.emplace(name, std::move(*member));
  }
  if (!p.state->mandate_context) fail(ErrorKind::bad_input, "context: " + p.state->mandate_context.error());
  fields["mandate"] = *p.state->mandate_context;
  if (request.tool_call) add_tool_context(*request.tool_call, p.approval, fields);
  const policy::Value ctx_value = policy::make_record(std::move(fields));
  const policy::Request cedar{actor_uid(claims.executor, *p.executor_kind), {"Action", request.action},
                              {"Resource", request.resource}, ctx_value};
  std::vector<policy::Entity> overrides;
  add_override(context.entities, cedar.action, request.action_properties, "action", overrides);
  std::optional<policy::Entities> with_properties;
  if (!overrides.empty()) with_properties = policy::Entities::overlay(context.entities, std::move(overrides));
  const policy::Response response = context.authorizer.authorize(cedar, with_properties ? *with_properties : context.entities);
  for (const auto& e : response.errors) result.policy_errors.push_back(e.policy_id + ": " + e.message);
  result.reasons = response.reasons;
  if (response.decision == policy::Decision::Allow) {
    result.allow = true;
    return std::nullopt;
  }
  return failed("policy", response.reasons.empty() ? "no policy permits it" : "forbidden by " + response.reasons.front());
}

}  // namespace mandate::broker
