// Webhooks end to end: the real `mandate serve` and CLI on a fresh home, and
// a webhook receiver (tests/notify/receiver.mjs, node) on a free loopback
// port that checks every delivery's signature with the Standard Webhooks
// reference library (npm `standardwebhooks`) and reports it line by line.
// Steps are taken over the HTTP API (the CLI with --server and ID tokens)
// and on the home directly (the CLI), and each must reach the receiver
// once, signed, as the CloudEvent it stands for.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "server/raw_http.h"
#include "support/process.h"
#include "support/server_setup.h"

namespace mandate::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kScope = R"([{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}])";

struct Delivery {
  json line;   // what the receiver reported: webhook_id, verified, status, ...
  json event;  // the body, parsed: the CloudEvent
};

class WebhooksEndToEnd : public ::testing::Test, protected ServerCallers {
 protected:
  void SetUp() override {
    ASSERT_EQ(cli({"init", "--origin", kOrigin}).exit_code, 0);
    const auto key = cli({"actor", "keygen", "--out", (tmp / "deployer.pem").string()});
    ASSERT_EQ(key.exit_code, 0) << key.err;
    write_file(tmp / "deployer.jwk", json::parse(key.out)["jwk"].dump());
    write_file(tmp / "rules.toml", "[[rule]]\nid = \"prod\"\ndetail_types = [\"deploy\"]\napprovals = 1\n"
                                   "approver_groups = [\"sre\"]\nmax_task_duration = \"1h\"\nbreak_glass = true\n");
    const std::vector<std::vector<std::string>> steps = {
        {"actor", "add", "--kind", "human", "--id", "alice", "--groups", "dev"},
        {"actor", "add", "--kind", "human", "--id", "bob", "--groups", "sre"},
        {"actor", "add", "--kind", "human", "--id", "carol", "--groups", "sre"},
        {"actor", "add", "--kind", "workload", "--id", kDeployer, "--owner", "alice", "--key", "@" + (tmp / "deployer.jwk").string()},
        {"rules", "load", (tmp / "rules.toml").string()}};
    for (const auto& step : steps) {
      const auto r = cli(step);
      ASSERT_EQ(r.exit_code, 0) << step[0] << " " << step[1] << ": " << r.err;
    }
    write_jwks(tmp.path());
    write_file(tmp / "wh.secret", secret + "\n", 0600);
  }

  // SIGTERM: a clean stop (exit 0), which saves the notifier's state.
  void stop_server() {
    if (!server) return;
    EXPECT_EQ(server->terminate(), 0) << server_errors();
    server.reset();
  }
  void TearDown() override { stop_server(); }

