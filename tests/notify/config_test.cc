// The [[webhooks]] tables: defaults, and every refusal naming
// file:line:column without quoting the secret.
#include <gtest/gtest.h>

#include "notify/webhooks.h"
#include "support/files.h"

namespace mandate::notify {
namespace {

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class WebhooksConfig : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_file(tmp / "wh.secret", std::string(kSecret) + "\n", 0600); }

  std::expected<std::vector<Webhook>, std::string> parse(const std::string& text) {
    return parse_webhooks(text, "mandate.toml", tmp.path());
  }
  std::string error_of(const std::string& text) {
    const auto parsed = parse(text);
    return parsed ? "(accepted)" : parsed.error();
  }

  testing::TempDir tmp;
};

TEST_F(WebhooksConfig, DefaultsAreAllEventsAndTheStandardSchedule) {
  const auto parsed = parse(R"([[webhooks]]
url = "https://chat.example/hooks/T0001/B0001/secretpath"
secret_file = "wh.secret"

[[webhooks]]
url = "http://127.0.0.1:8080/pager"
secret_file = "wh.secret"
name = "pager"
events = ["break_glass", "review.overdue"]
timeout = "3s"
first_retry = "1s"
max_retry_delay = "10m"
max_attempts = 3
queue_limit = 10
ca_file = "ca.pem"
)");
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->size(), 2u);
  const Webhook& chat = (*parsed)[0];
  EXPECT_EQ(chat.name, "https://chat.example") << "the name never shows the URL's path";
  EXPECT_EQ(chat.key.size(), 24u);
  EXPECT_EQ(chat.events.size(), std::size(kEventNames));
  EXPECT_EQ(chat.timeout, std::chrono::seconds(10));
  EXPECT_EQ(chat.retry.max_attempts, 8);
  EXPECT_EQ(chat.queue_limit, 1000u);
  EXPECT_FALSE(chat.ca_file);
  const Webhook& pager = (*parsed)[1];
  EXPECT_EQ(pager.name, "pager");
  EXPECT_EQ(pager.events, (std::set<std::string>{"break_glass", "review.overdue"}));
  EXPECT_EQ(pager.timeout, std::chrono::seconds(3));
  EXPECT_EQ(pager.retry.first, std::chrono::seconds(1));
  EXPECT_EQ(pager.retry.longest, std::chrono::minutes(10));
  EXPECT_EQ(pager.retry.max_attempts, 3);
  EXPECT_EQ(pager.queue_limit, 10u);
  EXPECT_EQ(pager.ca_file, tmp.path() / "ca.pem");
}

