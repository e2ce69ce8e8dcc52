#pragma once
// The broker fixture (tests/broker: a real store, ledger and keyring, a
// clock the test moves, alice, bob and carol, a deployer workload) with a
// rule that allows break-glass, for the notifier's tests.
#include <optional>
#include <string>

#include "broker/broker_fixture.h"

namespace mandate::notify {

class NotifyTest : public broker::BrokerTest {
 protected:
  // Replaces the fixture's rule with one that needs `approvals` approvals
  // by sre and allows break-glass reviewed within `review_within`.
  void allow_break_glass(int approvals, const std::string& review_within) {
    load_rules("[[rule]]\nid = \"prod-deploy\"\ndetail_types = [\"deploy\"]\napprover_groups = [\"sre\"]\n"
               "max_task_duration = \"1h\"\nbreak_glass = true\napprovals = " + std::to_string(approvals) +
               "\nreview_within = \"" + review_within + "\"\n");
  }
  // A task alice requests for the deployer, 30 minutes.
  std::string request(const std::string& intent, const std::optional<std::string>& ref = std::nullopt) {
    return broker->request_task(as("alice"), {intent, ref, broker::kWorkload, scope(), std::chrono::minutes(30)}).task_id;
  }
};

}  // namespace mandate::notify
