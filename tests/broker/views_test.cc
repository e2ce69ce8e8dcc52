#include <gtest/gtest.h>

#include "broker/views.h"

namespace mandate::broker {
namespace {

DecisionResult allowed() {
  DecisionResult d;
  d.allow = true;
  d.decided_by = "policy";
  d.reasons = {"policy0"};
  d.policy_set_hash = "9f2c";
  d.mandate_id = "m-1";
  d.task_id = "t-1";
  d.ledger_index = 18446744073709551615ull;
  return d;
}

// The server answers with the text; the CLI and every other caller with
// to_json: both must say the same thing, byte for byte.
TEST(DecisionAnswerText, IsWhatTheJsonViewDumps) {
  DecisionResult denied;
  denied.decided_by = "scope";
  denied.reasons = {"action \"rm -rf\" on \xc3\xa9t\xc3\xa9/\xf0\x9f\x94\x91 is outside the mandate\n\t\x01\x1f\x7f\\"};
  denied.policy_errors = {"policy1: \"a\" / \b \f \r", ""};
  DecisionResult empty;
  for (const DecisionResult& d : {allowed(), denied, empty}) {
    const auto text = decision_answer_text(d);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, to_json(d).dump());
  }
}

// Text that is not UTF-8 is left to the dump, which replaces it.
TEST(DecisionAnswerText, GivesNothingForTextThatIsNotUtf8) {
  DecisionResult d = allowed();
  d.reasons = {"resource \xff\xfe"};
  EXPECT_FALSE(decision_answer_text(d));
  d = allowed();
  d.task_id = "\xc3";
  EXPECT_FALSE(decision_answer_text(d));
}

}  // namespace
}  // namespace mandate::broker
