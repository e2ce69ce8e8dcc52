#include "analyze/analyzer.h"

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "analyze/aws_sequences.h"
#include "analyze/techniques.h"

namespace mandate::analyze {

void AttributionCounts::add(bool initiator, bool approval) {
  ++actions;
  if (initiator && approval) {
    ++initiator_and_approval;
  } else if (initiator) {
    ++initiator_only;
  } else if (approval) {
    ++approval_only;
  } else {
    ++neither;
  }
}

namespace {

using core::AuditEvent;
using core::EventCategory;
using core::PrincipalKind;
using core::Timestamp;

// Event ids that show a finding: the first `limit`, and the full count.
// How a finding names an event in its source's own logs.
std::string source_reference(const AuditEvent& e) {
  return e.source_id.empty() ? std::string() : e.source + ":" + e.source_id;
}

// One event as evidence: its id here, its id in its source, and when.
struct EvidenceItem {
  std::string id, source_id;
  Timestamp time{};
};

struct Evidence {
  std::vector<std::string> ids;
  std::vector<std::string> source_ids;
  std::size_t count = 0;
  Timestamp first{}, last{};

  void add(const AuditEvent& e, int limit) { add({e.id, source_reference(e), e.time}, limit); }
  void add(EvidenceItem item, int limit) {
    if (count == 0) first = item.time;
    last = item.time;
    ++count;
    if (ids.size() < static_cast<std::size_t>(limit)) {
      ids.push_back(std::move(item.id));
      source_ids.push_back(std::move(item.source_id));
    }
  }
  bool empty() const { return count == 0; }
};

// Distinct values up to a cap: enough to tell "more than N" without keeping
// every address a busy identity ever used.
struct BoundedSet {
  std::set<std::string> values;
  void add(const std::string& v, std::size_t cap) {
    if (!v.empty() && values.size() < cap) values.insert(v);
  }
};

struct IdentityState {
  PrincipalKind kind = PrincipalKind::unknown;
  Timestamp first{}, last{};
  BoundedSet systems, addresses, agents;
  Evidence reuse, human_use, human_credential, unattributed, overprivileged, break_glass, probing, all;
  std::deque<Timestamp> denied;
  std::set<std::string> signals;
  std::string owner;  // from an owned_by link the record itself carries (mandate's registered actors)
};

struct CredentialState {
  core::CredentialKind kind = core::CredentialKind::none;
  std::string actor;
  Timestamp first{}, last{};
  std::optional<Timestamp> issued;
  Evidence uses;
};

struct Reach {
  std::string human;  // the nearest person behind the action, if any
  bool approved = false;
};

// One technique as shown by one actor: what fired, what still waits for a
// burst to reach its count, and who stands behind it.
struct TechniqueState {
  const TechniqueRule* rule = nullptr;
  Evidence evidence;
  std::deque<std::pair<EvidenceItem, std::string>> pending;  // each with the person behind it, if any
  std::set<std::string> behind;
  std::size_t unattributed = 0;  // fired events whose chain reaches nobody

