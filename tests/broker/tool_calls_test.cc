// An agent's tool calls as the broker decides them (the MCP gateway's side
// is tests/mcp): the mcp detail and its argument constraints, the arguments
// in Cedar, held calls a person approves, and which tools a listing shows.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "broker/records.h"
#include "broker/trace.h"
#include "broker_fixture.h"
#include "ledger/ledger.h"
#include "token/proof.h"

namespace mandate::broker {
namespace {

using nlohmann::json;

constexpr const char* kAgent = "spiffe://example.org/agents/coder";

class ToolCalls : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    core::Actor agent;
    agent.id = kAgent;
    agent.kind = core::ActorKind::agent;
    agent.owner = "alice";
    broker->add_actor({"operator", CallerKind::home_operator, "test"}, agent, agent_key.public_key().jwk_json());
    load_rules(R"([[rule]]
id = "agent-work"
detail_types = ["mcp"]
approvals = 1
approver_groups = ["sre"]
max_task_duration = "1h"
max_uses = 100

[[rule]]
id = "held-calls"
detail_types = ["mcp_call"]
approvals = 1
approver_groups = ["sre"]
max_task_duration = "1h"
)");
    load_policies(R"(permit (principal is Agent, action == Action::"mcp:call", resource);)");
  }

  core::Scope tool_scope(const std::string& extra = "") {
    return {core::AuthorizationDetail{"mcp", {"read_file", "write_file"}, {"fs"}, {}, extra}};
  }
  std::string agent_task(const core::Scope& s) {
    const std::string id = broker->request_task(as("alice"), {"Refactor the parser", std::nullopt, kAgent, s, std::chrono::minutes(30)}).task_id;
    EXPECT_EQ(broker->approve(as("bob"), id, "ok").task_state, "approved");
    return id;
  }
  std::string agent_mandate(const core::Scope& s) {
    return broker->issue(as(kAgent, CallerKind::agent), agent_task(s)).token;
  }
  DecisionResult call(const std::string& token, const std::string& tool, const json& arguments) {
    DecisionRequest r;
    r.token = token;
    r.action = kToolCallAction;
    r.resource = tool_call_resource("fs", tool);
    r.proof = token::make_proof(agent_key, token, r.action, r.resource, clock_now);
    r.tool_call = ToolCall{"fs", tool, arguments, "session-1", std::chrono::minutes(10)};
    return broker->authorize(r);
  }
  json entry(std::uint64_t index) { return json::parse(ledger->entry_bytes(index)).at("data"); }

  token::PrivateKey agent_key = token::PrivateKey::generate(token::Algorithm::EdDSA);
};

