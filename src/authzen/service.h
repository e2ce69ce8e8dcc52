#pragma once
// The OpenID AuthZEN Authorization API 1.0 as a decision point over the
// broker: single and batch evaluations, subject/resource/action search with
// paging, and the discovery document. No HTTP here: the server routes each
// request's raw body and its admitted caller to one of these methods and
// sends back the JSON answer. Headers (X-Request-ID), admission (401/403:
// only callers broker::may_ask_decisions allows get here) and body-size
// limits are the server's.
//
// Outcomes, not statuses: every decision, allow or deny, is an answer
// ({"decision": false} included). A malformed request throws
// Error{bad_input} naming the field, with nothing recorded; a caller the
// rule does not allow throws {forbidden}; store or disk failures throw
// their own kinds. The server turns each kind into its status (core/error.h).
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/broker.h"

namespace mandate::authzen {

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

  nlohmann::json evaluation(const CallContext& call, std::string_view body);   // POST /access/v1/evaluation
  // The same without waiting for the disk: bad input and refusals throw
  // here; `done` gets the answer once its decision is durable, or the error
  // that kept it from being recorded, on the thread that committed it. The
  // answer comes as its JSON text (what evaluation() would return, dumped):
  // the committing thread answers many decisions and builds no tree for one.
  struct Answer {
    std::string json;
    bool allowed = false;
  };
  using AnswerDone = std::function<void(Answer answer, std::exception_ptr error)>;
  void evaluation_async(const CallContext& call, std::string_view body, AnswerDone done);
  // evaluation_async() when nothing in it waits: a general (not
  // mandate-bound) request, decided on a policy snapshot that needs no store
  // read. False, with nothing decided or recorded, otherwise; bad input and
  // refusals throw as there. For a handler on a network thread.
  bool evaluation_without_waiting(const CallContext& call, std::string_view body, AnswerDone done);
  nlohmann::json evaluations(const CallContext& call, std::string_view body);  // POST /access/v1/evaluations
  nlohmann::json search_subject(const CallContext& call, std::string_view body);   // POST /access/v1/search/subject
  nlohmann::json search_resource(const CallContext& call, std::string_view body);  // POST /access/v1/search/resource
  nlohmann::json search_action(const CallContext& call, std::string_view body);    // POST /access/v1/search/action
  nlohmann::json configuration() const;  // GET /.well-known/authzen-configuration

 private:
  // One decision object ({"decision", "context"}) for a request already
  // parsed, against `snapshot` (one per HTTP request); throws
  // Error{bad_input} naming the field that is wrong.
  nlohmann::json decide(const broker::Broker::PolicySnapshot& snapshot, const CallContext& call,
                        const nlohmann::json& request);
  nlohmann::json search(const CallContext& call, std::string_view body, broker::Search::Find find);
  // A general request decided now and recorded without waiting.
  void evaluate_general(const broker::Broker::PolicySnapshot& snapshot, const CallContext& call,
                        const nlohmann::json& request, AnswerDone done);

  broker::Broker& broker_;
  std::string base_url_;
  std::size_t max_batch_items_;
};

}  // namespace mandate::authzen
