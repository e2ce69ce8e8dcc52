// The runtime decision (invariant 3): the fixed checks in their order
// (decision_checks.h), then the durable record, before the answer leaves.
#include <algorithm>
#include <utility>

#include "broker/broker.h"
#include "broker/internal/decision_checks.h"
#include "broker/key_acceptance.h"
#include "broker/step.h"
#include "broker/internal/decision_retries.h"
#include "broker/internal/policy_context.h"
#include "broker/internal/remembered_uses.h"
#include "broker/internal/replay_window.h"
#include "broker/internal/task_turns.h"
#include "broker/internal/tool_calls.h"
#include "core/error.h"
#include "core/ids.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "encoding/json.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "token/jws.h"
#include "token/mandate_token.h"
#include "token/proof.h"

namespace mandate::broker {

struct Broker::VerifiedToken {
  token::MandateClaims claims;
  std::string kid;
};

namespace {

constexpr std::size_t kMaxCachedTokens = 4096;
constexpr std::size_t kMaxCachedStates = 4096;
// Concurrent decisions on one task all move its use count; each commit that
// loses the race decides again on fresh state, and one of them always wins.
constexpr int kMaxDecisionAttempts = 64;

nlohmann::json parse_context(const std::string& text) {
  // Most decisions bring no context of their own.
  if (text.empty() || text == "{}") return nlohmann::json::object();
  auto context = encoding::parse_json_strict(text);
  if (!context) fail(ErrorKind::bad_input, "context: " + context.error());
  if (!context->is_object()) fail(ErrorKind::bad_input, "context must be a JSON object");
  if (context->contains("mandate")) fail(ErrorKind::bad_input, "context.mandate is set by mandate itself");
  return *context;
}

// Malformed requests are refused before anything is decided or recorded.
void check_request(const DecisionRequest& request) {
  if (auto ok = core::check_id(request.action); !ok) fail(ErrorKind::bad_input, "action: " + ok.error());
  if (auto ok = core::check_id(request.resource); !ok) fail(ErrorKind::bad_input, "resource: " + ok.error());
  if (request.audience) {
    if (auto ok = core::check_id(*request.audience); !ok) fail(ErrorKind::bad_input, "audience: " + ok.error());
  }
  if (const auto& http = request.http_request) {
    if (auto ok = core::check_id(http->method); !ok) fail(ErrorKind::bad_input, "http_request.method: " + ok.error());
    if (!token::normalize_http_uri(http->uri)) fail(ErrorKind::bad_input, "http_request.uri: not an absolute http or https URI");
  }
  if (!request.action_properties.is_object()) fail(ErrorKind::bad_input, "action.properties: must be a JSON object");
  for (const auto& [name, value] : request.action_properties.items()) {
    if (auto ok = policy::value_from_json(value); !ok) fail(ErrorKind::bad_input, "action.properties." + name + ": " + ok.error());
  }
  if (const auto& call = request.tool_call) {
    if (auto ok = core::check_id(call->server); !ok) fail(ErrorKind::bad_input, "tool_call.server: " + ok.error());
    if (auto ok = core::check_id(call->tool); !ok) fail(ErrorKind::bad_input, "tool_call.tool: " + ok.error());
    if (request.action != kToolCallAction || request.resource != tool_call_resource(call->server, call->tool)) {
      fail(ErrorKind::bad_input, "a tool call is decided as mcp:call on mcp:<server>/<tool>");
    }
    if (!call->arguments.is_object()) fail(ErrorKind::bad_input, "tool_call.arguments: must be a JSON object");
    if (auto ok = arguments_value(call->arguments); !ok) fail(ErrorKind::bad_input, "tool_call.arguments: " + ok.error());
    arguments_digest(call->arguments);  // canonical, or bad_input
  }
}

}  // namespace

// Checks 1-4: signature and key id, issuer, time. A token whose signature
// verified is remembered by its hash; its key's standing and the time are
// checked again on every use. A token that is not a JWS at all is bad input.
std::shared_ptr<const Broker::VerifiedToken> Broker::verified_token(const std::string& token, const std::string& token_hash,
                                                                   core::Timestamp at, std::optional<Failure>& failure) {
  std::shared_ptr<const VerifiedToken> verified;
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = verified_tokens_.find(token_hash); it != verified_tokens_.end()) verified = it->second;
  }
  if (verified) {
    const auto& c = verified->claims;
    if (!key_still_accepted(*keyring_.current(), verified->kid, at, settings_.key_grace)) {
      failure = Failure{"key_id", "the signing key is no longer accepted"};
    } else if (at + settings_.clock_skew < c.not_before) {
      failure = Failure{"time", "the mandate is not valid yet"};
    } else if (at >= c.expires_at + settings_.clock_skew) {
      failure = Failure{"time", "the mandate has expired"};
    }
    return verified;
  }
  const token::KeyLookup lookup = [&](std::string_view kid) { return acceptable_key(*keyring_.current(), kid, at, settings_.key_grace); };
  auto checked = token::verify_mandate_token(token, lookup, {settings_.issuer, std::nullopt, at, settings_.clock_skew});
  if (!checked) {
    if (checked.error().check == token::TokenCheck::format) fail(ErrorKind::bad_input, "token: " + checked.error().reason);
    failure = Failure{std::string(token::to_string(checked.error().check)), checked.error().reason};
    return nullptr;
  }
  auto decoded = token::decode_compact(token);
  auto entry = std::make_shared<VerifiedToken>(VerifiedToken{std::move(*checked), decoded ? decoded->header.value("kid", "") : ""});
  std::lock_guard lock(cache_mu_);
  if (verified_tokens_.size() >= kMaxCachedTokens) verified_tokens_.clear();
  verified_tokens_[token_hash] = entry;
  return entry;
}

