#include "broker/trace.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "broker/lookups.h"
#include "core/error.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace mandate::broker {
namespace {

std::string task_of(store::Store& store, ledger::Ledger& ledger, const std::string& id) {
  if (store.record(kTaskKind, id)) return id;
  if (auto m = find_mandate(store, id)) return m->value.mandate.task_id;
  if (!id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }) && id.size() < 20) {
    const std::uint64_t index = std::stoull(id);
    if (index < ledger.size()) {
      const auto entry = nlohmann::json::parse(ledger.entry_bytes(index));
      if (entry.at("refs").contains("task")) return entry.at("refs").at("task").get<std::string>();
      fail(ErrorKind::not_found, "ledger entry " + id + " is not about a task");
    }
  }
  fail(ErrorKind::not_found, "no task, mandate or decision " + id);
}

// The entries of the calls the task's agent had held for a person (their
// request and the approvals or denials), in ledger order among the task's.
void add_held_calls(store::Store& store, ledger::Ledger& ledger, std::vector<TraceStep>& steps) {
  std::set<std::string> held;
  for (const TraceStep& s : steps) {
    const auto& refs = s.entry.at("refs");
    for (const char* name : {"held_task", "approval_task"}) {
      if (refs.contains(name)) held.insert(refs.at(name).get<std::string>());
    }
  }
  std::set<std::uint64_t> present;
  for (const TraceStep& s : steps) present.insert(s.index);
  for (const std::string& id : held) {
    for (TaskEntry& e : entries_about_task(store, ledger, id)) {
      if (!present.insert(e.index).second) continue;
      steps.push_back(TraceStep{e.index, std::move(e.entry), id});
    }
  }
  std::sort(steps.begin(), steps.end(), [](const TraceStep& a, const TraceStep& b) { return a.index < b.index; });
}

}  // namespace

std::vector<Attribution> attribute(const std::vector<TraceStep>& steps) {
  bool human_initiated = false, approved = false, reviewed = false;
  std::set<std::string> approved_mandates;  // issued after the rules were satisfied
  std::vector<Attribution> out;
  for (const TraceStep& s : steps) {
    if (!s.from_task.empty()) continue;  // a held call's own task proves nothing about this one
    const std::string type = s.entry.at("type");
    const auto& actor = s.entry.at("actor");
    if (type == "task.requested" || type == "task.break_glass") human_initiated = actor.at("kind") == "human";
    if (type == "task.approval" && s.entry.at("data").value("task_state", "") == "approved") approved = true;
    if (type == "task.reviewed") reviewed = true;
    if ((type == "mandate.issued" || type == "mandate.attenuated") && approved) {
      approved_mandates.insert(s.entry.at("refs").at("mandate").get<std::string>());
    }
    if (type != kDecisionEntry) continue;
    Attribution a;
    a.decision_index = s.index;
    a.allowed = s.entry.at("data").at("decision") == "allow";
    a.initiation = human_initiated;
    const auto& refs = s.entry.at("refs");
    a.approval = refs.contains("mandate") && approved_mandates.contains(refs.at("mandate").get<std::string>());
    a.execution = a.allowed && actor.value("authenticated_by", "").starts_with("proof-of-possession:");
    out.push_back(a);
  }
  // A later break-glass review vouches for the actions taken under it.
  if (reviewed) {
    for (Attribution& a : out) a.approval = true;
  }
  return out;
}