  // The CLI on the home (as its operator), or against the server as `who`
  // (an ID token from the test's identity provider). `timeout` ends it
  // (exit 124) if it hangs.
  RunResult cli(const std::vector<std::string>& args) const { return mandate({"--home", home}, args); }
  RunResult remote(const std::string& who, const std::vector<std::string>& args) const {
    return mandate({"--server", "http://127.0.0.1:" + std::to_string(port), "--token", human(who)}, args);
  }
  static RunResult mandate(const std::vector<std::string>& global, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"timeout", "30", MANDATE_BINARY};
    argv.insert(argv.end(), global.begin(), global.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  std::string request_task(const std::string& intent, const std::string& ref) const {
    const auto r = remote("alice", {"task", "request", "--intent", intent, "--ref", ref, "--executor", kDeployer,
                                    "--scope", kScope, "--duration", "30m"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out)["task"].get<std::string>() : "";
  }

  void start_receiver(std::vector<std::string> options = {}) {
    std::vector<std::string> argv{MANDATE_NODE, MANDATE_RECEIVER, (tmp / "wh.secret").string()};
    argv.insert(argv.end(), options.begin(), options.end());
    receiver = std::make_unique<Child>(argv, tmp / "receiver.err");
    const auto line = receiver->read_line(30s);
    ASSERT_TRUE(line) << "the receiver did not start: " << read_file(tmp / "receiver.err");
    receiver_port = json::parse(*line)["port"];
  }
  std::string receiver_url() const { return "http://127.0.0.1:" + std::to_string(receiver_port) + "/hooks/mandate"; }

  void start_server(const std::string& webhooks) {
    write_file(tmp / "mandate.toml",
               server_config_text(home, "[listen]\naddress = \"127.0.0.1\"\nport = 0\n"
                                        "[console]\nchange_url_template = \"https://tickets.test/browse/{reference}\"\n" +
                                            webhooks));
    server = std::make_unique<Child>(
        std::vector<std::string>{MANDATE_BINARY, "serve", "--config", (tmp / "mandate.toml").string()}, tmp / "server.err");
    const auto line = server->read_line(30s);
    ASSERT_TRUE(line) << server_errors();
    const std::string listening = json::parse(*line)["listening"];
    port = static_cast<std::uint16_t>(std::stoi(listening.substr(listening.rfind(':') + 1)));
  }
  static std::string webhook(const std::string& url, const std::string& extra = "") {
    return "[[webhooks]]\nurl = \"" + url + "\"\nsecret_file = \"wh.secret\"\nfirst_retry = \"1s\"\nmax_retry_delay = \"2s\"\n" +
           extra;
  }
  std::string server_errors() const { return read_file(tmp / "server.err"); }

  // Deliveries the receiver reports until `done` holds for all of them so
  // far, or `timeout` passes.
  std::vector<Delivery> deliveries_until(const std::function<bool(const std::vector<Delivery>&)>& done,
                                         std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received) && std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const auto line = receiver->read_line(std::max(left, 1ms));
      if (!line) break;
      const json parsed = json::parse(*line);
      received.push_back({parsed, json::parse(parsed["body"].get<std::string>(), nullptr, false)});
    }
    return received;
  }
  // Deliveries answered 2xx, by event type.
  static std::multimap<std::string, json> delivered(const std::vector<Delivery>& all) {
    std::multimap<std::string, json> out;
    for (const Delivery& d : all) {
      if (d.line["status"] == 200) out.emplace(d.event["type"].get<std::string>(), d.event);
    }
    return out;
  }
  static std::function<bool(const std::vector<Delivery>&)> delivered_at_least(std::size_t n) {
    return [n](const std::vector<Delivery>& all) { return delivered(all).size() >= n; };
  }
  std::string metrics() const {
    RawConnection c(port);
    c.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
    return body_of(c.read_response(20s).value_or(""));
  }

  TempDir tmp;
  std::string home = (tmp / "home").string();
  std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwE2eE2eE2eE2e";
  std::unique_ptr<Child> receiver;
  std::uint16_t receiver_port = 0;
  std::unique_ptr<Child> server;
  std::uint16_t port = 0;
  std::vector<Delivery> received;
};

