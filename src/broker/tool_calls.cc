// An agent's tool calls (the MCP gateway): the `mcp` detail and its argument
// constraints, arguments as Cedar data, held calls, and listings.
#include "broker/internal/tool_calls.h"

#include <algorithm>

#include "broker/limits.h"
#include "broker/lookups.h"
#include "core/ids.h"
#include "broker/step.h"
#include "core/error.h"
#include "encoding/json.h"
#include "store/store.h"

namespace mandate::broker {
namespace {

using nlohmann::json;

constexpr int kMaxArgumentDepth = 32;

bool lists(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The path's segments, or nullopt when it is not absolute or holds "." or
// ".." (which a lexical check cannot follow) or a NUL.
std::optional<std::vector<std::string>> absolute_segments(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos) return std::nullopt;
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return std::nullopt;
    if (!segment.empty()) out.emplace_back(segment);
    start = end + 1;
  }
  return out;
}

bool is_under(std::string_view path, std::string_view folder) {
  const auto p = absolute_segments(path);
  const auto f = absolute_segments(folder);
  return p && f && p->size() >= f->size() && std::equal(f->begin(), f->end(), p->begin());
}

std::expected<void, std::string> validate_constraint(const std::string& name, const json& c) {
  const std::string where = "arguments." + name;
  if (!c.is_object() || c.empty()) return std::unexpected(where + " must be an object of const, enum, prefix or under");
  for (const auto& [key, value] : c.items()) {
    if (key == "const") continue;
    if (key == "enum") {
      if (!value.is_array() || value.empty()) return std::unexpected(where + ".enum must be a non-empty array");
    } else if (key == "prefix") {
      if (!value.is_string() || value.get<std::string>().empty()) return std::unexpected(where + ".prefix must be a non-empty string");
    } else if (key == "under") {
      if (!value.is_string() || !absolute_segments(value.get<std::string>())) {
        return std::unexpected(where + ".under must be an absolute path without . or .. segments");
      }
    } else {
      return std::unexpected(where + ": unknown constraint \"" + key + "\" (const, enum, prefix, under)");
    }
  }
  return {};
}

// Why the value breaks the constraint, or nullopt when it meets it.
std::optional<std::string> breaks(const std::string& name, const json* value, const json& c) {
  if (!value) return "argument " + name + " is constrained and must be given";
  for (const auto& [key, bound] : c.items()) {
    if (key == "const" && *value != bound) return "argument " + name + " must be " + bound.dump();
    if (key == "enum" && std::find(bound.begin(), bound.end(), *value) == bound.end()) {
      return "argument " + name + " must be one of " + bound.dump();
    }
    if (key == "prefix" && !(value->is_string() && value->get<std::string>().starts_with(bound.get<std::string>()))) {
      return "argument " + name + " must start with " + bound.dump();
    }
    if (key == "under" && !(value->is_string() && is_under(value->get<std::string>(), bound.get<std::string>()))) {
      return "argument " + name + " must be an absolute path under " + bound.get<std::string>() +
             " (without . or .. segments)";
    }
  }
  return std::nullopt;
}

json detail_arguments(const core::AuthorizationDetail& d) {
  if (d.extra.empty() || d.extra == "{}") return json::object();
  return json::parse(d.extra).value("arguments", json::object());
}

std::expected<policy::Value, std::string> to_value(const json& j, int depth) {
  if (depth > kMaxArgumentDepth) return std::unexpected("nested deeper than " + std::to_string(kMaxArgumentDepth));
  switch (j.type()) {
    case json::value_t::boolean:
      return policy::Value{j.get<bool>()};
    case json::value_t::number_integer:
      return policy::Value{j.get<std::int64_t>()};
    case json::value_t::number_unsigned:
      if (j.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) return policy::Value{j.get<std::int64_t>()};
      return policy::Value{j.dump()};
    case json::value_t::number_float:
      return policy::Value{j.dump()};
    case json::value_t::string:
      return policy::Value{j.get<std::string>()};
    case json::value_t::array: {
      std::vector<policy::Value> elements;
      for (const json& e : j) {
        if (e.is_null()) continue;
        auto v = to_value(e, depth + 1);
        if (!v) return v;
        elements.push_back(std::move(*v));
      }
      return policy::make_set(std::move(elements));
    }
    case json::value_t::object: {
      policy::Record fields;
      for (const auto& [key, member] : j.items()) {
        if (member.is_null()) continue;
        auto v = to_value(member, depth + 1);
        if (!v) return v;
        fields.emplace(key, std::move(*v));
      }
      return policy::make_record(std::move(fields));
    }
    default:
      return std::unexpected("holds a value with no Cedar form");
  }
}

}  // namespace

std::string tool_call_resource(const std::string& server, const std::string& tool) { return "mcp:" + server + "/" + tool; }

