// `mandate witness` as an audit team runs it: init, log add, serve on a free
// loopback port, driven over HTTP by a real mandate ledger's checkpoints.
// The cosignatures are verified against the vkey `init` printed; the witness
// is killed with SIGKILL and restarted and must still refuse what it refused;
// malformed requests get the spec's 4xx and change nothing; and Go's
// golang.org/x/mod/sumdb/note checks the monitoring checkpoint.
#include <signal.h>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "ledger/note.h"
#include "server/raw_http.h"
#include "support/process.h"
#include "witness/cosignature.h"
#include "witness/witness_fixture.h"

namespace mandate::witness {
namespace {

using mandate::testing::RawConnection;
using mandate::testing::TempDir;
using testing::TestLog;

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: witness\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}
std::string get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: witness\r\n\r\n"; }

struct Answer {
  int status = 0;
  std::string body;
  std::string content_type;
};

class WitnessProcessTest : public ::testing::Test {
 protected:
  WitnessProcessTest() : log_key_(crypto::Ed25519PrivateKey::generate()), log_(tmp_ / "log.db", log_key_) {}

  void SetUp() override {
    const auto init = mandate::testing::run({MANDATE_BINARY, "witness", "init", "--dir", dir().string(), "--name",
                                             "witness.example/e2e", "--port", "0"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const auto printed = nlohmann::json::parse(init.out);
    vkey_ = printed.at("cosigner_vkey").get<std::string>();
    auto cosigner = Cosigner::parse(vkey_);
    ASSERT_TRUE(cosigner) << cosigner.error();
    cosigner_ = *cosigner;
    const auto added = mandate::testing::run({MANDATE_BINARY, "witness", "log", "add", "--dir", dir().string(), "--origin",
                                              log_.origin(), "--key", log_.verifier().to_string()});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    start();
  }

  std::filesystem::path dir() const { return tmp_ / "witness"; }
  void start() {
    child_.reset();
    child_ = std::make_unique<mandate::testing::Child>(
        std::vector<std::string>{MANDATE_BINARY, "witness", "serve", "--dir", dir().string()}, tmp_ / "serve.err");
    const auto line = child_->read_line(std::chrono::seconds(60));
    ASSERT_TRUE(line) << mandate::testing::read_file(tmp_ / "serve.err");
    const std::string listening = nlohmann::json::parse(*line).at("listening").get<std::string>();
    port_ = static_cast<std::uint16_t>(std::stoi(listening.substr(listening.rfind(':') + 1)));
    connection_ = std::make_unique<RawConnection>(port_);
  }
  void kill_hard() {
    connection_.reset();
    ASSERT_EQ(::kill(child_->pid(), SIGKILL), 0);
    EXPECT_EQ(child_->terminate(), 128 + SIGKILL);
  }

  // One exchange on the kept-alive connection.
  Answer exchange(const std::string& request) {
    EXPECT_TRUE(connection_->send(request));
    const auto response = connection_->read_response();
    if (!response) return {};
    return {mandate::testing::status_of(*response), mandate::testing::body_of(*response),
            mandate::testing::header_of(*response, "content-type").value_or("")};
  }
  Answer add_checkpoint(const std::string& body) { return exchange(post("/add-checkpoint", body)); }
  std::string origin_hash() const { return encoding::hex_encode(crypto::Sha256().update(log_.origin()).finish()); }

  // The cosignature in a 200 answer verifies, against the vkey init printed.
  void expect_cosigned(const Answer& answer, const std::string& checkpoint) {
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto note = *ledger::parse_signed_note(checkpoint);
    auto lines = ledger::parse_signed_note(note.text + "\n" + answer.body);
    ASSERT_TRUE(lines) << lines.error();
    ASSERT_EQ(lines->signatures.size(), 1u);
    auto timestamp = cosigner_.verify(note.text, lines->signatures[0]);
    ASSERT_TRUE(timestamp) << timestamp.error();
    EXPECT_GT(*timestamp, 0u);
  }
  nlohmann::json cli(std::vector<std::string> args) {
    args.insert(args.begin(), {MANDATE_BINARY, "witness"});
    args.insert(args.end(), {"--dir", dir().string()});
    const auto r = mandate::testing::run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out.empty() ? "null" : r.out);
  }

  TempDir tmp_;
  crypto::Ed25519PrivateKey log_key_;
  TestLog log_;
  std::string vkey_;
  Cosigner cosigner_;
  std::unique_ptr<mandate::testing::Child> child_;
  std::uint16_t port_ = 0;
  std::unique_ptr<RawConnection> connection_;
};

TEST_F(WitnessProcessTest, InitMakesAPrivateKeyAndRefusesToOverwrite) {
  struct stat st{};
  ASSERT_EQ(::stat((dir() / "witness-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const auto again = mandate::testing::run({MANDATE_BINARY, "witness", "init", "--dir", dir().string(), "--name", "x"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);
  const auto key = mandate::testing::run({MANDATE_BINARY, "witness", "public-key", "--dir", dir().string()});
  EXPECT_EQ(key.out, vkey_ + "\n");
  EXPECT_EQ(key.err.find("PRIVATE"), std::string::npos);
}

TEST_F(WitnessProcessTest, CosignsGrowthAndAnswersConflictsOverHttp) {
  log_.grow_to(3);
  std::string checkpoint = log_.checkpoint();
  expect_cosigned(add_checkpoint(log_.request_from(0)), checkpoint);
  log_.grow_to(11);
  checkpoint = log_.checkpoint();
  expect_cosigned(add_checkpoint(log_.request_from(3)), checkpoint);

  // A log that does not know the witness's size asks with 0 and retries.
  log_.grow_to(20);
  const Answer conflict = add_checkpoint(log_.request_from(0));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.content_type, "text/x.tlog.size");
  EXPECT_EQ(conflict.body, "11\n");
  expect_cosigned(add_checkpoint(log_.request_from(std::stoull(conflict.body))), log_.checkpoint());

  // The monitoring endpoint serves it with both signatures.
  const Answer monitored = exchange(get("/" + origin_hash() + "/checkpoint"));
  ASSERT_EQ(monitored.status, 200);
  const std::vector<ledger::NoteVerifier> trusted{log_.verifier()};
  auto opened = ledger::open_checkpoint(monitored.body, log_.origin(), trusted);
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ(opened->size, 20u);
  EXPECT_TRUE(cosigner_.verify(ledger::parse_signed_note(monitored.body)->text,
                               ledger::parse_signed_note(monitored.body)->signatures.back()));
  EXPECT_EQ(exchange(get("/" + std::string(64, '0') + "/checkpoint")).status, 404);

  const auto logs = cli({"log", "list"});
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0]["latest"]["size"], 20);
}

// Issue 18 part 5: the state survives SIGKILL right after a cosignature.
TEST_F(WitnessProcessTest, KilledAndRestartedItKeepsRefusing) {
  log_.grow_to(8);
  expect_cosigned(add_checkpoint(log_.request_from(0)), log_.checkpoint());
  TestLog fork(tmp_ / "fork.db", log_key_, "forged");
  fork.grow_to(8);
  const std::string rolled_back = log_.request(0, 5);  // an older checkpoint of the real log
  EXPECT_EQ(add_checkpoint(fork.request_from(8)).status, 422);
  EXPECT_EQ(add_checkpoint(rolled_back).status, 409);
  EXPECT_EQ(add_checkpoint(log_.request(8, 5)).status, 400);  // old size 8 > 5
  kill_hard();

  start();
  EXPECT_EQ(add_checkpoint(fork.request_from(8)).status, 422);
  EXPECT_EQ(add_checkpoint(fork.request_from(0)).status, 409);
  EXPECT_EQ(add_checkpoint(rolled_back).status, 409);
  fork.grow_to(12);
  EXPECT_EQ(add_checkpoint(fork.request_from(8)).status, 422);
  // What it cosigned before the kill is what it builds on.
  log_.grow_to(12);
  expect_cosigned(add_checkpoint(log_.request_from(8)), log_.checkpoint());
  kill_hard();

  start();
  EXPECT_EQ(add_checkpoint(fork.request_from(12)).status, 422);  // same size, other root
  const auto monitored = exchange(get("/" + origin_hash() + "/checkpoint"));
  EXPECT_NE(monitored.body.find(encoding::base64_encode(log_.root(12))), std::string::npos);

  const auto refusals = cli({"refusals"});
  // 422 and 400 before the kill; 422, 409 (the fork at the cosigned size),
  // 422 after; 422 after the second: the plain 409s of a stale log are not kept.
  ASSERT_EQ(refusals.size(), 6u);
  EXPECT_EQ(refusals[5]["status"], 422);
  EXPECT_EQ(refusals[4]["status"], 400);
  EXPECT_EQ(refusals[2]["status"], 409);
  for (const auto& r : refusals) {
    EXPECT_EQ(r["origin"], log_.origin());
    EXPECT_NE(r["checkpoint"].get<std::string>().find("\xe2\x80\x94 " + log_.origin()), std::string::npos);
  }
}

TEST_F(WitnessProcessTest, MalformedRequestsGetAClearRefusalAndChangeNothing) {
  log_.grow_to(4);
  expect_cosigned(add_checkpoint(log_.request_from(0)), log_.checkpoint());
  log_.grow_to(9);
  const std::string checkpoint = log_.checkpoint();
  const std::string line = "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
  std::string sixty_four = "old 4\n";
  for (int i = 0; i < 64; ++i) sixty_four += line;

  Answer a = add_checkpoint("old 4\n%%%notbase64\n\n" + checkpoint);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("line 2"), std::string::npos) << a.body;
  a = add_checkpoint(sixty_four + "\n" + checkpoint);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("more than 63"), std::string::npos) << a.body;
  a = add_checkpoint("old 4\n" + checkpoint);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("empty line"), std::string::npos) << a.body;
  a = exchange(get("/add-checkpoint"));
  EXPECT_EQ(a.status, 405);
  a = exchange(post("/" + origin_hash() + "/checkpoint", ""));
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(exchange(get("/nothing-here")).status, 404);
  // A body over 64 KiB is refused before it is read whole (and the connection closed).
  a = add_checkpoint("old 4\n" + std::string(100 * 1024, 'A') + "\n\n" + checkpoint);
  EXPECT_EQ(a.status, 413);

  connection_ = std::make_unique<RawConnection>(port_);
  const auto logs = cli({"log", "list"});
  EXPECT_EQ(logs[0]["latest"]["size"], 4);
  EXPECT_TRUE(cli({"refusals"}).empty());
  // And the real next checkpoint is still welcome.
  expect_cosigned(add_checkpoint(log_.request_from(4)), checkpoint);
}