TEST_F(WebhooksConfig, MistakesAreRefusedWithTheirPlace) {
  const std::string head = "[[webhooks]]\nurl = \"https://chat.example/h\"\nsecret_file = \"wh.secret\"\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {head + "evnts = [\"task.requested\"]\n", "mandate.toml:4:9: unknown setting webhooks.evnts"},
      {head + "events = [\"task.requested\", \"task.created\"]\n", "mandate.toml:4:29: events: not an event name"},
      {head + "events = []\n", "mandate.toml:4:10: events must be a non-empty array"},
      {head + "max_attempts = \"3\"\n", "mandate.toml:4:16: max_attempts must be an integer from 1 to 50"},
      {head + "max_attempts = 0\n", "mandate.toml:4:16: max_attempts must be an integer from 1 to 50"},
      {head + "timeout = 10\n", "mandate.toml:4:11: timeout must be a duration"},
      {head + "first_retry = \"1h\"\nmax_retry_delay = \"1m\"\n", "mandate.toml:1:1: max_retry_delay must not be shorter"},
      {head + "name = \"chat \\\"x\\\"\"\n", "mandate.toml:4:8: name must be 1 to 100 printable ASCII"},
      {"[[webhooks]]\nurl = \"http://chat.example/h\"\nsecret_file = \"wh.secret\"\n",
       "mandate.toml:2:7: url must be https://"},
      {"[[webhooks]]\nurl = \"http://10.0.0.8/h\"\nsecret_file = \"wh.secret\"\n", "mandate.toml:2:7: url must be https://"},
      {"[[webhooks]]\nurl = \"ftp://chat.example/h\"\nsecret_file = \"wh.secret\"\n", "mandate.toml:2:7: url must be"},
      {"[[webhooks]]\nurl = \"chat.example\"\nsecret_file = \"wh.secret\"\n", "mandate.toml:2:7: url must be"},
      {"[[webhooks]]\nurl = \"https://u:p@chat.example/h\"\nsecret_file = \"wh.secret\"\n",
       "mandate.toml:2:7: url must hold no user:password@"},
      {"[[webhooks]]\nurl = \"https://chat.example/h\"\n", "mandate.toml:1:1: [[webhooks]] needs secret_file"},
      {"[[webhooks]]\nsecret_file = \"wh.secret\"\n", "mandate.toml:1:1: [[webhooks]] needs url"},
      {"[[webhooks]]\nurl = \"https://chat.example/h\"\nsecret_file = \"missing.secret\"\n",
       "mandate.toml:3:15: cannot read the secret file"},
      {head + head, "mandate.toml:4:1: a second webhook named https://chat.example"},
      {"webhooks = \"https://chat.example/h\"\n", "mandate.toml:1:12: webhooks must be tables: [[webhooks]]"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string error = error_of(text);
    EXPECT_TRUE(error.starts_with(expected)) << text << "\n  gave: " << error << "\n  want: " << expected;
  }
}

TEST_F(WebhooksConfig, NoWebhooksIsNoneAndBadTomlIsRefused) {
  EXPECT_EQ(parse("[log]\naccess = \"off\"\n").value().size(), 0u);
  EXPECT_TRUE(error_of("[[webhooks]\n").starts_with("mandate.toml:1:")) << error_of("[[webhooks]\n");
}

TEST_F(WebhooksConfig, PlainHttpIsForThisMachineOnly) {
  for (const char* url : {"http://127.0.0.1:9/h", "http://127.1.2.3/h", "http://localhost:8080/h", "http://[::1]:9/h"}) {
    EXPECT_TRUE(parse("[[webhooks]]\nurl = \"" + std::string(url) + "\"\nsecret_file = \"wh.secret\"\n")) << url;
  }
}

TEST_F(WebhooksConfig, ABadSecretFileIsNamedButNeverQuoted) {
  const std::string wrong = "not-a-whsec-secret-but-a-password-123";
  testing::write_file(tmp / "bad.secret", wrong, 0600);
  const std::string error = error_of("[[webhooks]]\nurl = \"https://chat.example/h\"\nsecret_file = \"bad.secret\"\n");
  EXPECT_TRUE(error.starts_with("mandate.toml:3:15: " + (tmp / "bad.secret").string() + ": a webhook secret starts with"))
      << error;
  EXPECT_EQ(error.find(wrong), std::string::npos) << error;
}

TEST(RetrySchedule, FiveTimesLongerEachTimeUpToTheLongest) {
  const RetrySchedule defaults;
  std::vector<std::chrono::milliseconds> delays;
  for (int failed = 1; failed <= 7; ++failed) delays.push_back(retry_delay(defaults, failed));
  using std::chrono::seconds;
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{seconds(5), seconds(25), seconds(125), seconds(625),
                                                            seconds(3125), seconds(3600), seconds(3600)}));
  const RetrySchedule fast{std::chrono::milliseconds(100), std::chrono::seconds(1), 5};
  EXPECT_EQ(retry_delay(fast, 1), std::chrono::milliseconds(100));
  EXPECT_EQ(retry_delay(fast, 2), std::chrono::milliseconds(500));
  EXPECT_EQ(retry_delay(fast, 3), std::chrono::seconds(1));
  EXPECT_EQ(retry_delay(fast, 40), std::chrono::seconds(1)) << "no overflow however many failures";
}

}  // namespace
}  // namespace mandate::notify
