// The workflow through the broker API: what the trace attributes to each
// action. (The evidence bundles made from it: tests/evidence.)
#include "broker/trace.h"
#include "broker_fixture.h"

namespace mandate::broker {
namespace {

TEST_F(BrokerTest, TraceStatesWhatIsProvenForEachAction) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  EXPECT_TRUE(use(m.token).allow);
  EXPECT_FALSE(use(m.token, "deploy", "prod/ledger").allow);
  broker->complete(as(kWorkload, CallerKind::workload), task, core::OutcomeResult::success, "sha256:ab");
  const Trace trace = build_trace(*store, *ledger, m.record.mandate.id);
  ASSERT_EQ(trace.attribution.size(), 2u);
  EXPECT_EQ(trace.attribution[0].depth(), "initiation+approval+execution");
  EXPECT_EQ(trace.attribution[1].depth(), "initiation+approval");
  EXPECT_EQ(trace.task.task.state, core::TaskState::completed);
  EXPECT_EQ(trace.policy_entries.size(), 1u);
  const std::string dot = render_dot(trace);
  EXPECT_NE(dot.find("mandate:" + m.record.mandate.id), std::string::npos);
}

}  // namespace
}  // namespace mandate::broker
