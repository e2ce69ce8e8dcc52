// `analyze` over a real event store: the window (--since) and what lies
// before it. An owner offboarded before the window still owns nothing in it.
#include <gtest/gtest.h>

#include "analyze/analyzer.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

using core::AuditEvent;
using core::PrincipalKind;

core::Timestamp day(int n) { return core::Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 11 / 1)) + std::chrono::days(n); }

AuditEvent decision(const std::string& id, int on) {
  AuditEvent e;
  e.id = id;
  e.source = "ledger";
  e.time = day(on);
  e.actor = {"spiffe://x/deployer", PrincipalKind::workload, {}};
  e.action = "deploy";
  e.result = core::EventResult::success;
  e.chain.push_back({core::Relation::owned_by, {"alice", PrincipalKind::human, {}}});
  e.chain.push_back({core::Relation::triggered_by, {"alice", PrincipalKind::human, {}}});
  return e;
}

AuditEvent offboarding(int on) {
  AuditEvent e;
  e.id = "off";
  e.source = "ledger";
  e.time = day(on);
  e.actor = {"operator", PrincipalKind::human, {}};
  e.category = core::EventCategory::lifecycle;
  e.action = "mandate:actor.offboarded";
  e.resource = "alice";
  e.signals.push_back("offboarded");
  return e;
}

std::size_t orphaned(store::EventStore& events, std::optional<core::Timestamp> since) {
  const auto analysis = analyze::analyze(events, analyze::AnalyzeConfig{}, {since, std::nullopt});
  std::size_t n = 0;
  for (const auto& f : analysis.findings) {
    n += f.rule->id == "nhi.orphaned" && f.explanation.find("alice has been offboarded") != std::string::npos;
  }
  return n;
}

TEST(AnalyzeStore, AnOwnerOffboardedBeforeTheWindowStillCounts) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = store::create_sqlite_store(db);
  auto events = store::open_sqlite_event_store(db);
  const std::vector<AuditEvent> before{decision("d1", 0)};
  events->add_events(before);
  EXPECT_EQ(orphaned(*events, std::nullopt), 0u);
  const std::vector<AuditEvent> later{offboarding(1), decision("d2", 2)};
  events->add_events(later);
  EXPECT_EQ(orphaned(*events, std::nullopt), 1u);
  EXPECT_EQ(orphaned(*events, day(2)), 1u);  // the offboarding lies before the window
  // The lifecycle event is read, not analyzed: only the decision is in the window.
  EXPECT_EQ(analyze::analyze(*events, analyze::AnalyzeConfig{}, {day(2), std::nullopt}).events, 1u);
  store::EventQuery lifecycle;
  lifecycle.category = core::EventCategory::lifecycle;
  std::size_t n = 0;
  events->scan_events(lifecycle, [&](const AuditEvent& e) { return ++n, e.id == "off"; });
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace mandate::testing