TEST_F(ToolCalls, AnAllowedCallIsRecordedWithTheDigestOfItsArgumentsNotTheirValues) {
  const std::string token = agent_mandate(tool_scope());
  const auto d = call(token, "read_file", {{"path", "/srv/project/secret-plan.txt"}});
  ASSERT_TRUE(d.allow) << d.reasons.front();
  const json e = entry(d.ledger_index);
  EXPECT_EQ(e["tool_call"]["server"], "fs");
  EXPECT_EQ(e["tool_call"]["tool"], "read_file");
  EXPECT_EQ(e["tool_call"]["argument_names"], json::array({"path"}));
  EXPECT_EQ(e["tool_call"]["arguments_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(e["tool_call"]["session"], "session-1");
  EXPECT_EQ(ledger->entry_bytes(d.ledger_index).find("secret-plan"), std::string::npos);
}

TEST_F(ToolCalls, AToolOrServerOutsideTheScopeIsDenied) {
  const std::string token = agent_mandate(tool_scope());
  const auto d = call(token, "move_file", {{"source", "/a"}, {"destination", "/b"}});
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.decided_by, "scope");
  DecisionRequest generic{token, token::make_proof(agent_key, token, "read_file", "fs", clock_now), "read_file", "fs", "{}",
                          std::nullopt, std::nullopt};
  EXPECT_EQ(broker->authorize(generic).decided_by, "scope") << "an mcp detail grants tool calls through the gateway only";
}

TEST_F(ToolCalls, TheScopeCanConstrainArguments) {
  const std::string token = agent_mandate(tool_scope(R"({"arguments":{"path":{"under":"/srv/project"}}})"));
  EXPECT_TRUE(call(token, "write_file", {{"path", "/srv/project/src/a.cc"}, {"content", "x"}}).allow);
  for (const char* path : {"/srv/projectx/a", "/etc/passwd", "/srv/project/../../etc/passwd", "relative/a"}) {
    const auto d = call(token, "write_file", {{"path", path}, {"content", "x"}});
    EXPECT_FALSE(d.allow) << path;
    EXPECT_EQ(d.decided_by, "scope") << path;
  }
  EXPECT_EQ(call(token, "write_file", {{"content", "x"}}).decided_by, "scope") << "a constrained argument must be given";
}

TEST_F(ToolCalls, AMalformedArgumentConstraintIsRefusedWhenTheTaskIsRequested) {
  for (const char* extra : {R"({"arguments":{"path":{"under":"relative"}}})", R"({"arguments":{"path":{"regex":".*"}}})",
                            R"({"arguments":{"path":"/srv"}})", R"({"servers":["fs"]})"}) {
    EXPECT_THROW(broker->request_task(as("alice"), {"x", std::nullopt, kAgent, tool_scope(extra), std::chrono::minutes(5)}), Error)
        << extra;
  }
  const core::Scope held{core::AuthorizationDetail{"mcp_call", {"write_file"}, {"fs"}, {}, ""}};
  EXPECT_THROW(broker->request_task(as("alice"), {"x", std::nullopt, kAgent, held, std::chrono::minutes(5)}), Error)
      << "only the gateway holds calls";
}

TEST_F(ToolCalls, ACedarPolicyDecidesOnTheArguments) {
  load_policies(R"(
permit (principal is Agent, action == Action::"mcp:call", resource == Resource::"mcp:fs/read_file");
permit (principal is Agent, action == Action::"mcp:call", resource == Resource::"mcp:fs/write_file")
  when { context.arguments.path like "/srv/project/*" && !(context.arguments.path like "*..*") };
)");
  const std::string token = agent_mandate(tool_scope());
  EXPECT_TRUE(call(token, "write_file", {{"path", "/srv/project/a.txt"}, {"content", "x"}}).allow);
  const auto outside = call(token, "write_file", {{"path", "/tmp/a.txt"}, {"content", "x"}});
  EXPECT_FALSE(outside.allow);
  EXPECT_EQ(outside.decided_by, "policy");
  EXPECT_FALSE(call(token, "write_file", {{"path", "/srv/project/../x"}, {"content", "x"}}).allow);
}

TEST_F(ToolCalls, ArgumentsAreDataNeverEntityReferences) {
  load_policies(R"(
permit (principal is Agent, action == Action::"mcp:call", resource)
  when { context.arguments has who && context.arguments.who has __entity && context.arguments.n == 3 &&
         context.arguments.tags.contains("a") && !(context.arguments has nothing) && context.arguments.ratio == "0.5" };
)");
  const std::string token = agent_mandate(tool_scope());
  const json arguments = {{"who", {{"__entity", {{"type", "Human"}, {"id", "bob"}}}}},
                          {"n", 3}, {"tags", {"a", "b", "a"}}, {"nothing", nullptr}, {"ratio", 0.5}};
  const auto d = call(token, "read_file", arguments);
  EXPECT_TRUE(d.allow) << (d.reasons.empty() ? d.decided_by : d.reasons.front());
}

class HeldCalls : public ToolCalls {
 protected:
  void SetUp() override {
    ToolCalls::SetUp();
    load_policies(R"(
permit (principal is Agent, action == Action::"mcp:call", resource);
@id("writes-need-a-person")
@approval("a person approves each write")
forbid (principal, action == Action::"mcp:call", resource == Resource::"mcp:fs/write_file") unless { context has approval };
)");
    token = agent_mandate(tool_scope());
  }
  std::string token;
  const json args = {{"path", "/srv/project/a.txt"}, {"content", "hello"}};
};

TEST_F(HeldCalls, AHeldCallRunsOnceWithTheApprovedArgumentsOnly) {
  const auto first = call(token, "write_file", args);
  EXPECT_FALSE(first.allow);
  EXPECT_EQ(first.decided_by, "approval");
  ASSERT_TRUE(first.held);
  EXPECT_TRUE(first.held->created);
  const std::string held = first.held->task_id;
  const TaskView view = broker->task(held);
  EXPECT_EQ(view.record.task.initiator, kAgent);
  EXPECT_EQ(view.record.task.requested_scope.front().type, "mcp_call");

  const auto again = call(token, "write_file", args);
  ASSERT_TRUE(again.held);
  EXPECT_EQ(again.held->task_id, held) << "the same call waits on the same task";
  EXPECT_FALSE(again.held->created);

  EXPECT_THROW(broker->approve(as(kAgent, CallerKind::agent), held, "me"), Error) << "the agent cannot approve its own call";
  EXPECT_EQ(broker->approve(as("carol"), held, "fine").task_state, "approved");

  json other = args;
  other["content"] = "something else";
  const auto changed = call(token, "write_file", other);
  EXPECT_FALSE(changed.allow) << "other arguments are another call";
  ASSERT_TRUE(changed.held);
  EXPECT_NE(changed.held->task_id, held);

  const auto approved = call(token, "write_file", args);
  ASSERT_TRUE(approved.allow) << approved.decided_by;
  EXPECT_EQ(approved.approval_task, held);
  EXPECT_EQ(entry(approved.ledger_index)["approval_task"], held);

  const auto replayed = call(token, "write_file", args);
  EXPECT_FALSE(replayed.allow) << "an approval runs its call once";
  ASSERT_TRUE(replayed.held);
  EXPECT_NE(replayed.held->task_id, held);

  const Trace trace = build_trace(*store, *ledger, approved.task_id);
  const auto approval_step = std::find_if(trace.steps.begin(), trace.steps.end(), [](const TraceStep& t) {
    return t.entry.at("type") == "task.approval" && !t.from_task.empty();
  });
  ASSERT_NE(approval_step, trace.steps.end()) << "the person's approval of the held call is in the agent's chain";
  EXPECT_EQ(approval_step->from_task, held);
  EXPECT_EQ(approval_step->entry["actor"]["id"], "carol");
  const auto attributed = std::find_if(trace.attribution.begin(), trace.attribution.end(),
                                       [&](const Attribution& a) { return a.decision_index == approved.ledger_index; });
  ASSERT_NE(attributed, trace.attribution.end());
  EXPECT_EQ(attributed->depth(), "initiation+approval+execution");
  const std::string text = render_text(trace);
  EXPECT_NE(text.find("[task " + held + "]"), std::string::npos) << text;
  EXPECT_NE(text.find("run on the approval of task " + held), std::string::npos) << text;

  broker->record_tool_result({approved.ledger_index, approved.mandate_id, approved.task_id, approved.presenter, "fs",
                              "write_file", false, std::string(64, 'a'), held, std::nullopt});
  EXPECT_EQ(broker->task(held).record.task.state, core::TaskState::completed);
  ASSERT_TRUE(broker->task(held).record.outcome);
}

TEST_F(HeldCalls, AnExpiredApprovalIsRefused) {
  const std::string held = call(token, "write_file", args).held->task_id;
  broker->approve(as("carol"), held, "fine");
  clock_now += std::chrono::minutes(11);
  const auto late = call(token, "write_file", args);
  EXPECT_FALSE(late.allow);
  ASSERT_TRUE(late.held);
  EXPECT_NE(late.held->task_id, held);
}

TEST_F(HeldCalls, AnApprovalUnderAnotherPolicySetIsNotUsed) {
  const std::string held = call(token, "write_file", args).held->task_id;
  broker->approve(as("carol"), held, "fine");
  load_policies(R"(
permit (principal is Agent, action == Action::"mcp:call", resource);
@approval("required")
forbid (principal, action == Action::"mcp:call", resource == Resource::"mcp:fs/write_file") unless { context has approval };
)");
  const auto d = call(token, "write_file", args);
  EXPECT_FALSE(d.allow);
  ASSERT_TRUE(d.held);
  EXPECT_NE(d.held->task_id, held);
}

TEST_F(HeldCalls, ADeniedCallStaysDenied) {
  const std::string held = call(token, "write_file", args).held->task_id;
  broker->deny(as("carol"), held, "not that file");
  const auto d = call(token, "write_file", args);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.decided_by, "approval");
  EXPECT_FALSE(d.held);
  EXPECT_NE(d.reasons.front().find("denied"), std::string::npos);
}

