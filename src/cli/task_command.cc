#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "broker/records.h"
#include "broker/views.h"
#include "cli/internal/remote.h"
#include "cli/internal/workflow_context.h"
#include "core/error.h"

namespace mandate::cli {
namespace {

struct RequestArgs {
  std::string as, intent, ref, executor, scope, duration, reason;
  std::vector<std::string> audience;
};

void add_request_options(CLI::App* cmd, RequestArgs& args) {
  cmd->add_option("--as", args.as, "The initiator (local home only; with --server the credential says who)");
  cmd->add_option("--intent", args.intent, "What is to be done, and why")->required();
  cmd->add_option("--ref", args.ref, "Ticket or change id");
  cmd->add_option("--executor", args.executor, "The workload or agent that will act")->required();
  cmd->add_option("--scope", args.scope, "RFC 9396 authorization_details JSON (inline, @file or -)")->required();
  cmd->add_option("--duration", args.duration, "Task window, e.g. 30m")->required();
  cmd->add_option("--audience", args.audience,
                  "A resource server the work is for (RFC 8707; repeat for several); default the home's audience");
}

broker::TaskRequest task_request(const RequestArgs& args) {
  broker::TaskRequest request;
  request.intent = args.intent;
  if (!args.ref.empty()) request.ref = args.ref;
  request.executor = args.executor;
  request.scope = broker::parse_scope(argument_value(args.scope, "--scope"));
  request.audience = args.audience;
  request.duration = duration_argument(args.duration, "--duration");
  return request;
}

// The POST body for /v1/tasks and /v1/tasks/break-glass, from arguments
// already checked by task_request().
nlohmann::json request_body(const RequestArgs& args, const broker::TaskRequest& request) {
  nlohmann::json body = {{"intent", request.intent}, {"executor", request.executor},
                         {"scope", broker::to_json(request.scope)}, {"duration", args.duration}};
  if (request.ref) body["ref"] = *request.ref;
  if (!request.audience.empty()) body["audience"] = request.audience;
  if (!args.reason.empty()) body["reason"] = args.reason;
  return body;
}

RemoteCall task_call(const std::string& task, const std::string& action, const nlohmann::json& body) {
  return RemoteCall::post("/v1/tasks/" + segment(task) + "/" + action, body);
}

// Optional text members are left out rather than sent empty.
nlohmann::json with_text(nlohmann::json body, const std::string& name, const std::string& value) {
  if (!value.empty()) body[name] = value;
  return body;
}

}  // namespace

void add_task_commands(CLI::App& app, GlobalOptions& options) {
  auto* task = app.add_subcommand("task", "Tasks: intended work waiting for approval, then carried out");
  task->require_subcommand(1);

  auto request = std::make_shared<RequestArgs>();
  auto* request_cmd = task->add_subcommand("request", "Request a task for a workload to carry out");
  add_request_options(request_cmd, *request);
  request_cmd->callback([&options, request] {
    check_as(options, request->as);
    const auto req = task_request(*request);
    if (options.is_remote()) {
      return print_remote(options, RemoteCall::post("/v1/tasks", request_body(*request, req)));
    }
    auto ws = open_workspace(options);
    const auto created = ws.broker->request_task(asserted(ws, request->as), req);
    print_json({{"task", created.task_id}, {"rules", created.rules}, {"ledger_index", created.ledger_index}});
  });

  auto show_id = std::make_shared<std::string>();
  task->add_subcommand("show", "Show a task with its approvals and mandates")->callback([&options, show_id] {
    if (options.is_remote()) return print_remote(options, RemoteCall::get("/v1/tasks/" + segment(*show_id)));
    print_json(broker::to_json(open_workspace(options).broker->task(*show_id)));
  })->add_option("task", *show_id)->required();

  task->add_subcommand("list", "List tasks, oldest first")->callback([&options] {
    if (options.is_remote()) return print_remote(options, RemoteCall::get("/v1/tasks"));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : open_workspace(options).broker->tasks()) out.push_back(broker::to_json(t));
    print_json(out);
  });

  struct CancelArgs {
    std::string task, as, reason;
  };
  auto cancel = std::make_shared<CancelArgs>();
  auto* cancel_cmd = task->add_subcommand("cancel", "Cancel a task, before or during the work (initiator or an eligible approver); revokes its mandates");
  cancel_cmd->add_option("task", cancel->task)->required();
  cancel_cmd->add_option("--as", cancel->as, "The initiator or an eligible approver (local home only)");
  cancel_cmd->add_option("--reason", cancel->reason)->required();
  cancel_cmd->callback([&options, cancel] {
    check_as(options, cancel->as);
    if (options.is_remote()) {
      return print_remote(options, task_call(cancel->task, "cancel", {{"reason", cancel->reason}}));
    }
    auto ws = open_workspace(options);
    const auto r = ws.broker->cancel(asserted(ws, cancel->as), cancel->task, cancel->reason);
    print_json({{"task", cancel->task}, {"state", "cancelled"}, {"revoked_mandates", r.revoked_mandates},
                {"ledger_index", r.ledger_index}});
  });

