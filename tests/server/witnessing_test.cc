// mandate serve asking real witnesses: three `mandate witness` processes on
// loopback, a C2SP tlog-policy of two of the three, and the server's
// checkpoints cosigned, kept, served and carried by evidence bundles that
// verify under the quorum. Without the quorum (witnesses killed) the server
// says so in /readyz and /metrics, and recovers when they return. A forked
// home (same key, another history) gathers no cosignature, and a bundle
// from it fails under the quorum, even with real cosignatures pasted on.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "raw_http.h"
#include "support/jwt_signer.h"
#include "support/process.h"
#include "support/server_setup.h"

namespace mandate::testing {
namespace {

constexpr const char* kWorkload = "spiffe://example.org/ci/deployer-1";

struct RunningWitness {
  std::filesystem::path dir;
  std::string vkey;
  std::uint16_t port = 0;
  std::unique_ptr<Child> process;
};

std::uint16_t port_of(const std::string& listening_line) {
  const std::string listening = nlohmann::json::parse(listening_line)["listening"];
  return static_cast<std::uint16_t>(std::stoi(listening.substr(listening.rfind(':') + 1)));
}

class Witnessing : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(cli(home, {"init", "--origin", "mandate.test/ledger"}).exit_code, 0);
    for (const char* id : {"admin", "alice", "bob"}) {
      ASSERT_EQ(cli(home, {"actor", "add", "--kind", "human", "--id", id}).exit_code, 0);
    }
    const auto key = run({MANDATE_BINARY, "actor", "keygen", "--out", (tmp / "w.pem").string()});
    ASSERT_EQ(key.exit_code, 0) << key.err;
    write_file(tmp / "w.jwk", nlohmann::json::parse(key.out)["jwk"].dump());
    ASSERT_EQ(cli(home, {"actor", "add", "--kind", "workload", "--id", kWorkload, "--owner", "alice", "--key",
                         "@" + (tmp / "w.jwk").string()})
                  .exit_code,
              0);
    task = request_task(home);
    write_file(tmp / "idp.jwks", idp.jwks());
    const RunResult vk = cli(home, {"ledger", "public-key"});
    ASSERT_EQ(vk.exit_code, 0) << vk.err;
    log_vkey = vk.out.substr(0, vk.out.find_last_not_of('\n') + 1);
    for (int i = 1; i <= 3; ++i) make_witness(i);
    std::string policy = "log " + log_vkey + "\n";
    for (int i = 1; i <= 3; ++i) {
      policy += "witness w" + std::to_string(i) + " " + witnesses[i - 1].vkey + " http://127.0.0.1:" +
                std::to_string(witnesses[i - 1].port) + "\n";
    }
    policy += "group two-of-three 2 w1 w2 w3\nquorum two-of-three\n";
    write_file(tmp / "witnesses.policy", policy);
  }

  void TearDown() override {
    for (auto& server : servers) {
      if (server) server->terminate();
    }
    for (auto& w : witnesses) {
      if (w.process) w.process->terminate();
    }
  }

  RunResult cli(const std::filesystem::path& on, std::vector<std::string> args) const {
    args.insert(args.begin(), {MANDATE_BINARY, "--home", on.string()});
    return run(args);
  }

