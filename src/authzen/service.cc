// The endpoints: caller check, parse, decide (general or mandate-bound),
// shape the answer. Errors in the request become 400 answers here and
// nowhere else, so every endpoint reports them the same way.
#include "authzen/service.h"

#include <array>

#include "authzen/internal/mandate_bound.h"
#include "authzen/internal/mapping.h"
#include "authzen/internal/paging.h"
#include "core/error.h"

namespace mandate::authzen {
namespace {

Answer refused(const broker::Caller& caller) {
  return {403, {{"error", "the decision API answers the home's operator and registered, active workloads; " +
                              std::string(broker::to_string(caller.kind)) + " " + caller.actor_id + " is neither"}}};
}

Answer bad_request(const Error& e) { return {400, {{"error", e.what()}}}; }

bool is_request_error(const Error& e) { return e.kind() == ErrorKind::bad_input || e.kind() == ErrorKind::not_found; }

nlohmann::json decision_json(const broker::EvaluationResult& r) {
  nlohmann::json context = {{"reasons", r.reasons}, {"ledger_index", r.ledger_index}, {"policy_set", r.policy_set_hash}};
  if (!r.policy_errors.empty()) context["policy_errors"] = r.policy_errors;
  return {{"decision", r.allow}, {"context", std::move(context)}};
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
// item has replaces the default as a whole.
nlohmann::json with_defaults(const nlohmann::json& item, const nlohmann::json& request) {
  nlohmann::json merged = item;
  for (const char* key : kDefaultable) {
    if (!merged.contains(key) && request.contains(key)) merged[key] = request[key];
  }
  return merged;
}

nlohmann::json item_error(const Error& e) {
  return {{"decision", false}, {"context", {{"error", {{"status", 400}, {"message", e.what()}}}}}};
}

}  // namespace

Service::Service(broker::Broker& broker, std::string base_url, std::size_t max_batch_items)
    : broker_(broker), base_url_(std::move(base_url)), max_batch_items_(max_batch_items) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

nlohmann::json Service::decide(const CallContext& call, const nlohmann::json& request) {
  if (is_mandate_bound(request)) return decide_mandate_bound(broker_, call, request);
  broker::Evaluation evaluation = parse_evaluation(request);
  evaluation.traceparent = call.traceparent;
  return decision_json(broker_.evaluate(call.caller, evaluation));
}

Answer Service::evaluation(const CallContext& call, std::string_view body) {
  if (!broker_.may_ask_decisions(call.caller)) return refused(call.caller);
  try {
    return {200, decide(call, parse_body(body))};
  } catch (const Error& e) {
    if (!is_request_error(e)) throw;
    return bad_request(e);
  }
}

Answer Service::evaluations(const CallContext& call, std::string_view body) {
  if (!broker_.may_ask_decisions(call.caller)) return refused(call.caller);
  nlohmann::json request;
  Semantic semantic = Semantic::execute_all;
  try {
    request = parse_body(body);
    const auto items = request.find("evaluations");
    // No (or an empty) `evaluations` array: a single evaluation, as the spec keeps it compatible.
    if (items == request.end() || (items->is_array() && items->empty())) return {200, decide(call, request)};
    if (!items->is_array()) fail(ErrorKind::bad_input, "evaluations: expected an array");
    // Refused before any item is decided: a batch is answered whole or not at all.
    if (items->size() > max_batch_items_) {
      fail(ErrorKind::bad_input, "evaluations: " + std::to_string(items->size()) + " items; at most " +
                                     std::to_string(max_batch_items_) +
                                     " are taken per request (authzen.max_batch_items): split the batch");
    }
    semantic = parse_semantic(request);
    for (const char* key : kDefaultable) object_member(request, key, key, false);  // defaults must be objects
  } catch (const Error& e) {
    if (!is_request_error(e)) throw;
    return bad_request(e);
  }

  nlohmann::json answers = nlohmann::json::array();
  const auto& items = request["evaluations"];
  for (std::size_t i = 0; i < items.size(); ++i) {
    nlohmann::json answer;
    try {
      if (!items[i].is_object()) fail(ErrorKind::bad_input, "evaluations[" + std::to_string(i) + "]: expected an object");
      answer = decide(call, with_defaults(items[i], request));
    } catch (const Error& e) {
      if (!is_request_error(e)) throw;
      answer = item_error(e);
    }
    const bool allowed = answer["decision"] == true;
    if (semantic == Semantic::deny_on_first_deny && !allowed) {
      answer["context"]["reason"] = "deny_on_first_deny";
      answers.push_back(std::move(answer));
      break;
    }
    answers.push_back(std::move(answer));
    if (semantic == Semantic::permit_on_first_permit && allowed) break;
  }
  return {200, {{"evaluations", std::move(answers)}}};
}

Answer Service::search_subject(const CallContext& call, std::string_view body) {
  return search(call, body, broker::Search::Find::principal);
}
Answer Service::search_resource(const CallContext& call, std::string_view body) {
  return search(call, body, broker::Search::Find::resource);
}
Answer Service::search_action(const CallContext& call, std::string_view body) {
  return search(call, body, broker::Search::Find::action);
}

Answer Service::search(const CallContext& call, std::string_view body, broker::Search::Find find) {
  using Find = broker::Search::Find;
  if (!broker_.may_ask_decisions(call.caller)) return refused(call.caller);
  try {
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
    return {200,
            {{"results", std::move(results)},
             {"page", page_answer({begin, page.limit}, end - begin, total, fingerprint)},
             {"context", {{"ledger_index", found.ledger_index}, {"policy_set", found.policy_set_hash}}}}};
  } catch (const Error& e) {
    if (!is_request_error(e)) throw;
    return bad_request(e);
  }
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