  struct CompleteArgs {
    std::string task, as, outcome, digest;
  };
  auto complete = std::make_shared<CompleteArgs>();
  auto* complete_cmd = task->add_subcommand("complete", "Record the outcome; ends the task and revokes its mandates");
  complete_cmd->add_option("task", complete->task)->required();
  complete_cmd->add_option("--as", complete->as, "Reporter (default: the task's executor; local home only)");
  complete_cmd->add_option("--outcome", complete->outcome, "success | failure")->required();
  complete_cmd->add_option("--result-digest", complete->digest, "e.g. sha256:<hex> of the result");
  complete_cmd->callback([&options, complete] {
    auto result = core::parse_outcome_result(complete->outcome);
    if (!result) fail(ErrorKind::bad_input, "--outcome must be success or failure");
    check_as(options, complete->as, false);
    if (options.is_remote()) {
      const auto body = with_text({{"outcome", complete->outcome}}, "result_digest", complete->digest);
      return print_remote(options, task_call(complete->task, "outcome", body));
    }
    auto ws = open_workspace(options);
    const std::string as = complete->as.empty() ? ws.broker->task(complete->task).record.task.executor : complete->as;
    const auto recorded = ws.broker->complete(asserted(ws, as), complete->task, *result, complete->digest);
    print_json({{"task", complete->task}, {"state", "completed"}, {"ledger_index", recorded.ledger_index}});
  });

  auto glass = std::make_shared<RequestArgs>();
  auto* glass_cmd = task->add_subcommand("break-glass", "Issue at once where a rule allows it; flagged and reviewed later");
  add_request_options(glass_cmd, *glass);
  glass_cmd->add_option("--reason", glass->reason, "Why this cannot wait for approval")->required();
  glass_cmd->callback([&options, glass] {
    check_as(options, glass->as);
    const auto req = task_request(*glass);
    if (options.is_remote()) {
      return print_remote(options, RemoteCall::post("/v1/tasks/break-glass", request_body(*glass, req)));
    }
    auto ws = open_workspace(options);
    const auto done = ws.broker->break_glass(asserted(ws, glass->as), req, glass->reason);
    print_json({{"task", done.task.task_id},
                {"token", done.mandate.token},
                {"jti", done.mandate.record.mandate.id},
                {"expires_at", core::format_timestamp(done.mandate.record.mandate.expires_at)},
                {"review_deadline", core::format_timestamp(ws.broker->task(done.task.task_id).record.review->deadline)},
                {"ledger_index", done.mandate.ledger_index}});
  });

  struct DecideArgs {
    std::string task, as, text;
  };
  auto approve = std::make_shared<DecideArgs>();
  auto* approve_cmd = app.add_subcommand("approve", "Approve a task");
  approve_cmd->add_option("task", approve->task)->required();
  approve_cmd->add_option("--as", approve->as, "The approver (local home only)");
  approve_cmd->add_option("--comment", approve->text);
  approve_cmd->callback([&options, approve] {
    check_as(options, approve->as);
    if (options.is_remote()) {
      return print_remote(options, task_call(approve->task, "approvals", with_text(nlohmann::json::object(), "comment", approve->text)));
    }
    auto ws = open_workspace(options);
    const auto r = ws.broker->approve(asserted(ws, approve->as), approve->task, approve->text);
    print_json({{"task", approve->task}, {"task_state", r.task_state}, {"rule_status", r.rule_status}, {"ledger_index", r.ledger_index}});
  });
  auto deny = std::make_shared<DecideArgs>();
  auto* deny_cmd = app.add_subcommand("deny", "Deny a task (one eligible denial vetoes it)");
  deny_cmd->add_option("task", deny->task)->required();
  deny_cmd->add_option("--as", deny->as, "The approver (local home only)");
  deny_cmd->add_option("--reason", deny->text)->required();
  deny_cmd->callback([&options, deny] {
    check_as(options, deny->as);
    if (options.is_remote()) {
      return print_remote(options, task_call(deny->task, "denials", {{"reason", deny->text}}));
    }
    auto ws = open_workspace(options);
    const auto r = ws.broker->deny(asserted(ws, deny->as), deny->task, deny->text);
    print_json({{"task", deny->task}, {"task_state", r.task_state}, {"rule_status", r.rule_status}, {"ledger_index", r.ledger_index}});
  });
}

}  // namespace mandate::cli
