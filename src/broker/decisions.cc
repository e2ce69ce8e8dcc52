// The runtime decision (invariant 3): the fixed checks in their order, then
// Cedar, then the durable record, before the answer leaves.
#include <algorithm>

#include "broker/broker.h"
#include "broker/journal.h"
#include "core/ids.h"
#include "broker/policy_context.h"
#include "core/error.h"
#include "encoding/json.h"
#include "keys/keyring.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "token/jws.h"
#include "token/mandate_token.h"
#include "token/proof.h"
#include "token/public_key.h"

namespace mandate::broker {

struct Broker::VerifiedToken {
  token::MandateClaims claims;
  std::string kid;
};

namespace {

constexpr std::size_t kMaxCachedTokens = 4096;
// Concurrent decisions on one task all move its use count; each commit that
// loses the race decides again on fresh state, and one of them always wins.
constexpr int kMaxDecisionAttempts = 64;

// A mandate's decision so far: the facts gathered and, once a check fails,
// which one and why.
struct Verdict {
  std::string failed_check;
  std::string reason;
  bool failed() const { return !failed_check.empty(); }
  void fail_with(std::string check, std::string why) {
    failed_check = std::move(check);
    reason = std::move(why);
  }
};

bool scope_allows(const core::Scope& scope, const std::string& action, const std::string& resource) {
  const auto has = [](const std::vector<std::string>& list, const std::string& v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  return std::any_of(scope.begin(), scope.end(), [&](const core::AuthorizationDetail& d) {
    return has(d.actions, action) && (has(d.resources, resource) || has(d.locations, resource));
  });
}

nlohmann::json parse_context(const std::string& text) {
  auto context = encoding::parse_json_strict(text.empty() ? "{}" : text);
  if (!context) fail(ErrorKind::bad_input, "context: " + context.error());
  if (!context->is_object()) fail(ErrorKind::bad_input, "context must be a JSON object");
  if (context->contains("mandate")) fail(ErrorKind::bad_input, "context.mandate is set by mandate itself");
  return *context;
}

void check_http_request(const std::optional<HttpRequest>& http) {
  if (!http) return;
  if (auto ok = core::check_id(http->method); !ok) fail(ErrorKind::bad_input, "http_request.method: " + ok.error());
  if (!token::normalize_http_uri(http->uri)) {
    fail(ErrorKind::bad_input, "http_request.uri: not an absolute http or https URI");
  }
}

// Whom the decision is for: a resource server accepts only mandates whose
// aud names it, or the home's default audience, which stands for every
// resource server that asks this broker.
std::string decision_audience(const DecisionRequest& request, const std::optional<Caller>& asked_by,
                              const Settings& settings) {
  if (request.audience) return *request.audience;
  if (asked_by && asked_by->kind != "system") return asked_by->actor_id;
  return settings.audience;
}

bool names_audience(const std::vector<std::string>& aud, const std::string& audience, const Settings& settings) {
  return std::ranges::find(aud, audience) != aud.end() || std::ranges::find(aud, settings.audience) != aud.end();
}

// A use counter read with the version a commit must still find.
struct UseCount {
  const char* kind;
  std::string id;
  std::string ref;
  std::int64_t used = 0;
  std::int64_t limit = 0;
};

}  // namespace

std::shared_ptr<const Broker::PolicyContext> Broker::current_policy_context() {
  std::shared_ptr<const PolicyContext> context;
  {
    std::lock_guard lock(cache_mu_);
    context = policy_context_;
  }
  const std::int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (context) {
    std::int64_t seen = context->checked_at.load();
    if (seen > 0 && now_ns - seen < std::chrono::nanoseconds(kPolicyRecheck).count()) return context;
    if (is_current(store_, *context)) {
      context->checked_at.compare_exchange_strong(seen, now_ns);  // unless marked stale meanwhile
      return context;
    }
  }
  context = build_policy_context(store_);
  context->checked_at.store(now_ns);
  std::lock_guard lock(cache_mu_);
  policy_context_ = context;
  return context;
}

DecisionResult Broker::authorize(const DecisionRequest& request) { return authorize(request, std::nullopt); }

DecisionResult Broker::authorize(const DecisionRequest& request, const std::optional<Caller>& asked_by) {
  if (auto ok = core::check_id(request.action); !ok) fail(ErrorKind::bad_input, "action: " + ok.error());
  if (auto ok = core::check_id(request.resource); !ok) fail(ErrorKind::bad_input, "resource: " + ok.error());
  if (request.audience) {
    if (auto ok = core::check_id(*request.audience); !ok) fail(ErrorKind::bad_input, "audience: " + ok.error());
  }
  check_http_request(request.http_request);
  if (!request.action_properties.is_object()) fail(ErrorKind::bad_input, "action.properties: must be a JSON object");
  for (const auto& [name, value] : request.action_properties.items()) {
    if (auto ok = policy::value_from_json(value); !ok) fail(ErrorKind::bad_input, "action.properties." + name + ": " + ok.error());
  }
  const nlohmann::json user_context = parse_context(request.context_json);
  const std::string token_hash = token::token_hash(request.token);
  const std::string audience = decision_audience(request, asked_by, settings_);

  for (int attempt = 0;; ++attempt) {
    const core::Timestamp at = now();
    DecisionResult result;
    Verdict verdict;
    // Who presented, as far as it was proven: the executor only once its
    // key's proof (or bound certificate) checked out.
    Caller actor{"unverified-presenter", "system", "unverified: the decision failed before possession was checked"};
    std::optional<std::string> proof_jti;
    std::vector<UseCount> uses;  // the mandate, its ancestors, then the task
    const token::MandateClaims* claims = nullptr;

    // 1-4: signature and key id, issuer, time.
    std::shared_ptr<const VerifiedToken> verified;
    {
      std::lock_guard lock(cache_mu_);
      if (auto it = verified_tokens_.find(token_hash); it != verified_tokens_.end()) verified = it->second;
    }
    if (verified) {
      // Signature and issuer cannot change; the key's standing and the time can.
      const auto& c = verified->claims;
      if (!acceptable_key(keyring_, verified->kid, at, settings_.key_grace)) {
        verdict.fail_with("key_id", "the signing key is no longer accepted");
      } else if (at + settings_.clock_skew < c.not_before) {
        verdict.fail_with("time", "the mandate is not valid yet");
      } else if (at >= c.expires_at + settings_.clock_skew) {
        verdict.fail_with("time", "the mandate has expired");
      }
    } else {
      const token::KeyLookup lookup = [&](std::string_view kid) {
        return acceptable_key(keyring_, kid, at, settings_.key_grace);
      };
      auto checked = token::verify_mandate_token(request.token, lookup,
                                                 {settings_.issuer, std::nullopt, at, settings_.clock_skew});
      if (!checked) {
        if (checked.error().check == token::TokenCheck::format) fail(ErrorKind::bad_input, "token: " + checked.error().reason);
        verdict.fail_with(std::string(token::to_string(checked.error().check)), checked.error().reason);
      } else {
        auto decoded = token::decode_compact(request.token);
        auto entry = std::make_shared<VerifiedToken>(VerifiedToken{std::move(*checked), decoded ? decoded->header.value("kid", "") : ""});
        std::lock_guard lock(cache_mu_);
        if (verified_tokens_.size() >= kMaxCachedTokens) verified_tokens_.clear();
        verified_tokens_[token_hash] = entry;
        verified = entry;
      }
    }
    if (verified) claims = &verified->claims;
    // 4b: audience: the mandate is for the resource server deciding.
    if (!verdict.failed() && claims && !names_audience(claims->audience, audience, settings_)) {
      verdict.fail_with("audience", "the mandate is not for this resource server (" + audience + ")");
    }

    // 5: revocation, of this mandate, its parents, its task and its executor.
    std::optional<Versioned<MandateRecord>> mandate;
    std::optional<TaskRecord> task;          // read once, for revocation and then for Cedar's context
    std::optional<core::ActorKind> executor_kind;
    if (claims) {
      result.mandate_id = claims->jti;
      result.task_id = claims->task_id;
      mandate = find_mandate(store_, claims->jti);
    }
    if (!verdict.failed() && claims) {
      if (!mandate || mandate->value.token_hash != token_hash) {
        verdict.fail_with("revocation", "no such mandate was issued here");
      } else if (mandate->value.revocation) {
        verdict.fail_with("revocation", "the mandate was revoked (" + std::string(core::to_string(mandate->value.revocation->reason)) + ")");
      } else {
        uses.push_back({kUsesKind, claims->jti, claims->task_id, 0, claims->max_uses});
        for (auto parent = mandate->value.mandate.parent_id; parent && !verdict.failed();) {
          auto p = find_mandate(store_, *parent);
          if (!p || p->value.revocation) {
            verdict.fail_with("revocation", "a parent mandate was revoked");
          } else {
            uses.push_back({kUsesKind, p->value.mandate.id, claims->task_id, 0, p->value.mandate.max_uses});
            parent = p->value.mandate.parent_id;
          }
        }
      }
      if (!verdict.failed()) {
        task = get_task(store_, claims->task_id).value;
        uses.push_back({kTaskUsesKind, claims->task_id, claims->task_id, 0, task->use_budget});
        if (task->task.state != core::TaskState::active) {
          verdict.fail_with("revocation", "the task is " + std::string(core::to_string(task->task.state)));
        } else if (task->window_ends_at && *task->window_ends_at <= at) {
          verdict.fail_with("revocation", "the task's window has ended");
        }
      }
      if (!verdict.failed()) {
        auto executor = find_actor(store_, claims->executor);
        if (!executor || executor->value.actor.state != core::LifecycleState::active) {
          verdict.fail_with("revocation", "the executor is not active");
        } else {
          executor_kind = executor->value.actor.kind;
        }
      }
    }
    // 6: uses: of this mandate, of every ancestor (a child spends its
    // parent's uses), and of the task's approval as a whole.
    if (!verdict.failed() && claims) {
      for (UseCount& u : uses) {
        u.used = store_.record_version(u.kind, u.id);
        if (u.used >= u.limit && !verdict.failed()) {
          const bool whole_task = std::string_view(u.kind) == kTaskUsesKind;
          verdict.fail_with("uses", whole_task ? "the task's approval covers " + std::to_string(u.limit) + " use(s), all spent"
                                   : u.id == claims->jti ? "the mandate's " + std::to_string(u.limit) + " use(s) are spent"
                                                         : "a parent mandate's " + std::to_string(u.limit) + " use(s) are spent");
        }
      }
    }
    // 7: proof of possession: fresh, bound to this token and key, unreplayed.
    if (!verdict.failed() && claims) {
      const std::string executor_kind_name(core::to_string(*executor_kind));
      if (claims->key_binding.kind == core::KeyBindingKind::x5t_s256) {
        if (!request.certificate_thumbprint) {
          verdict.fail_with("proof", "a certificate-bound mandate is presented over mTLS with its certificate");
          actor.authenticated_by = "unverified: no client certificate was reported";
        } else if (*request.certificate_thumbprint != claims->key_binding.thumbprint) {
          verdict.fail_with("proof", "the presenter's certificate is not the one the mandate is bound to");
          actor.authenticated_by = "unverified: the client certificate is not the bound one";
        } else {
          actor = {claims->executor, executor_kind_name, "proof-of-possession:x5t#S256=" + claims->key_binding.thumbprint};
        }
      } else {
        token::ProofOptions options{at, settings_.proof_max_age, std::chrono::seconds(5)};
        if (request.http_request) options.profile = token::ProofProfile::http;
        auto proof = request.http_request
                         ? token::verify_proof(request.proof, request.token, claims->key_binding.thumbprint,
                                               request.http_request->method, request.http_request->uri, options)
                         : token::verify_proof(request.proof, request.token, claims->key_binding.thumbprint,
                                               request.action, request.resource, options);
        if (!proof) {
          const std::string why = std::string(token::to_string(proof.error().check)) + ": " + proof.error().reason;
          verdict.fail_with("proof", why);
          actor.authenticated_by = "unverified: proof " + why;
        } else if (store_.record_version(kProofKind, proof->jti) != store::kAbsent) {
          verdict.fail_with("proof", "replayed: this proof was already presented");
          actor.authenticated_by = "unverified: the proof was replayed";
        } else {
          proof_jti = proof->jti;
          actor = {claims->executor, executor_kind_name, "proof-of-possession:jkt=" + proof->thumbprint};
        }
      }
    }
    // 8: scope.
    if (!verdict.failed() && claims && !scope_allows(claims->scope, request.action, request.resource)) {
      verdict.fail_with("scope", "the action on this resource is outside the approved authorization_details");
    }
    // 9: Cedar.
    const std::shared_ptr<const PolicyContext> context = current_policy_context();
    result.policy_set_hash = context->policy_set_hash;
    if (!verdict.failed() && claims) {
      if (context->policy_set_hash.empty()) {
        verdict.fail_with("policy", "no policy set is loaded (mandate policy load)");
      } else {
        nlohmann::json approvers = nlohmann::json::array();
        for (const auto& a : task_approvals(store_, claims->task_id)) {
          if (a.decision == core::ApprovalDecision::approve) approvers.push_back(a.approver);
        }
        nlohmann::json ctx = user_context;
        ctx["mandate"] = {{"initiator", claims->on_behalf_of.front()},
                          {"on_behalf_of", claims->on_behalf_of},
                          {"approvers", approvers},
                          {"task", claims->task_id},
                          {"task_ref", task->task.external_ref.value_or("")},
                          {"break_glass", claims->break_glass},
                          {"depth", claims->depth},
                          {"jti", claims->jti}};
        auto ctx_value = policy::value_from_json(ctx);
        if (!ctx_value) fail(ErrorKind::bad_input, "context: " + ctx_value.error());
        policy::Request cedar{actor_uid(claims->executor, *executor_kind), {"Action", request.action},
                              {"Resource", request.resource}, *ctx_value};
        std::vector<policy::Entity> overrides;
        add_override(context->entities, cedar.action, request.action_properties, "action", overrides);
        const policy::Entities with_properties =
            overrides.empty() ? policy::Entities{} : policy::Entities::overlay(context->entities, std::move(overrides));
        const policy::Response response =
            context->authorizer.authorize(cedar, request.action_properties.empty() ? context->entities : with_properties);
        for (const auto& e : response.errors) result.policy_errors.push_back(e.policy_id + ": " + e.message);
        if (response.decision == policy::Decision::Allow) {
          result.allow = true;
          result.decided_by = "policy";
          result.reasons = response.reasons;
        } else {
          verdict.fail_with("policy", response.reasons.empty() ? "no policy permits it"
                                                               : "forbidden by " + response.reasons.front());
          result.reasons = response.reasons;
        }
      }
    }
    if (verdict.failed()) {
      result.allow = false;
      result.decided_by = verdict.failed_check;
      if (verdict.failed_check != "policy" || result.reasons.empty()) result.reasons = {verdict.reason};
    }

    Step step("decision", actor, at);
    if (claims) step.about_task(claims->task_id).ref("mandate", claims->jti);
    if (request.traceparent) step.entry().traceparent = request.traceparent;
    step.data("decision", result.allow ? "allow" : "deny")
        .data("decided_by", result.decided_by)
        .data("reasons", result.reasons)
        .data("policy_errors", result.policy_errors)
        .data("policy_set", result.policy_set_hash)
        .data("token_hash", token_hash)
        .data("action", request.action)
        .data("resource", request.resource)
        .data("audience", audience)
        .data("context_hash", sha256_hex(encoding::canonicalize(user_context).value()));
    if (!request.action_properties.empty()) step.data("action_properties", request.action_properties);
    if (request.http_request) step.data("http_request", {{"method", request.http_request->method}, {"uri", request.http_request->uri}});
    if (asked_by) step.data("asked_by", {{"id", asked_by->actor_id}, {"kind", asked_by->kind}, {"authenticated_by", asked_by->authenticated_by}});
    if (proof_jti) {
      step.data("proof_jti", *proof_jti);
      step.put(kProofKind, *proof_jti, claims->jti, nlohmann::json::object(), store::kAbsent);
    }
    if (result.allow) {
      // One use of the mandate is one use of each ancestor and of the task.
      for (const UseCount& u : uses) step.put(u.kind, u.id, u.ref, {{"uses", u.used + 1}}, u.used);
      step.data("task_uses", uses.back().used + 1).data("task_use_budget", uses.back().limit);
    }
    try {
      result.ledger_index = step.commit(ledger_);
    } catch (const Error& e) {
      // Another decision used the same mandate, task or proof meanwhile: decide again on fresh state.
      if (e.kind() == ErrorKind::conflict && attempt + 1 < kMaxDecisionAttempts) continue;
      throw;
    }
    return result;
  }
}

}  // namespace mandate::broker