std::shared_ptr<const DecisionState> Broker::remembered_state(const token::MandateClaims& claims) {
  std::lock_guard lock(cache_mu_);
  const auto it = decision_states_.find(claims.jti);
  return it == decision_states_.end() ? nullptr : it->second;
}

// The decision state of a mandate, as remembered from an earlier decision
// when `remembered` allows and one is, else read now (and remembered).
std::shared_ptr<const DecisionState> Broker::decision_state(const token::MandateClaims& claims, bool remembered,
                                                            bool& was_remembered) {
  was_remembered = false;
  if (remembered) {
    std::lock_guard lock(cache_mu_);
    if (auto it = decision_states_.find(claims.jti); it != decision_states_.end()) {
      was_remembered = true;
      return it->second;
    }
  }
  auto state = read_state(claims);
  std::lock_guard lock(cache_mu_);
  if (decision_states_.size() >= kMaxCachedStates) decision_states_.clear();
  decision_states_[claims.jti] = state;
  return state;
}

std::shared_ptr<const DecisionState> Broker::read_state(const token::MandateClaims& claims) {
  return std::make_shared<const DecisionState>(read_decision_state(store_, claims));
}

DecisionResult Broker::authorize(const DecisionRequest& request) { return authorize(request, std::nullopt); }

struct Broker::DecisionCall {
  const DecisionRequest& request;
  const std::optional<Caller>& asked_by;
  nlohmann::json user_context;
  // One digest of the token: its hash for the records, its "ath" for the proof.
  std::string token_hash;
  std::string token_ath;
  std::string audience;
};

Broker::DecisionCall Broker::decision_call(const DecisionRequest& request, const std::optional<Caller>& asked_by) const {
  check_request(request);
  const crypto::Hash token_digest = crypto::sha256(request.token);
  return DecisionCall{request,
                      asked_by,
                      parse_context(request.context_json),
                      encoding::hex_encode(token_digest),
                      encoding::base64url_encode(token_digest),
                      decision_audience(request, asked_by, settings_)};
}

