// Ledger entries written by the broker, as the CloudEvents that announce
// them: which steps are announced, with which attributes and data, and that
// data holds only allow-listed fields (never a token).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify/internal/events.h"
#include "notify/notify_fixture.h"
#include "notify/webhooks.h"

namespace mandate::notify {
namespace {

using nlohmann::json;

class EventsTest : public NotifyTest {
 protected:
  void SetUp() override {
    NotifyTest::SetUp();
    allow_break_glass(2, "4h");
    from = ledger->size();
  }

  // The events the entries since the last call announce, in order.
  std::vector<Event> events() {
    std::vector<Event> out;
    const std::uint64_t size = ledger->size();
    store->scan_ledger(from, size, [&](const store::LedgerRow& row) {
      if (auto e = event_for_entry(row, *broker, context)) out.push_back(*e);
      return true;
    });
    from = size;
    return out;
  }
  static json body(const Event& e) { return json::parse(e.body); }
  std::string request() { return NotifyTest::request("Deploy payments v2.3.1", "CHG 1/2"); }

  EventContext context{"mandate.test/ledger", "https://mandate.test", "https://tickets.test/browse/{reference}"};
  std::uint64_t from = 0;
};

TEST_F(EventsTest, ATaskRequestIsAStructuredCloudEvent) {
  const std::string task = request();
  const auto announced = events();
  ASSERT_EQ(announced.size(), 1u);
  const Event& e = announced[0];
  const json ce = body(e);
  const std::uint64_t index = ledger->size() - 1;
  EXPECT_EQ(e.name, "task.requested");
  EXPECT_EQ(ce["specversion"], "1.0");
  EXPECT_EQ(ce["id"], "mandate.test/ledger/" + std::to_string(index));
  EXPECT_EQ(ce["source"], "https://mandate.test");
  EXPECT_EQ(ce["type"], "dev.mandate.task.requested");
  EXPECT_EQ(ce["subject"], task);
  EXPECT_EQ(ce["datacontenttype"], "application/json");
  EXPECT_EQ(ce["time"], json::parse(ledger->entry_bytes(index))["time"]);
  EXPECT_EQ(ce["data"], (json{{"task_id", task},
                              {"intent", "Deploy payments v2.3.1"},
                              {"change_ref", "CHG 1/2"},
                              {"change_url", "https://tickets.test/browse/CHG%201%2F2"},
                              {"initiator", "alice"},
                              {"executor", broker::kWorkload},
                              {"console_url", "https://mandate.test/console/#/tasks/" + task},
                              {"ledger_index", index}}));
  EXPECT_EQ(ce.size(), 8u) << ce.dump();
  // Standard Webhooks: the id is not user controlled and holds no '.'.
  EXPECT_TRUE(e.webhook_id.starts_with("msg_")) << e.webhook_id;
  EXPECT_EQ(e.webhook_id.size(), 4u + 32u);
  EXPECT_EQ(e.webhook_id.find('.'), std::string::npos);
}

TEST_F(EventsTest, WithoutAChangeReferenceThereIsNoChangeLink) {
  broker->request_task(as("alice"), {"Deploy", std::nullopt, broker::kWorkload, scope(), std::chrono::minutes(30)});
  const json data = body(events().at(0))["data"];
  EXPECT_FALSE(data.contains("change_ref"));
  EXPECT_FALSE(data.contains("change_url"));
}

TEST_F(EventsTest, OnlyTheApprovalThatApprovesTheTaskIsAnnounced) {
  const std::string task = request();
  events();
  broker->approve(as("bob"), task, "looks fine");
  EXPECT_TRUE(events().empty()) << "one of two approvals: the task is still pending";
  broker->approve(as("carol"), task, "go");
  const auto announced = events();
  ASSERT_EQ(announced.size(), 1u);
  const json ce = body(announced[0]);
  EXPECT_EQ(ce["type"], "dev.mandate.task.approved");
  EXPECT_EQ(ce["data"]["approver"], "carol");
  EXPECT_EQ(ce["data"]["decision"], "approve");
  EXPECT_EQ(ce["data"]["comment"], "go");
  EXPECT_EQ(ce["data"]["intent"], "Deploy payments v2.3.1");
}

TEST_F(EventsTest, ADenialIsAnnounced) {
  const std::string task = request();
  events();
  broker->deny(as("bob"), task, "not during the freeze");
  const auto announced = events();
  ASSERT_EQ(announced.size(), 1u);
  const json ce = body(announced[0]);
  EXPECT_EQ(ce["type"], "dev.mandate.task.denied");
  EXPECT_EQ(ce["subject"], task);
  EXPECT_EQ(ce["data"]["approver"], "bob");
  EXPECT_EQ(ce["data"]["decision"], "deny");
  EXPECT_EQ(ce["data"]["comment"], "not during the freeze");
}

// The entry of an issued mandate holds the token's hash, its claims and key
// binding; the event holds none of it, and never the token.
TEST_F(EventsTest, AnIssuedMandateIsAnnouncedWithoutItsToken) {
  const std::string task = approved_task(scope());
  events();
  const broker::IssuedMandate mandate = issued(task);
  const auto announced = events();
  ASSERT_EQ(announced.size(), 1u);
  const std::string& text = announced[0].body;
  const json ce = body(announced[0]);
  EXPECT_EQ(ce["type"], "dev.mandate.mandate.issued");
  EXPECT_EQ(ce["data"]["mandate_id"], mandate.record.mandate.id);
  EXPECT_EQ(ce["data"]["break_glass"], false);
  EXPECT_EQ(ce["data"]["expires_at"], core::format_timestamp(mandate.record.mandate.expires_at));
  EXPECT_EQ(text.find(mandate.token), std::string::npos);
  for (std::size_t at = 0, dot = 0; at < mandate.token.size(); at = dot + 1) {  // nor any part of it
    dot = std::min(mandate.token.find('.', at), mandate.token.size());
    EXPECT_EQ(text.find(mandate.token.substr(at, dot - at)), std::string::npos);
  }
  EXPECT_EQ(text.find(mandate.record.token_hash), std::string::npos);
  EXPECT_EQ(text.find(mandate.record.mandate.key_binding.thumbprint), std::string::npos);
  const std::string entry = ledger->entry_bytes(ce["data"]["ledger_index"].get<std::uint64_t>());
  EXPECT_NE(entry.find(mandate.record.token_hash), std::string::npos) << "the test would show a leak";
}

TEST_F(EventsTest, BreakGlassIsAnnouncedThenItsMandate) {
  const auto glass = broker->break_glass(as("alice"), {"Roll back", std::string("INC-7"), broker::kWorkload, scope(),
                                                       std::chrono::minutes(15)},
                                         "payments down");
  const auto announced = events();
  ASSERT_EQ(announced.size(), 2u);
  const json first = body(announced[0]);
  EXPECT_EQ(first["type"], "dev.mandate.break_glass");
  EXPECT_EQ(first["data"]["reason"], "payments down");
  EXPECT_EQ(first["data"]["review_deadline"], core::format_timestamp(clock_now + std::chrono::hours(4)));
  const json second = body(announced[1]);
  EXPECT_EQ(second["type"], "dev.mandate.mandate.issued");
  EXPECT_EQ(second["data"]["break_glass"], true);
  EXPECT_EQ(announced[1].body.find(glass.mandate.token), std::string::npos);
}

TEST_F(EventsTest, DecisionsAndAdministrationAreNotAnnounced) {
  const std::string task = approved_task(scope());
  const auto token = issued(task).token;
  events();
  EXPECT_TRUE(use(token).allow);
  load_policies("permit (principal, action, resource);");
  broker->complete(as(broker::kWorkload, broker::CallerKind::workload), task, core::OutcomeResult::success, "sha256:ab");
  EXPECT_TRUE(events().empty());
}

TEST_F(EventsTest, AnOverdueReviewIsAnnouncedWithItsDeadline) {
  const auto glass = broker->break_glass(as("alice"), {"Roll back", std::nullopt, broker::kWorkload, scope(),
                                                       std::chrono::minutes(15)},
                                         "payments down");
  const broker::TaskRecord task = broker->task(glass.task.task_id).record;
  const Event e = review_overdue_event(task, context);
  const json ce = body(e);
  EXPECT_EQ(ce["type"], "dev.mandate.review.overdue");
  EXPECT_EQ(ce["id"], "mandate.test/ledger/review-overdue/" + task.task.id);
  EXPECT_EQ(ce["time"], core::format_timestamp(task.review->deadline));
  EXPECT_EQ(ce["data"]["review_deadline"], ce["time"]);
  EXPECT_EQ(ce["data"]["reason"], "payments down");
}

// Whatever the step, data holds only these fields.
TEST_F(EventsTest, DataHoldsOnlyAllowListedFields) {
  const std::set<std::string> allowed = {"task_id",  "intent",     "change_ref",  "change_url",  "initiator",
                                         "executor", "approver",   "decision",    "comment",     "mandate_id",
                                         "expires_at", "break_glass", "reason",   "review_deadline", "console_url",
                                         "ledger_index"};
  const std::string task = approved_task(scope());
  issued(task);
  broker->deny(as("bob"), request(), "no");
  broker->break_glass(as("alice"), {"Roll back", std::nullopt, broker::kWorkload, scope(), std::chrono::minutes(15)}, "down");
  from = 0;
  const auto announced = events();
  EXPECT_EQ(announced.size(), 7u);  // 2 requested, approved, issued, denied, break-glass, issued
  for (const Event& e : announced) {
    for (const auto& [key, value] : body(e)["data"].items()) EXPECT_TRUE(allowed.contains(key)) << key << " in " << e.body;
  }
}

}  // namespace
}  // namespace mandate::notify
