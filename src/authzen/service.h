#pragma once
// The OpenID AuthZEN Authorization API 1.0 as a decision point over the
// broker: single and batch evaluations, subject/resource/action search with
// paging, and the discovery document. No HTTP here: the server routes each
// request's raw body and its authenticated caller to one of these methods
// and sends back the Answer (status and JSON body) as it is. Headers
// (X-Request-ID), 401 and body-size limits are the server's.
//
// Status codes: 200 for every decision, allow or deny ({"decision": false}
// is a 200); 400 {"error": "<field>: <why>"} for a malformed request, with
// nothing recorded; 403 {"error": ...} for a caller that may not ask (see
// Broker::may_ask_decisions: the operator of the home and active registered
// workloads may; humans and agents may not). Store or disk failures throw
// (the server answers 500).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/broker.h"

namespace mandate::authzen {

struct Answer {
  int status = 200;
  nlohmann::json body;  // 400/403 bodies: {"error": "...where and why..."}
};

struct CallContext {
  broker::Caller caller;
  std::optional<std::string> traceparent;            // W3C traceparent, carried into the ledger entry
  std::optional<std::string> certificate_thumbprint;  // mTLS client certificate (x5t#S256), when there was one
};

class Service {
 public:
  // Items one evaluations request may hold, unless configured otherwise.
  static constexpr std::size_t kDefaultMaxBatchItems = 1000;

  // `base_url`: the PDP identifier published by discovery, e.g.
  // https://mandate.example (no trailing slash, no path). A batch with more
  // than `max_batch_items` items is refused whole (400, nothing recorded).
  Service(broker::Broker& broker, std::string base_url, std::size_t max_batch_items = kDefaultMaxBatchItems);

  Answer evaluation(const CallContext& call, std::string_view body);   // POST /access/v1/evaluation
  Answer evaluations(const CallContext& call, std::string_view body);  // POST /access/v1/evaluations
  Answer search_subject(const CallContext& call, std::string_view body);   // POST /access/v1/search/subject
  Answer search_resource(const CallContext& call, std::string_view body);  // POST /access/v1/search/resource
  Answer search_action(const CallContext& call, std::string_view body);    // POST /access/v1/search/action
  nlohmann::json configuration() const;  // GET /.well-known/authzen-configuration

 private:
  // One decision object ({"decision", "context"}) for a request already
  // parsed; throws Error{bad_input} naming the field that is wrong.
  nlohmann::json decide(const CallContext& call, const nlohmann::json& request);
  Answer search(const CallContext& call, std::string_view body, broker::Search::Find find);

  broker::Broker& broker_;
  std::string base_url_;
  std::size_t max_batch_items_;
};

}  // namespace mandate::authzen