namespace {

// The checks after the token's own, in their order: the first that fails
// decides and the later ones do not run.
void run_checks(store::Store& store, ledger::ClaimRegister& seen_proofs, RememberedUses& uses, bool recall, bool may_read,
                const Settings& settings, const Broker::PolicyContext& context,
                const Broker::DecisionCall& call, core::Timestamp at, Presentation& p, DecisionResult& result,
                std::optional<Failure>& failure) {
  if (failure || !p.claims) return;
  failure = check_audience(*p.claims, call.audience, settings);
  if (!failure) failure = check_revocation(call.token_hash, at, p);
  if (!failure) failure = check_uses_and_proof(store, seen_proofs, call.request, settings, at, p, &uses, recall, may_read);
  if (!failure) failure = check_scope(*p.claims, call.request);
  if (!failure) failure = check_policy(context, call.request, call.user_context, p, result);
}

void conclude(const std::optional<Failure>& failure, const Presentation& p, DecisionResult& result) {
  if (failure) {
    result.allow = false;
    result.decided_by = failure->check;
    if (failure->check != "policy" || result.reasons.empty()) result.reasons = {failure->reason};
  } else {
    result.decided_by = "policy";
  }
  result.presenter = p.presenter;
}

// The durable step of a decision: one ledger entry and the state it moves
// (the proof's seen record, one use of the mandate, of each ancestor and of
// the task), each put at the version the checks read.
Step decision_step(store::Store& store, const Broker::DecisionCall& call, core::Timestamp at, const Presentation& p,
                   const DecisionResult& result) {
  const DecisionRequest& request = call.request;
  Step step(std::string(kDecisionEntry), p.presenter, at);
  // An allow is found from its task by the chain of its uses (entries_about_task);
  // anything else is filed under the task.
  if (p.claims && result.allow) step.ref("task", p.claims->task_id).ref("mandate", p.claims->jti);
  if (p.claims && !result.allow) step.about_task(p.claims->task_id).ref("mandate", p.claims->jti);
  if (request.traceparent) step.entry().traceparent = request.traceparent;
  step.data("decision", result.allow ? "allow" : "deny")
      .data("decided_by", result.decided_by)
      .data("reasons", result.reasons)
      .data("policy_errors", result.policy_errors)
      .data("policy_set", result.policy_set_hash)
      .data("token_hash", call.token_hash)
      .data("action", request.action)
      .data("resource", request.resource)
      .data("audience", call.audience)
      .data("context_hash", sha256_hex(encoding::canonicalize(call.user_context).value()));
  if (!request.action_properties.empty()) step.data("action_properties", request.action_properties);
  if (request.http_request) step.data("http_request", {{"method", request.http_request->method}, {"uri", request.http_request->uri}});
  if (const auto& tool = request.tool_call) {
    nlohmann::json tool_call = {{"server", tool->server},
                                {"tool", tool->tool},
                                {"arguments_sha256", arguments_digest(tool->arguments)},
                                {"argument_names", argument_names(tool->arguments)}};
    if (!tool->session.empty()) tool_call["session"] = tool->session;
    if (result.held) tool_call["held_task"] = result.held->task_id;
    step.data("tool_call", tool_call);
    if (result.held) step.ref("held_task", result.held->task_id).index_under(kHeldEntryKind, result.held->task_id);
  }
  if (const auto& asked_by = call.asked_by) {
    step.data("asked_by", {{"id", asked_by->actor_id}, {"kind", std::string(to_string(asked_by->kind))}, {"authenticated_by", asked_by->authenticated_by}});
  }
  if (p.proof_jti) {
    step.data("proof_jti", *p.proof_jti);
    step.claim(kProofClaimKind, *p.proof_jti, p.proof_claimed_until);
  }
  if (result.allow) {
    for (const Presentation::Standing& s : p.standing) step.require(s.kind, s.id, s.version);
    for (std::size_t i = 0; i + 1 < p.uses.size(); ++i) {
      const UseCount& u = p.uses[i];
      step.put(u.kind, u.id, u.ref, {{"uses", u.used + 1}}, u.used);
    }
    const UseCount& task = p.uses.back();
    step.put_naming_entry(task.kind, task.id, task.ref, {{"uses", task.used + 1}}, task.used);
    step.data("task_uses", task.used + 1).data("task_use_budget", task.limit);
    if (task.last_use) step.data("previous_use", *task.last_use);
    if (p.approval) use_held_approval(store, step, *p.approval);
  }
  return step;
}

// Where a decision's checks start: the verified token's claims and its
// mandate's state, and what the result says of them.
void present(const Broker::VerifiedToken& verified, std::shared_ptr<const DecisionState> state, Presentation& p,
             DecisionResult& result) {
  p.claims = &verified.claims;
  p.state = std::move(state);
  result.mandate_id = verified.claims.jti;
  result.task_id = verified.claims.task_id;
  result.executor = verified.claims.executor;
}

bool is_conflict(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e.kind() == ErrorKind::conflict;
  } catch (...) {
    return false;
  }
}

}  // namespace

