#pragma once
// Small builders shared by the core tests, so each test states only the
// fields it is about.

#include <chrono>
#include <string>

#include "core/actor.h"
#include "core/mandate.h"
#include "core/task.h"

namespace mandate::core::testing {

inline Actor make_human(std::string id, std::vector<std::string> groups = {}) {
  Actor a;
  a.id = std::move(id);
  a.kind = ActorKind::human;
  a.groups = std::move(groups);
  return a;
}

inline Actor make_workload(std::string id, std::string owner) {
  Actor a;
  a.id = std::move(id);
  a.kind = ActorKind::workload;
  a.owner = std::move(owner);
  return a;
}

inline Scope deploy_scope() {
  return {AuthorizationDetail{"deployment", {"read", "deploy"}, {"https://k8s.prod.example.com"},
                              {"payments/api"}, ""}};
}

inline Task make_task() {
  Task t;
  t.id = "task-1";
  t.intent = "Deploy payments v2.3 to production";
  t.external_ref = "CHG-1234";
  t.initiator = "alice";
  t.executor = "spiffe://example.org/ci/deployer";
  t.requested_scope = deploy_scope();
  t.audience = {"https://k8s.prod.example.com", "https://registry.example.com"};
  t.requested_duration = std::chrono::minutes{30};
  t.created_at = Timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 28}};
  return t;
}

// A 43-character base64url SHA-256 thumbprint (RFC 7638's example key).
inline constexpr const char* kThumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

inline Mandate make_root_mandate(const Task& task) {
  Mandate m;
  m.id = "mandate-1";
  m.task_id = task.id;
  m.executor = task.executor;
  m.on_behalf_of = {task.initiator};
  m.scope = task.requested_scope;
  m.audience = task.audience;
  m.not_before = task.created_at + std::chrono::minutes{1};
  m.expires_at = m.not_before + task.requested_duration;
  m.max_uses = 10;
  m.key_binding = {KeyBindingKind::jkt, kThumbprint};
  return m;
}

}  // namespace mandate::core::testing