// Requested, approved (answered 500 the first time: the retry brings it),
// requested and denied, break-glass with its mandate, a mandate issued on
// the home by the CLI: each event arrives once answered 2xx, signed, typed
// and carrying its data, and no token is in any of them.
TEST_F(WebhooksEndToEnd, EachStepArrivesOnceSignedAsItsCloudEvent) {
  start_receiver({"--fail-first", "dev.mandate.task.approved"});
  start_server(webhook(receiver_url()));
  const std::string a = request_task("Deploy payments v2.3.1", "CHG-1042");
  ASSERT_EQ(remote("bob", {"approve", a, "--comment", "go"}).exit_code, 0);
  const std::string b = request_task("Migrate the ledger", "CHG-1043");
  ASSERT_EQ(remote("carol", {"deny", b, "--reason", "change freeze"}).exit_code, 0);
  const auto glass = remote("alice", {"task", "break-glass", "--intent", "Roll back payments", "--executor", kDeployer,
                                      "--scope", kScope, "--duration", "15m", "--reason", "payments down"});
  ASSERT_EQ(glass.exit_code, 0) << glass.err;
  const std::string g = json::parse(glass.out)["task"];
  const std::string glass_token = json::parse(glass.out)["token"];
  const auto issued = cli({"token", "issue", a});  // on the home, not through the server
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string token = json::parse(issued.out)["token"];

  auto all = deliveries_until(delivered_at_least(7));
  std::this_thread::sleep_for(2500ms);  // longer than the retry delay: a second copy would show
  all = deliveries_until([](const auto&) { return false; }, 500ms);
  const auto by_type = delivered(all);
  ASSERT_EQ(by_type.size(), 7u) << server_errors();

  std::map<std::string, int> answered_ok;
  for (const Delivery& d : all) {
    EXPECT_TRUE(d.line["verified"].get<bool>()) << d.line.dump();
    EXPECT_EQ(d.line["path"], "/hooks/mandate");
    EXPECT_EQ(d.line["content_type"], "application/cloudevents+json; charset=utf-8");
    EXPECT_EQ(d.line["body"].get<std::string>().find(token), std::string::npos) << "a mandate token in a payload";
    EXPECT_EQ(d.line["body"].get<std::string>().find(glass_token), std::string::npos) << "a mandate token in a payload";
    EXPECT_EQ(d.event["specversion"], "1.0");
    EXPECT_EQ(d.event["source"], "http://127.0.0.1:" + std::to_string(port));
    if (d.line["status"] == 200) ++answered_ok[d.line["webhook_id"]];
  }
  for (const auto& [id, n] : answered_ok) EXPECT_EQ(n, 1) << id << " delivered " << n << " times";

  const auto one = [&](const std::string& type, const std::string& subject) {
    for (auto [it, end] = by_type.equal_range("dev.mandate." + type); it != end; ++it) {
      if (it->second["subject"] == subject) return it->second["data"];
    }
    ADD_FAILURE() << "no " << type << " event for " << subject;
    return json::object();
  };
  const json requested = one("task.requested", a);
  EXPECT_EQ(requested["intent"], "Deploy payments v2.3.1");
  EXPECT_EQ(requested["change_ref"], "CHG-1042");
  EXPECT_EQ(requested["change_url"], "https://tickets.test/browse/CHG-1042");
  EXPECT_EQ(requested["initiator"], "alice");
  EXPECT_EQ(requested["executor"], kDeployer);
  EXPECT_EQ(requested["console_url"], "http://127.0.0.1:" + std::to_string(port) + "/console/#/tasks/" + a);
  const json approved = one("task.approved", a);
  EXPECT_EQ(approved["approver"], "bob");
  EXPECT_EQ(approved["decision"], "approve");
  EXPECT_EQ(one("task.requested", b)["intent"], "Migrate the ledger");
  const json denied = one("task.denied", b);
  EXPECT_EQ(denied["approver"], "carol");
  EXPECT_EQ(denied["decision"], "deny");
  EXPECT_EQ(denied["comment"], "change freeze");
  EXPECT_EQ(one("break_glass", g)["reason"], "payments down");
  EXPECT_EQ(one("mandate.issued", g)["break_glass"], true);
  EXPECT_EQ(one("mandate.issued", a)["break_glass"], false);

  // The approval was answered 500 first; the retry carried the same id and body.
  std::vector<const Delivery*> approvals;
  for (const Delivery& d : all) {
    if (d.event["type"] == "dev.mandate.task.approved") approvals.push_back(&d);
  }
  ASSERT_EQ(approvals.size(), 2u);
  EXPECT_EQ(approvals[0]->line["status"], 500);
  EXPECT_EQ(approvals[1]->line["status"], 200);
  EXPECT_EQ(approvals[0]->line["webhook_id"], approvals[1]->line["webhook_id"]);
  EXPECT_EQ(approvals[0]->line["body"], approvals[1]->line["body"]);

  const std::string name = "http://127.0.0.1:" + std::to_string(receiver_port);
  const std::string exposition = metrics();
  EXPECT_NE(exposition.find("mandate_webhook_deliveries_total{endpoint=\"" + name + "\",outcome=\"delivered\"} 7\n"),
            std::string::npos) << exposition;
  EXPECT_NE(exposition.find("mandate_webhook_deliveries_total{endpoint=\"" + name + "\",outcome=\"retrying\"} 1\n"),
            std::string::npos) << exposition;
  const std::string log = server_errors();
  EXPECT_NE(log.find("\"outcome\":\"retrying\""), std::string::npos) << log;
  EXPECT_EQ(log.find(secret.substr(6)), std::string::npos) << "the secret in the log";
  EXPECT_EQ(log.find("/hooks/mandate"), std::string::npos) << "the endpoint's path in the log";
}