  std::string request_task(const std::filesystem::path& on) const {
    const RunResult r = cli(on, {"task", "request", "--as", "alice", "--intent", "deploy", "--executor", kWorkload,
                                 "--duration", "30m", "--scope",
                                 R"([{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}])"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string id = nlohmann::json::parse(r.out)["task"];
    EXPECT_EQ(cli(on, {"approve", id, "--as", "bob"}).exit_code, 0);
    return id;
  }

  void make_witness(int i) {
    RunningWitness w;
    w.dir = tmp / ("witness" + std::to_string(i));
    const RunResult init = run({MANDATE_BINARY, "witness", "init", "--dir", w.dir.string(), "--name",
                                "witness.test/w" + std::to_string(i), "--port", "0"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    w.vkey = nlohmann::json::parse(init.out)["cosigner_vkey"];
    const RunResult added = run({MANDATE_BINARY, "witness", "log", "add", "--dir", w.dir.string(), "--origin",
                                 "mandate.test/ledger", "--key", log_vkey});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    witnesses.push_back(std::move(w));
    start_witness(i);
  }

  // Started again after a kill, on the port the policy names.
  void start_witness(int i) {
    RunningWitness& w = witnesses[i - 1];
    if (w.port != 0) {
      const auto config = w.dir / "witness.toml";
      std::string text = read_file(config);
      const auto at = text.find("port = 0");
      ASSERT_NE(at, std::string::npos) << text;
      text.replace(at, 8, "port = " + std::to_string(w.port));
      write_file(config, text);
    }
    w.process = std::make_unique<Child>(std::vector<std::string>{MANDATE_BINARY, "witness", "serve", "--dir", w.dir.string()},
                                        tmp / ("witness" + std::to_string(i) + ".err"));
    const auto line = w.process->read_line(std::chrono::seconds(30));
    ASSERT_TRUE(line) << read_file(tmp / ("witness" + std::to_string(i) + ".err"));
    w.port = port_of(*line);
  }

  void kill_witness(int i) {
    RunningWitness& w = witnesses[i - 1];
    ::kill(w.process->pid(), SIGKILL);
    w.process.reset();
  }

  std::uint16_t start_server(const std::filesystem::path& on, const std::string& name) {
    write_file(tmp / (name + ".toml"),
               "home = \"" + on.string() + "\"\n[listen]\naddress = \"127.0.0.1\"\nport = 0\n"
               "[log]\naccess = \"off\"\n[identity]\naudience = \"" + std::string(kAudience) + "\"\n"
               "[[identity.oidc]]\nissuer = \"" + kIdp + "\"\njwks_file = \"idp.jwks\"\n"
               "[witnesses]\npolicy = \"witnesses.policy\"\ninterval = \"1s\"\ntimeout = \"2s\"\n");
    servers.push_back(std::make_unique<Child>(
        std::vector<std::string>{MANDATE_BINARY, "serve", "--config", (tmp / (name + ".toml")).string()},
        tmp / (name + ".err")));
    const auto line = servers.back()->read_line(std::chrono::seconds(30));
    EXPECT_TRUE(line) << read_file(tmp / (name + ".err"));
    return line ? port_of(*line) : 0;
  }

  static std::string get(std::uint16_t port, const std::string& path, const std::string& token = "") {
    RawConnection c(port);
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    c.send(request + "\r\n");
    return c.read_response().value_or("");
  }

  // Polls until `ok` holds for the answer, for at most 20 seconds.
  template <class Check>
  static std::string wait_for(std::uint16_t port, const std::string& path, Check ok, const std::string& token = "") {
    std::string last;
    for (int i = 0; i < 200; ++i) {
      last = get(port, path, token);
      if (ok(last)) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "gave up waiting on " << path << "; last answer:\n" << last;
    return last;
  }

  std::string human_token(const std::string& who) const {
    return idp.sign({{"iss", kIdp}, {"aud", kAudience}, {"sub", who}});
  }

  // tools/verify-offline.py (Python and the OpenSSL command line, no mandate
  // code) on the same bundle, with every witness's vkey and a quorum.
  RunResult verify_offline(const std::filesystem::path& bundle, int quorum) const {
    write_file(tmp / "log.vkey", log_vkey);
    std::vector<std::string> argv = {"python3", VERIFY_OFFLINE, "evidence", "--vkey", (tmp / "log.vkey").string(),
                                     "--bundle", bundle.string(), "--quorum", std::to_string(quorum)};
    for (std::size_t i = 0; i < witnesses.size(); ++i) {
      const auto file = tmp / ("w" + std::to_string(i + 1) + ".vkey");
      write_file(file, witnesses[i].vkey);
      argv.insert(argv.end(), {"--witness", file.string()});
    }
    return run(argv);
  }

  RunResult verify(const std::filesystem::path& bundle, std::vector<std::string> witness_args) const {
    std::vector<std::string> argv = {MANDATE_BINARY, "evidence", "verify", bundle.string()};
    argv.insert(argv.end(), witness_args.begin(), witness_args.end());
    return run(argv);
  }

  TempDir tmp;
  std::filesystem::path home = tmp / "home";
  JwtSigner idp{.kid = "idp-1"};
  std::string task;
  std::string log_vkey;
  std::vector<RunningWitness> witnesses;
  std::vector<std::unique_ptr<Child>> servers;
};

TEST_F(Witnessing, AQuorumCosignsTheCheckpointAndEvidenceCarriesIt) {
  const std::uint16_t port = start_server(home, "server");
  ASSERT_NE(port, 0);
  wait_for(port, "/metrics", [](const std::string& r) {
    return r.find("mandate_witness_quorum 1") != std::string::npos &&
           r.find("mandate_witnessed_checkpoint_size 0") == std::string::npos;
  });

  // The evidence the server exports carries the witnesses' cosignatures.
  const std::string exported = body_of(get(port, "/v1/evidence/" + task, human_token("alice")));
  write_file(tmp / "bundle.json", exported);
  const std::string note = nlohmann::json::parse(exported)["checkpoint"];
  EXPECT_NE(note.find("witness.test/w1"), std::string::npos) << note;

  const RunResult two = verify(tmp / "bundle.json", {"--witness", witnesses[0].vkey, "--witness", witnesses[1].vkey,
                                                     "--witness", witnesses[2].vkey, "--quorum", "2"});
  ASSERT_EQ(two.exit_code, 0) << two.out << two.err;
  const auto report = nlohmann::json::parse(two.out);
  EXPECT_TRUE(report["summary"]["witnesses"]["quorum_reached"]);
  EXPECT_GE(report["summary"]["witnesses"]["cosigned_by"].size(), 2u);

  const RunResult offline = verify_offline(tmp / "bundle.json", 2);
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  EXPECT_NE(offline.out.find("cosigned by witness.test/w"), std::string::npos) << offline.out;

  const RunResult by_policy = verify(tmp / "bundle.json", {"--policy", (tmp / "witnesses.policy").string()});
  EXPECT_EQ(by_policy.exit_code, 0) << by_policy.out << by_policy.err;
  EXPECT_EQ(nlohmann::json::parse(by_policy.out)["summary"]["signer"], "a log key of the witness policy");

  // A witness the checkpoint never saw does not count.
  const RunResult stranger = run({MANDATE_BINARY, "witness", "init", "--dir", (tmp / "stranger").string(), "--name",
                                  "witness.test/stranger"});
  ASSERT_EQ(stranger.exit_code, 0) << stranger.err;
  const std::string stranger_vkey = nlohmann::json::parse(stranger.out)["cosigner_vkey"];
  const RunResult refused = verify(tmp / "bundle.json", {"--witness", stranger_vkey});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("lacks the witnesses' quorum"), std::string::npos) << refused.out;

  // The witnessed checkpoint, kept outside, checks the whole ledger.
  const RunResult kept = cli(home, {"ledger", "checkpoint", "--witnessed"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  write_file(tmp / "witnessed.note", kept.out);
  const RunResult checked = cli(home, {"ledger", "verify", "--checkpoint", (tmp / "witnessed.note").string(), "--policy",
                                       (tmp / "witnesses.policy").string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  const RunResult unwitnessed = cli(home, {"ledger", "checkpoint"});
  write_file(tmp / "plain.note", unwitnessed.out);
  const RunResult plain = cli(home, {"ledger", "verify", "--checkpoint", (tmp / "plain.note").string(), "--witness",
                                     witnesses[0].vkey});
  EXPECT_EQ(plain.exit_code, 1) << plain.out;

  // The tiles' checkpoint is the cosigned one.
  const std::string tiles = body_of(get(port, "/tlog/checkpoint", human_token("alice")));
  EXPECT_NE(tiles.find("witness.test/w"), std::string::npos) << tiles;
}

TEST_F(Witnessing, WithoutItsQuorumTheServerSaysSoAndRecovers) {
  const std::uint16_t port = start_server(home, "server");
  ASSERT_NE(port, 0);
  wait_for(port, "/metrics", [](const std::string& r) { return r.find("mandate_witness_quorum 1") != std::string::npos; });

  kill_witness(2);
  kill_witness(3);
  request_task(home);  // the ledger grows: the next checkpoint reaches one witness only
  wait_for(port, "/readyz", [](const std::string& r) {
    return status_of(r) == 200 && body_of(r).find("ready, but witness quorum not reached") != std::string::npos;
  });
  const std::string metrics = get(port, "/metrics");
  EXPECT_NE(metrics.find("mandate_witness_quorum 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mandate_witness_failures_total{witness=\"w2\"}"), std::string::npos) << metrics;
  EXPECT_NE(read_file(tmp / "server.err").find("witness_quorum"), std::string::npos);

  start_witness(3);
  wait_for(port, "/readyz", [](const std::string& r) { return body_of(r) == "ready\n"; });
  EXPECT_NE(get(port, "/metrics").find("mandate_witness_quorum 1"), std::string::npos);
}

TEST_F(Witnessing, AForkedHistoryGathersNoCosignatureAndItsEvidenceFails) {
  // The operator copies the home (same key, same origin) before its history
  // goes on, then lets the copy tell another story.
  std::filesystem::copy(home, tmp / "fork", std::filesystem::copy_options::recursive);
  const std::uint16_t port = start_server(home, "server");
  ASSERT_NE(port, 0);
  request_task(home);
  // The witnesses have cosigned the genuine history past the point where
  // the copy was taken, so the fork cannot simply be the first they see.
  const RunResult info = cli(home, {"ledger", "info"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const std::string size = std::to_string(nlohmann::json::parse(info.out)["size"].get<std::uint64_t>());
  wait_for(port, "/metrics", [&size](const std::string& r) {
    return r.find("mandate_witnessed_checkpoint_size " + size + "\n") != std::string::npos;
  });
  const std::string genuine = body_of(get(port, "/v1/evidence/" + task, human_token("alice")));

  const std::string forked_task = request_task(tmp / "fork");
  request_task(tmp / "fork");  // longer than the genuine history, so it is not just behind
  const std::uint16_t fork_port = start_server(tmp / "fork", "fork");
  ASSERT_NE(fork_port, 0);
  wait_for(fork_port, "/readyz", [](const std::string& r) {
    return body_of(r).find("witness quorum not reached") != std::string::npos;
  });
  EXPECT_NE(get(fork_port, "/metrics").find("mandate_witnessed_checkpoint_size 0"), std::string::npos);
  // The witnesses kept the fork's signed checkpoint as evidence against the log.
  const RunResult refusals = run({MANDATE_BINARY, "witness", "refusals", "--dir", witnesses[0].dir.string()});
  ASSERT_EQ(refusals.exit_code, 0) << refusals.err;
  EXPECT_NE(refusals.out.find("mandate.test/ledger"), std::string::npos) << refusals.out;

  // Its evidence is signed by the operator's key, and nothing more.
  const RunResult exported = cli(tmp / "fork", {"evidence", "export", forked_task});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  write_file(tmp / "fork.json", exported.out);
  EXPECT_EQ(verify(tmp / "fork.json", {}).exit_code, 0);  // the operator's signature alone passes...
  const std::vector<std::string> quorum = {"--policy", (tmp / "witnesses.policy").string()};
  const RunResult fails = verify(tmp / "fork.json", quorum);
  EXPECT_EQ(fails.exit_code, 1) << fails.out;  // ...not the witnesses' quorum
  EXPECT_NE(fails.out.find("lacks the witnesses' quorum"), std::string::npos) << fails.out;
  const RunResult fails_offline = verify_offline(tmp / "fork.json", 2);
  EXPECT_EQ(fails_offline.exit_code, 1) << fails_offline.out << fails_offline.err;
  EXPECT_NE(fails_offline.err.find("fewer than the quorum of 2"), std::string::npos) << fails_offline.err;

  // Real cosignatures of the genuine log pasted onto the fork's checkpoint.
  auto bundle = nlohmann::json::parse(exported.out);
  const std::string genuine_note = nlohmann::json::parse(genuine)["checkpoint"];
  const std::string cosignature_lines = genuine_note.substr(genuine_note.find("\n\xe2\x80\x94 witness.test/"));
  bundle["checkpoint"] = bundle["checkpoint"].get<std::string>() + cosignature_lines.substr(1);
  write_file(tmp / "pasted.json", bundle.dump());
  const RunResult pasted = verify(tmp / "pasted.json", quorum);
  EXPECT_EQ(pasted.exit_code, 1) << pasted.out;
  EXPECT_NE(pasted.out.find("does not verify"), std::string::npos) << pasted.out;
  const RunResult pasted_offline = verify_offline(tmp / "pasted.json", 2);
  EXPECT_EQ(pasted_offline.exit_code, 1) << pasted_offline.out;
  EXPECT_NE(pasted_offline.err.find("does not verify"), std::string::npos) << pasted_offline.err;
}

}  // namespace
}  // namespace mandate::testing
