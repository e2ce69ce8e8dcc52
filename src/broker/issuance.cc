// Mandates: issue for an approved task, attenuate for a downstream tool.
#include <algorithm>

#include "broker/broker.h"
#include "broker/key_acceptance.h"
#include "broker/limits.h"
#include "broker/lookups.h"
#include "broker/step.h"
#include "core/error.h"
#include "core/ids.h"
#include "encoding/json.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "token/mandate_token.h"
#include "token/public_key.h"

namespace mandate::broker {
namespace {

core::Timestamp whole_seconds(core::Timestamp t) { return std::chrono::floor<std::chrono::seconds>(t); }

// What the approvals of a task were, as one hash the token carries: changing,
// adding or removing any approval record changes it.
std::string approval_hash(const std::vector<core::Approval>& approvals) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& a : approvals) all.push_back(to_json(a));
  return sha256_hex(encoding::canonicalize(all).value());
}

}  // namespace

token::MandateClaims claims_for(const core::Mandate& m, const Settings& settings, core::Timestamp issued_at,
                                const std::string& approvals, bool break_glass) {
  token::MandateClaims c;
  c.issuer = settings.issuer;
  c.audience = m.audience;
  c.executor = m.executor;
  c.jti = m.id;
  c.issued_at = issued_at;
  c.not_before = m.not_before;
  c.expires_at = m.expires_at;
  c.on_behalf_of = m.on_behalf_of;
  c.scope = m.scope;
  c.key_binding = m.key_binding;
  c.task_id = m.task_id;
  c.approval_hash = approvals;
  c.parent_jti = m.parent_id;
  c.depth = m.depth;
  c.max_uses = m.max_uses;
  c.break_glass = break_glass;
  return c;
}

namespace {

// Counted from when its successor began to sign, not from when that was
// made: a staged successor leaves a key signing until its activation.
bool still_standing(const std::optional<std::chrono::sys_seconds>& superseded, core::Timestamp now, std::chrono::seconds grace) {
  return !superseded || core::Timestamp(*superseded) + grace >= now;
}

const keys::KeyInfo* standing_key(const std::vector<keys::KeyInfo>& keys, std::string_view kid, core::Timestamp now,
                                  std::chrono::seconds grace) {
  for (const keys::KeyInfo& info : keys) {
    if (info.kid == kid) return still_standing(info.superseded, now, grace) ? &info : nullptr;
  }
  return nullptr;
}

}  // namespace

std::optional<token::PublicKey> acceptable_key(const keys::Keyring& keyring, std::string_view kid, core::Timestamp now,
                                               std::chrono::seconds grace) {
  const auto keys = keyring.list(std::chrono::floor<std::chrono::seconds>(now));
  const keys::KeyInfo* info = standing_key(keys, kid, now, grace);
  if (info == nullptr) return std::nullopt;
  auto key = token::PublicKey::from_jwk(info->public_jwk);
  if (!key) return std::nullopt;
  return *key;
}

bool key_still_accepted(const keys::Keyring& keyring, std::string_view kid, core::Timestamp now, std::chrono::seconds grace) {
  const auto succession = keyring.succession(kid);
  return succession && still_standing(succession->superseded, now, grace);
}