DecisionResult Broker::authorize(const DecisionRequest& request, const std::optional<Caller>& asked_by) {
  const DecisionCall call = decision_call(request, asked_by);
  bool held_by_this_call = false;
  // A remembered state may allow (its commit requires every version it
  // read); a deny, or a commit that finds a record moved, is decided again
  // on state read afresh.
  bool remembered = true;
  for (int attempt = 0;; ++attempt) {
    const core::Timestamp at = now();
    DecisionResult result;
    Presentation p;
    p.token_ath = call.token_ath;
    std::optional<Failure> failure;
    bool state_was_remembered = false;
    const auto verified = verified_token(request.token, call.token_hash, at, failure);
    TaskTurns::Turn turn;
    if (verified) {
      turn = task_turns_->wait_for(verified->claims.task_id);
      present(*verified, decision_state(verified->claims, remembered, state_was_remembered), p, result);
    }
    const std::shared_ptr<const PolicyContext> context = policy_cache_->current();
    result.policy_set_hash = context->policy_set_hash;
    run_checks(store_, *seen_proofs_, *remembered_uses_, remembered, true, settings_, *context, call, at, p, result, failure);
    if (failure && (state_was_remembered || p.uses_recalled)) {
      remembered = false;
      continue;
    }
    if (failure && failure->check == "policy" && request.tool_call &&
        awaits_approval(context->authorizer.policies(), result.reasons)) {
      const std::string binding = held_call_binding(*p.claims, *request.tool_call);
      const HeldStanding held = held_standing(store_, binding, context->policy_set_hash, at);
      if (held.state == HeldStanding::State::approved) {
        p.approval = Presentation::HeldApproval{held.task_id, held.task_version, held.approvers};
        result.reasons.clear();
        result.policy_errors.clear();
        failure = check_policy(*context, request, call.user_context, p, result);
        if (!failure) result.approval_task = held.task_id;
      } else if (held.state == HeldStanding::State::waiting) {
        result.held = HeldCall{held.task_id, attempt > 0 && held_by_this_call, held.expires_at};
        failure = Failure{"approval", "held for a person's approval in task " + held.task_id};
      } else if (held.state == HeldStanding::State::denied) {
        failure = Failure{"approval", "a person denied this call in task " + held.task_id};
      } else {
        // Held anew: the task is requested now, and the decision that
        // follows (next attempt) finds it waiting and records the deny.
        const auto refused = hold_call(store_, ledger_, settings_, *p.claims, p.presenter, *request.tool_call,
                                       context->policy_set_hash, binding, held.binding_version, at);
        if (refused) {
          failure = Failure{"approval", "this call needs a person's approval and could not be held: " + *refused};
        } else {
          if (attempt + 1 >= kMaxDecisionAttempts) fail(ErrorKind::conflict, "the held call kept racing other calls");
          held_by_this_call = true;
          continue;
        }
      }
    }
    conclude(failure, p, result);
    result.ledger_index = record_decision(call, at, p, result);
    if (result.ledger_index == kDecisionConflict && attempt + 1 < kMaxDecisionAttempts) {
      remembered = false;
      continue;
    }
    if (result.ledger_index == kDecisionConflict) fail(ErrorKind::conflict, "the decision kept racing other decisions on its task");
    return result;
  }
}

// An authorize_without_waiting call: the request and what every attempt
// uses, the task's turn (held until the last attempt's commit is told),
// and for the first attempt the token as checked when the turn was taken.
struct Broker::AsyncDecision {
  DecisionRequest request;
  std::optional<Caller> asked_by;
  std::optional<DecisionCall> call;  // refers to request and asked_by above
  DecisionDone done;
  TaskTurns::Turn turn;
  int attempt = 0;
  std::optional<core::Timestamp> first_at;
  std::shared_ptr<const VerifiedToken> first_verified;
  std::optional<Failure> first_failure;

