// One endpoint's deliveries against a fake sender: signed headers, retries
// with backoff, giving up, 410 Gone, a full queue, and what the log and the
// metrics say.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify/fake_sender.h"
#include "notify/internal/endpoint.h"
#include "notify/internal/signing.h"

namespace mandate::notify {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class EndpointTest : public ::testing::Test {
 protected:
  EndpointTest() {
    webhook.name = "chat";
    webhook.url = "https://chat.example/hooks/T1/B2/path-secret";
    webhook.key = parse_secret(kSecret).value();
    webhook.events = {"task.requested"};
    webhook.retry = {10ms, 40ms, 4};
  }

  std::unique_ptr<Endpoint> endpoint() {
    return std::make_unique<Endpoint>(webhook, sender, metrics, [this](const std::string& line) {
      std::lock_guard lock(log_mu);
      log.push_back(nlohmann::json::parse(line));
    }, [this] { ++changes; });
  }
  // A started endpoint with event 1 queued.
  std::unique_ptr<Endpoint> sending_one() {
    auto e = endpoint();
    e->start();
    e->enqueue(event(1));
    return e;
  }
  static Event event(int n) {
    return {"test/mandate/" + std::to_string(n), "msg_" + std::to_string(n), "task.requested",
            R"({"data":{"intent":"Deploy payments )" + std::to_string(n) + R"("},"specversion":"1.0"})"};
  }
  std::vector<nlohmann::json> log_lines() {
    std::lock_guard lock(log_mu);
    return log;
  }
  // Waits until `outcome` was counted `n` times (or 10 s passed).
  void await(Outcome outcome, std::uint64_t n) {
    for (int i = 0; i < 1000 && metrics->value("chat", outcome) < n; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(metrics->value("chat", outcome), n) << to_string(outcome);
  }

  Webhook webhook;
  std::shared_ptr<FakeSender> sender = std::make_shared<FakeSender>();
  std::shared_ptr<DeliveryMetrics> metrics = std::make_shared<DeliveryMetrics>();
  std::mutex log_mu;
  std::vector<nlohmann::json> log;
  std::atomic<int> changes{0};
};

TEST_F(EndpointTest, EachDeliveryIsSignedAsStandardWebhooksSays) {
  auto e = endpoint();
  e->start();
  e->enqueue(event(7));
  const auto posts = sender->wait_for(1);
  ASSERT_EQ(posts.size(), 1u);
  const Post& p = posts[0];
  EXPECT_EQ(p.url, webhook.url);
  EXPECT_EQ(p.body, event(7).body);
  EXPECT_EQ(header(p, "Content-Type"), "application/cloudevents+json; charset=utf-8");
  EXPECT_EQ(header(p, "webhook-id"), "msg_7");
  const std::int64_t timestamp = std::stoll(header(p, "webhook-timestamp"));
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::abs(now - timestamp), 5);
  EXPECT_EQ(header(p, "webhook-signature"), sign(webhook.key, "msg_7", timestamp, p.body));
  await(Outcome::delivered, 1);
  EXPECT_TRUE(e->pending().empty());
}

TEST_F(EndpointTest, AFailedDeliveryIsRetriedWithTheSameIdUntilDelivered) {
  sender->answer = [](const Post&, int n) { return n == 1 ? 500 : n == 2 ? 0 : 200; };  // 500, no answer, 200
  auto e = sending_one();
  await(Outcome::delivered, 1);
  const auto posts = sender->posts();
  ASSERT_EQ(posts.size(), 3u);
  for (const Post& p : posts) EXPECT_EQ(header(p, "webhook-id"), "msg_1");
  EXPECT_EQ(metrics->value("chat", Outcome::retrying), 2u);
  const auto lines = log_lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["outcome"], "retrying");
  EXPECT_EQ(lines[0]["status"], 500);
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_GE(lines[0]["retry_in_ms"].get<int>(), 8);  // 10 ms, spread by +/-20%
  EXPECT_EQ(lines[1]["error"], "connection refused");
  EXPECT_GE(lines[1]["retry_in_ms"].get<int>(), 32);  // 50 ms capped at 40 ms, then spread
  EXPECT_EQ(lines[2]["outcome"], "delivered");
  EXPECT_EQ(lines[2]["attempt"], 3);
}