// A delivery held unanswered by the receiver, and a second endpoint that
// refuses connections, do not hold up requests: a request returns while an
// earlier step's delivery is still unanswered.
TEST_F(WebhooksEndToEnd, ARequestNeverWaitsForAWebhook) {
  // A port nothing listens on: bound, then closed.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int down_port = ntohs(address.sin_port);
  ::close(fd);

  start_receiver({"--hold"});
  start_server(webhook(receiver_url(), "timeout = \"60s\"\n") +
               webhook("http://127.0.0.1:" + std::to_string(down_port) + "/down", "name = \"down\"\n"));
  const std::string first = request_task("First", "CHG-1");
  auto all = deliveries_until([](const auto& d) { return !d.empty(); });
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].line["held"].get<bool>());
  EXPECT_EQ(all[0].event["subject"], first);

  // The first delivery is unanswered (held until SIGUSR2): the next
  // request must return all the same (timeout would end it with 124).
  const auto second = remote("alice", {"task", "request", "--intent", "Second", "--executor", kDeployer, "--scope",
                                       kScope, "--duration", "30m"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(deliveries_until([](const auto&) { return false; }, 500ms).size(), 1u) << "still the first, still held";

  ASSERT_EQ(::kill(receiver->pid(), SIGUSR2), 0);
  all = deliveries_until([](const auto& d) { return d.size() >= 2; });
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].event["subject"], json::parse(second.out)["task"]);
  for (int i = 0; i < 100 && metrics().find("{endpoint=\"down\",outcome=\"retrying\"} 0\n") != std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  const std::string exposition = metrics();
  EXPECT_EQ(exposition.find("{endpoint=\"down\",outcome=\"retrying\"} 0\n"), std::string::npos) << exposition;
  EXPECT_NE(exposition.find("{endpoint=\"down\",outcome=\"delivered\"} 0\n"), std::string::npos) << exposition;
}

// Stopped (SIGTERM) and started again, the server announces what the CLI
// did on the home meanwhile, and nothing it had announced before.
TEST_F(WebhooksEndToEnd, ARestartNeitherResendsNorSkips) {
  start_receiver();
  start_server(webhook(receiver_url()));
  const std::string before = request_task("Before the restart", "CHG-1");
  ASSERT_EQ(deliveries_until(delivered_at_least(1)).size(), 1u);
  stop_server();
  const auto during = cli({"task", "request", "--as", "alice", "--intent", "While stopped", "--executor", kDeployer,
                           "--scope", kScope, "--duration", "30m"});
  ASSERT_EQ(during.exit_code, 0) << during.err;
  start_server(webhook(receiver_url()));
  deliveries_until(delivered_at_least(2));
  const auto all = deliveries_until([](const auto&) { return false; }, 1500ms);
  ASSERT_EQ(all.size(), 2u) << server_errors();
  EXPECT_EQ(all[0].event["subject"], before);
  EXPECT_EQ(all[1].event["subject"], json::parse(during.out)["task"]);
  EXPECT_TRUE(all[1].line["verified"].get<bool>());
}

// The config reader refuses a webhook that would leak intent over plain
// http, naming the place, before anything listens.
TEST_F(WebhooksEndToEnd, AnInsecureWebhookStopsTheServerBeforeItListens) {
  write_file(tmp / "mandate.toml", "home = \"" + home + "\"\n" + webhook("http://chat.example/hooks"));
  const auto r = run({MANDATE_BINARY, "serve", "--config", (tmp / "mandate.toml").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((tmp / "mandate.toml").string() + ":3:7: url must be https://"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  write_file(tmp / "mandate.toml", "home = \"" + home + "\"\n[console]\nchange_url_template = \"https://t.example/x\"\n");
  const auto console = run({MANDATE_BINARY, "serve", "--config", (tmp / "mandate.toml").string()});
  EXPECT_EQ(console.exit_code, 2);
  EXPECT_NE(console.err.find("mandate.toml:3:23: change_url_template must be an http(s) URL holding {reference}"),
            std::string::npos)
      << console.err;
}

}  // namespace
}  // namespace mandate::testing