namespace {

std::string short_hash(const std::string& h) { return h.size() > 12 ? h.substr(0, 12) : h; }

std::string describe(const nlohmann::json& e) {
  const std::string type = e.at("type");
  const auto& d = e.at("data");
  std::ostringstream out;
  if (type == "task.requested" || type == "task.break_glass") {
    const auto& t = d.at("task");
    out << (type == "task.break_glass" ? "BREAK-GLASS " : "") << "requested \"" << t.at("intent").get<std::string>()
        << "\"" << (t.contains("ref") ? " (ref " + t.at("ref").get<std::string>() + ")" : "") << " for executor "
        << t.at("executor").get<std::string>() << ", " << t.at("duration").get<std::string>() << ", rules "
        << t.at("rules").dump();
    if (t.contains("audience")) out << ", for " << t.at("audience").dump();
    if (t.contains("use_budget")) out << ", approval covers " << t.at("use_budget") << " use(s) in all";
    if (t.contains("break_glass_reason")) out << ", reason \"" << t.at("break_glass_reason").get<std::string>() << "\"";
  } else if (type == "task.approval" || type == "task.denial") {
    out << (type == "task.approval" ? "approved" : "denied");
    const std::string comment = d.at("approval").at("comment");
    if (!comment.empty()) out << " \"" << comment << "\"";
    out << "; rules " << d.at("rules").dump();
    if (d.contains("task_state")) out << " -> task " << d.at("task_state").get<std::string>();
  } else if (type == "mandate.issued" || type == "mandate.attenuated") {
    const auto& m = d.at("mandate");
    out << (type == "mandate.issued" ? "issued " : "attenuated ") << m.at("jti").get<std::string>() << " to "
        << m.at("executor").get<std::string>() << " scope " << m.at("scope").dump() << " valid "
        << m.at("not_before").get<std::string>() << " .. " << m.at("expires_at").get<std::string>() << ", uses <= "
        << m.at("max_uses");
    if (m.contains("audience")) out << ", aud " << m.at("audience").dump();
    out << ", token sha256 " << short_hash(m.at("token_hash"));
    if (m.contains("parent_jti")) out << ", parent " << m.at("parent_jti").get<std::string>();
  } else if (type == "decision") {
    out << d.at("decision").get<std::string>() << " " << d.at("action").get<std::string>() << " on "
        << d.at("resource").get<std::string>() << " (decided by " << d.at("decided_by").get<std::string>()
        << "; reasons " << d.at("reasons").dump() << "; policy set " << short_hash(d.at("policy_set")) << ")";
    if (d.contains("task_uses")) out << "; use " << d.at("task_uses") << " of " << d.at("task_use_budget") << " the approval covers";
    if (d.contains("tool_call")) {
      const auto& c = d.at("tool_call");
      out << "; tool " << c.at("tool").get<std::string>() << " on MCP server " << c.at("server").get<std::string>()
          << ", arguments " << c.at("argument_names").dump() << " sha256 " << short_hash(c.at("arguments_sha256"));
      if (c.contains("session")) out << ", session " << short_hash(c.at("session"));
      if (c.contains("held_task")) out << "; held for a person's approval in task " << c.at("held_task").get<std::string>();
    }
    if (d.contains("approval_task")) out << "; run on the approval of task " << d.at("approval_task").get<std::string>();
  } else if (type == "tool.result") {
    out << "result of decision #" << d.at("decision_index") << " (" << d.at("tool_call").at("tool").get<std::string>()
        << " on " << d.at("tool_call").at("server").get<std::string>() << "): " << d.at("result").get<std::string>()
        << ", sha256 " << short_hash(d.at("result_sha256"));
    if (d.contains("approval_task")) out << "; ends held task " << d.at("approval_task").get<std::string>();
  } else if (type == "task.completed") {
    out << "outcome " << d.at("outcome").at("result").get<std::string>() << " "
        << d.at("outcome").at("result_digest").get<std::string>() << "; ended mandates " << d.at("revoked_mandates").dump();
  } else if (type == "mandate.revoked") {
    out << "revoked " << e.at("refs").at("mandate").get<std::string>() << ": \"" << d.at("reason").get<std::string>() << "\"";
  } else if (type == "task.cancelled") {
    out << "cancelled: \"" << d.at("reason").get<std::string>() << "\"";
    if (d.contains("revoked_mandates") && !d.at("revoked_mandates").empty()) out << "; revoked mandates " << d.at("revoked_mandates").dump();
  } else if (type == "task.reviewed") {
    out << "break-glass reviewed" << (d.at("overdue").get<bool>() ? " (after the deadline)" : "");
  } else {
    out << d.dump();
  }
  return out.str();
}

}  // namespace

std::string Attribution::depth() const {
  std::string out;
  for (auto [proven, name] : {std::pair{initiation, "initiation"}, {approval, "approval"}, {execution, "execution"}}) {
    if (!proven) continue;
    if (!out.empty()) out += "+";
    out += name;
  }
  return out.empty() ? "none" : out;
}

Trace build_trace(store::Store& store, ledger::Ledger& ledger, const std::string& id) {
  Trace trace;
  trace.subject = id;
  const std::string task_id = task_of(store, ledger, id);
  trace.task = get_task(store, task_id).value;
  std::set<std::string> policy_sets;
  std::vector<TaskEntry> entries = entries_about_task(store, ledger, task_id);
  for (const store::Record& r : store.records(kHeldEntryKind, task_id)) {
    const std::uint64_t index = std::stoull(r.id);
    entries.push_back({index, nlohmann::json::parse(ledger.entry_bytes(index))});
  }
  for (TaskEntry& e : entries) {
    TraceStep step{e.index, std::move(e.entry), {}};
    if (const auto& refs = step.entry.at("refs"); refs.contains("task") && refs.at("task") != task_id) {
      step.from_task = refs.at("task").get<std::string>();  // the agent's task, whose call this one held
    }
    if (step.entry.at("type") == "decision") {
      const std::string hash = step.entry.at("data").at("policy_set");
      if (!hash.empty()) policy_sets.insert(hash);
    }
    trace.steps.push_back(std::move(step));
  }
  add_held_calls(store, ledger, trace.steps);
  for (const std::string& hash : policy_sets) {
    for (const store::Record& r : store.records("policy_entry", hash)) trace.policy_entries.push_back(std::stoull(r.id));
  }
  trace.attribution = attribute(trace.steps);
  return trace;
}