std::expected<void, std::string> validate_tool_detail(const core::AuthorizationDetail& detail) {
  if (detail.type == kHeldCallDetailType) {
    return std::unexpected("mcp_call details are made by the MCP gateway when it holds a call for approval");
  }
  if (detail.type != kToolDetailType) return {};
  if (detail.locations.empty()) return std::unexpected("an mcp detail names its MCP servers as locations");
  if (detail.actions.empty()) return std::unexpected("an mcp detail names its tools as actions");
  if (!detail.resources.empty()) return std::unexpected("an mcp detail has no resources (servers are locations, tools actions)");
  if (detail.extra.empty() || detail.extra == "{}") return {};
  const json extra = json::parse(detail.extra);
  for (const auto& [key, value] : extra.items()) {
    if (key != "arguments") return std::unexpected("an mcp detail's fields are type, locations, actions and arguments, not " + key);
    if (!value.is_object()) return std::unexpected("arguments must be an object of argument name to constraint");
    for (const auto& [name, constraint] : value.items()) {
      if (auto ok = validate_constraint(name, constraint); !ok) return ok;
    }
  }
  return {};
}

void require_requestable(const core::Scope& scope) {
  for (std::size_t i = 0; i < scope.size(); ++i) {
    if (auto ok = validate_tool_detail(scope[i]); !ok) {
      fail(ErrorKind::bad_input, "authorization_details[" + std::to_string(i) + "]: " + ok.error());
    }
  }
}

bool tool_in_scope(const core::Scope& scope, const std::string& server, const std::string& tool) {
  return std::any_of(scope.begin(), scope.end(), [&](const core::AuthorizationDetail& d) {
    return d.type == kToolDetailType && lists(d.locations, server) && lists(d.actions, tool);
  });
}

Verdict check_tool_scope(const token::MandateClaims& claims, const ToolCall& call) {
  std::optional<std::string> why;
  for (const core::AuthorizationDetail& d : claims.scope) {
    if (d.type != kToolDetailType || !lists(d.locations, call.server) || !lists(d.actions, call.tool)) continue;
    std::optional<std::string> broken;
    const json constraints = detail_arguments(d);
    for (const auto& [name, constraint] : constraints.items()) {
      const json* value = call.arguments.contains(name) ? &call.arguments.at(name) : nullptr;
      if ((broken = breaks(name, value, constraint))) break;
    }
    if (!broken) return std::nullopt;
    if (!why) why = std::move(broken);
  }
  if (why) return Failure{"scope", "the approved scope allows " + call.tool + " on " + call.server + " only so: " + *why};
  return Failure{"scope", "tool " + call.tool + " on MCP server " + call.server + " is outside the approved scope"};
}

std::expected<policy::Value, std::string> arguments_value(const json& arguments) { return to_value(arguments, 0); }

std::string arguments_digest(const json& arguments) {
  auto canonical = encoding::canonicalize(arguments);
  if (!canonical) fail(ErrorKind::bad_input, "arguments: " + canonical.error());
  return sha256_hex(*canonical);
}

std::vector<std::string> argument_names(const json& arguments) {
  std::vector<std::string> names;
  for (const auto& [name, value] : arguments.items()) names.push_back(name);
  return names;
}

void add_tool_context(const ToolCall& call, const std::optional<Presentation::HeldApproval>& approval,
                      policy::Record& context) {
  auto arguments = arguments_value(call.arguments);
  if (!arguments) fail(ErrorKind::bad_input, "arguments: " + arguments.error());
  context.insert_or_assign("arguments", std::move(*arguments));
  context.insert_or_assign("server", policy::Value{call.server});
  context.insert_or_assign("tool", policy::Value{call.tool});
  context.insert_or_assign("session", policy::Value{call.session});
  if (approval) {
    std::vector<policy::Value> approvers;
    for (const std::string& a : approval->approvers) approvers.push_back(policy::Value{a});
    context.insert_or_assign("approval", policy::make_record({{"task", policy::Value{approval->task_id}},
                                                              {"approvers", policy::make_set(std::move(approvers))}}));
  }
}

bool awaits_approval(const policy::PolicySet& policies, const std::vector<std::string>& determining) {
  if (determining.empty()) return false;
  return std::all_of(determining.begin(), determining.end(), [&](const std::string& id) {
    const auto it = std::find_if(policies.policies.begin(), policies.policies.end(), [&](const policy::Policy& p) { return p.id == id; });
    if (it == policies.policies.end() || it->effect != policy::Effect::Forbid) return false;
    return std::any_of(it->annotations.begin(), it->annotations.end(), [](const auto& a) { return a.first == "approval"; });
  });
}

std::string held_call_binding(const token::MandateClaims& claims, const ToolCall& call) {
  const json binding = {{"agent", claims.executor},
                        {"task", claims.task_id},
                        {"server", call.server},
                        {"tool", call.tool},
                        {"arguments_sha256", arguments_digest(call.arguments)}};
  return sha256_hex(encoding::canonicalize(binding).value());
}