  void finish(const DecisionResult* result, std::exception_ptr error) {
    turn.end();
    done(result, std::move(error));
  }
};

bool Broker::authorize_without_waiting(const DecisionRequest& request, const std::optional<Caller>& asked_by,
                                       DecisionDone done, Resume resume) {
  if (request.tool_call) return false;
  // A store whose reads wait (PostgreSQL): only what is decided from
  // memory alone, the mandate's state and use counts remembered and the
  // proofs accepted so far loaded.
  const bool memory_only = !store_.reads_never_wait();
  if (memory_only && !seen_proofs_->answers_from_memory()) return false;
  std::shared_ptr<const PolicyContext> context = policy_cache_->current_if_checked();
  if (!context) return false;
  auto async = std::make_shared<AsyncDecision>();
  async->request = request;
  async->asked_by = asked_by;
  async->call.emplace(decision_call(async->request, async->asked_by));
  async->first_at = now();
  async->first_verified = verified_token(request.token, async->call->token_hash, *async->first_at, async->first_failure);
  async->done = std::move(done);
  if (async->first_verified) {
    const std::string& task_id = async->first_verified->claims.task_id;
    std::optional<TaskTurns::Turn> turn;
    if (resume) {
      turn = task_turns_->take_or_park(task_id, [this, async, resume, memory_only](TaskTurns::Turn taken) {
        async->turn = std::move(taken);
        resume([this, async, memory_only] { decide_in_turn(async, memory_only); });
      });
      if (!turn) return true;  // parked: decided once its turn comes
    } else {
      turn = task_turns_->take_if_free(task_id);
      if (!turn) return false;
    }
    async->turn = std::move(*turn);
  }
  if (!decide_without_waiting(async, std::move(context), false, memory_only)) {
    async->turn.end();
    return false;
  }
  return true;
}

bool Broker::decide_without_waiting(const std::shared_ptr<AsyncDecision>& async,
                                    std::shared_ptr<const PolicyContext> context, bool fresh, bool memory_only) {
  const DecisionCall& call = *async->call;
  bool remembered = !fresh;
  for (;;) {
    core::Timestamp at{};
    std::shared_ptr<const VerifiedToken> verified;
    std::optional<Failure> failure;
    if (async->first_at) {
      at = *std::exchange(async->first_at, std::nullopt);
      verified = std::exchange(async->first_verified, nullptr);
      failure = std::exchange(async->first_failure, std::nullopt);
    } else {
      at = now();
      verified = verified_token(call.request.token, call.token_hash, at, failure);
    }
    DecisionResult result;
    Presentation p;
    p.token_ath = call.token_ath;
    bool state_was_remembered = false;
    if (verified) {
      auto state = memory_only ? remembered_state(verified->claims) : decision_state(verified->claims, remembered, state_was_remembered);
      if (!state) return false;  // not in memory: nothing done yet
      state_was_remembered = state_was_remembered || memory_only;
      present(*verified, std::move(state), p, result);
    }
    result.policy_set_hash = context->policy_set_hash;
    run_checks(store_, *seen_proofs_, *remembered_uses_, remembered, !memory_only, settings_, *context, call, at, p,
               result, failure);
    if (failure && failure->check == kWouldWait) return false;
    if (failure && (state_was_remembered || p.uses_recalled)) {
      // A deny is decided on fresh reads: by a thread that may wait.
      if (memory_only) return false;
      remembered = false;
      continue;
    }
    conclude(failure, p, result);
    Step step = decision_step(store_, call, at, p, result);
    auto decided = std::make_shared<DecisionResult>(std::move(result));
    std::vector<UseCount> used;  // what an allow moves
    if (decided->allow) used = std::move(p.uses);
    step.commit_without_waiting(ledger_, [this, async, decided, used = std::move(used)](std::uint64_t index,
                                                                                       std::exception_ptr error) {
      // On the committing thread: a conflict is decided again, on state
      // read afresh, still in the task's turn; where reads wait, by the
      // retry thread, so that no commit waits for them.
      try {
        if (error && is_conflict(error)) {
          if (++async->attempt >= kMaxDecisionAttempts) {
            fail(ErrorKind::conflict, "the decision kept racing other decisions on its task");
          }
          if (store_.reads_never_wait()) {
            decide_without_waiting(async, policy_cache_->current(), true, false);
          } else {
            decide_on_retry_thread(async);
          }
          return;
        }
        if (error) std::rethrow_exception(error);
        decided->ledger_index = index;
        if (decided->allow) remembered_uses_->note_allowed(used, index);
        async->finish(decided.get(), nullptr);
      } catch (...) {
        async->finish(nullptr, std::current_exception());
      }
    });
    return true;
  }
}