std::string render_text(const Trace& trace) {
  std::ostringstream out;
  const core::Task& t = trace.task.task;
  out << "task " << t.id << " — " << core::to_string(t.state) << (t.break_glass ? " (break-glass)" : "") << "\n";
  out << "  intent:    " << t.intent << "\n";
  out << "  initiator: " << t.initiator << "\n  executor:  " << t.executor << "\n";
  std::size_t next_attribution = 0;
  for (const TraceStep& s : trace.steps) {
    const auto& e = s.entry;
    const auto& actor = e.at("actor");
    if (!s.from_task.empty()) out << "  [task " << s.from_task << "]\n";
    out << "  #" << s.index << "  " << e.at("time").get<std::string>() << "  " << e.at("type").get<std::string>()
        << "  by " << actor.at("id").get<std::string>() << " (" << actor.at("kind").get<std::string>() << ", "
        << actor.value("authenticated_by", "unattributed") << ")\n";
    out << "        " << describe(e) << "\n";
    if (e.at("type") == "decision" && next_attribution < trace.attribution.size()) {
      out << "        attribution proven: " << trace.attribution[next_attribution++].depth() << "\n";
    }
  }
  if (!trace.policy_entries.empty()) {
    out << "  policy sets used were loaded in entries";
    for (auto i : trace.policy_entries) out << " #" << i;
    out << "\n";
  }
  return out.str();
}

nlohmann::json render_json(const Trace& trace) {
  nlohmann::json steps = nlohmann::json::array();
  for (const TraceStep& s : trace.steps) {
    nlohmann::json step = {{"index", s.index}, {"entry", s.entry}, {"summary", describe(s.entry)}};
    if (!s.from_task.empty()) step["from_task"] = s.from_task;
    steps.push_back(std::move(step));
  }
  nlohmann::json attribution = nlohmann::json::array();
  for (const Attribution& a : trace.attribution) {
    attribution.push_back({{"decision_index", a.decision_index},
                           {"allowed", a.allowed},
                           {"initiation", a.initiation},
                           {"approval", a.approval},
                           {"execution", a.execution},
                           {"depth", a.depth()}});
  }
  return {{"subject", trace.subject},
          {"task", to_json(trace.task)},
          {"steps", steps},
          {"attribution", attribution},
          {"policy_entries", trace.policy_entries}};
}

std::string render_dot(const Trace& trace) {
  const auto q = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  const core::Task& t = trace.task.task;
  std::ostringstream out;
  out << "digraph mandate_trace {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n";
  out << "  " << q("task:" + t.id) << " [label=" << q("task " + t.id + "\\n" + std::string(core::to_string(t.state))) << ", style=bold];\n";
  out << "  " << q("actor:" + t.initiator) << " [shape=ellipse, label=" << q(t.initiator) << "];\n";
  out << "  " << q("actor:" + t.initiator) << " -> " << q("task:" + t.id) << " [label=\"requested\"];\n";
  std::size_t next_attribution = 0;
  for (const TraceStep& s : trace.steps) {
    if (!s.from_task.empty()) continue;
    const auto& e = s.entry;
    const std::string type = e.at("type");
    const std::string actor = e.at("actor").at("id");
    if (type == "task.approval" || type == "task.denial" || type == "task.reviewed") {
      out << "  " << q("actor:" + actor) << " [shape=ellipse, label=" << q(actor) << "];\n";
      out << "  " << q("actor:" + actor) << " -> " << q("task:" + t.id) << " [label=" << q(type.substr(5) + " #" + std::to_string(s.index)) << "];\n";
    } else if (type == "mandate.issued" || type == "mandate.attenuated") {
      const auto& m = e.at("data").at("mandate");
      const std::string jti = m.at("jti");
      const std::string from = m.contains("parent_jti") ? "mandate:" + m.at("parent_jti").get<std::string>() : "task:" + t.id;
      out << "  " << q("mandate:" + jti) << " [shape=note, label=" << q("mandate " + jti + "\\nuntil " + m.at("expires_at").get<std::string>()) << "];\n";
      out << "  " << q(from) << " -> " << q("mandate:" + jti) << " [label=" << q("#" + std::to_string(s.index)) << "];\n";
      out << "  " << q("mandate:" + jti) << " -> " << q("actor:" + m.at("executor").get<std::string>()) << " [label=\"held by\"];\n";
    } else if (type == "decision") {
      const auto& d = e.at("data");
      const std::string node = "decision:" + std::to_string(s.index);
      std::string label = d.at("decision").get<std::string>() + " " + d.at("action").get<std::string>() + "\\n" +
                          d.at("resource").get<std::string>() + "\\n#" + std::to_string(s.index);
      if (next_attribution < trace.attribution.size()) label += "\\n" + trace.attribution[next_attribution++].depth();
      out << "  " << q(node) << " [shape=diamond, label=" << q(label) << ", color=" << (d.at("decision") == "allow" ? "darkgreen" : "red") << "];\n";
      if (e.at("refs").contains("mandate")) out << "  " << q("mandate:" + e.at("refs").at("mandate").get<std::string>()) << " -> " << q(node) << ";\n";
    } else if (type == "task.completed" || type == "mandate.revoked" || type == "task.cancelled") {
      const std::string node = "end:" + std::to_string(s.index);
      out << "  " << q(node) << " [shape=octagon, label=" << q(type + "\\n#" + std::to_string(s.index)) << "];\n";
      out << "  " << q("task:" + t.id) << " -> " << q(node) << ";\n";
    }
  }
  out << "}\n";
  return out.str();
}

}  // namespace mandate::broker
