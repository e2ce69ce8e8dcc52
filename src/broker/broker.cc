#include "broker/broker.h"

#include "broker/lookups.h"
#include "broker/step.h"
#include "broker/internal/policy_context.h"
#include "broker/internal/decision_retries.h"
#include "broker/internal/remembered_uses.h"
#include "broker/internal/replay_window.h"
#include "broker/internal/seen_proofs.h"
#include "broker/internal/task_turns.h"
#include "core/error.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace mandate::broker {

std::string_view to_string(CallerKind kind) {
  switch (kind) {
    case CallerKind::human: return "human";
    case CallerKind::workload: return "workload";
    case CallerKind::agent: return "agent";
    case CallerKind::home_operator: return "system";
    case CallerKind::unauthenticated: return "system";
  }
  return "system";
}

CallerKind caller_kind(core::ActorKind kind) {
  switch (kind) {
    case core::ActorKind::human: return CallerKind::human;
    case core::ActorKind::workload: return CallerKind::workload;
    case core::ActorKind::agent: return CallerKind::agent;
  }
  return CallerKind::human;
}

bool may_ask_decisions(CallerKind kind) { return kind == CallerKind::home_operator || kind == CallerKind::workload; }

Clock system_clock() {
  return [] { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); };
}

Broker::Broker(store::Store& store, ledger::Ledger& ledger, const keys::SharedKeyring& keyring, Settings settings, Clock clock)
    : store_(store),
      ledger_(ledger),
      keyring_(keyring),
      settings_(std::move(settings)),
      clock_(std::move(clock)),
      policy_cache_(std::make_unique<PolicyContextCache>(store)),
      task_turns_(std::make_unique<TaskTurns>()),
      remembered_uses_(std::make_unique<RememberedUses>()),
      retries_(std::make_unique<DecisionRetries>()),
      proofs_kept_by_jti_alone_until_(note_time_ordered_proofs(store_, now())),
      seen_proofs_(ledger_.claims([&] {
        return std::make_shared<ReplayWindow>(store_, proof_claim_lifetime(settings_.proof_max_age), clock_);
      })) {}

// Decisions made without waiting may still be in the ledger's queue; each
// holds its task's turn and uses the broker when its commit is told.
Broker::~Broker() { task_turns_->wait_until_all_end(); }

Recorded Broker::load_rules(const Caller& caller, const std::vector<core::ApprovalRule>& rules, const std::string& text) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& rule : rules) {
    if (auto ok = core::validate_rule(rule); !ok) fail(ErrorKind::bad_input, "rule " + rule.id + ": " + ok.error());
    all.push_back(to_json(rule));
  }
  const nlohmann::json body = {{"rules", all}, {"hash", sha256_hex(text)}};
  Step step("rules.loaded", caller, now());
  step.ref("rules", sha256_hex(text)).data("rules", all).data("text", text);
  step.put(kRulesKind, "current", "", body, store_.record_version(kRulesKind, "current"));
  return {step.commit(ledger_)};
}

std::vector<core::ApprovalRule> Broker::rules() { return loaded_rules(store_); }

}  // namespace mandate::broker
