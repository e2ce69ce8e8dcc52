// General Cedar decisions (the AuthZEN decision point): entities named by
// the caller, evaluated against the cached policy context, and recorded.
// The cache is what keeps this cheap: no store read per decision beyond the
// three record versions that say the cache is current, and the ledger's
// group commit shares one fsync among concurrent decisions.
#include <algorithm>
#include <set>

#include "broker/broker.h"
#include "broker/step.h"
#include "broker/internal/policy_context.h"
#include "core/error.h"
#include "encoding/canonical_writer.h"
#include "ledger/ledger.h"

namespace mandate::broker {
namespace {

policy::EntityUid uid_of(const EntityRef& ref, const char* field) {
  if (ref.type.empty()) fail(ErrorKind::bad_input, std::string(field) + ".type: must not be empty");
  return {ref.type, ref.id};
}

policy::Value context_value(const nlohmann::json& context) {
  if (!context.is_object()) fail(ErrorKind::bad_input, "context: must be a JSON object");
  auto value = policy::value_from_json(context);
  if (!value) fail(ErrorKind::bad_input, "context: " + value.error());
  return *value;
}

}  // namespace

void add_override(const policy::Entities& stored, const policy::EntityUid& uid, const nlohmann::json& attributes,
                  const char* field, std::vector<policy::Entity>& overrides) {
  if (attributes.is_null() || (attributes.is_object() && attributes.empty())) return;
  if (!attributes.is_object()) fail(ErrorKind::bad_input, std::string(field) + ".properties: must be a JSON object");
  auto same = std::find_if(overrides.begin(), overrides.end(), [&](const policy::Entity& e) { return e.uid == uid; });
  if (same == overrides.end()) {
    const policy::Entity* base = stored.find(uid);
    same = overrides.insert(overrides.end(), base ? *base : policy::Entity{uid, {}, {}, {}, {}});
  }
  for (const auto& [name, json] : attributes.items()) {
    auto value = policy::value_from_json(json);
    if (!value) fail(ErrorKind::bad_input, std::string(field) + ".properties." + name + ": " + value.error());
    same->attrs.insert_or_assign(name, std::move(*value));
  }
}

namespace {

nlohmann::json ref_json(const EntityRef& ref) { return {{"type", ref.type}, {"id", ref.id}}; }

nlohmann::json request_json(const Evaluation& request) {
  nlohmann::json out = {{"principal", ref_json(request.principal)},
                        {"action", ref_json(request.action)},
                        {"resource", ref_json(request.resource)},
                        {"context", request.context}};
  if (!request.principal.attributes.empty()) out["principal"]["attributes"] = request.principal.attributes;
  if (!request.action.attributes.empty()) out["action"]["attributes"] = request.action.attributes;
  if (!request.resource.attributes.empty()) out["resource"]["attributes"] = request.resource.attributes;
  return out;
}

nlohmann::json caller_json(const Caller& caller) {
  return {{"id", caller.actor_id}, {"kind", std::string(to_string(caller.kind))}, {"authenticated_by", caller.authenticated_by}};
}

// The request as Cedar sees it, with the store overlaid by the request's
// attributes. Holds the overlay the request's evaluation reads.
struct Prepared {
  policy::Request request;
  policy::Entities view;
  const policy::Entities* entities = nullptr;
};

void prepare(const Broker::PolicyContext& context, const Evaluation& e, Prepared& out) {
  out.request = {uid_of(e.principal, "subject"), uid_of(e.action, "action"), uid_of(e.resource, "resource"),
                 context_value(e.context)};
  if (!policy::is_action_type(e.action.type)) fail(ErrorKind::bad_input, "action: " + e.action.type + " is not an action type");
  std::vector<policy::Entity> overrides;
  add_override(context.entities, out.request.principal, e.principal.attributes, "subject", overrides);
  // An action's properties are the action entity's attributes for this
  // request (`action.method` in a policy), as a subject's and a resource's
  // are theirs: they cannot collide with the caller's context, and the
  // stored action (its groups) is otherwise unchanged.
  add_override(context.entities, out.request.action, e.action.attributes, "action", overrides);
  add_override(context.entities, out.request.resource, e.resource.attributes, "resource", overrides);
  if (overrides.empty()) {
    out.entities = &context.entities;
  } else {
    out.view = policy::Entities::overlay(context.entities, std::move(overrides));
    out.entities = &out.view;
  }
}

EvaluationResult decide(const Broker::PolicyContext& context, const Prepared& prepared) {
  EvaluationResult result;
  result.policy_set_hash = context.policy_set_hash;
  if (context.policy_set_hash.empty()) {
    result.reasons = {"no policy set is loaded (mandate policy load)"};
    return result;
  }
  const policy::Response response = context.authorizer.authorize(prepared.request, *prepared.entities);
  result.allow = response.decision == policy::Decision::Allow;
  result.reasons = response.reasons;
  if (!result.allow && result.reasons.empty()) result.reasons = {"no policy permits it"};
  for (const auto& e : response.errors) result.policy_errors.push_back(e.policy_id + ": " + e.message);
  return result;
}

// Every action the policy set names in a scope, and every action entity.
std::vector<policy::EntityUid> known_actions(const Broker::PolicyContext& context) {
  std::set<policy::EntityUid> actions;
  for (const auto& p : context.authorizer.policies().policies) actions.insert(p.action.entities.begin(), p.action.entities.end());
  for (auto& uid : context.entities.uids_where([](const policy::EntityUid& u) { return policy::is_action_type(u.type); })) {
    actions.insert(std::move(uid));
  }
  return {actions.begin(), actions.end()};
}

std::vector<policy::EntityUid> candidates(const Broker::PolicyContext& context, const Search& search) {
  if (search.find == Search::Find::action) return known_actions(context);
  const std::string& type = search.find == Search::Find::principal ? search.pattern.principal.type : search.pattern.resource.type;
  if (type.empty()) fail(ErrorKind::bad_input, std::string(search.find == Search::Find::principal ? "subject" : "resource") + ".type: must not be empty");
  return context.entities.uids_where([&](const policy::EntityUid& u) { return u.type == type; });
}

const char* to_string(Search::Find find) {
  switch (find) {
    case Search::Find::principal: return "subject";
    case Search::Find::action: return "action";
    case Search::Find::resource: return "resource";
  }
  return "subject";
}

}  // namespace

std::optional<Broker::ActorStanding> Broker::actor_standing(const std::string& id) {
  const auto context = policy_cache_->current();
  for (const auto kind : {core::ActorKind::human, core::ActorKind::workload, core::ActorKind::agent}) {
    const policy::Entity* entity = context->entities.find(actor_uid(id, kind));
    if (entity == nullptr) continue;
    const auto state = entity->attrs.find("state");
    if (state == entity->attrs.end()) continue;
    const auto* text = std::get_if<std::string>(&state->second.data);
    const auto parsed = text ? core::parse_lifecycle_state(*text) : std::nullopt;
    if (parsed) return ActorStanding{kind, *parsed};
  }
  return std::nullopt;
}

Broker::PolicySnapshot Broker::policy_snapshot() { return PolicySnapshot(policy_cache_->current()); }

std::optional<Broker::PolicySnapshot> Broker::policy_snapshot_if_checked() {
  auto context = policy_cache_->current_if_checked();
  if (!context) return std::nullopt;
  return PolicySnapshot(std::move(context));
}

namespace {

void write_ref(encoding::CanonicalWriter& w, const EntityRef& ref) {
  w.begin_object();
  if (!ref.attributes.empty()) w.key("attributes").value(ref.attributes);
  w.key("id").string(ref.id).key("type").string(ref.type).end_object();
}

// An evaluation entry's data, {asked_by, decision, policy_errors,
// policy_set, reasons, request} with request_json's and caller_json's
// shapes, written canonically straight from the request and its result:
// building a JSON tree per decision only to encode and free it cost more
// than the decision itself.
std::string evaluation_data(const Caller& caller, const Evaluation& request, const EvaluationResult& result) {
  encoding::CanonicalWriter w(1024);
  w.begin_object().key("asked_by").begin_object();
  w.key("authenticated_by").string(caller.authenticated_by).key("id").string(caller.actor_id);
  w.key("kind").string(to_string(caller.kind)).end_object();
  w.key("decision").string(result.allow ? "allow" : "deny");
  w.key("policy_errors").strings(result.policy_errors);
  w.key("policy_set").string(result.policy_set_hash);
  w.key("reasons").strings(result.reasons);
  w.key("request").begin_object();
  write_ref(w.key("action"), request.action);
  w.key("context").value(request.context);
  write_ref(w.key("principal"), request.principal);
  write_ref(w.key("resource"), request.resource);
  w.end_object().end_object();
  auto text = std::move(w).take();
  if (!text) fail(ErrorKind::bad_input, "the decision cannot be recorded: " + text.error());
  return std::move(*text);
}

Step evaluation_step(const Caller& caller, core::Timestamp at, const Evaluation& request, const EvaluationResult& result) {
  Step step(std::string(kEvaluationEntry), caller, at);
  if (request.traceparent) step.entry().traceparent = request.traceparent;
  step.entry().canonical_data = evaluation_data(caller, request, result);
  return step;
}

}  // namespace

EvaluationResult Broker::decide_evaluation(const PolicySnapshot& snapshot, const Evaluation& request) {
  const PolicyContext* context = snapshot.context_.get();
  Prepared prepared;
  prepare(*context, request, prepared);
  return decide(*context, prepared);
}

EvaluationResult Broker::evaluate(const PolicySnapshot& snapshot, const Caller& caller, const Evaluation& request) {
  EvaluationResult result = decide_evaluation(snapshot, request);
  result.ledger_index = evaluation_step(caller, now(), request, result).commit(ledger_);
  return result;
}

void Broker::evaluate_async(const PolicySnapshot& snapshot, const Caller& caller, const Evaluation& request,
                            EvaluationDone done) {
  EvaluationResult result = decide_evaluation(snapshot, request);
  ledger_.append_async(evaluation_step(caller, now(), request, result).encoded(), [result = std::move(result), done = std::move(done)](
                                                std::uint64_t index, std::exception_ptr error) mutable {
    if (error) return done(nullptr, error);
    result.ledger_index = index;
    done(&result, nullptr);
  });
}

void Broker::record_evaluations(const Caller& caller, std::span<const Evaluation> requests,
                                std::span<EvaluationResult> results) {
  if (requests.size() != results.size()) fail(ErrorKind::internal, "record_evaluations: one result per request");
  const core::Timestamp at = now();
  std::vector<ledger::EncodedEntry> entries;
  entries.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) entries.push_back(evaluation_step(caller, at, requests[i], results[i]).encoded());
  const std::uint64_t first = ledger_.append_group(entries);
  for (std::size_t i = 0; i < results.size(); ++i) results[i].ledger_index = first + i;
}

