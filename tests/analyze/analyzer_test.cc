// Each finding rule with a case that must fire and one that must not, the
// attribution counts, the settings file, and the framework mappings.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analyze/analyzer.h"
#include "analyze/techniques.h"

namespace mandate::testing {
namespace {

using analyze::AnalyzeConfig;
using core::AuditEvent;
using core::PrincipalKind;

core::Timestamp at(int day, int minute = 0) {
  return core::Timestamp(std::chrono::sys_days(std::chrono::year(2024) / 1 / 1)) + std::chrono::days(day) +
         std::chrono::minutes(minute);
}

int counter = 0;

AuditEvent event(const std::string& actor, PrincipalKind kind, core::Timestamp time) {
  AuditEvent e;
  e.id = "e" + std::to_string(++counter);
  e.source = "cloudtrail";
  e.account = "1";
  e.time = time;
  e.actor = {actor, kind, {}};
  e.action = "s3:GetObject";
  e.result = core::EventResult::success;
  e.source_address = "10.0.0.1";
  e.user_agent = "aws-sdk-go";
  return e;
}

analyze::Analysis run(std::vector<AuditEvent> events, const AnalyzeConfig& config = {},
                      std::optional<core::Timestamp> as_of = std::nullopt) {
  std::sort(events.begin(), events.end(), [](const AuditEvent& a, const AuditEvent& b) { return a.time < b.time; });
  std::map<std::string, AuditEvent> by_id;
  for (const auto& e : events) by_id[e.id] = e;
  analyze::Analyzer analyzer(config, [&](const std::string& id) -> std::optional<AuditEvent> {
    const auto it = by_id.find(id);
    return it == by_id.end() ? std::nullopt : std::optional(it->second);
  });
  for (const auto& e : events) analyzer.observe(e);
  return analyzer.finish(as_of);
}

std::size_t count(const analyze::Analysis& a, const std::string& rule, const std::string& subject = "") {
  std::size_t n = 0;
  for (const auto& f : a.findings) n += f.rule->id == rule && (subject.empty() || f.subject == subject);
  return n;
}

AnalyzeConfig owned(std::initializer_list<std::string> ids) {
  AnalyzeConfig c;
  for (const auto& id : ids) c.identities[id].owner = "owner@example.com";
  return c;
}

TEST(Rules, ReuseAcrossSystems) {
  auto a = event("bot", PrincipalKind::workload, at(0));
  auto b = event("bot", PrincipalKind::workload, at(0, 1));
  b.account = "2";
  EXPECT_EQ(count(run({a, b}), "nhi.reuse", "bot"), 1u);
  auto c = event("bot", PrincipalKind::workload, at(0, 2));
  c.source_address = "10.0.0.2";
  EXPECT_EQ(count(run({a, c}), "nhi.reuse"), 0u);  // one system, two addresses: within defaults
}

TEST(Rules, ReuseAcrossAddresses) {
  std::vector<AuditEvent> events;
  for (int i = 0; i < 4; ++i) {
    events.push_back(event("bot", PrincipalKind::workload, at(0, i)));
    events.back().source_address = "10.0.0." + std::to_string(i);
  }
  EXPECT_EQ(count(run(events), "nhi.reuse", "bot"), 1u);
  events.pop_back();
  EXPECT_EQ(count(run(events), "nhi.reuse"), 0u);  // three is the default limit
}

TEST(Rules, HumanUseOfMachineIdentity) {
  auto console = event("bot", PrincipalKind::workload, at(0));
  console.interactive = true;
  EXPECT_EQ(count(run({console}), "nhi.human_use", "bot"), 1u);
  auto impersonated = event("sa", PrincipalKind::workload, at(0));
  impersonated.chain.push_back({core::Relation::impersonated_by, {"admin", PrincipalKind::human, {}}});
  EXPECT_EQ(count(run({impersonated}), "nhi.human_use", "sa"), 1u);
  EXPECT_EQ(count(run({event("bot", PrincipalKind::workload, at(0))}), "nhi.human_use"), 0u);
}

TEST(Rules, MachineUsingAPersonsCredential) {
  auto sdk = event("alice", PrincipalKind::human, at(0));
  sdk.credential = "AKIAALICE";
  sdk.credential_kind = core::CredentialKind::access_key;
  EXPECT_EQ(count(run({sdk}), "nhi.human_credential", "alice"), 1u);
  auto console = sdk;
  console.interactive = true;
  console.user_agent = "Mozilla/5.0";
  EXPECT_EQ(count(run({console}), "nhi.human_credential"), 0u);
  // The analyzer's configuration can say an IAM user is really a program.
  AnalyzeConfig c;
  c.identities["alice"].kind = PrincipalKind::workload;
  EXPECT_EQ(count(run({sdk}, c), "nhi.human_credential"), 0u);
}

TEST(Rules, ApproverWhoRequestedOrExecuted) {
  auto request = event("alice", PrincipalKind::human, at(0));
  request.category = core::EventCategory::request;
  request.reference = "task-1";
  auto approval = event("alice", PrincipalKind::human, at(0, 1));
  approval.category = core::EventCategory::approval;
  approval.reference = "task-1";
  EXPECT_EQ(count(run({request, approval}), "sod.approve_and_execute", "alice"), 1u);
  auto other = approval;
  other.actor.id = "bob";
  auto exec = event("pipeline", PrincipalKind::workload, at(0, 2));
  exec.reference = "task-1";
  exec.chain.push_back({core::Relation::triggered_by, {"carol", PrincipalKind::human, {}}});
  EXPECT_EQ(count(run({request, other, exec}), "sod.approve_and_execute"), 0u);
  auto bob_runs = exec;
  bob_runs.chain[0].principal.id = "bob";  // the approver started the run
  EXPECT_EQ(count(run({request, other, bob_runs}), "sod.approve_and_execute", "bob"), 1u);
  auto machine = approval;
  machine.actor = {"bot", PrincipalKind::workload, {}};
  EXPECT_EQ(count(run({machine}), "sod.approve_and_execute", "bot"), 1u);
}

TEST(Rules, UnattributedMachineActions) {
  EXPECT_EQ(count(run({event("bot", PrincipalKind::workload, at(0))}), "attribution.unattributed", "bot"), 1u);
  auto sourced = event("bot", PrincipalKind::workload, at(0));
  sourced.chain.push_back({core::Relation::source_identity, {"alice", PrincipalKind::human, {}}});
  EXPECT_EQ(count(run({sourced}), "attribution.unattributed"), 0u);
}

TEST(Rules, LongLivedCredential) {
  auto first = event("bot", PrincipalKind::workload, at(0));
  first.credential = "AKIAOLD";
  first.credential_kind = core::CredentialKind::access_key;
  auto late = first;
  late.id = "late";
  late.time = at(100);
  EXPECT_EQ(count(run({first, late}), "credential.long_lived", "AKIAOLD"), 1u);
  late.time = at(10);
  EXPECT_EQ(count(run({first, late}), "credential.long_lived"), 0u);
  auto token = first;
  token.credential_kind = core::CredentialKind::token;
  token.credential_issued_at = at(-200);  // a Vault token issued long before its use
  EXPECT_EQ(count(run({token}), "credential.long_lived", "AKIAOLD"), 1u);
}

TEST(Rules, StaleMachineIdentity) {
  auto old = event("bot", PrincipalKind::workload, at(0));
  auto fresh = event("other", PrincipalKind::workload, at(100));
  EXPECT_EQ(count(run({old, fresh}), "nhi.stale", "bot"), 1u);
  EXPECT_EQ(count(run({old, fresh}), "nhi.stale", "other"), 0u);
  EXPECT_EQ(count(run({old}, {}, at(10)), "nhi.stale"), 0u);
}

TEST(Rules, OrphanedMachineIdentity) {
  const auto e = event("bot", PrincipalKind::workload, at(0));
  EXPECT_EQ(count(run({e}), "nhi.orphaned", "bot"), 1u);
  EXPECT_EQ(count(run({e}, owned({"bot"})), "nhi.orphaned"), 0u);
  auto gone = owned({"bot"});
  gone.offboarded.insert("owner@example.com");
  EXPECT_EQ(count(run({e}, gone), "nhi.orphaned", "bot"), 1u);
}

// Owners registered in mandate and offboarded (or suspended) there: the
// owner comes from the record's owned_by link, the departure from a
// lifecycle event of the workflow ledger, not from the settings file.
TEST(Rules, OrphanedWhenTheLedgerOffboardsTheOwner) {
  auto decision = event("spiffe://x/deployer", PrincipalKind::workload, at(0));
  decision.chain.push_back({core::Relation::owned_by, {"alice", PrincipalKind::human, {}}});
  auto standing = [](const std::string& who, const std::string& what) {
    auto e = event("operator", PrincipalKind::human, at(1));
    e.category = core::EventCategory::lifecycle;
    e.action = "mandate:actor." + what;
    e.resource = who;
    e.signals.push_back(what);
    return e;
  };
  EXPECT_EQ(count(run({decision}), "nhi.orphaned"), 0u);
  EXPECT_EQ(count(run({decision, standing("bob", "offboarded")}), "nhi.orphaned"), 0u);
  const auto explanation = [](const analyze::Analysis& a) {
    for (const auto& f : a.findings) {
      if (f.rule->id == "nhi.orphaned") return f.explanation;
    }
    return std::string();
  };
  const auto offboarded = run({decision, standing("alice", "offboarded")});
  ASSERT_EQ(count(offboarded, "nhi.orphaned", "spiffe://x/deployer"), 1u);
  EXPECT_NE(explanation(offboarded).find("alice has been offboarded"), std::string::npos) << explanation(offboarded);
  const auto suspended = run({decision, standing("alice", "suspended")});
  ASSERT_EQ(count(suspended, "nhi.orphaned", "spiffe://x/deployer"), 1u);
  EXPECT_NE(explanation(suspended).find("alice is suspended"), std::string::npos) << explanation(suspended);
  // A lifecycle event is nobody's action: the operator is not counted or judged.
  EXPECT_EQ(offboarded.attribution.identities.count("operator"), 0u);
}

TEST(Rules, OverprivilegedGrant) {
  auto grant = event("bot", PrincipalKind::workload, at(0));
  grant.signals = {"admin_policy_attached"};
  EXPECT_EQ(count(run({grant}), "nhi.overprivileged", "bot"), 1u);
  EXPECT_EQ(count(run({event("bot", PrincipalKind::workload, at(0))}), "nhi.overprivileged"), 0u);
}

TEST(Rules, BreakGlassWithoutReview) {
  auto root = event("root", PrincipalKind::human, at(0));
  root.signals = {"root_used"};
  EXPECT_EQ(count(run({root}, {}, at(2)), "breakglass.unreviewed", "root"), 1u);
  EXPECT_EQ(count(run({root}, {}, at(0, 60)), "breakglass.unreviewed"), 0u);  // still within 24 h
  auto review = event("auditor", PrincipalKind::human, at(0, 30));
  review.category = core::EventCategory::approval;
  review.reference = root.id;
  EXPECT_EQ(count(run({root, review}, {}, at(2)), "breakglass.unreviewed"), 0u);
}

TEST(Rules, RepeatedDenials) {
  std::vector<AuditEvent> burst, spread;
  for (int i = 0; i < 5; ++i) {
    burst.push_back(event("bot", PrincipalKind::workload, at(0, i)));
    burst.back().result = core::EventResult::denied;
    spread.push_back(event("bot", PrincipalKind::workload, at(0, i * 61)));
    spread.back().result = core::EventResult::denied;
  }
  EXPECT_EQ(count(run(burst), "probing.denied", "bot"), 1u);
  EXPECT_EQ(count(run(spread), "probing.denied"), 0u);
}

TEST(Attribution, SharesOfInitiatorAndApproval) {
  auto approval = event("bob", PrincipalKind::human, at(0));
  approval.category = core::EventCategory::approval;
  approval.reference = "run-1";
  auto both = event("ci", PrincipalKind::workload, at(0, 1));
  both.reference = "run-1";
  both.chain.push_back({core::Relation::triggered_by, {"alice", PrincipalKind::human, {}}});
  auto approval_only = event("ci", PrincipalKind::workload, at(0, 2));
  approval_only.reference = "run-1";
  auto initiator_only = event("ci", PrincipalKind::workload, at(0, 3));
  initiator_only.chain.push_back({core::Relation::triggered_by, {"alice", PrincipalKind::human, {}}});
  // Reaches a person only through correlation: its credential was issued
  // by an AssumeRole that alice made.
  auto assume = event("alice", PrincipalKind::human, at(0, 4));
  assume.issued_credential = "ASIA1";
  assume.category = core::EventCategory::credential_issued;
  auto through_parent = event("role", PrincipalKind::workload, at(0, 5));
  through_parent.credential = "ASIA1";
  through_parent.parent_id = assume.id;
  auto neither = event("role", PrincipalKind::workload, at(0, 6));
  const auto a = run({approval, both, approval_only, initiator_only, assume, through_parent, neither});
  const auto& t = a.attribution.total;
  EXPECT_EQ(t.actions, 5u);  // people's own actions and approvals are not machine actions
  EXPECT_EQ(t.initiator_and_approval, 1u);
  EXPECT_EQ(t.approval_only, 1u);
  EXPECT_EQ(t.initiator_only, 2u);
  EXPECT_EQ(t.neither, 1u);
  EXPECT_DOUBLE_EQ(t.share(t.initiator_only), 0.4);
  EXPECT_EQ(a.attribution.identities.at("ci").actions, 3u);
  EXPECT_EQ(a.attribution.identities.at("role").initiator_only, 1u);
  // An approval given after the action does not authorize it.
  auto late = approval;
  late.time = at(1);
  const auto b = run({late, both});
  EXPECT_EQ(b.attribution.total.initiator_only, 1u);
  EXPECT_EQ(b.attribution.total.initiator_and_approval, 0u);
}

TEST(Config, ParsesSettingsAndRefusesUnknownOnes) {
  const auto ok = analyze::parse_analyze_config(R"(
offboarded = ["bob@example.com"]

[thresholds]
stale_days = 30
probing_denied = 3

[[identity]]
id = "arn:aws:iam::1:user/ci-bot"
kind = "workload"
owner = "alice@example.com"
)", "analyze.toml");
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->thresholds.stale_days, 30);
  EXPECT_EQ(ok->thresholds.probing_denied, 3);
  EXPECT_EQ(ok->thresholds.long_lived_days, 90);  // default kept
  EXPECT_EQ(ok->identities.at("arn:aws:iam::1:user/ci-bot").kind, PrincipalKind::workload);
  EXPECT_TRUE(ok->offboarded.contains("bob@example.com"));
  const auto unknown = analyze::parse_analyze_config("[thresholds]\nstale_dayz = 3\n", "a.toml");
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().starts_with("a.toml:2:")) << unknown.error();
  EXPECT_TRUE(unknown.error().ends_with("unknown setting thresholds.stale_dayz")) << unknown.error();
  EXPECT_FALSE(analyze::parse_analyze_config("[thresholds]\nstale_days = -1\n", "a.toml"));
  EXPECT_FALSE(analyze::parse_analyze_config("[thresholds]\nstale_days = \"9\"\n", "a.toml"));
  EXPECT_FALSE(analyze::parse_analyze_config("[[identity]]\nkind = \"robot\"\nid = \"x\"\n", "a.toml"));
  EXPECT_FALSE(analyze::parse_analyze_config("[[identity]]\nowner = \"a\"\n", "a.toml"));  // no id
}

