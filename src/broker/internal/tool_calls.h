#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: what is particular to an agent's tool calls (the
// MCP gateway) — the `mcp` authorization detail and its argument
// constraints, the arguments as Cedar values, the held calls a person
// approves, and which tools a listing shows.
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "broker/internal/decision_checks.h"
#include "broker/step.h"
#include "policy/authorizer.h"
#include "policy/value.h"

namespace mandate::store {
class Store;
}
namespace mandate::ledger {
class Ledger;
}

namespace mandate::broker {

// The detail type a mandate's scope grants tool calls with, and the one the
// broker gives the task of a held call (never requested by anyone else).
inline constexpr const char* kToolDetailType = "mcp";
inline constexpr const char* kHeldCallDetailType = "mcp_call";
inline constexpr const char* kHeldCallKind = "held_call";  // id binding digest, ref held task; version: calls held

// An `mcp` detail: servers as locations, tools as actions, no resources,
// and in `extra` only {"arguments": {name: constraint}} where a constraint
// holds some of const, enum, prefix, under. `mcp_call` is refused: only
// the broker makes those.
std::expected<void, std::string> validate_tool_detail(const core::AuthorizationDetail& detail);

// validate_tool_detail on every detail of a scope a person requests: bad_input naming the detail.
void require_requestable(const core::Scope& scope);

// The call is inside some `mcp` detail: its server and tool listed, its
// arguments meeting that detail's constraints.
Verdict check_tool_scope(const token::MandateClaims& claims, const ToolCall& call);
// The server and tool are listed by some `mcp` detail, constraints aside.
bool tool_in_scope(const core::Scope& scope, const std::string& server, const std::string& tool);

// The JSON arguments as plain Cedar data: objects are records, arrays sets,
// integers Longs, other numbers their JSON text, null members left out.
// Nothing is read as an entity or extension escape: an agent's arguments
// name no entity. nullopt and why when nested too deep.
std::expected<policy::Value, std::string> arguments_value(const nlohmann::json& arguments);
std::vector<std::string> argument_names(const nlohmann::json& arguments);

// The context.arguments/server/tool/session (and approval) of a tool call's
// Cedar request, added to `context`.
void add_tool_context(const ToolCall& call, const std::optional<Presentation::HeldApproval>& approval,
                      policy::Record& context);

// Cedar denied, and every determining policy carries @approval: a person
// may allow the call.
bool awaits_approval(const policy::PolicySet& policies, const std::vector<std::string>& determining);

// The one held call for this agent, task, server, tool and arguments.
std::string held_call_binding(const token::MandateClaims& claims, const ToolCall& call);

// Where the held call for `binding` stands at `at` under `policy_set_hash`.
struct HeldStanding {
  enum class State { none, waiting, approved, denied } state = State::none;
  std::int64_t binding_version = 0;  // of the held_call record (kAbsent: none yet)
  std::string task_id;
  std::int64_t task_version = 0;
  core::Timestamp expires_at{};
  std::vector<std::string> approvers;
};
HeldStanding held_standing(store::Store& store, const std::string& binding, const std::string& policy_set_hash,
                           core::Timestamp at);

// Requests the task that holds `call` for a person (initiator and executor
// the agent, one mcp_call detail bound to the call and the policy set,
// lasting call.hold_for) and points `binding` at it, in one step. nullopt
// when held (or when another call held it first); else why it could not be
// (no rule lets such a task last that long, ...).
std::optional<std::string> hold_call(store::Store& store, ledger::Ledger& ledger, const Settings& settings,
                                     const token::MandateClaims& claims, const Caller& agent, const ToolCall& call,
                                     const std::string& policy_set_hash, const std::string& binding,
                                     std::int64_t binding_version, core::Timestamp at);
// An allowed call on a held approval moves its task from approved to
// active, at the version the decision read: a second use conflicts.
void use_held_approval(store::Store& store, Step& step, const Presentation::HeldApproval& approval);

// The scope-only reading of a policy set for tools_in_reach: permits
// without their conditions, and only the forbids that have none and no
// @approval.
policy::Authorizer reach_authorizer(const policy::PolicySet& policies);

}  // namespace mandate::broker
