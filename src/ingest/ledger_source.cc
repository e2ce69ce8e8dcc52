#include "ingest/ledger_source.h"

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace mandate::ingest {
namespace {

using nlohmann::json;

core::PrincipalKind principal_kind(const std::string& kind) {
  return core::parse_principal_kind(kind).value_or(core::PrincipalKind::unknown);
}

struct TaskFacts {
  std::string initiator;
  std::string initiator_kind;
};

core::AuditEvent base_event(const nlohmann::json& e, const store::LedgerRow& row, const std::string& origin) {
  const json& actor = e.at("actor");
  core::AuditEvent ev;
  ev.id = origin + "#" + std::to_string(row.index);
  ev.source = "ledger";
  ev.account = origin;
  ev.time = core::parse_timestamp(e.at("time").get<std::string>()).value_or(core::Timestamp{});
  ev.actor = {actor.at("id"), principal_kind(actor.at("kind")), ""};
  ev.origin = "ledger#" + std::to_string(row.index);
  ev.raw = row.body;
  ev.result = core::EventResult::success;
  return ev;
}

// `mandate actor suspend|offboard`: the person who did it is the event's
// actor, the one whose standing ended is its resource, so the analyzer can
// tell which owners no longer answer for their machines.
std::optional<core::AuditEvent> standing_event(const json& e, const store::LedgerRow& row, const std::string& origin) {
  const std::string type = e.value("type", "");
  if (type != "actor.suspended" && type != "actor.offboarded") return std::nullopt;
  if (!e.contains("refs") || !e.at("refs").contains("actor")) return std::nullopt;
  core::AuditEvent ev = base_event(e, row, origin);
  ev.category = core::EventCategory::lifecycle;
  ev.action = "mandate:" + type;
  ev.resource = e.at("refs").at("actor");
  ev.signals.push_back(type == "actor.offboarded" ? "offboarded" : "suspended");
  return ev;
}

}  // namespace

std::vector<core::AuditEvent> events_from_ledger(store::LedgerStore& ledger, const std::string& origin,
                                                 std::uint64_t from) {
  std::vector<core::AuditEvent> out;
  std::map<std::string, TaskFacts> tasks;
  std::map<std::string, std::string> owners;  // registered machine actors' accountable owners
  ledger.scan_ledger(0, ledger.ledger_size(), [&](const store::LedgerRow& row) {
    const json e = json::parse(row.body, nullptr, false);
    if (!e.is_discarded() && e.value("type", "") == "actor.added") {
      const json& a = e.at("data").at("actor");
      if (a.contains("owner")) owners[a.at("id").get<std::string>()] = a.at("owner").get<std::string>();
    }
    if (row.index < from || e.is_discarded()) return true;
    if (auto standing = standing_event(e, row, origin)) {
      out.push_back(std::move(*standing));
      return true;
    }
    if (!e.contains("refs") || !e.at("refs").contains("task")) return true;
    const std::string type = e.at("type");
    const std::string task = e.at("refs").at("task");
    const json& actor = e.at("actor");
    const json& d = e.at("data");
    core::AuditEvent ev = base_event(e, row, origin);
    ev.reference = task;
    if (type == "task.requested" || type == "task.break_glass") {
      tasks[task] = {actor.at("id"), actor.at("kind")};
      ev.category = core::EventCategory::request;
      ev.action = "mandate:" + type;
      ev.resource = d.at("task").at("executor");
      if (type == "task.break_glass") ev.signals.push_back("break_glass");
    } else if (type == "task.approval" || type == "task.reviewed") {
      ev.category = core::EventCategory::approval;
      ev.action = "mandate:" + type;
    } else if (type == "task.denial") {
      ev.category = core::EventCategory::approval;
      ev.action = "mandate:task.denial";
      ev.result = core::EventResult::denied;
    } else if (type == "mandate.issued" || type == "mandate.attenuated") {
      ev.category = core::EventCategory::credential_issued;
      ev.action = "mandate:" + type;
      ev.issued_credential = d.at("mandate").at("jti");
      ev.resource = d.at("mandate").at("executor");
    } else if (type == "decision") {
      ev.category = core::EventCategory::action;
      ev.action = d.at("action");
      ev.resource = d.at("resource");
      ev.result = d.at("decision") == "allow" ? core::EventResult::success : core::EventResult::denied;
      if (e.at("refs").contains("mandate")) {
        ev.credential = e.at("refs").at("mandate");
        ev.credential_kind = core::CredentialKind::token;
      }
      if (auto o = owners.find(ev.actor.id); o != owners.end()) {
        ev.chain.push_back({core::Relation::owned_by, {o->second, core::PrincipalKind::human, ""}});
      }
      if (auto t = tasks.find(task); t != tasks.end()) {
        ev.chain.push_back({core::Relation::triggered_by, {t->second.initiator, principal_kind(t->second.initiator_kind), ""}});
      }
    } else {
      return true;  // completion, revocation, cancellation: not actions by anyone's credential
    }
    out.push_back(std::move(ev));
    return true;
  });
  return out;
}

}  // namespace mandate::ingest