TEST_F(EndpointTest, AfterMaxAttemptsTheDeliveryFails) {
  sender->answer = [](const Post&, int) { return 503; };
  auto e = sending_one();
  await(Outcome::failed, 1);
  EXPECT_EQ(sender->posts().size(), 4u);
  EXPECT_EQ(metrics->value("chat", Outcome::retrying), 3u);
  EXPECT_TRUE(e->pending().empty());
  EXPECT_EQ(log_lines().back()["outcome"], "failed");
}

TEST_F(EndpointTest, GoneDisablesTheEndpointUntilRestart) {
  sender->answer = [](const Post&, int) { return 410; };
  auto e = sending_one();
  await(Outcome::gone, 1);
  e->enqueue(event(2));
  await(Outcome::dropped, 1);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(sender->posts().size(), 1u) << "nothing more is sent after 410";
  EXPECT_EQ(metrics->value("chat", Outcome::retrying), 0u);
}

TEST_F(EndpointTest, AFullQueueDropsTheOldestAndSaysSo) {
  webhook.queue_limit = 2;
  auto e = endpoint();  // not started: everything waits
  for (int n = 1; n <= 3; ++n) e->enqueue(event(n));
  const auto pending = e->pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].event.id, "test/mandate/2");
  EXPECT_EQ(pending[1].event.id, "test/mandate/3");
  EXPECT_EQ(metrics->value("chat", Outcome::dropped), 1u);
  const auto lines = log_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outcome"], "dropped");
  EXPECT_EQ(lines[0]["id"], "test/mandate/1");
  EXPECT_EQ(lines[0]["error"], "the queue is full");
  EXPECT_NE(metrics->render().find("mandate_webhook_queue{endpoint=\"chat\"} 2\n"), std::string::npos) << metrics->render();
}

// The log names the endpoint, the event and the attempt: never the URL
// (chat services put their credential in its path), the secret or the data.
TEST_F(EndpointTest, TheLogNeverShowsTheUrlTheSecretOrTheData) {
  sender->answer = [](const Post&, int n) { return n == 1 ? 500 : 200; };
  auto e = sending_one();
  await(Outcome::delivered, 1);
  for (const auto& line : log_lines()) {
    const std::string text = line.dump();
    for (const std::string& secret : {std::string("path-secret"), std::string(kSecret + 6), std::string("Deploy payments")}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << text;
    }
  }
}

TEST_F(EndpointTest, StoppingAbandonsNothing) {
  sender->answer = [](const Post&, int) { return 500; };
  webhook.retry.first = std::chrono::hours(1);
  webhook.retry.longest = std::chrono::hours(1);
  auto e = sending_one();
  await(Outcome::retrying, 1);
  e->stop();
  const auto pending = e->pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].failed_attempts, 1);
}

TEST(NextDelay, SpreadsTheScheduleAndHonoursRetryAfter) {
  const RetrySchedule schedule{std::chrono::seconds(5), std::chrono::minutes(10), 8};
  EXPECT_EQ(next_delay(schedule, 1, 0.8, std::nullopt), std::chrono::seconds(4));
  EXPECT_EQ(next_delay(schedule, 2, 1.2, std::nullopt), std::chrono::seconds(30));
  EXPECT_EQ(next_delay(schedule, 1, 1.0, std::chrono::seconds(90)), std::chrono::seconds(90));
  EXPECT_EQ(next_delay(schedule, 1, 1.0, std::chrono::hours(5)), std::chrono::minutes(10)) << "at most the longest delay";
}

}  // namespace
}  // namespace mandate::notify
