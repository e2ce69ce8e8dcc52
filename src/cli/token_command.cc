#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "broker/records.h"
#include "broker/views.h"
#include "cli/internal/remote.h"
#include "cli/internal/workflow_context.h"
#include "core/error.h"
#include "core/time.h"
#include "policy/parser.h"
#include "token/private_key.h"
#include "token/proof.h"

namespace mandate::cli {
namespace {

RemoteCall attenuation_call(const broker::Broker::Attenuation& a) {
  nlohmann::json body = {{"parent_token", a.parent_token}, {"parent_proof", a.parent_proof},
                         {"scope", broker::to_json(a.scope)}, {"ttl", std::to_string(a.ttl.count()) + "s"}};
  if (a.executor) body["executor"] = *a.executor;
  if (a.max_uses) body["max_uses"] = *a.max_uses;
  return RemoteCall::post("/v1/mandates/attenuate", body);
}

RemoteCall decision_call(const broker::DecisionRequest& d) {
  nlohmann::json body = {{"token", d.token}, {"action", d.action}, {"resource", d.resource}};
  if (!d.proof.empty()) body["proof"] = d.proof;
  if (d.certificate_thumbprint) body["certificate_thumbprint"] = *d.certificate_thumbprint;
  if (d.audience) body["audience"] = *d.audience;
  if (d.http_request) body["http_request"] = {{"method", d.http_request->method}, {"uri", d.http_request->uri}};
  const auto context = nlohmann::json::parse(d.context_json, nullptr, false);
  if (!context.is_object()) fail(ErrorKind::bad_input, "--context: not a JSON object");
  body["context"] = context;
  auto call = RemoteCall::post("/v1/decisions", body);
  if (d.traceparent) call.headers.emplace_back("traceparent", *d.traceparent);
  return call;
}

}  // namespace

void add_token_commands(CLI::App& app, GlobalOptions& options) {
  auto* token = app.add_subcommand("token", "Mandates: short-lived credentials bound to one workload and one task");
  token->require_subcommand(1);

  auto task_id = std::make_shared<std::string>();
  auto* issue = token->add_subcommand("issue", "Issue a mandate for an approved task to its executor");
  issue->add_option("task", *task_id)->required();
  issue->callback([&options, task_id] {
    // Over --server the credential is the executor's own (RFC 8705 binding over mTLS).
    if (options.is_remote()) {
      return print_remote(options, RemoteCall::post("/v1/tasks/" + segment(*task_id) + "/mandates"));
    }
    auto ws = open_workspace(options);
    const std::string executor = ws.broker->task(*task_id).record.task.executor;
    print_json(broker::to_json(ws.broker->issue(asserted(ws, executor), *task_id)));
  });

  struct AttenuateArgs {
    std::string token, proof, scope, ttl, executor;
    std::uint32_t max_uses = 0;
  };
  auto att = std::make_shared<AttenuateArgs>();
  auto* attenuate = token->add_subcommand("attenuate", "Make a narrower child mandate for a downstream tool");
  attenuate->add_option("token", att->token, "The parent mandate (inline, @file or -)")->required();
  attenuate->add_option("--proof", att->proof,
                        "The parent holder's proof for action mandate:attenuate on the child executor")->required();
  attenuate->add_option("--scope", att->scope, "authorization_details for the child (a subset of the parent's)")->required();
  attenuate->add_option("--ttl", att->ttl, "Child lifetime, e.g. 5m (never past the parent's expiry)")->required();
  attenuate->add_option("--executor", att->executor, "The downstream workload (default: the parent's executor)");
  attenuate->add_option("--max-uses", att->max_uses, "At most the parent's");
  attenuate->callback([&options, att] {
    broker::Broker::Attenuation request;
    request.parent_token = argument_value(att->token, "token");
    request.parent_proof = argument_value(att->proof, "--proof");
    if (!att->executor.empty()) request.executor = att->executor;
    request.scope = broker::parse_scope(argument_value(att->scope, "--scope"));
    request.ttl = duration_argument(att->ttl, "--ttl");
    if (att->max_uses > 0) request.max_uses = att->max_uses;
    if (options.is_remote()) return print_remote(options, attenuation_call(request));
    print_json(broker::to_json(open_workspace(options).broker->attenuate(request)));
  });

  struct ProveArgs {
    std::string key, token, action, resource, http_method, http_uri;
  };
  auto prove = std::make_shared<ProveArgs>();
  auto* prove_cmd = token->add_subcommand(
      "prove", "Make a DPoP proof (RFC 9449) for one HTTP request, or, for work without one, for one action on one resource");
  prove_cmd->add_option("--key", prove->key, "The executor's private key file")->required();
  prove_cmd->add_option("--token", prove->token, "The mandate (inline, @file or -)")->required();
  auto* action = prove_cmd->add_option("--action", prove->action, "Action profile: the action (htm)");
  auto* resource = prove_cmd->add_option("--resource", prove->resource, "Action profile: the resource (htu)");
  auto* method = prove_cmd->add_option("--http-method", prove->http_method, "HTTP profile: the request's method (htm)");
  auto* uri = prove_cmd->add_option("--http-uri", prove->http_uri, "HTTP profile: the request's URI (htu)");
  action->needs(resource)->excludes(method)->excludes(uri);
  resource->needs(action);
  method->needs(uri);
  uri->needs(method);
  prove_cmd->callback([prove] {
    auto key = token::PrivateKey::parse(argument_value("@" + prove->key, "--key"));
    if (!key) fail(ErrorKind::bad_input, "--key: " + key.error());
    const bool http = !prove->http_method.empty();
    if (!http && prove->action.empty()) fail(ErrorKind::bad_input, "give --action and --resource, or --http-method and --http-uri");
    const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    std::cout << token::make_proof(*key, argument_value(prove->token, "--token"), http ? prove->http_method : prove->action,
                                   http ? prove->http_uri : prove->resource, now)
              << "\n";
  });

  struct RevokeArgs {
    std::string jti, as, reason;
  };
  auto revoke = std::make_shared<RevokeArgs>();
  auto* revoke_cmd = token->add_subcommand("revoke", "Revoke a mandate (and so its children) now");
  revoke_cmd->add_option("jti", revoke->jti)->required();
  revoke_cmd->add_option("--as", revoke->as, "Who revokes (local home only)");
  revoke_cmd->add_option("--reason", revoke->reason)->required();
  revoke_cmd->callback([&options, revoke] {
    check_as(options, revoke->as);
    if (options.is_remote()) {
      const auto path = "/v1/mandates/" + segment(revoke->jti) + "/revoke";
      return print_remote(options, RemoteCall::post(path, {{"reason", revoke->reason}}));
    }
    auto ws = open_workspace(options);
    print_json({{"jti", revoke->jti}, {"revoked", true},
                {"ledger_index", ws.broker->revoke_mandate(asserted(ws, revoke->as), revoke->jti, revoke->reason).ledger_index}});
  });
}

void add_authorize_command(CLI::App& app, GlobalOptions& options, int& exit_code) {
  struct Args {
    std::string token, proof, action, resource, context = "{}", traceparent, certificate_thumbprint, audience, http_method,
        http_uri;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("authorize", "Decide one use of a mandate now; the decision is recorded (exit 1 on deny)");
  cmd->add_option("--token", args->token, "The mandate (inline, @file or -)")->required();
  cmd->add_option("--proof", args->proof, "Proof of possession for this action and resource");
  cmd->add_option("--action", args->action)->required();
  cmd->add_option("--resource", args->resource)->required();
  cmd->add_option("--context", args->context, "Cedar context JSON object (inline, @file or -)");
  cmd->add_option("--traceparent", args->traceparent, "W3C trace context of the calling operation");
  cmd->add_option("--certificate-thumbprint", args->certificate_thumbprint,
                  "For a certificate-bound mandate (RFC 8705): x5t#S256 of the client certificate the presenter used");
  cmd->add_option("--audience", args->audience,
                  "The resource server deciding; the mandate's aud must name it (default: the caller, else the home's audience)");
  auto* method = cmd->add_option("--http-method", args->http_method,
                                 "The HTTP request the mandate came with: its method; the proof is then RFC 9449 DPoP");
  auto* uri = cmd->add_option("--http-uri", args->http_uri, "The HTTP request the mandate came with: its URI");
  method->needs(uri);
  uri->needs(method);
  cmd->callback([&options, &exit_code, args] {
    broker::DecisionRequest request;
    request.token = argument_value(args->token, "--token");
    request.proof = args->proof.empty() ? "" : argument_value(args->proof, "--proof");
    request.action = args->action;
    request.resource = args->resource;
    request.context_json = argument_value(args->context, "--context");
    if (!args->traceparent.empty()) request.traceparent = args->traceparent;
    if (!args->certificate_thumbprint.empty()) request.certificate_thumbprint = args->certificate_thumbprint;
    if (!args->audience.empty()) request.audience = args->audience;
    if (!args->http_method.empty()) request.http_request = broker::HttpRequest{args->http_method, args->http_uri};
    nlohmann::json decision;
    if (options.is_remote()) {
      decision = RemoteClient(options.remote).json(decision_call(request));
    } else {
      auto ws = open_workspace(options);
      decision = broker::to_json(ws.broker->authorize(request));
    }
    print_json(decision);
    if (decision.at("decision") != "allow") exit_code = kExitCheckFailed;
  });
}

void add_review_commands(CLI::App& app, GlobalOptions& options) {
  auto* review = app.add_subcommand("review", "Reviews of break-glass tasks");
  review->require_subcommand(1);
  review->add_subcommand("pending", "Break-glass tasks awaiting review; overdue ones are flagged")->callback([&options] {
    if (options.is_remote()) return print_remote(options, RemoteCall::get("/v1/reviews"));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : open_workspace(options).broker->pending_reviews()) {
      nlohmann::json t = broker::to_json(p.task);
      t["overdue"] = p.overdue;
      out.push_back(t);
    }
    print_json(out);
  });
  struct Args {
    std::string task, as, comment;
  };
  auto args = std::make_shared<Args>();
  auto* approve = review->add_subcommand("approve", "Record the review of a break-glass task");
  approve->add_option("task", args->task)->required();
  approve->add_option("--as", args->as, "The reviewer (local home only)");
  approve->add_option("--comment", args->comment);
  approve->callback([&options, args] {
    check_as(options, args->as);
    if (options.is_remote()) {
      nlohmann::json body = nlohmann::json::object();
      if (!args->comment.empty()) body["comment"] = args->comment;
      const auto answer = RemoteClient(options.remote).json(RemoteCall::post("/v1/reviews/" + segment(args->task), body));
      return print_json({{"task", args->task}, {"reviewed", true}, {"ledger_index", answer.at("ledger_index")}});
    }
    auto ws = open_workspace(options);
    print_json({{"task", args->task}, {"reviewed", true},
                {"ledger_index", ws.broker->approve_review(asserted(ws, args->as), args->task, args->comment).ledger_index}});
  });
}

void add_policy_load_commands(CLI::App& app, GlobalOptions& options) {
  CLI::App* policy = app.get_subcommand("policy");
  auto files = std::make_shared<std::vector<std::string>>();
  auto* load = policy->add_subcommand("load", "Replace the policy set used by authorize (recorded in full, by hash)");
  load->add_option("files", *files)->required();
  load->callback([&options, files] {
    std::string text;
    for (const auto& f : *files) {
      const std::string part = argument_value("@" + f, f);
      if (auto parsed = policy::parse_policies(part); !parsed) fail(ErrorKind::bad_input, f + ":" + parsed.error().to_string());
      text += part;
      if (!part.empty() && part.back() != '\n') text += '\n';
    }
    if (options.is_remote()) return print_remote(options, RemoteCall::put("/v1/policies", text, "text/plain"));
    auto ws = open_workspace(options);
    const auto loaded = ws.broker->load_policies(operator_caller(), text, *files);
    print_json({{"policy_set", loaded.hash}, {"policies", loaded.policies}, {"ledger_index", loaded.ledger_index}});
  });
  auto* entities = app.add_subcommand("entities", "Cedar entity data for authorize");
  entities->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* eload = entities->add_subcommand("load", "Replace the entity data (Cedar entities JSON; actors are added automatically)");
  eload->add_option("file", *file)->required();
  eload->callback([&options, file] {
    if (options.is_remote()) {
      const auto call = RemoteCall::put("/v1/entities", argument_value("@" + *file, *file), "application/json");
      return print_remote(options, call);
    }
    auto ws = open_workspace(options);
    print_json({{"ledger_index", ws.broker->load_entities(operator_caller(), argument_value("@" + *file, *file)).ledger_index}});
  });
}

}  // namespace mandate::cli
