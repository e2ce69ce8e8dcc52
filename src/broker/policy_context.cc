// The policy context: registered actors and loaded entities as Cedar
// entities, the parsed policy set, and the one cache decisions share.
#include "broker/internal/policy_context.h"

#include <set>

#include "core/error.h"
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

void PolicyContextCache::mark_stale() {
  std::lock_guard lock(mu_);
  const auto& context = context_;
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

std::shared_ptr<const Broker::PolicyContext> PolicyContextCache::current_if_checked() {
  std::shared_ptr<const Broker::PolicyContext> context;
  {
    std::lock_guard lock(mu_);
    context = context_;
  }
  if (!context) return nullptr;
  const std::int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  const std::int64_t seen = context->checked_at.load();
  if (seen > 0 && now_ns - seen < std::chrono::nanoseconds(kPolicyRecheck).count()) return context;
  return nullptr;
}

std::shared_ptr<const Broker::PolicyContext> PolicyContextCache::current() {
  std::shared_ptr<const Broker::PolicyContext> context;
  {
    std::lock_guard lock(mu_);
    context = context_;
  }
  const std::int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (context) {
    std::int64_t seen = context->checked_at.load();
    if (seen > 0 && now_ns - seen < std::chrono::nanoseconds(kPolicyRecheck).count()) return context;
    if (is_current(store_, *context)) {
      context->checked_at.compare_exchange_strong(seen, now_ns);  // unless marked stale meanwhile
      return context;
    }
  }
  context = build_policy_context(store_);
  context->checked_at.store(now_ns);
  std::lock_guard lock(mu_);
  context_ = context;
  return context;
}

}  // namespace mandate::broker
