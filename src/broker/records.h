#pragma once
// The workflow's state as stored records (store::Record bodies are JSON) and
// as ledger entry data. One spelling for both, so what the ledger proves and
// what the state says can be compared field by field.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/actor.h"
#include "core/approval.h"
#include "core/approval_rule.h"
#include "core/mandate.h"
#include "core/outcome.h"
#include "core/revocation.h"
#include "core/scope.h"
#include "core/task.h"

namespace mandate::broker {

// Record kinds in the store.
inline constexpr const char* kActorKind = "actor";
inline constexpr const char* kActorKeyKind = "actor_key";     // id key thumbprint, ref actor: one key, one actor
inline constexpr const char* kRulesKind = "rules";            // id "current"
inline constexpr const char* kTaskKind = "task";
inline constexpr const char* kApprovalKind = "approval";      // id task/approver, ref task
inline constexpr const char* kMandateKind = "mandate";        // id jti, ref task
inline constexpr const char* kUsesKind = "mandate_uses";      // id jti; version == uses, its children's included
inline constexpr const char* kTaskUsesKind = "task_uses";     // id task; version == uses of all its mandates
inline constexpr const char* kProofKind = "proof";            // id proof jti; present == seen
inline constexpr const char* kPolicySetKind = "policy_set";   // id "current"
inline constexpr const char* kEntitiesKind = "entities";      // id "current"
inline constexpr const char* kEpochKind = "epoch";          // id "actors": bumped by every actor change
inline constexpr const char* kTaskEntryKind = "task_entry";   // id ledger index (padded), ref task
inline constexpr const char* kHeldEntryKind = "held_entry";   // id ledger index, ref the held call's task: the decision and result that used it

struct ActorRecord {
  core::Actor actor;
  std::optional<std::string> public_jwk;  // the registered key (public members only)
  std::optional<std::string> key_thumbprint;
};

struct Review {
  core::Timestamp deadline{};
  std::optional<std::string> reviewer;
  std::optional<core::Timestamp> reviewed_at;
  std::string comment;
};

struct TaskRecord {
  core::Task task;
  std::vector<std::string> rule_ids;  // the rules that applied when it was requested
  std::optional<core::Timestamp> window_ends_at;  // set when approved (or break-glass issued)
  // How many allowed decisions the approval covers, across every mandate of
  // the task (re-issues and sub-delegations): the rules' max_uses when the
  // task was requested.
  std::uint32_t use_budget = 1;
  std::optional<core::Outcome> outcome;
  std::string end_reason;  // for denied / cancelled
  std::optional<Review> review;  // break-glass only
  std::string break_glass_reason;
};

struct MandateRecord {
  core::Mandate mandate;
  std::string token_hash;
  std::string approval_hash;
  bool break_glass = false;
  core::Timestamp issued_at{};
  std::optional<core::Revocation> revocation;
};

nlohmann::json to_json(const core::Scope& scope);
core::Scope scope_from_json(const nlohmann::json& json);  // throws Error{bad_input} naming the field
core::Scope parse_scope(std::string_view text);            // authorization_details JSON text

nlohmann::json to_json(const ActorRecord& record);
ActorRecord actor_from_json(const nlohmann::json& json);
nlohmann::json to_json(const core::ApprovalRule& rule);
core::ApprovalRule rule_from_json(const nlohmann::json& json);
nlohmann::json to_json(const core::Approval& approval);
core::Approval approval_from_json(const nlohmann::json& json);
nlohmann::json to_json(const TaskRecord& record);
TaskRecord task_from_json(const nlohmann::json& json);
nlohmann::json to_json(const MandateRecord& record);
MandateRecord mandate_from_json(const nlohmann::json& json);

std::string format_duration(std::chrono::seconds duration);  // "90s", "15m", "2h", "1d2h"
// "30s", "15m", "2h", "1d", or combinations such as "1h30m"; positive.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace mandate::broker
