// The evidence mandate prints verifies with an independent implementation:
// tools/verify-offline.py (Python's hashlib + the OpenSSL command line).
#include "cli/cli_fixture.h"

namespace mandate::testing {
namespace {

const std::string kTool = std::string(MANDATE_SOURCE_DIR) + "/tools/verify-offline.py";

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
    EXPECT_EQ(r.exit_code, 1) << "entry " << index << " changed but verified";
  }

  write_file(tmp / "c.json", mandate({"ledger", "proof", "consistency", "3", "13", "--json"}).out);
  r = run({"python3", kTool, "consistency", "--vkey", vkey, "--old", (tmp / "old.cp").string(), "--checkpoint",
           (tmp / "new.cp").string(), "--proof", (tmp / "c.json").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliTest, OfflineVerifierRejectsACheckpointFromAnotherKey) {
  init();
  append_n(2);
  write_file(tmp / "cp", mandate({"ledger", "checkpoint"}).out);
  mandate({"keys", "rotate"});
  write_file(tmp / "vkey", mandate({"ledger", "public-key"}).out);
  const RunResult r = run({"python3", kTool, "checkpoint", "--vkey", (tmp / "vkey").string(), "--checkpoint",
                           (tmp / "cp").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

}  // namespace
}  // namespace mandate::testing