SearchResult Broker::search(const Caller& caller, const Search& request) {
  const auto context = policy_cache_->current();
  const auto probe_for = [&](const policy::EntityUid& uid) {
    Evaluation probe = request.pattern;
    EntityRef& unknown = request.find == Search::Find::principal ? probe.principal
                         : request.find == Search::Find::action  ? probe.action
                                                                  : probe.resource;
    unknown = {uid.type, uid.id, nlohmann::json::object()};
    return probe;
  };
  // The request's shape is checked once up front, so bad input is refused
  // even when there is nothing to search.
  const std::string searched_type = request.find == Search::Find::principal ? request.pattern.principal.type
                                    : request.find == Search::Find::resource ? request.pattern.resource.type
                                                                             : "Action";
  Prepared shape;
  prepare(*context, probe_for({searched_type, ""}), shape);

  SearchResult result;
  result.policy_set_hash = context->policy_set_hash;
  if (!context->policy_set_hash.empty()) {
    for (const policy::EntityUid& uid : candidates(*context, request)) {
      Prepared prepared;
      prepare(*context, probe_for(uid), prepared);
      if (decide(*context, prepared).allow) result.matches.push_back({uid.type, uid.id, nlohmann::json::object()});
    }
  }
  nlohmann::json matches = nlohmann::json::array();
  for (const auto& m : result.matches) matches.push_back(ref_json(m));
  Step step(std::string(kSearchEntry), caller, now());
  if (request.pattern.traceparent) step.entry().traceparent = request.pattern.traceparent;
  step.data("find", to_string(request.find))
      .data("policy_set", result.policy_set_hash)
      .data("asked_by", caller_json(caller))
      .data("request", request_json(request.pattern))
      .data("matches", std::move(matches));
  result.ledger_index = step.commit(ledger_);
  return result;
}

}  // namespace mandate::broker