  // Only events that became evidence say who stands behind the finding.
  void add(EvidenceItem item, const std::string& human, int limit) {
    if (human.empty()) {
      ++unattributed;
    } else {
      behind.insert(human);
    }
    evidence.add(std::move(item), limit);
  }
  // Source ids already counted: a streamed Kubernetes request (exec, attach)
  // is recorded at ResponseStarted and again at ResponseComplete.
  std::set<std::string> seen;
};

struct WorkState {  // everything seen about one reference (task, run, change)
  std::set<std::string> requesters, executors;
  std::map<std::string, Evidence> approvers;
  std::vector<std::string> execution_ids;
};

bool counts_as_action(EventCategory c) { return c != EventCategory::approval && c != EventCategory::request; }

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string join(const std::set<std::string>& values, std::size_t max = 5) {
  std::string out;
  std::size_t i = 0;
  for (const auto& v : values) {
    if (i++ == max) {
      out += ", …";
      break;
    }
    out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

}  // namespace

struct Analyzer::State {
  State(const AnalyzeConfig& c, EventLookup l) : config(c), lookup(std::move(l)) {
    for (const auto rules : {aws_techniques(), kubernetes_techniques()}) {
      for (const auto& t : rules) technique_by_signal.emplace(t.signal, &t);
    }
  }

  const AnalyzeConfig& config;
  EventLookup lookup;
  std::size_t events = 0;
  Timestamp newest{};
  std::unordered_map<std::string, IdentityState> identities;
  std::unordered_map<std::string, CredentialState> credentials;
  std::unordered_map<std::string, Reach> issuers;  // events that issued a credential
  std::unordered_map<std::string, WorkState> work;
  std::unordered_map<std::string, std::vector<std::string>> reviews;  // break-glass event id -> review ids
  std::vector<std::pair<std::string, AuditEvent>> break_glass;        // actor id, event (without raw)
  std::map<std::string, std::string> standing;  // person -> "offboarded" / "suspended", from lifecycle events
  std::vector<Finding> findings;
  AttributionReport attribution;
  std::unordered_map<std::string_view, const TechniqueRule*> technique_by_signal;
  std::map<std::pair<std::string_view, std::string>, TechniqueState> techniques;  // (rule id, actor)
  AwsSequences aws_sequences;  // techniques shown only across events

  int limit() const { return config.thresholds.evidence_limit; }

  PrincipalKind kind_of(const core::Principal& p) const {
    const auto it = config.identities.find(p.id);
    return it != config.identities.end() && it->second.kind ? *it->second.kind : p.kind;
  }

  bool approved_before(const std::string& reference) const {
    if (reference.empty()) return false;
    const auto it = work.find(reference);
    return it != work.end() && !it->second.approvers.empty();
  }

  Reach reach_of_parent(const std::string& parent_id, int depth) {
    if (parent_id.empty() || depth > 16) return {};
    if (const auto it = issuers.find(parent_id); it != issuers.end()) return it->second;
    // The issuer lies before the analyzed window: read it from the store.
    const auto parent = lookup ? lookup(parent_id) : std::nullopt;
    if (!parent) return {};
    Reach r = reach_of(*parent, depth + 1);
    issuers.emplace(parent_id, r);
    return r;
  }

  // Who stands behind an event: a person in its own chain, or behind the
  // event that issued its credential (and so on up a chain of roles).
  Reach reach_of(const AuditEvent& e, int depth = 0) {
    Reach r;
    if (kind_of(e.actor) == PrincipalKind::human) r.human = e.actor.id;
    // A person's session of a shared role (IAM Identity Center) names the
    // person only in its chain: that person, not the role, stands behind it.
    for (const auto& link : e.chain) {
      if (!r.human.empty() && link.relation == core::Relation::federated_from &&
          link.principal.kind == PrincipalKind::human) {
        r.human = link.principal.id;
        break;
      }
    }
    for (const auto& link : e.chain) {
      if (r.human.empty() && link.relation != core::Relation::owned_by && link.principal.kind == PrincipalKind::human) {
        r.human = link.principal.id;
      }
    }
    r.approved = approved_before(e.reference);
    if (r.human.empty() || !r.approved) {
      const Reach parent = reach_of_parent(e.parent_id, depth);
      if (r.human.empty()) r.human = parent.human;
      r.approved = r.approved || parent.approved;
    }
    return r;
  }

  // A suspension or offboarding is no one's action; it changes what later
  // findings say about the machines that person owns.
  void observe_standing(const AuditEvent& e) {
    for (const auto& s : e.signals) {
      if (s == "offboarded") standing[e.resource] = s;
      if (s == "suspended" && standing[e.resource] != "offboarded") standing[e.resource] = s;
      if (s == "reinstated") standing.erase(e.resource);
    }
  }

  // Why an owner no longer answers for a machine, or empty when they do.
  std::string owner_gone(const std::string& owner) const {
    if (config.offboarded.contains(owner)) return "has been offboarded";
    const auto it = standing.find(owner);
    if (it == standing.end()) return {};
    return it->second == "offboarded" ? "has been offboarded" : "is suspended";
  }

  void observe(const AuditEvent& e) {
    ++events;
    newest = std::max(newest, e.time);
    if (e.category == EventCategory::lifecycle) return observe_standing(e);
    const PrincipalKind kind = kind_of(e.actor);
    const Reach reach = reach_of(e);
    if (!e.issued_credential.empty()) issuers[e.id] = reach;
    auto& id = identities[e.actor.id];
    if (id.all.empty()) id.first = e.time;
    id.kind = kind;
    id.last = e.time;
    id.all.add(e, limit());
    for (const auto& link : e.chain) {
      if (link.relation == core::Relation::owned_by) id.owner = link.principal.id;
    }
    observe_work(e, kind, reach);
    observe_credential(e);
    observe_signals(e, id);
    observe_techniques(e, reach);
    if (!core::is_machine(kind)) {
      observe_person_or_other(e, kind, id);
      return;
    }
    const auto& t = config.thresholds;
    id.systems.add(e.source + (e.account.empty() ? "" : "/" + e.account), static_cast<std::size_t>(t.reuse_max_systems) + 1);
    id.addresses.add(e.source_address, static_cast<std::size_t>(t.reuse_max_source_addresses) + 1);
    id.agents.add(e.user_agent, static_cast<std::size_t>(t.reuse_max_user_agents) + 1);
    id.reuse.add(e, limit());
    bool impersonated_by_person = false;
    for (const auto& link : e.chain) {
      impersonated_by_person = impersonated_by_person ||
                               (link.relation == core::Relation::impersonated_by && link.principal.kind == PrincipalKind::human);
    }
    if (e.interactive || impersonated_by_person) id.human_use.add(e, limit());
    if (counts_as_action(e.category)) {
      const bool initiator = !reach.human.empty();
      attribution.identities[e.actor.id].add(initiator, reach.approved);
      attribution.total.add(initiator, reach.approved);
      if (!initiator && !reach.approved) id.unattributed.add(e, limit());
    }
    observe_probing(e, id);
  }

  void observe_person_or_other(const AuditEvent& e, PrincipalKind kind, IdentityState& id) {
    if (kind == PrincipalKind::human && e.credential_kind == core::CredentialKind::access_key && !e.interactive &&
        !e.user_agent.empty() && e.user_agent != "AWS Internal") {
      id.human_credential.add(e, limit());
    }
    if (kind == PrincipalKind::unknown) observe_probing(e, id);
  }

  void observe_probing(const AuditEvent& e, IdentityState& id) {
    if (e.result != core::EventResult::denied) return;
    const auto window = std::chrono::minutes(config.thresholds.probing_window_minutes);
    id.denied.push_back(e.time);
    while (!id.denied.empty() && e.time - id.denied.front() > window) id.denied.pop_front();
    if (id.denied.size() >= static_cast<std::size_t>(config.thresholds.probing_denied)) id.probing.add(e, limit());
  }

  void observe_signals(const AuditEvent& e, IdentityState& id) {
    for (const auto& s : e.signals) {
      if (s == "admin_policy_attached" || s == "wildcard_action" || s == "root_policy") {
        id.overprivileged.add(e, limit());
        id.signals.insert(s);
      } else if (s == "root_used" || s == "break_glass") {
        AuditEvent copy = e;
        copy.raw.clear();
        break_glass.emplace_back(e.actor.id, std::move(copy));
      } else if (s == "workflow_can_approve") {
        Finding f;
        f.rule = &rule("sod.approve_and_execute");
        f.subject = e.resource;
        f.explanation = e.actor.id + " allowed GitHub Actions workflows in " + e.resource +
                        " to approve pull requests: a machine can approve the change it runs.";
        Evidence ev;
        ev.add(e, limit());
        fill(f, ev);
        findings.push_back(std::move(f));
      }
    }
  }

  // Under Kubernetes impersonation the person at the keyboard is the
  // impersonator; the identity lent (even a person's) did nothing itself.
  static const std::string* impersonator(const AuditEvent& e) {
    for (const auto& link : e.chain) {
      if (link.relation == core::Relation::impersonated_by && link.principal.kind == PrincipalKind::human) {
        return &link.principal.id;
      }
    }
    return nullptr;
  }

  void observe_techniques(const AuditEvent& e, const Reach& reach) {
    for (const auto& signal : e.signals) observe_technique(signal, e, reach);
    for (const auto signal : aws_sequences.observe(e)) observe_technique(signal, e, reach);
  }

  void observe_technique(std::string_view signal, const AuditEvent& e, const Reach& reach) {
    const auto found = technique_by_signal.find(signal);
    if (found == technique_by_signal.end()) return;
    const TechniqueRule& rule = *found->second;
    auto& t = techniques[{rule.info.id, e.actor.id}];
    t.rule = &rule;
    if (!e.source_id.empty() && !t.seen.insert(e.source_id).second) return;
    const std::string* by = impersonator(e);
    const std::string& human = by != nullptr ? *by : reach.human;
    EvidenceItem item{e.id, source_reference(e), e.time};
    const auto window = std::chrono::minutes(rule.window_minutes);
    // Within a burst that already fired, every further event is evidence.
    if (rule.min_count <= 1 || (!t.evidence.empty() && e.time - t.evidence.last <= window)) {
      t.add(std::move(item), human, limit());
      return;
    }
    t.pending.emplace_back(std::move(item), human);
    while (e.time - t.pending.front().first.time > window) t.pending.pop_front();
    if (t.pending.size() >= static_cast<std::size_t>(rule.min_count)) {
      for (auto& [pending, who] : t.pending) t.add(std::move(pending), who, limit());
      t.pending.clear();
    }
  }

  void finish_techniques() {
    for (auto& [key, t] : techniques) {
      if (t.evidence.empty()) continue;
      const TechniqueRule& rule = *t.rule;
      const std::string& actor = key.second;
      std::string text = actor + " " + std::string(rule.what) + " (" + plural(t.evidence.count, "event");
      if (rule.min_count > 1) {
        text += ", in bursts of at least " + std::to_string(rule.min_count) + " within " +
                plural(static_cast<std::size_t>(rule.window_minutes), "minute");
      }
      text += ").";
      if (t.behind.empty()) {
        text += " No person is reachable behind it in these logs.";
      } else if (t.behind.size() == 1 && *t.behind.begin() == actor) {
        text += t.unattributed > 0 ? " A person acted directly in some of them." : " A person acted directly.";
      } else {
        text += " On behalf of " + join(t.behind);
        text += t.unattributed > 0 ? " (" + plural(t.unattributed, "event") + " reach nobody)." : ".";
      }
      Finding f;
      f.rule = &rule.info;
      f.subject = actor;
      f.explanation = std::move(text);
      f.behind.assign(t.behind.begin(), t.behind.end());
      fill(f, t.evidence);
      findings.push_back(std::move(f));
    }
  }

  void observe_credential(const AuditEvent& e) {
    using core::CredentialKind;
    if (e.credential.empty() || (e.credential_kind != CredentialKind::access_key && e.credential_kind != CredentialKind::token)) {
      return;
    }
    auto& c = credentials[e.credential];
    if (c.uses.empty()) {
      c.first = e.time;
      c.kind = e.credential_kind;
      c.actor = e.actor.id;
    }
    c.last = e.time;
    if (e.credential_issued_at && (!c.issued || *e.credential_issued_at < *c.issued)) c.issued = e.credential_issued_at;
    c.uses.add(e, limit());
  }

  void observe_work(const AuditEvent& e, PrincipalKind kind, const Reach& reach) {
    if (e.category == EventCategory::approval) {
      if (e.reference.empty()) return;
      work[e.reference].approvers[e.actor.id].add(e, limit());
      reviews[e.reference].push_back(e.id);
      if (core::is_machine(kind)) {
        Finding f;
        f.rule = &rule("sod.approve_and_execute");
        f.subject = e.actor.id;
        f.explanation = "Machine identity " + e.actor.id + " approved " + e.reference + "; only people may approve.";
        Evidence ev;
        ev.add(e, limit());
        fill(f, ev);
        findings.push_back(std::move(f));
      }
      return;
    }
    if (e.reference.empty()) return;
    auto& w = work[e.reference];
    if (e.category == EventCategory::request) {
      w.requesters.insert(e.actor.id);
      return;
    }
    w.executors.insert(e.actor.id);
    if (!reach.human.empty()) w.executors.insert(reach.human);
    if (w.execution_ids.size() < static_cast<std::size_t>(limit())) w.execution_ids.push_back(e.id);
  }

  void fill(Finding& f, const Evidence& ev) const {
    f.evidence = ev.ids;
    f.evidence_source_ids = ev.source_ids;
    f.evidence_count = ev.count;
    f.first_seen = ev.first;
    f.last_seen = ev.last;
  }

  void add(std::string_view rule_id, const std::string& subject, std::string explanation, const Evidence& ev) {
    Finding f;
    f.rule = &rule(rule_id);
    f.subject = subject;
    f.explanation = std::move(explanation);
    fill(f, ev);
    findings.push_back(std::move(f));
  }

  void finish_identity(const std::string& name, IdentityState& id, Timestamp as_of) {
    const auto& t = config.thresholds;
    if (!core::is_machine(id.kind)) {
      if (!id.human_credential.empty()) {
        add("nhi.human_credential", name,
            name + " is a person's identity, yet its long-lived access key was used by a program (" +
                plural(id.human_credential.count, "call") + " without a browser or console).",
            id.human_credential);
      }
      finish_common(name, id);
      return;
    }
    std::vector<std::string> reasons;
    if (id.systems.values.size() > static_cast<std::size_t>(t.reuse_max_systems)) {
      reasons.push_back(std::to_string(id.systems.values.size()) + " systems (" + join(id.systems.values) + ")");
    }
    if (id.addresses.values.size() > static_cast<std::size_t>(t.reuse_max_source_addresses)) {
      reasons.push_back("more than " + plural(static_cast<std::size_t>(t.reuse_max_source_addresses), "source address") + " (" +
                        join(id.addresses.values) + ")");
    }
    if (id.agents.values.size() > static_cast<std::size_t>(t.reuse_max_user_agents)) {
      reasons.push_back("more than " + plural(static_cast<std::size_t>(t.reuse_max_user_agents), "program") + " (" +
                        join(id.agents.values, 3) + ")");
    }
    if (!reasons.empty()) {
      std::string text = name + " was used from ";
      for (std::size_t i = 0; i < reasons.size(); ++i) text += (i == 0 ? "" : " and ") + reasons[i];
      add("nhi.reuse", name, text + ".", id.reuse);
    }
    if (!id.human_use.empty()) {
      add("nhi.human_use", name,
          "Machine identity " + name + " was used by a person: " + plural(id.human_use.count, "action") +
              " from a browser, console or kubectl, or under impersonation by a human.",
          id.human_use);
    }
    if (!id.unattributed.empty()) {
      add("attribution.unattributed", name,
          plural(id.unattributed.count, "action") + " by " + name +
              " reach neither a human initiator nor an approval, in the record or through the credential that was used.",
          id.unattributed);
    }
    if (as_of - id.last > std::chrono::days(t.stale_days)) {
      add("nhi.stale", name,
          name + " was last used " +
              std::to_string(std::chrono::duration_cast<std::chrono::days>(as_of - id.last).count()) +
              " days before " + core::format_timestamp(as_of) + " (threshold " + std::to_string(t.stale_days) + " days).",
          id.all);
    }
    const auto note = config.identities.find(name);
    const std::string owner = note != config.identities.end() && !note->second.owner.empty() ? note->second.owner : id.owner;
    if (owner.empty()) {
      add("nhi.orphaned", name, name + " has no accountable owner on record.", id.all);
    } else if (const std::string gone = owner_gone(owner); !gone.empty()) {
      add("nhi.orphaned", name, name + "'s owner " + owner + " " + gone + ".", id.all);
    }
    if (!id.probing.empty()) {
      add("probing.denied", name,
          name + " was denied at least " + std::to_string(t.probing_denied) + " times within " +
              std::to_string(t.probing_window_minutes) + " minutes (" + plural(id.probing.count, "denial") +
              " in such bursts).",
          id.probing);
    }
    finish_common(name, id);
  }

  void finish_common(const std::string& name, const IdentityState& id) {
    if (!id.overprivileged.empty()) {
      add("nhi.overprivileged", name,
          name + " granted or held administrative or wildcard privileges (" + join(id.signals) + ") in " +
              plural(id.overprivileged.count, "event") + ".",
          id.overprivileged);
    }
    if (id.kind == PrincipalKind::unknown && !id.probing.empty()) {
      add("probing.denied", name,
          name + " was denied at least " + std::to_string(config.thresholds.probing_denied) + " times within " +
              std::to_string(config.thresholds.probing_window_minutes) + " minutes.",
          id.probing);
    }
  }

  void finish_credentials() {
    const auto limit_days = std::chrono::days(config.thresholds.long_lived_days);
    for (const auto& [key, c] : credentials) {
      const auto span = c.last - c.first;
      const bool old = c.issued && c.last - *c.issued > limit_days;
      if (span <= limit_days && !old) continue;
      const auto days = std::chrono::duration_cast<std::chrono::days>(old ? c.last - *c.issued : span).count();
      add("credential.long_lived", key,
          std::string(core::to_string(c.kind)) + " " + key + " of " + c.actor + " was in use " + std::to_string(days) +
              (old ? " days after it was issued" : " days between first and last use") + " (threshold " +
              std::to_string(config.thresholds.long_lived_days) + " days).",
          c.uses);
    }
  }

  void finish_work() {
    for (const auto& [reference, w] : work) {
      for (const auto& [approver, ev] : w.approvers) {
        const bool requested = w.requesters.contains(approver);
        const bool executed = w.executors.contains(approver);
        if (!requested && !executed) continue;
        add("sod.approve_and_execute", approver,
            approver + " approved " + reference + " and also " + (requested ? "requested" : "") +
                (requested && executed ? " and " : "") + (executed ? "executed (or initiated) it" : "it") + ".",
            ev);
      }
    }
  }

  void finish_break_glass(Timestamp as_of) {
    const auto deadline = std::chrono::hours(config.thresholds.break_glass_review_hours);
    std::map<std::string, Evidence> unreviewed;
    for (const auto& [actor, e] : break_glass) {
      if (reviews.contains(e.id)) continue;
      if (as_of - e.time <= deadline) continue;  // still within its review window
      unreviewed[actor].add(e, limit());
    }
    for (const auto& [actor, ev] : unreviewed) {
      add("breakglass.unreviewed", actor,
          actor + " used break-glass access (" + plural(ev.count, "event") + ") with no review recorded within " +
              std::to_string(config.thresholds.break_glass_review_hours) + " hours.",
          ev);
    }
  }
};

Analyzer::Analyzer(const AnalyzeConfig& config, EventLookup lookup)
    : state_(std::make_unique<State>(config, std::move(lookup))) {}
Analyzer::~Analyzer() = default;

void Analyzer::observe(const core::AuditEvent& event) { state_->observe(event); }

void Analyzer::observe_standing(const core::AuditEvent& event) { state_->observe_standing(event); }

Analysis Analyzer::finish(std::optional<core::Timestamp> as_of) {
  State& s = *state_;
  const Timestamp now = as_of.value_or(s.newest);
  for (auto& [name, id] : s.identities) s.finish_identity(name, id, now);
  s.finish_credentials();
  s.finish_work();
  s.finish_break_glass(now);
  s.finish_techniques();
  Analysis out;
  out.findings = std::move(s.findings);
  std::sort(out.findings.begin(), out.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.rule->severity != b.rule->severity) return a.rule->severity > b.rule->severity;
    if (a.rule->id != b.rule->id) return a.rule->id < b.rule->id;
    return a.subject < b.subject;
  });
  out.attribution = std::move(s.attribution);
  out.events = s.events;
  out.as_of = now;
  return out;
}

Analysis analyze(store::EventStore& store, const AnalyzeConfig& config, const AnalyzeOptions& options) {
  Analyzer analyzer(config, [&store](const std::string& id) { return store.event(id); });
  if (options.since) {
    // An owner offboarded before the window still owns nothing inside it.
    store::EventQuery earlier;
    earlier.until = options.since;
    earlier.category = core::EventCategory::lifecycle;
    store.scan_events(earlier, [&](const core::AuditEvent& e) {
      analyzer.observe_standing(e);
      return true;
    });
  }
  store::EventQuery query;
  query.since = options.since;
  store.scan_events(query, [&](const core::AuditEvent& e) {
    analyzer.observe(e);
    return true;
  });
  return analyzer.finish(options.as_of);
}

}  // namespace mandate::analyze