TEST(Catalogue, EveryMappingNamesAnItemOfTheSharedCatalogue) {
  std::ifstream in(std::string(MANDATE_SHARED_DIR) + "/frameworks/catalogue.json");
  ASSERT_TRUE(in);
  const auto catalogue = nlohmann::json::parse(in);
  std::set<std::pair<std::string, std::string>> items;
  for (const auto& f : catalogue.at("frameworks")) {
    for (const auto& i : f.at("items")) items.emplace(f.at("id"), i.at("id"));
  }
  // ATT&CK is not in the shared catalogue: its ids are checked against a
  // list taken from MITRE's own STIX data.
  std::ifstream attack(std::string(MANDATE_SOURCE_DIR) + "/tests/analyze/data/attack_techniques.tsv");
  ASSERT_TRUE(attack);
  for (std::string line; std::getline(attack, line);) {
    if (!line.empty() && line[0] != '#') items.emplace("mitre-attack", line.substr(0, line.find('\t')));
  }
  std::set<std::string> frameworks;
  for (const auto& rule : analyze::all_rules()) {
    EXPECT_FALSE(rule.mappings.empty()) << rule.id;
    for (const auto& m : rule.mappings) {
      EXPECT_TRUE(items.contains({std::string(m.framework), std::string(m.item)})) << rule.id << " " << m.item;
      frameworks.insert(std::string(m.framework));
    }
  }
  EXPECT_EQ(frameworks.size(), 4u);  // all three catalogue frameworks and ATT&CK are used
}

TEST(Catalogue, EveryTechniqueMapsToAttackAndAnotherFramework) {
  for (const auto rules : {analyze::aws_techniques(), analyze::kubernetes_techniques()}) {
    for (const auto& t : rules) {
      bool attack = false, other = false;
      for (const auto& m : t.info.mappings) (m.framework == "mitre-attack" ? attack : other) = true;
      EXPECT_TRUE(attack && other) << t.info.id;
      EXPECT_FALSE(t.signal.empty()) << t.info.id;
      EXPECT_GE(t.min_count, 1) << t.info.id;
      EXPECT_TRUE(t.min_count == 1 || t.window_minutes > 0) << t.info.id;
    }
  }
}

}  // namespace
}  // namespace mandate::testing
