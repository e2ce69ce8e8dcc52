#include "broker/key_acceptance.h"
#include "broker/limits.h"
#include "broker/lookups.h"
#include "broker/internal/replay_window.h"
#include "broker/step.h"
#include "broker/rules_file.h"

#include <algorithm>

#include "core/error.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "encoding/hex.h"
#include "ledger/ledger.h"

namespace mandate::broker {

Step::Step(std::string type, const Caller& caller, core::Timestamp at) {
  entry_.type = std::move(type);
  entry_.actor = {caller.actor_id, std::string(to_string(caller.kind)), caller.authenticated_by};
  entry_.time = std::chrono::time_point_cast<std::chrono::system_clock::duration>(at);
}

Step& Step::ref(const std::string& name, const std::string& id) {
  entry_.refs[name] = id;
  return *this;
}

Step& Step::data(const std::string& key, nlohmann::json value) {
  entry_.data[key] = std::move(value);
  return *this;
}

Step& Step::put(const std::string& kind, const std::string& id, const std::string& ref, const nlohmann::json& body,
                std::int64_t expected_version) {
  puts_.push_back({kind, id, ref, body.dump(), expected_version, false});
  return *this;
}

Step& Step::put_naming_entry(const std::string& kind, const std::string& id, const std::string& ref,
                             const nlohmann::json& body, std::int64_t expected_version) {
  // The ledger adds "entry" first; a body holding one already would read as that one.
  if (!body.is_object() || body.contains("entry")) {
    fail(ErrorKind::internal, "a record that names its entry needs an object body without an \"entry\"");
  }
  put(kind, id, ref, body, expected_version);
  puts_.back().names_entry = true;
  return *this;
}

Step& Step::require(const std::string& kind, const std::string& id, std::int64_t version) {
  store::RecordPut condition{kind, id, "", "", version, false};
  condition.check_only = true;
  puts_.push_back(std::move(condition));
  return *this;
}

Step& Step::claim(const std::string& kind, const std::string& id, core::Timestamp until) {
  store::RecordPut claim{kind, id, "", claim_body(until), store::kAbsent, false};
  claim.claim = true;
  puts_.push_back(std::move(claim));
  return *this;
}

Step& Step::about_task(const std::string& task_id) {
  ref("task", task_id);
  return index_under(kTaskEntryKind, task_id);
}

Step& Step::index_under(const std::string& kind, const std::string& key) {
  puts_.push_back({kind, "", key, "{}", store::kAnyVersion, true});
  return *this;
}

std::uint64_t Step::commit(ledger::Ledger& ledger) { return ledger.append(entry_, puts_); }

void Step::commit_without_waiting(ledger::Ledger& ledger, Committed done) {
  auto encoded = ledger::encode_entry(entry_);
  if (!encoded) fail(ErrorKind::bad_input, encoded.error());
  ledger.append_async(std::move(*encoded), std::move(puts_), std::move(done));
}

ledger::EncodedEntry Step::encoded() const {
  if (!puts_.empty()) fail(ErrorKind::internal, "a step that puts records is committed with them");
  auto encoded = ledger::encode_entry(entry_);
  if (!encoded) fail(ErrorKind::bad_input, encoded.error());
  return std::move(*encoded);
}

namespace {

template <typename T, typename From>
std::optional<Versioned<T>> find(store::Store& store, const char* kind, const std::string& id, From from) {
  auto record = store.record(kind, id);
  if (!record) return std::nullopt;
  return Versioned<T>{from(nlohmann::json::parse(record->body)), record->version};
}

}  // namespace

std::optional<Versioned<ActorRecord>> find_actor(store::Store& store, const std::string& id) {
  return find<ActorRecord>(store, kActorKind, id, actor_from_json);
}

Versioned<ActorRecord> get_actor(store::Store& store, const std::string& id) {
  auto actor = find_actor(store, id);
  if (!actor) fail(ErrorKind::not_found, "no actor " + id);
  return *actor;
}

std::optional<Versioned<TaskRecord>> find_task(store::Store& store, const std::string& id) {
  return find<TaskRecord>(store, kTaskKind, id, task_from_json);
}

Versioned<TaskRecord> get_task(store::Store& store, const std::string& id) {
  auto task = find_task(store, id);
  if (!task) fail(ErrorKind::not_found, "no task " + id);
  return *task;
}

std::optional<Versioned<MandateRecord>> find_mandate(store::Store& store, const std::string& jti) {
  return find<MandateRecord>(store, kMandateKind, jti, mandate_from_json);
}

std::vector<core::Approval> task_approvals(store::Store& store, const std::string& task_id) {
  std::vector<core::Approval> out;
  for (const store::Record& r : store.records(kApprovalKind, task_id)) {
    out.push_back(approval_from_json(nlohmann::json::parse(r.body)));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.decided_at < b.decided_at; });
  return out;
}

std::vector<Versioned<MandateRecord>> task_mandates(store::Store& store, const std::string& task_id) {
  std::vector<Versioned<MandateRecord>> out;
  for (const store::Record& r : store.records(kMandateKind, task_id)) {
    out.push_back({mandate_from_json(nlohmann::json::parse(r.body)), r.version});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.value.issued_at < b.value.issued_at; });
  return out;
}