namespace {

// Mandates are issued to the executor of an approved (or active) task, or of
// a break-glass one awaiting its review, within the task's window.
void require_issuable(const TaskRecord& task, const Caller& caller, core::Timestamp at) {
  const core::Task& t = task.task;
  const bool break_glass_pending = t.break_glass && t.state == core::TaskState::requested;
  if (t.state != core::TaskState::approved && t.state != core::TaskState::active && !break_glass_pending) {
    fail(ErrorKind::bad_input, "task " + t.id + " is " + std::string(core::to_string(t.state)) +
                                   "; mandates are issued only for approved tasks");
  }
  if (caller.actor_id != t.executor) {
    fail(ErrorKind::bad_input, "mandates for task " + t.id + " are issued to its executor " + t.executor + " only");
  }
  if (!task.window_ends_at || *task.window_ends_at <= at) {
    fail(ErrorKind::bad_input, "task " + t.id + "'s window has ended; request a new task");
  }
}

// The resource servers asked for, each one the task was approved for;
// none asked: all of them.
std::vector<std::string> audience_for(const core::Task& t, const std::vector<std::string>& asked) {
  std::vector<std::string> audience = asked.empty() ? t.audience : asked;
  if (auto ok = core::check_distinct_ids(audience); !ok) fail(ErrorKind::bad_input, "audience: " + ok.error());
  for (const std::string& a : audience) {
    if (std::find(t.audience.begin(), t.audience.end(), a) == t.audience.end()) {
      fail(ErrorKind::bad_input, "audience " + a + " is not a resource server task " + t.id + " was approved for");
    }
  }
  return audience;
}

// One approval bounds the task's work: a mandate carries what is left of
// the task's uses, at most what the rules allow one mandate.
std::uint32_t uses_for_mandate(store::Store& store, const TaskRecord& task, const Limits& limits) {
  const std::int64_t used = store.record_version(kTaskUsesKind, task.task.id);
  if (used >= static_cast<std::int64_t>(task.use_budget)) {
    fail(ErrorKind::bad_input, "task " + task.task.id + "'s approval covers " + std::to_string(task.use_budget) +
                                   " use(s), all spent; request a new task");
  }
  return std::min<std::uint32_t>(limits.max_uses, task.use_budget - static_cast<std::uint32_t>(used));
}

// Bound to the executor's registered key, or to the client certificate
// it presented over mTLS.
core::KeyBinding key_binding_for(const ActorRecord& executor, const std::optional<std::string>& certificate_thumbprint) {
  if (!certificate_thumbprint) return {core::KeyBindingKind::jkt, executor.key_thumbprint.value_or("")};
  if (certificate_thumbprint->size() != 43) fail(ErrorKind::bad_input, "a certificate thumbprint is 43 base64url characters");
  return {core::KeyBindingKind::x5t_s256, *certificate_thumbprint};
}

}  // namespace

IssuedMandate Broker::issue(const Caller& caller, const std::string& task_id,
                            const std::optional<std::string>& certificate_thumbprint,
                            const std::vector<std::string>& audience) {
  auto task = get_task(store_, task_id);
  const core::Timestamp at = now();
  const core::Task& t = task.value.task;
  require_issuable(task.value, caller, at);
  const ActorRecord executor = require_executor(store_, t.executor);
  const Limits limits = combine(applicable_rules(store_, t));

  MandateRecord record;
  core::Mandate& m = record.mandate;
  m.id = new_id("m-");
  m.task_id = t.id;
  m.executor = t.executor;
  m.on_behalf_of = {t.initiator};
  m.scope = t.requested_scope;
  m.audience = audience_for(t, audience);
  m.not_before = whole_seconds(at);
  m.expires_at = std::min(m.not_before + limits.max_mandate_lifetime, whole_seconds(*task.value.window_ends_at));
  m.max_uses = uses_for_mandate(store_, task.value, limits);
  m.key_binding = key_binding_for(executor, certificate_thumbprint);
  if (m.expires_at <= m.not_before) fail(ErrorKind::bad_input, "task " + task_id + "'s window ends within the second");
  // Invariant 2, decided by the model. An active task is still an approved
  // one: renewing a short-lived mandate within the window needs no new
  // approval, so the model sees it as it was when approved.
  core::Task as_approved = t;
  if (t.state == core::TaskState::active) as_approved.state = core::TaskState::approved;
  if (auto fault = core::check_issuance(m, as_approved, limits.max_mandate_lifetime)) {
    fail(ErrorKind::check_failed, "refusing to issue: " + std::string(core::to_string(*fault)));
  }
  record.break_glass = t.break_glass;
  record.approval_hash = t.break_glass ? std::string() : approval_hash(task_approvals(store_, task_id));
  record.issued_at = at;
  // One snapshot signs and is recorded: a reload in between cannot make the
  // ledger name another key than the one that signed.
  const auto keyring = keyring_.current();
  const keys::SigningKey& signer = keyring->active(std::chrono::floor<std::chrono::seconds>(at));
  const std::string token = token::issue_mandate_token(
      claims_for(m, settings_, m.not_before, record.approval_hash, record.break_glass), signer);
  record.token_hash = token::token_hash(token);

  Step step("mandate.issued", caller, at);
  step.about_task(task_id).ref("mandate", m.id).data("mandate", to_json(record)).data("kid", signer.kid());
  if (t.state != core::TaskState::active) {
    task.value.task.state = *core::next_state(t, t.break_glass ? core::TaskEvent::issue_break_glass : core::TaskEvent::issue);
    step.put(kTaskKind, task_id, t.initiator, to_json(task.value), task.version);
  }
  step.put(kMandateKind, m.id, task_id, to_json(record), store::kAbsent);
  const std::uint64_t index = step.commit(ledger_);
  return {token, record, index};
}

}  // namespace mandate::broker