TEST_F(HeldCalls, ConcurrentCallsOnOneApprovalRunOnce) {
  const std::string held = call(token, "write_file", args).held->task_id;
  broker->approve(as("carol"), held, "fine");
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (call(token, "write_file", args).allow) ++allowed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1);
}

TEST_F(HeldCalls, AForbidWithoutApprovalIsAPlainDeny) {
  load_policies(R"(
permit (principal is Agent, action == Action::"mcp:call", resource);
forbid (principal, action == Action::"mcp:call", resource == Resource::"mcp:fs/write_file");
)");
  const auto d = call(token, "write_file", args);
  EXPECT_EQ(d.decided_by, "policy");
  EXPECT_FALSE(d.held);
}

TEST_F(ToolCalls, AListingShowsTheToolsTheMandateAndPoliciesCouldAllow) {
  load_policies(R"(
permit (principal is Agent, action == Action::"mcp:call", resource)
  when { context.arguments has path };
forbid (principal, action, resource == Resource::"mcp:fs/read_file");
@approval("yes")
forbid (principal, action, resource == Resource::"mcp:fs/delete") unless { context has approval };
)");
  const std::string token = agent_mandate({core::AuthorizationDetail{"mcp", {"read_file", "write_file", "delete"}, {"fs"}, {}, ""}});
  DecisionRequest r{token, "", "mcp:session", "mcp:gateway", "{}", std::nullopt, std::nullopt};
  r.proof = token::make_proof(agent_key, token, r.action, r.resource, clock_now);
  const PresentationCheck who = broker->check_presentation(r);
  ASSERT_TRUE(who.valid) << who.reason;
  const auto reach = broker->tools_in_reach(who, {{"fs", "read_file"}, {"fs", "write_file"}, {"fs", "delete"}, {"fs", "move_file"}, {"web", "write_file"}});
  EXPECT_EQ(reach, (std::vector<bool>{false, true, true, false, false}));
  const auto size = ledger->size();
  broker->check_presentation(r);
  EXPECT_EQ(ledger->size(), size) << "a presentation check records nothing";
  r.proof = token::make_proof(executor_key, token, r.action, r.resource, clock_now);
  EXPECT_FALSE(broker->check_presentation(r).valid) << "another key's proof";
}

TEST_F(ToolCalls, TheNextCallAfterTheTaskEndsIsRefused) {
  const std::string token = agent_mandate(tool_scope());
  const auto d = call(token, "read_file", {{"path", "/a"}});
  ASSERT_TRUE(d.allow);
  broker->complete(as(kAgent, CallerKind::agent), d.task_id, core::OutcomeResult::success, std::string(64, 'b'));
  const auto after = call(token, "read_file", {{"path", "/a"}});
  EXPECT_FALSE(after.allow);
  EXPECT_EQ(after.decided_by, "revocation");
}

}  // namespace
}  // namespace mandate::broker