void Broker::decide_in_turn(const std::shared_ptr<AsyncDecision>& async, bool memory_only) {
  try {
    // Decided as of now, on the token and state as they are now: the
    // decision before it on the task has just been committed.
    async->first_at.reset();
    async->first_verified.reset();
    async->first_failure.reset();
    std::shared_ptr<const PolicyContext> context = policy_cache_->current_if_checked();
    if (context && decide_without_waiting(async, std::move(context), false, memory_only)) return;
    decide_on_retry_thread(async);
  } catch (...) {
    async->finish(nullptr, std::current_exception());
  }
}

void Broker::decide_on_retry_thread(const std::shared_ptr<AsyncDecision>& async) {
  retries_->post([this, async] {
    try {
      decide_without_waiting(async, policy_cache_->current(), true, false);
    } catch (...) {
      async->finish(nullptr, std::current_exception());
    }
  });
}

PresentationCheck Broker::check_presentation(const DecisionRequest& request) {
  check_request(request);
  const std::string token_hash = token::token_hash(request.token);
  const std::string audience = decision_audience(request, std::nullopt, settings_);
  const core::Timestamp at = now();
  Presentation p;
  std::optional<Failure> failure;
  const auto verified = verified_token(request.token, token_hash, at, failure);
  PresentationCheck out;
  if (verified) {
    p.claims = &verified->claims;
    p.state = read_state(*p.claims);
    out.mandate_id = p.claims->jti;
    out.task_id = p.claims->task_id;
    out.executor = p.claims->executor;
    out.scope = p.claims->scope;
  }
  if (!failure && p.claims) failure = check_audience(*p.claims, audience, settings_);
  if (!failure && p.claims) failure = check_revocation(token_hash, at, p);
  if (!failure && p.claims) failure = check_uses_and_proof(store_, *seen_proofs_, request, settings_, at, p);
  if (failure) {
    out.failed_check = failure->check;
    out.reason = failure->reason;
    return out;
  }
  out.valid = true;
  out.executor_kind = *p.executor_kind;
  return out;
}

std::vector<bool> Broker::tools_in_reach(const PresentationCheck& presenter,
                                         const std::vector<std::pair<std::string, std::string>>& tools) {
  std::vector<bool> out(tools.size(), false);
  if (!presenter.valid) return out;
  const auto context = policy_cache_->current();
  if (context->policy_set_hash.empty()) return out;
  const policy::Authorizer reach = reach_authorizer(context->authorizer.policies());
  const policy::EntityUid principal = actor_uid(presenter.executor, presenter.executor_kind);
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const auto& [server, tool] = tools[i];
    if (!tool_in_scope(presenter.scope, server, tool)) continue;
    const policy::Request cedar{principal, {"Action", kToolCallAction}, {"Resource", tool_call_resource(server, tool)},
                                policy::make_record({})};
    out[i] = reach.authorize(cedar, context->entities).decision == policy::Decision::Allow;
  }
  return out;
}

// The decision's durable step, committed; kDecisionConflict when another
// decision moved its records first.
std::uint64_t Broker::record_decision(const DecisionCall& call, core::Timestamp at, const Presentation& p,
                                      const DecisionResult& result) {
  Step step = decision_step(store_, call, at, p, result);
  try {
    const std::uint64_t index = step.commit(ledger_);
    if (result.allow) remembered_uses_->note_allowed(p.uses, index);
    return index;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::conflict) return kDecisionConflict;
    throw;
  }
}

}  // namespace mandate::broker
