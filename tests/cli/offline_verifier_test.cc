// The evidence mandate prints verifies with an independent implementation:
// tools/verify-offline.py (Python's hashlib + the OpenSSL command line).
#include "cli/cli_fixture.h"
#include "encoding/base64.h"
#include "encoding/hex.h"

namespace mandate::testing {
namespace {

const std::string kTool = std::string(MANDATE_SOURCE_DIR) + "/tools/verify-offline.py";

// A failed check is exit 1 with "FAILED: <why>" on stderr and nothing else: an
// uncaught exception also exits 1 (with a traceback), and must not pass.
void expect_check_failed(const RunResult& r, const std::string& why) {
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.err, "FAILED: " + why + "\n") << r.out;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTest, OfflineVerifierAcceptsMandatesCheckpointsAndProofs) {
  init();
  append_n(3);
  write_file(tmp / "old.cp", mandate({"ledger", "checkpoint"}).out);
  append_n(10);
  write_file(tmp / "new.cp", mandate({"ledger", "checkpoint"}).out);
  write_file(tmp / "vkey", mandate({"ledger", "public-key"}).out);
  const std::string vkey = (tmp / "vkey").string();

  RunResult r = run({"python3", kTool, "checkpoint", "--vkey", vkey, "--checkpoint", (tmp / "new.cp").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;

  for (int index = 0; index < 13; ++index) {
    write_file(tmp / "entry", read_entry_body(index));
    write_file(tmp / "proof.json", mandate({"ledger", "proof", "inclusion", std::to_string(index), "--json"}).out);
    r = run({"python3", kTool, "inclusion", "--vkey", vkey, "--checkpoint", (tmp / "new.cp").string(), "--entry",
             (tmp / "entry").string(), "--proof", (tmp / "proof.json").string()});
    EXPECT_EQ(r.exit_code, 0) << "entry " << index << ": " << r.err;
    // One changed byte of the entry must fail.
    std::string changed = read_entry_body(index);
    changed[changed.size() / 2] ^= 1;
    write_file(tmp / "entry", changed);
    r = run({"python3", kTool, "inclusion", "--vkey", vkey, "--checkpoint", (tmp / "new.cp").string(), "--entry",
             (tmp / "entry").string(), "--proof", (tmp / "proof.json").string()});
    SCOPED_TRACE("entry " + std::to_string(index) + " changed");
    expect_check_failed(r, "entry " + std::to_string(index) + " is not included in the checkpoint's tree");
  }

  const std::string consistency = mandate({"ledger", "proof", "consistency", "3", "13", "--json"}).out;
  write_file(tmp / "c.json", consistency);
  r = run({"python3", kTool, "consistency", "--vkey", vkey, "--old", (tmp / "old.cp").string(), "--checkpoint",
           (tmp / "new.cp").string(), "--proof", (tmp / "c.json").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // One hash of the consistency proof changed (still base64 of 32 bytes).
  auto changed = nlohmann::json::parse(consistency);
  std::string& hash = changed["proof"][0].get_ref<std::string&>();
  hash[0] = hash[0] == 'A' ? 'B' : 'A';
  write_file(tmp / "c.json", changed.dump());
  r = run({"python3", kTool, "consistency", "--vkey", vkey, "--old", (tmp / "old.cp").string(), "--checkpoint",
           (tmp / "new.cp").string(), "--proof", (tmp / "c.json").string()});
  expect_check_failed(r, "the newer checkpoint does not extend the older one");

  // The checkpoint's text changed under its signature (the tree size).
  std::string forged = read_file(tmp / "new.cp");
  const auto size_line = forged.find("\n13\n");
  ASSERT_NE(size_line, std::string::npos) << forged;
  forged.replace(size_line, 4, "\n12\n");
  write_file(tmp / "forged.cp", forged);
  r = run({"python3", kTool, "checkpoint", "--vkey", vkey, "--checkpoint", (tmp / "forged.cp").string()});
  expect_check_failed(r, "checkpoint signature does not verify");
}

TEST_F(CliTest, OfflineVerifierRejectsACheckpointFromAnotherKey) {
  init();
  append_n(2);
  write_file(tmp / "cp", mandate({"ledger", "checkpoint"}).out);
  mandate({"keys", "rotate"});
  write_file(tmp / "vkey", mandate({"ledger", "public-key"}).out);
  const RunResult r = run({"python3", kTool, "checkpoint", "--vkey", (tmp / "vkey").string(), "--checkpoint",
                           (tmp / "cp").string()});
  expect_check_failed(r, "checkpoint carries no signature by this key");
}

// An evidence bundle's Merkle material verifies with the independent tool
// too: the checkpoint signature and every entry's inclusion proof, read as
// the standard padded base64 the ledger's proof endpoints print. Proofs in hex
// are refused by both verifiers, with a message that says so.
TEST_F(CliTest, OfflineVerifierChecksAnEvidenceBundleAndRefusesHexProofs) {
  init();
  for (const char* id : {"alice", "bob"}) ASSERT_EQ(mandate({"actor", "add", "--kind", "human", "--id", id}).exit_code, 0);
  const auto pub = mandate_json({"actor", "keygen", "--out", (tmp / "w.pem").string()});
  write_file(tmp / "w.jwk", pub["jwk"].dump());
  ASSERT_EQ(mandate({"actor", "add", "--kind", "workload", "--id", "spiffe://example.org/ci/deployer-1", "--owner", "alice", "--key",
                     "@" + (tmp / "w.jwk").string()})
                .exit_code,
            0);
  const auto task = mandate_json({"task", "request", "--as", "alice", "--intent", "deploy", "--executor", "spiffe://example.org/ci/deployer-1",
                                  "--duration", "30m", "--scope",
                                  R"([{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}])"})["task"]
                        .get<std::string>();
  ASSERT_EQ(mandate({"approve", task, "--as", "bob"}).exit_code, 0);
  const RunResult exported = mandate({"evidence", "export", task});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  write_file(tmp / "bundle.json", exported.out);
  write_file(tmp / "vkey", mandate({"ledger", "public-key"}).out);

  RunResult r = run({"python3", kTool, "evidence", "--vkey", (tmp / "vkey").string(), "--bundle",
                     (tmp / "bundle.json").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto bundle = nlohmann::json::parse(exported.out);
  EXPECT_NE(r.out.find("OK: evidence: " + std::to_string(bundle["entries"].size()) +
                       " entries included in checkpoint of size"),
            std::string::npos)
      << r.out;

  // One proof hash changed (still base64 of 32 bytes): the proof fails.
  std::string& first = bundle["entries"][0]["proof"][0].get_ref<std::string&>();
  const char original = first[0];
  first[0] = first[0] == 'A' ? 'B' : 'A';
  write_file(tmp / "changed.json", bundle.dump());
  r = run({"python3", kTool, "evidence", "--vkey", (tmp / "vkey").string(), "--bundle", (tmp / "changed.json").string()});
  expect_check_failed(r, "entry #" + std::to_string(bundle["entries"][0]["index"].get<int>()) +
                             " is not included in the checkpoint's tree");
  first[0] = original;

  for (auto& e : bundle["entries"]) {
    for (auto& h : e["proof"]) h = encoding::hex_encode(*encoding::base64_decode(h.get<std::string>()));
  }
  write_file(tmp / "hex.json", bundle.dump());
  r = run({"python3", kTool, "evidence", "--vkey", (tmp / "vkey").string(), "--bundle", (tmp / "hex.json").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("bad input: entry #", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("is hex; proof hashes are standard padded base64"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  const RunResult refused = mandate({"evidence", "verify", (tmp / "hex.json").string()});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("is hex; proof hashes are standard padded base64"), std::string::npos) << refused.out;
}

}  // namespace
}  // namespace mandate::testing