HeldStanding held_standing(store::Store& store, const std::string& binding, const std::string& policy_set_hash,
                           core::Timestamp at) {
  HeldStanding out;
  const auto record = store.record(kHeldCallKind, binding);
  if (!record) {
    out.binding_version = store::kAbsent;
    return out;
  }
  out.binding_version = record->version;
  out.task_id = record->ref;
  const auto task = get_task(store, out.task_id);
  out.task_version = task.version;
  const TaskRecord& t = task.value;
  const auto detail = t.task.requested_scope.empty() ? json::object() : json::parse(t.task.requested_scope.front().extra);
  // An approval given under another policy set is not this one's to use.
  if (detail.value("policy_set", "") != policy_set_hash) return out;
  switch (t.task.state) {
    case core::TaskState::requested:
      out.expires_at = t.task.created_at + t.task.requested_duration;
      if (at < out.expires_at) out.state = HeldStanding::State::waiting;
      break;
    case core::TaskState::approved:
      out.expires_at = t.window_ends_at.value_or(at);
      if (at < out.expires_at) {
        out.state = HeldStanding::State::approved;
        for (const core::Approval& a : task_approvals(store, out.task_id)) {
          if (a.decision == core::ApprovalDecision::approve) out.approvers.push_back(a.approver);
        }
      }
      break;
    case core::TaskState::denied:
      out.state = HeldStanding::State::denied;
      break;
    default:  // run once already, cancelled, expired: a new call must be held anew
      break;
  }
  return out;
}

std::optional<std::string> hold_call(store::Store& store, ledger::Ledger& ledger, const Settings& settings,
                                     const token::MandateClaims& claims, const Caller& agent, const ToolCall& call,
                                     const std::string& policy_set_hash, const std::string& binding,
                                     std::int64_t binding_version, core::Timestamp at) {
  const auto parent = get_task(store, claims.task_id).value;
  core::AuthorizationDetail detail{kHeldCallDetailType, {call.tool}, {call.server}, {}, ""};
  detail.extra = encoding::canonicalize(json{{"arguments_sha256", arguments_digest(call.arguments)},
                                             {"argument_names", argument_names(call.arguments)},
                                             {"for_task", claims.task_id},
                                             {"mandate", claims.jti},
                                             {"policy_set", policy_set_hash},
                                             {"session", call.session}})
                     .value();
  TaskRequest request;
  std::string intent = "Agent " + claims.executor + " asks to call " + call.tool + " on MCP server " + call.server +
                       " with arguments sha256:" + arguments_digest(call.arguments).substr(0, 16) + "…, for task " +
                       claims.task_id + ": " + parent.task.intent;
  if (intent.size() > core::kMaxTextLength) intent.resize(core::kMaxTextLength - 3), intent += "...";
  request.intent = std::move(intent);
  request.ref = parent.task.external_ref;
  request.executor = claims.executor;
  request.scope = {detail};
  request.duration = call.hold_for;
  request.audience = parent.task.audience;
  try {
    const TaskRecord record = draft_task(store, claims.executor, request, at, false, settings.audience).record;
    Step step("task.requested", agent, at);
    step.about_task(record.task.id).ref("for_task", claims.task_id).data("task", to_json(record));
    step.data("held_call", {{"server", call.server}, {"tool", call.tool}, {"arguments_sha256", arguments_digest(call.arguments)}});
    step.put(kTaskKind, record.task.id, record.task.initiator, to_json(record), store::kAbsent);
    step.put(kHeldCallKind, binding, record.task.id, json{{"task", record.task.id}}, binding_version);
    step.commit(ledger);
    return std::nullopt;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::conflict) return std::nullopt;
    if (e.kind() == ErrorKind::bad_input) return std::string(e.what());
    throw;
  }
}

void use_held_approval(store::Store& store, Step& step, const Presentation::HeldApproval& approval) {
  TaskRecord task = get_task(store, approval.task_id).value;
  task.task.state = core::TaskState::active;
  step.ref("approval_task", approval.task_id).index_under(kHeldEntryKind, approval.task_id);
  step.data("approval_task", approval.task_id);
  step.put(kTaskKind, approval.task_id, task.task.initiator, to_json(task), approval.task_version);
}

policy::Authorizer reach_authorizer(const policy::PolicySet& policies) {
  const auto scope_only = [](const policy::Policy& p) {
    policy::Policy out;
    out.id = p.id;
    out.effect = p.effect;
    out.annotations = p.annotations;
    out.principal = p.principal;
    out.action = p.action;
    out.resource = p.resource;
    out.pos = p.pos;
    return out;
  };
  policy::PolicySet reach;
  for (const policy::Policy& p : policies.policies) {
    const bool approval = std::any_of(p.annotations.begin(), p.annotations.end(), [](const auto& a) { return a.first == "approval"; });
    if (p.effect == policy::Effect::Permit || (p.conditions.empty() && !approval)) reach.policies.push_back(scope_only(p));
  }
  return policy::Authorizer(std::move(reach));
}

}  // namespace mandate::broker
