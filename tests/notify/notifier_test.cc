// The notifier over a real store and broker, with a fake sender: it follows
// the ledger, saves where it is, and announces overdue reviews once, across
// restarts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify/fake_sender.h"
#include "notify/internal/signing.h"
#include "notify/notifier.h"
#include "notify/notify_fixture.h"

namespace mandate::notify {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class NotifierTest : public NotifyTest {
 protected:
  void SetUp() override {
    NotifyTest::SetUp();
    allow_break_glass(1, "1h");
    Webhook w;
    w.name = "chat";
    w.url = "https://chat.example/hooks";
    w.key = parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").value();
    w.events = {std::begin(kEventNames), std::end(kEventNames)};
    w.retry = {10ms, 20ms, 3};
    settings.webhooks = {w};
    settings.public_url = "https://mandate.test";
    settings.poll_interval = 10ms;
    settings.review_scan_interval = 0ms;
  }

  std::unique_ptr<Notifier> notifier(std::shared_ptr<FakeSender> to) {
    return std::make_unique<Notifier>(settings, *store, ledger->origin(), *broker, metrics,
                                      [this](const std::string& line) {
                                        std::lock_guard lock(log_mu);
                                        log.push_back(line);
                                      },
                                      std::move(to));
  }
  std::unique_ptr<Notifier> started(std::shared_ptr<FakeSender> to) {
    auto n = notifier(std::move(to));
    n->start();
    return n;
  }
  // A task requested and approved (one approval is enough here).
  std::string approved(const std::string& intent) {
    const std::string task = request(intent);
    broker->approve(as("bob"), task, "ok");
    return task;
  }
  static std::vector<std::string> types(const std::vector<Post>& posts) {
    std::vector<std::string> out;
    for (const Post& p : posts) out.push_back(json::parse(p.body)["type"]);
    return out;
  }
  static std::string subject(const Post& post) { return json::parse(post.body)["subject"]; }
  json saved_state() { return json::parse(store->meta(Notifier::kStateKey).value_or("null")); }

  NotifierSettings settings;
  std::shared_ptr<DeliveryMetrics> metrics = std::make_shared<DeliveryMetrics>();
  std::mutex log_mu;
  std::vector<std::string> log;
};

TEST_F(NotifierTest, TheFirstStartBeginsAtTheLedgersEndAndFollowsIt) {
  const std::string before = request("before the first start");
  auto sender = std::make_shared<FakeSender>();
  auto n = started(sender);
  const std::string task = approved("Deploy payments");
  const auto posts = sender->wait_for(2);
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(types(posts), (std::vector<std::string>{"dev.mandate.task.requested", "dev.mandate.task.approved"}));
  EXPECT_EQ(subject(posts[0]), task);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sender->posts().size(), 2u) << "each once; nothing from before the first start";
  n->stop();
  EXPECT_EQ(saved_state()["cursor"], ledger->size());
  EXPECT_EQ(saved_state()["pending"], json::array());
}

// Stopped, restarted: what happened in between is announced, nothing twice.
TEST_F(NotifierTest, ARestartNeitherResendsNorSkips) {
  auto sender = std::make_shared<FakeSender>();
  auto first = started(sender);
  const std::string a = request("announced before the stop");
  ASSERT_EQ(sender->wait_for(1).size(), 1u);
  first.reset();  // stops
  const std::string b = request("while stopped");
  auto second = started(sender);
  const auto posts = sender->wait_for(2);
  std::this_thread::sleep_for(100ms);
  ASSERT_EQ(sender->posts().size(), 2u);
  EXPECT_EQ(subject(posts[0]), a);
  EXPECT_EQ(subject(posts[1]), b);
}

// A delivery still failing at stop is saved with its attempts and goes on
// after the restart, with the same webhook-id.
TEST_F(NotifierTest, DeliveriesNotDoneAtStopGoOnAfterARestart) {
  settings.webhooks[0].retry = {1h, 1h, 5};
  auto failing = std::make_shared<FakeSender>();
  failing->answer = [](const Post&, int) { return 500; };
  auto first = started(failing);
  request("Deploy payments");
  ASSERT_EQ(failing->wait_for(1).size(), 1u);
  first.reset();
  const json pending = saved_state()["pending"];
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["attempts"], 1);
  EXPECT_EQ(pending[0]["endpoint"], "chat");

  auto working = std::make_shared<FakeSender>();
  auto second = started(working);
  const auto posts = working->wait_for(1);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(header(posts[0], "webhook-id"), header(failing->posts()[0], "webhook-id"));
  EXPECT_EQ(posts[0].body, failing->posts()[0].body);
  second.reset();
  EXPECT_EQ(saved_state()["pending"], json::array());
  std::lock_guard lock(log_mu);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find("\"outcome\":\"delivered\""), std::string::npos) << log.back();
  EXPECT_NE(log.back().find("\"attempt\":2"), std::string::npos) << log.back();
}

TEST_F(NotifierTest, AnOverdueReviewIsAnnouncedOnceEvenAcrossRestarts) {
  auto sender = std::make_shared<FakeSender>();
  auto n = started(sender);
  const auto glass = broker->break_glass(as("alice"), {"Roll back", std::nullopt, broker::kWorkload, scope(), 15min},
                                         "payments down");
  ASSERT_EQ(sender->wait_for(2).size(), 2u);  // break_glass, mandate.issued
  clock_now += 2h;                            // the review deadline (1 h) passes
  auto posts = sender->wait_for(3);
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(types(posts)[2], "dev.mandate.review.overdue");
  EXPECT_EQ(subject(posts[2]), glass.task.task_id);
  std::this_thread::sleep_for(100ms);
  n.reset();
  n = started(sender);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sender->posts().size(), 3u) << "announced once, restart or not";
  EXPECT_EQ(saved_state()["overdue"], json::array({glass.task.task_id}));
  broker->approve_review(as("bob"), glass.task.task_id, "justified");
  std::this_thread::sleep_for(100ms);
  n.reset();
  EXPECT_EQ(saved_state()["overdue"], json::array()) << "a reviewed task is forgotten";
}

TEST_F(NotifierTest, AWebhookGetsOnlyTheEventsItAskedFor) {
  settings.webhooks[0].events = {"task.approved"};
  auto sender = std::make_shared<FakeSender>();
  auto n = started(sender);
  approved("Deploy payments");
  sender->wait_for(1);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(types(sender->posts()), std::vector<std::string>{"dev.mandate.task.approved"});
}

}  // namespace
}  // namespace mandate::notify
