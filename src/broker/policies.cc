// Cedar policies and entity data: loading them (recorded in full) and the
// prepared context decisions evaluate against.
#include "broker/policy_context.h"

#include <set>

#include "broker/journal.h"
#include "core/error.h"
#include "encoding/json.h"
#include "ledger/ledger.h"
#include "policy/parser.h"
#include "store/store.h"

namespace mandate::broker {
namespace {

nlohmann::json actor_entity(const ActorRecord& record) {
  const core::Actor& a = record.actor;
  const policy::EntityUid uid = actor_uid(a.id, a.kind);
  nlohmann::json parents = nlohmann::json::array();
  for (const std::string& g : a.groups) parents.push_back({{"type", "Group"}, {"id", g}});
  nlohmann::json attrs = {{"kind", core::to_string(a.kind)}, {"state", core::to_string(a.state)}, {"systems", a.systems}, {"groups", a.groups}};
  if (a.owner) attrs["owner"] = {{"__entity", {{"type", "Human"}, {"id", *a.owner}}}};
  return {{"uid", {{"type", uid.type}, {"id", uid.id}}}, {"attrs", attrs}, {"parents", parents}};
}

}  // namespace

policy::EntityUid actor_uid(const std::string& id, core::ActorKind kind) {
  switch (kind) {
    case core::ActorKind::human: return {"Human", id};
    case core::ActorKind::workload: return {"Workload", id};
    case core::ActorKind::agent: return {"Agent", id};
  }
  return {"Workload", id};
}

void mark_stale(std::mutex& mu, const std::shared_ptr<const Broker::PolicyContext>& context) {
  std::lock_guard lock(mu);
  if (!context) return;
  std::int64_t seen = context->checked_at.load();
  while (!context->checked_at.compare_exchange_weak(seen, seen > 0 ? -1 : seen - 1)) {
  }
}

bool is_current(store::Store& store, const Broker::PolicyContext& context) {
  return store.record_version(kPolicySetKind, "current") == context.policy_version &&
         store.record_version(kEntitiesKind, "current") == context.entities_version &&
         store.record_version(kEpochKind, "actors") == context.actors_version;
}

std::shared_ptr<const Broker::PolicyContext> build_policy_context(store::Store& store) {
  auto context = std::make_shared<Broker::PolicyContext>();
  context->actors_version = store.record_version(kEpochKind, "actors");
  nlohmann::json entities = nlohmann::json::array();
  if (auto loaded = store.record(kEntitiesKind, "current")) {
    context->entities_version = loaded->version;
    entities = nlohmann::json::parse(nlohmann::json::parse(loaded->body).at("text").get<std::string>());
  }
  std::set<std::string> groups;
  for (const store::Record& r : store.records(kActorKind)) {
    const ActorRecord actor = actor_from_json(nlohmann::json::parse(r.body));
    entities.push_back(actor_entity(actor));
    groups.insert(actor.actor.groups.begin(), actor.actor.groups.end());
  }
  std::set<std::string> declared;
  for (const auto& e : entities) {
    if (e.at("uid").at("type") == "Group") declared.insert(e.at("uid").at("id").get<std::string>());
  }
  for (const std::string& g : groups) {
    if (!declared.contains(g)) entities.push_back({{"uid", {{"type", "Group"}, {"id", g}}}, {"attrs", nlohmann::json::object()}, {"parents", nlohmann::json::array()}});
  }
  auto built = policy::entities_from_json(entities);
  if (!built) fail(ErrorKind::bad_input, "entities: " + built.error());
  context->entities = std::move(*built);
  if (auto set = store.record(kPolicySetKind, "current")) {
    context->policy_version = set->version;
    const auto body = nlohmann::json::parse(set->body);
    context->policy_set_hash = body.at("hash").get<std::string>();
    auto parsed = policy::parse_policies(body.at("text").get<std::string>());
    if (!parsed) fail(ErrorKind::check_failed, "the stored policy set no longer parses: " + parsed.error().message);
    context->authorizer = policy::Authorizer(std::move(*parsed));
  }
  return context;
}

Broker::PolicySetLoaded Broker::load_policies(const Caller& caller, const std::string& text,
                                              const std::vector<std::string>& sources) {
  auto parsed = policy::parse_policies(text);
  if (!parsed) {
    fail(ErrorKind::bad_input, std::to_string(parsed.error().pos.line) + ":" + std::to_string(parsed.error().pos.column) +
                                   ": " + parsed.error().message);
  }
  const std::string hash = sha256_hex(text);
  const nlohmann::json body = {{"hash", hash}, {"text", text}, {"sources", sources}, {"policies", parsed->policies.size()}};
  Step step("policy.loaded", caller, now());
  step.ref("policy_set", hash).data("policy_set", body);
  step.index_under("policy_entry", hash);
  step.put(kPolicySetKind, "current", "", body, store_.record_version(kPolicySetKind, "current"));
  const std::uint64_t index = step.commit(ledger_);
  mark_stale(cache_mu_, policy_context_);
  return {hash, parsed->policies.size(), index};
}

Recorded Broker::load_entities(const Caller& caller, const std::string& text) {
  auto json = encoding::parse_json_strict(text);
  if (!json) fail(ErrorKind::bad_input, "entities: " + json.error());
  if (!json->is_array()) fail(ErrorKind::bad_input, "entities: expected a JSON array of entities");
  for (const auto& e : *json) {
    if (e.is_object() && e.contains("uid") && e["uid"].is_object()) {
      const auto type = e["uid"].value("type", "");
      if (type == "Human" || type == "Workload" || type == "Agent") {
        fail(ErrorKind::bad_input, "entities: " + type + " entities come from registered actors (mandate actor add)");
      }
    }
  }
  if (auto built = policy::entities_from_json(*json); !built) fail(ErrorKind::bad_input, "entities: " + built.error());
  const std::string canonical = encoding::canonicalize(*json).value();
  const std::string hash = sha256_hex(canonical);
  const nlohmann::json body = {{"hash", hash}, {"text", canonical}};
  Step step("entities.loaded", caller, now());
  step.ref("entities", hash).data("entities", body);
  step.put(kEntitiesKind, "current", "", body, store_.record_version(kEntitiesKind, "current"));
  const std::uint64_t index = step.commit(ledger_);
  mark_stale(cache_mu_, policy_context_);
  return {index};
}

}  // namespace mandate::broker
