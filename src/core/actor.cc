#include "core/actor.h"

#include <utility>

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

using Result = std::expected<void, std::string>;

constexpr detail::NameTable<ActorKind, 3> kActorKindNames{{
    {ActorKind::human, "human"},
    {ActorKind::workload, "workload"},
    {ActorKind::agent, "agent"},
}};

constexpr detail::NameTable<LifecycleState, 3> kLifecycleStateNames{{
    {LifecycleState::active, "active"},
    {LifecycleState::suspended, "suspended"},
    {LifecycleState::offboarded, "offboarded"},
}};

}  // namespace

std::string_view to_string(ActorKind kind) { return detail::name_of(kActorKindNames, kind); }
std::optional<ActorKind> parse_actor_kind(std::string_view text) {
  return detail::value_of(kActorKindNames, text);
}
std::string_view to_string(LifecycleState state) {
  return detail::name_of(kLifecycleStateNames, state);
}
std::optional<LifecycleState> parse_lifecycle_state(std::string_view text) {
  return detail::value_of(kLifecycleStateNames, text);
}

Result validate_actor(const Actor& actor) {
  if (!detail::is_named(kActorKindNames, actor.kind)) {
    return detail::refuse("actor kind is not one of human, workload, agent");
  }
  if (!detail::is_named(kLifecycleStateNames, actor.state)) {
    return detail::refuse("actor state is not one of active, suspended, offboarded");
  }
  const Result id_ok =
      actor.kind == ActorKind::workload ? check_workload_id(actor.id) : check_id(actor.id);
  if (!id_ok) return detail::about("actor id", id_ok);

  if (actor.kind == ActorKind::human) {
    if (actor.owner) return detail::refuse("a human actor has no owner");
  } else {
    if (!actor.owner) {
      return detail::refuse("a " + std::string(to_string(actor.kind)) +
                             " actor needs an accountable human owner");
    }
    if (auto ok = check_id(*actor.owner); !ok) return detail::about("owner", ok);
    if (*actor.owner == actor.id) {
      return detail::refuse("an actor cannot be its own owner");
    }
  }

  if (auto ok = check_distinct_ids(actor.groups); !ok) return detail::about("groups", ok);
  if (auto ok = check_distinct_ids(actor.systems); !ok) return detail::about("systems", ok);
  if (actor.display_name) {
    if (auto ok = check_text(*actor.display_name); !ok) return detail::about("display name", ok);
  }
  return {};
}

Result check_owner(const Actor& actor, const Actor& owner) {
  if (!actor.owner || *actor.owner != owner.id) {
    return detail::refuse("owner is not the actor's recorded owner");
  }
  if (owner.kind != ActorKind::human) {
    return detail::refuse("owner must be a human");
  }
  if (owner.state == LifecycleState::offboarded) {
    return detail::refuse("owner is offboarded");
  }
  return {};
}

}  // namespace mandate::core