TEST_F(WitnessProcessTest, ConfigMistakesStopServeWithTheirPlace) {
  child_.reset();
  std::ofstream(dir() / "witness.toml", std::ios::app) << "\n[listen]\nadress = \"0.0.0.0\"\n";
  const auto r = mandate::testing::run({MANDATE_BINARY, "witness", "serve", "--dir", dir().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("witness.toml:"), std::string::npos) << r.err;
}

#ifdef MANDATE_GO
// Interop: Go's golang.org/x/mod/sumdb/note opens the monitoring checkpoint
// with the log's vkey, and the cosignature checks by the spec's text in Go.
TEST_F(WitnessProcessTest, GoVerifiesTheMonitoringCheckpoint) {
  log_.grow_to(6);
  expect_cosigned(add_checkpoint(log_.request_from(0)), log_.checkpoint());
  const Answer monitored = exchange(get("/" + origin_hash() + "/checkpoint"));
  ASSERT_EQ(monitored.status, 200);
  mandate::testing::write_file(tmp_ / "checkpoint", monitored.body);
  const auto go = mandate::testing::run({"/usr/bin/env", "GO111MODULE=off", "GOPATH=/usr/share/gocode",
                                         "GOCACHE=" + (tmp_ / "gocache").string(), MANDATE_GO, "run", MANDATE_GO_VERIFIER,
                                         log_.verifier().to_string(), vkey_, (tmp_ / "checkpoint").string()});
  ASSERT_EQ(go.exit_code, 0) << go.out << go.err;
  EXPECT_NE(go.out.find("ok log=" + log_.origin() + " witness=witness.example/e2e"), std::string::npos);
  // And it fails when the cosignature is touched.
  std::string damaged = monitored.body;
  const auto last = damaged.rfind(' ');
  damaged[last + 20] = damaged[last + 20] == 'A' ? 'B' : 'A';
  mandate::testing::write_file(tmp_ / "checkpoint", damaged);
  const auto refused = mandate::testing::run({"/usr/bin/env", "GO111MODULE=off", "GOPATH=/usr/share/gocode",
                                              "GOCACHE=" + (tmp_ / "gocache").string(), MANDATE_GO, "run",
                                              MANDATE_GO_VERIFIER, log_.verifier().to_string(), vkey_,
                                              (tmp_ / "checkpoint").string()});
  EXPECT_NE(refused.exit_code, 0);
}
#endif

}  // namespace
}  // namespace mandate::witness
