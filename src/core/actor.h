#pragma once
// An actor is anyone who acts. Accountability rests on one rule: every
// non-human actor answers to a human owner, so any machine action can be
// traced to a person even when nobody approved that particular action.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::core {

enum class ActorKind {
  human,
  workload,  // service, pipeline, bot
  agent,     // AI acting for someone
};

enum class LifecycleState { active, suspended, offboarded };

std::string_view to_string(ActorKind kind);
std::optional<ActorKind> parse_actor_kind(std::string_view text);
std::string_view to_string(LifecycleState state);
std::optional<LifecycleState> parse_lifecycle_state(std::string_view text);

struct Actor {
  std::string id;
  ActorKind kind = ActorKind::human;
  // The accountable human; present exactly when kind is not human.
  std::optional<std::string> owner;
  std::vector<std::string> groups;
  // Systems this actor works in (e.g. "github", "aws:123456789012"); what
  // findings use to tie an imported log to a registered actor.
  std::vector<std::string> systems;
  LifecycleState state = LifecycleState::active;
  std::optional<std::string> display_name;

  friend bool operator==(const Actor&, const Actor&) = default;
};

// Checks the actor on its own: ids well-formed (a workload's id is a URI; a
// SPIFFE one must have a path), owner present iff non-human and not the actor
// itself, group and system names well-formed and not repeated, display name
// printable. Errors name the field at fault.
std::expected<void, std::string> validate_actor(const Actor& actor);

// Checks that `owner` may answer for `actor`: it is the actor named as owner,
// it is human (a machine cannot be accountable for a machine), and it is not
// offboarded (an offboarded owner's actors must be re-homed or revoked). A
// suspended owner is accepted: suspension is temporary and says nothing about
// who is accountable.
std::expected<void, std::string> check_owner(const Actor& actor, const Actor& owner);

}  // namespace mandate::core
