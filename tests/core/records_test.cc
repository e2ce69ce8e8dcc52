// Decision, outcome and revocation: the records written after the fact.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "core/decision.h"
#include "core/outcome.h"
#include "core/revocation.h"

namespace mandate::core {
namespace {

TEST(DecisionTest, CheckOrderIsInvariantThree) {
  const std::vector<std::string_view> expected{"signature",  "issuer",    "audience",
                                               "expiry",     "revocation", "use_count",
                                               "key_binding", "scope",     "policy"};
  ASSERT_EQ(kCheckOrder.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(to_string(kCheckOrder[i]), expected[i]);
    EXPECT_EQ(parse_check_stage(expected[i]), kCheckOrder[i]);
    // The enumerators are declared in check order, so they compare in it too.
    if (i > 0) {
      EXPECT_LT(kCheckOrder[i - 1], kCheckOrder[i]);
    }
  }
  EXPECT_FALSE(parse_check_stage("Signature"));
  EXPECT_FALSE(parse_check_stage("dpop"));
}

TEST(DecisionTest, DeniesByDefault) {
  const Decision d;
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.reasons.empty());
  EXPECT_FALSE(d.mandate_id.has_value());
}

TEST(OutcomeTest, EnumRoundTripsAndValidation) {
  for (auto r : {OutcomeResult::success, OutcomeResult::failure}) {
    EXPECT_EQ(parse_outcome_result(to_string(r)), r);
  }
  EXPECT_FALSE(parse_outcome_result("ok"));

  Outcome o{"task-1", "mandate-1", OutcomeResult::success,
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Timestamp{}};
  EXPECT_TRUE(validate_outcome(o));
  o.result_digest = "";
  EXPECT_TRUE(validate_outcome(o));
  o.result_digest = "sha256:\n";
  EXPECT_FALSE(validate_outcome(o));
  o.result_digest = "";
  o.mandate_id = "";
  EXPECT_EQ(validate_outcome(o).error(), "mandate id is empty");
  o.mandate_id = "mandate-1";
  o.task_id = "";
  EXPECT_FALSE(validate_outcome(o));
  o.task_id = "task-1";
  o.result = static_cast<OutcomeResult>(3);
  EXPECT_FALSE(validate_outcome(o));
}

TEST(RevocationTest, EnumRoundTrips) {
  for (auto r : {RevocationReason::task_completed, RevocationReason::expired,
                 RevocationReason::revoked_by_person, RevocationReason::owner_offboarded}) {
    EXPECT_EQ(parse_revocation_reason(to_string(r)), r);
  }
  EXPECT_FALSE(parse_revocation_reason("revoked"));
}

TEST(RevocationTest, MapsToTaskEvents) {
  EXPECT_EQ(task_event_for(RevocationReason::task_completed), TaskEvent::complete);
  EXPECT_EQ(task_event_for(RevocationReason::expired), TaskEvent::expire);
  EXPECT_EQ(task_event_for(RevocationReason::revoked_by_person), TaskEvent::revoke);
  EXPECT_EQ(task_event_for(RevocationReason::owner_offboarded), TaskEvent::revoke);
  // Each mapped event is legal from `active`, where a live mandate's task is.
  for (auto r : {RevocationReason::task_completed, RevocationReason::expired,
                 RevocationReason::revoked_by_person, RevocationReason::owner_offboarded}) {
    EXPECT_TRUE(next_state(TaskState::active, task_event_for(r)).has_value());
  }
}

TEST(RevocationTest, Validation) {
  Revocation r{"mandate-1", RevocationReason::revoked_by_person, "bob", Timestamp{}};
  EXPECT_TRUE(validate_revocation(r));
  r.by.reset();
  EXPECT_EQ(validate_revocation(r).error(), "a revocation by a person must name who revoked");
  r.reason = RevocationReason::expired;
  EXPECT_TRUE(validate_revocation(r));
  r.by = "";
  EXPECT_FALSE(validate_revocation(r));
  r.by.reset();
  r.mandate_id = "";
  EXPECT_FALSE(validate_revocation(r));
  r.mandate_id = "mandate-1";
  r.reason = static_cast<RevocationReason>(9);
  EXPECT_FALSE(validate_revocation(r));
}

}  // namespace
}  // namespace mandate::core
