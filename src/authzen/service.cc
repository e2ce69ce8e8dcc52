// The endpoints: parse, decide (general or mandate-bound), shape the
// answer. A malformed request leaves as Error{bad_input}; only inside a
// batch does an item's error become part of the answer (its own status).
#include "authzen/service.h"

#include <algorithm>
#include <array>
#include <vector>

#include "authzen/internal/mandate_bound.h"
#include "authzen/internal/mapping.h"
#include "authzen/internal/paging.h"
#include "core/error.h"
#include "encoding/canonical_writer.h"

namespace mandate::authzen {
namespace {

// The edge admitted the caller under the same rule; this keeps the service
// from answering a caller the rule refuses, whoever calls it.
void require_decision_asker(const broker::Caller& caller) {
  if (broker::may_ask_decisions(caller.kind)) return;
  fail(ErrorKind::forbidden, "the decision API answers the home's operator and registered, active workloads; " +
                                 std::string(broker::to_string(caller.kind)) + " " + caller.actor_id + " is neither");
}

// Errors an item of a batch answers with, instead of failing the batch:
// the item's own fault. Store and disk failures fail the whole request.
bool is_item_error(const Error& e) { return e.kind() == ErrorKind::bad_input || e.kind() == ErrorKind::not_found; }

nlohmann::json decision_json(const broker::EvaluationResult& r) {
  nlohmann::json context = {{"reasons", r.reasons}, {"ledger_index", r.ledger_index}, {"policy_set", r.policy_set_hash}};
  if (!r.policy_errors.empty()) context["policy_errors"] = r.policy_errors;
  return {{"decision", r.allow}, {"context", std::move(context)}};
}

// decision_json(r) as the server writes it (members in order), without the
// tree: the same bytes (EvaluationTest.TheAnswerWithoutATreeIsTheTreesText).
std::string decision_text(const broker::EvaluationResult& r) {
  encoding::CanonicalWriter w(256);
  w.begin_object().key("context").begin_object().key("ledger_index").integer(r.ledger_index);
  if (!r.policy_errors.empty()) w.key("policy_errors").strings(r.policy_errors);
  w.key("policy_set").string(r.policy_set_hash).key("reasons").strings(r.reasons).end_object();
  w.key("decision").boolean(r.allow).end_object();
  auto text = std::move(w).take();
  // Reasons and errors come from parsed policies (valid UTF-8); should one
  // not, the tree's dump replaces what it cannot write, as every answer does.
  return text ? std::move(*text) : decision_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

enum class Semantic { execute_all, deny_on_first_deny, permit_on_first_permit };

Semantic parse_semantic(const nlohmann::json& request) {
  const nlohmann::json* options = object_member(request, "options", "options", false);
  if (options == nullptr || !options->contains("evaluations_semantic")) return Semantic::execute_all;
  const auto& value = options->at("evaluations_semantic");
  if (value == "execute_all") return Semantic::execute_all;
  if (value == "deny_on_first_deny") return Semantic::deny_on_first_deny;
  if (value == "permit_on_first_permit") return Semantic::permit_on_first_permit;
  fail(ErrorKind::bad_input,
       "options.evaluations_semantic: expected execute_all, deny_on_first_deny or permit_on_first_permit");
}

constexpr std::array<const char*, 4> kDefaultable = {"subject", "action", "resource", "context"};

// An item of `evaluations` completed by the top-level defaults: a key the
// item has replaces the default as a whole. An item that lacks nothing the
// defaults hold is used as it is; otherwise the completed copy is made in
// `merged`.
const nlohmann::json& with_defaults(const nlohmann::json& item, const nlohmann::json& request, nlohmann::json& merged) {
  const auto defaulted = [&](const char* key) { return !item.contains(key) && request.contains(key); };
  if (std::none_of(kDefaultable.begin(), kDefaultable.end(), defaulted)) return item;
  merged = item;
  for (const char* key : kDefaultable) {
    if (!item.contains(key) && request.contains(key)) merged[key] = request[key];
  }
  return merged;
}

// A general (not mandate-bound) evaluation as the broker takes it, with
// the call's trace context.
broker::Evaluation general_evaluation(const CallContext& call, const nlohmann::json& request) {
  broker::Evaluation evaluation = parse_evaluation(request);
  evaluation.traceparent = call.traceparent;
  return evaluation;
}

nlohmann::json item_error(const Error& e) {
  return {{"decision", false}, {"context", {{"error", {{"status", http_status(ErrorKind::bad_input)}, {"message", e.what()}}}}}};
}

}  // namespace

Service::Service(broker::Broker& broker, std::string base_url, std::size_t max_batch_items)
    : broker_(broker), base_url_(std::move(base_url)), max_batch_items_(max_batch_items) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

nlohmann::json Service::decide(const broker::Broker::PolicySnapshot& snapshot, const CallContext& call,
                              const nlohmann::json& request) {
  if (is_mandate_bound(request)) return decide_mandate_bound(broker_, call, request);
  return decision_json(broker_.evaluate(snapshot, call.caller, general_evaluation(call, request)));
}

nlohmann::json Service::evaluation(const CallContext& call, std::string_view body) {
  require_decision_asker(call.caller);
  return decide(broker_.policy_snapshot(), call, parse_body(body));
}

void Service::evaluation_async(const CallContext& call, std::string_view body, AnswerDone done) {
  require_decision_asker(call.caller);
  const nlohmann::json request = parse_body(body);
  if (is_mandate_bound(request)) {
    // It may spend a use of its mandate, which the broker decides and
    // records in one step: answered when that step returns.
    const nlohmann::json answer = decide_mandate_bound(broker_, call, request);
    return done({answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), answer.value("decision", false)}, nullptr);
  }
  evaluate_general(broker_.policy_snapshot(), call, request, std::move(done));
}

bool Service::evaluation_without_waiting(const CallContext& call, std::string_view body, AnswerDone done) {
  require_decision_asker(call.caller);
  auto snapshot = broker_.policy_snapshot_if_checked();
  if (!snapshot) return false;
  const nlohmann::json request = parse_body(body);
  if (is_mandate_bound(request)) return false;
  evaluate_general(*snapshot, call, request, std::move(done));
  return true;
}

void Service::evaluate_general(const broker::Broker::PolicySnapshot& snapshot, const CallContext& call,
                               const nlohmann::json& request, AnswerDone done) {
  broker_.evaluate_async(snapshot, call.caller, general_evaluation(call, request),
                         [done = std::move(done)](const broker::EvaluationResult* result, std::exception_ptr error) {
                           if (error) return done({}, error);
                           done({decision_text(*result), result->allow}, nullptr);
                         });
}

nlohmann::json Service::evaluations(const CallContext& call, std::string_view body) {
  require_decision_asker(call.caller);
  nlohmann::json request = parse_body(body);
  const auto snapshot = broker_.policy_snapshot();  // every item is decided against one policy version
  const auto found = request.find("evaluations");
  // No (or an empty) `evaluations` array: a single evaluation, as the spec keeps it compatible.
  if (found == request.end() || (found->is_array() && found->empty())) return decide(snapshot, call, request);
  if (!found->is_array()) fail(ErrorKind::bad_input, "evaluations: expected an array");
  // Refused before any item is decided: a batch is answered whole or not at all.
  if (found->size() > max_batch_items_) {
    fail(ErrorKind::bad_input, "evaluations: " + std::to_string(found->size()) + " items; at most " +
                                   std::to_string(max_batch_items_) +
                                   " are taken per request (authzen.max_batch_items): split the batch");
  }
  const Semantic semantic = parse_semantic(request);
  for (const char* key : kDefaultable) object_member(request, key, key, false);  // defaults must be objects

  // Every general item is decided first and all of them are recorded
  // together: one group of entries, one durable commit for the batch.
  // Mandate-bound items are decided and recorded one by one, as each may
  // spend a use of its mandate.
  nlohmann::json answers = nlohmann::json::array();
  std::vector<broker::Evaluation> decided;
  std::vector<broker::EvaluationResult> results;
  std::vector<std::size_t> positions;  // of each decided item in `answers`
  const auto& items = request["evaluations"];
  for (std::size_t i = 0; i < items.size(); ++i) {
    nlohmann::json answer;
    try {
      if (!items[i].is_object()) fail(ErrorKind::bad_input, "evaluations[" + std::to_string(i) + "]: expected an object");
      nlohmann::json merged;
      const nlohmann::json& item = with_defaults(items[i], request, merged);
      if (is_mandate_bound(item)) {
        answer = decide_mandate_bound(broker_, call, item);
      } else {
        broker::Evaluation evaluation = general_evaluation(call, item);
        broker::EvaluationResult result = broker_.decide_evaluation(snapshot, evaluation);
        answer = {{"decision", result.allow}};
        decided.push_back(std::move(evaluation));
        results.push_back(std::move(result));
        positions.push_back(answers.size());
      }
    } catch (const Error& e) {
      if (!is_item_error(e)) throw;
      answer = item_error(e);
    }
    const bool allowed = answer["decision"] == true;
    const bool stop = (semantic == Semantic::deny_on_first_deny && !allowed) ||
                      (semantic == Semantic::permit_on_first_permit && allowed);
    answers.push_back(std::move(answer));
    if (stop) break;
  }
  broker_.record_evaluations(call.caller, decided, results);
  for (std::size_t k = 0; k < positions.size(); ++k) answers[positions[k]] = decision_json(results[k]);
  if (semantic == Semantic::deny_on_first_deny && !answers.empty() && answers.back()["decision"] != true) {
    answers.back()["context"]["reason"] = "deny_on_first_deny";
  }
  return {{"evaluations", std::move(answers)}};
}

nlohmann::json Service::search_subject(const CallContext& call, std::string_view body) {
  return search(call, body, broker::Search::Find::principal);
}
nlohmann::json Service::search_resource(const CallContext& call, std::string_view body) {
  return search(call, body, broker::Search::Find::resource);
}
nlohmann::json Service::search_action(const CallContext& call, std::string_view body) {
  return search(call, body, broker::Search::Find::action);
}

nlohmann::json Service::search(const CallContext& call, std::string_view body, broker::Search::Find find) {
  using Find = broker::Search::Find;
  require_decision_asker(call.caller);
  const nlohmann::json request = parse_body(body);
  broker::Search wanted{find, {}};
  auto& pattern = wanted.pattern;
  pattern.principal = parse_entity(*object_member(request, "subject", "subject", true), "subject", find != Find::principal);
  if (pattern.principal.type == "mandate") fail(ErrorKind::bad_input, "subject.type: mandate-bound requests cannot be searched");
  pattern.resource = parse_entity(*object_member(request, "resource", "resource", true), "resource", find != Find::resource);
  if (find != Find::action) pattern.action = parse_action(*object_member(request, "action", "action", true), "action");
  if (const auto* context = object_member(request, "context", "context", false)) pattern.context = *context;
  pattern.traceparent = call.traceparent;
  // The searched element's id is ignored, as the spec says: leave it out
  // of the fingerprint too.
  nlohmann::json query = request;
  query.erase("page");
  if (find == Find::principal && query["subject"].is_object()) query["subject"].erase("id");
  if (find == Find::resource && query["resource"].is_object()) query["resource"].erase("id");
  query["search"] = static_cast<int>(find);

  const std::string fingerprint = query_fingerprint(query);
  const PageRequest page = parse_page(request, fingerprint);  // before the search: bad input records nothing
  const broker::SearchResult found = broker_.search(call.caller, wanted);
  const std::size_t total = found.matches.size();
  const std::size_t begin = std::min(page.offset, total);
  const std::size_t end = std::min(begin + page.limit, total);
  nlohmann::json results = nlohmann::json::array();
  for (std::size_t i = begin; i < end; ++i) {
    const auto& m = found.matches[i];
    results.push_back(find == Find::action ? nlohmann::json{{"name", action_name(m)}}
                                           : nlohmann::json{{"type", m.type}, {"id", m.id}});
  }
  return {{"results", std::move(results)},
          {"page", page_answer({begin, page.limit}, end - begin, total, fingerprint)},
          {"context", {{"ledger_index", found.ledger_index}, {"policy_set", found.policy_set_hash}}}};
}

// No capability is registered with IANA for AuthZEN 1.0 yet, so these are
// mandate's own URNs (the urn:mandate: names its token exchange uses too);
// a PEP ignores what it does not know. They say what a PEP can count on
// beyond the base API: a mandate as the subject (the whole check sequence
// of the workflow), and every decision recorded in the ledger before it is
// answered (context.ledger_index).
constexpr std::array<const char*, 2> kCapabilities = {"urn:mandate:authzen:capability:mandate-subject",
                                                      "urn:mandate:authzen:capability:decision-ledger"};

nlohmann::json Service::configuration() const {
  return {{"policy_decision_point", base_url_},
          {"capabilities", kCapabilities},
          {"access_evaluation_endpoint", base_url_ + "/access/v1/evaluation"},
          {"access_evaluations_endpoint", base_url_ + "/access/v1/evaluations"},
          {"search_subject_endpoint", base_url_ + "/access/v1/search/subject"},
          {"search_resource_endpoint", base_url_ + "/access/v1/search/resource"},
          {"search_action_endpoint", base_url_ + "/access/v1/search/action"}};
}

}  // namespace mandate::authzen