std::vector<core::ApprovalRule> loaded_rules(store::Store& store) {
  auto record = store.record(kRulesKind, "current");
  if (!record) return {};
  std::vector<core::ApprovalRule> rules;
  const nlohmann::json body = nlohmann::json::parse(record->body);  // outlives the loop
  for (const auto& r : body.at("rules")) rules.push_back(rule_from_json(r));
  return rules;
}

std::vector<core::ApprovalRule> applicable_rules(store::Store& store, const core::Task& task) {
  std::vector<core::ApprovalRule> out;
  for (core::ApprovalRule& rule : loaded_rules(store)) {
    if (core::rule_applies(rule, task)) out.push_back(std::move(rule));
  }
  if (out.empty()) out.push_back(default_rule());
  return out;
}

ActorRecord require_active_actor(store::Store& store, const Caller& caller, std::initializer_list<core::ActorKind> kinds,
                                 const std::string& role) {
  auto actor = find_actor(store, caller.actor_id);
  if (!actor) fail(ErrorKind::bad_input, role + " " + caller.actor_id + " is not a registered actor");
  const core::Actor& a = actor->value.actor;
  if (std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end()) {
    fail(ErrorKind::bad_input, role + " " + a.id + " is a " + std::string(core::to_string(a.kind)) + ", which may not do this");
  }
  if (a.state != core::LifecycleState::active) {
    fail(ErrorKind::bad_input, role + " " + a.id + " is " + std::string(core::to_string(a.state)));
  }
  return actor->value;
}

ActorRecord require_executor(store::Store& store, const std::string& id) {
  auto executor = find_actor(store, id);
  if (!executor) fail(ErrorKind::bad_input, "executor " + id + " is not a registered actor");
  const core::Actor& a = executor->value.actor;
  if (a.kind == core::ActorKind::human) {
    fail(ErrorKind::bad_input, "executor " + id + " is a human; mandates are issued to workloads and agents");
  }
  if (a.state != core::LifecycleState::active) {
    fail(ErrorKind::bad_input, "executor " + id + " is " + std::string(core::to_string(a.state)));
  }
  if (!executor->value.key_thumbprint) {
    fail(ErrorKind::bad_input, "executor " + id + " has no registered key to bind a mandate to");
  }
  return executor->value;
}

DraftTask draft_task(store::Store& store, const std::string& initiator, const TaskRequest& request, core::Timestamp at,
                     bool break_glass, const std::string& default_audience) {
  DraftTask draft;
  core::Task& task = draft.record.task;
  task.id = new_id("task-");
  task.intent = request.intent;
  task.external_ref = request.ref;
  task.initiator = initiator;
  task.executor = request.executor;
  task.requested_scope = request.scope;
  task.audience = request.audience.empty() ? std::vector<std::string>{default_audience} : request.audience;
  task.requested_duration = request.duration;
  task.created_at = at;
  task.break_glass = break_glass;
  if (auto ok = core::validate_task(task); !ok) fail(ErrorKind::bad_input, "task: " + ok.error());
  const auto rules = applicable_rules(store, task);
  draft.limits = combine(rules);
  if (task.requested_duration > draft.limits.max_task_duration) {
    fail(ErrorKind::bad_input, "requested duration " + format_duration(task.requested_duration) + " exceeds the " +
                                   format_duration(draft.limits.max_task_duration) + " the rules allow");
  }
  for (const auto& rule : rules) draft.record.rule_ids.push_back(rule.id);
  draft.record.use_budget = draft.limits.max_uses;
  return draft;
}

std::string new_id(const std::string& prefix) {
  // 128 random bits: unguessable, so an id reveals nothing and cannot be
  // predicted to pre-register a replay.
  return prefix + encoding::hex_encode(crypto::random_bytes(16));
}

std::string sha256_hex(std::string_view text) {
  const auto digest = crypto::sha256(text);
  return encoding::hex_encode(digest);
}

Limits combine(const std::vector<core::ApprovalRule>& rules) {
  Limits limits;
  bool first = true;
  for (const core::ApprovalRule& r : rules) {
    if (first) {
      limits = {r.max_duration, r.max_mandate_lifetime, r.max_uses, r.break_glass_allowed, r.review_within};
      first = false;
      continue;
    }
    limits.max_task_duration = std::min(limits.max_task_duration, r.max_duration);
    limits.max_mandate_lifetime = std::min(limits.max_mandate_lifetime, r.max_mandate_lifetime);
    limits.max_uses = std::min(limits.max_uses, r.max_uses);
    limits.break_glass_allowed = limits.break_glass_allowed && r.break_glass_allowed;
    limits.review_within = std::min(limits.review_within, r.review_within);
  }
  return limits;
}

void revoke_into(Step& step, Versioned<MandateRecord>& mandate, core::RevocationReason reason,
                 const std::optional<std::string>& by, core::Timestamp at) {
  core::Revocation revocation{mandate.value.mandate.id, reason, by, at};
  mandate.value.revocation = revocation;
  step.put(kMandateKind, mandate.value.mandate.id, mandate.value.mandate.task_id, to_json(mandate.value),
           mandate.version);
}

}  // namespace mandate::broker
