// RFC 7662 introspection: the standing of a mandate, without a proof and
// without a record. It answers "would this token be honoured at all now",
// not "may this presenter do this" (that is authorize()).
#include "broker/broker.h"
#include "broker/key_acceptance.h"
#include "broker/lookups.h"
#include "keys/shared_keyring.h"
#include "store/store.h"
#include "token/jws.h"
#include "token/mandate_token.h"

namespace mandate::broker {

Broker::Introspection Broker::introspect(const std::string& token) {
  Introspection out;
  const core::Timestamp at = now();
  const token::KeyLookup lookup = [&](std::string_view kid) { return acceptable_key(*keyring_.current(), kid, at, settings_.key_grace); };
  auto claims = token::verify_mandate_token(token, lookup, {settings_.issuer, std::nullopt, at, settings_.clock_skew});
  if (!claims) {
    out.inactive_because = "not a valid mandate: " + std::string(token::to_string(claims.error().check));
    return out;
  }
  out.jti = claims->jti;
  auto mandate = find_mandate(store_, claims->jti);
  if (!mandate || mandate->value.token_hash != token::token_hash(token)) {
    out.inactive_because = "not issued here";
    return out;
  }
  for (auto m = std::optional(mandate->value); m;) {
    if (m->revocation) {
      out.inactive_because = "revoked";
      return out;
    }
    // A child spends its ancestors' uses as well as its own.
    if (store_.record_version(kUsesKind, m->mandate.id) >= static_cast<std::int64_t>(m->mandate.max_uses)) {
      out.inactive_because = "its uses are spent";
      return out;
    }
    if (!m->mandate.parent_id) break;
    auto parent = find_mandate(store_, *m->mandate.parent_id);
    if (!parent) break;
    m = parent->value;
  }
  const auto task = get_task(store_, claims->task_id).value;
  if (task.task.state != core::TaskState::active || (task.window_ends_at && *task.window_ends_at <= at)) {
    out.inactive_because = "the task is not active";
    return out;
  }
  auto executor = find_actor(store_, claims->executor);
  if (!executor || executor->value.actor.state != core::LifecycleState::active) {
    out.inactive_because = "the executor is not active";
    return out;
  }
  if (store_.record_version(kTaskUsesKind, claims->task_id) >= static_cast<std::int64_t>(task.use_budget)) {
    out.inactive_because = "the task's use budget is spent";
    return out;
  }
  auto decoded = token::decode_compact(token);
  out.active = true;
  out.payload_json = decoded->payload.dump();
  return out;
}

}  // namespace mandate::broker
