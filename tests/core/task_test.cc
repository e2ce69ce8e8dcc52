#include "core/task.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "core/test_fixtures.h"

namespace mandate::core {
namespace {

using testing::make_task;
using S = TaskState;
using E = TaskEvent;

constexpr S kAllStates[] = {S::requested, S::approved, S::denied,  S::cancelled,
                            S::active,    S::completed, S::expired, S::revoked};
constexpr E kAllEvents[] = {E::approve, E::deny,     E::cancel, E::issue,
                            E::issue_break_glass, E::complete, E::expire, E::revoke};

TEST(TaskTest, EnumsRoundTrip) {
  for (S s : kAllStates) EXPECT_EQ(parse_task_state(to_string(s)), s);
  for (E e : kAllEvents) EXPECT_EQ(parse_task_event(to_string(e)), e);
  EXPECT_EQ(to_string(S::cancelled), "cancelled");
  EXPECT_EQ(to_string(E::issue_break_glass), "issue_break_glass");
  EXPECT_FALSE(parse_task_state("canceled"));
  EXPECT_FALSE(parse_task_event("Approve"));
}

TEST(TaskTest, LegalTransitions) {
  EXPECT_EQ(next_state(S::requested, E::approve), S::approved);
  EXPECT_EQ(next_state(S::requested, E::deny), S::denied);
  EXPECT_EQ(next_state(S::requested, E::cancel), S::cancelled);
  EXPECT_EQ(next_state(S::requested, E::issue_break_glass), S::active);
  EXPECT_EQ(next_state(S::approved, E::issue), S::active);
  EXPECT_EQ(next_state(S::approved, E::cancel), S::cancelled);
  EXPECT_EQ(next_state(S::active, E::complete), S::completed);
  EXPECT_EQ(next_state(S::active, E::expire), S::expired);
  EXPECT_EQ(next_state(S::active, E::revoke), S::revoked);
}

TEST(TaskTest, EverythingElseIsIllegal) {
  const std::map<std::pair<S, E>, S> legal{
      {{S::requested, E::approve}, S::approved},  {{S::requested, E::deny}, S::denied},
      {{S::requested, E::cancel}, S::cancelled},  {{S::requested, E::issue_break_glass}, S::active},
      {{S::approved, E::issue}, S::active},       {{S::approved, E::cancel}, S::cancelled},
      {{S::active, E::complete}, S::completed},   {{S::active, E::expire}, S::expired},
      {{S::active, E::revoke}, S::revoked},       {{S::active, E::cancel}, S::cancelled},
  };
  int illegal = 0;
  for (S s : kAllStates) {
    for (E e : kAllEvents) {
      const auto it = legal.find({s, e});
      const auto got = next_state(s, e);
      if (it == legal.end()) {
        EXPECT_FALSE(got.has_value()) << to_string(s) << " --" << to_string(e) << "-->";
        ++illegal;
      } else {
        EXPECT_EQ(got, it->second) << to_string(s) << " --" << to_string(e) << "-->";
      }
    }
  }
  EXPECT_EQ(illegal, 8 * 8 - 10);
}

TEST(TaskTest, SomeIllegalTransitionsByName) {
  EXPECT_FALSE(next_state(S::requested, E::issue));   // no mandate before approval
  EXPECT_FALSE(next_state(S::denied, E::approve));    // a denial is final
  EXPECT_FALSE(next_state(S::cancelled, E::cancel));  // cancelling in flight ends it once
  EXPECT_FALSE(next_state(S::approved, E::approve));
  EXPECT_FALSE(next_state(S::approved, E::issue_break_glass));
  EXPECT_FALSE(next_state(S::completed, E::revoke));
  EXPECT_FALSE(next_state(S::revoked, E::issue));
}

TEST(TaskTest, TerminalStatesHaveNoWayOut) {
  for (S s : kAllStates) {
    bool any = false;
    for (E e : kAllEvents) any = any || next_state(s, e).has_value();
    EXPECT_EQ(is_terminal(s), !any) << to_string(s);
  }
  EXPECT_TRUE(is_terminal(S::denied));
  EXPECT_FALSE(is_terminal(S::approved));
}

TEST(TaskTest, BreakGlassOnlyForFlaggedTasks) {
  Task task = make_task();
  EXPECT_FALSE(next_state(task, E::issue_break_glass));
  EXPECT_EQ(next_state(task, E::approve), S::approved);
  task.break_glass = true;
  EXPECT_EQ(next_state(task, E::issue_break_glass), S::active);
  task.state = S::approved;
  EXPECT_EQ(next_state(task, E::issue), S::active);
  EXPECT_FALSE(next_state(task, E::issue_break_glass));
}

TEST(TaskTest, ValidatesFields) {
  EXPECT_TRUE(validate_task(make_task()));

  Task t = make_task();
  t.external_ref.reset();
  EXPECT_TRUE(validate_task(t));
  t.initiator = t.executor;  // a pipeline asking for its own mandate
  EXPECT_TRUE(validate_task(t));

  t = make_task();
  t.id = "";
  EXPECT_EQ(validate_task(t).error(), "task id is empty");
  t = make_task();
  t.intent = "";
  EXPECT_EQ(validate_task(t).error(), "intent is empty");
  t = make_task();
  t.intent = "two\nlines are fine";
  EXPECT_TRUE(validate_task(t));
  t = make_task();
  t.external_ref = "CHG\n1";
  EXPECT_FALSE(validate_task(t));
  t = make_task();
  t.initiator = "";
  EXPECT_FALSE(validate_task(t));
  t = make_task();
  t.executor = "";
  EXPECT_FALSE(validate_task(t));
  t = make_task();
  t.requested_scope.clear();
  EXPECT_FALSE(validate_task(t));
  t = make_task();
  t.requested_scope[0].type = "";
  EXPECT_FALSE(validate_task(t));
  t = make_task();
  t.requested_duration = std::chrono::seconds{0};
  EXPECT_EQ(validate_task(t).error(), "requested duration must be positive");
  t.requested_duration = std::chrono::seconds{-5};
  EXPECT_FALSE(validate_task(t));
  t = make_task();
  t.state = static_cast<S>(99);
  EXPECT_FALSE(validate_task(t));
}

}  // namespace
}  // namespace mandate::core
