// End-to-end tests of the ledger commands through the real binary: the
// happy path, tampering with the SQLite file, rollback and bad input.
#include "cli/cli_fixture.h"

#include <filesystem>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "ledger/merkle.h"
#include "support/damage.h"

namespace mandate::testing {
namespace {

std::vector<ledger::Hash> decode_hashes(const nlohmann::json& list) {
  std::vector<ledger::Hash> out;
  for (const auto& item : list) {
    auto bytes = encoding::base64_decode(item.get<std::string>());
    EXPECT_TRUE(bytes && bytes->size() == 32);
    ledger::Hash h{};
    std::copy(bytes->begin(), bytes->end(), h.begin());
    out.push_back(h);
  }
  return out;
}

ledger::Hash decode_hash(const nlohmann::json& value) { return decode_hashes(nlohmann::json::array({value}))[0]; }

TEST_F(CliTest, AppendReturnsConsecutiveIndices) {
  init();
  for (int i = 0; i < 3; ++i) {
    const auto out = mandate_json({"ledger", "append", "--type", "operator.record", "--actor", "alice", "--data", "{}"});
    EXPECT_EQ(out["index"], i);
  }
}

TEST_F(CliTest, EntryPrintsTheBytesTheLeafHashCovers) {
  init();
  append_n(5);
  const RunResult entry = mandate({"ledger", "entry", "3"});
  ASSERT_EQ(entry.exit_code, 0);
  EXPECT_NE(entry.out.find("\"index\":3,"), std::string::npos) << entry.out;
  const auto proof = mandate_json({"ledger", "proof", "inclusion", "3", "--json"});
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(entry.out.data());
  EXPECT_EQ(decode_hash(proof["leaf_hash"]), ledger::leaf_hash({bytes, entry.out.size()}));
}

TEST_F(CliTest, ProofsFromTheCliVerifyAndFailWhenFlipped) {
  init();
  append_n(13);
  for (std::uint64_t size : {1u, 7u, 8u, 13u}) {
    for (std::uint64_t index = 0; index < size; index += 3) {
      const auto p = mandate_json({"ledger", "proof", "inclusion", std::to_string(index), "--size",
                                   std::to_string(size), "--json"});
      EXPECT_EQ(p["index"], index);
      EXPECT_EQ(p["tree_size"], size);
      auto path = decode_hashes(p["proof"]);
      const auto leaf = decode_hash(p["leaf_hash"]);
      const auto root = decode_hash(p["root_hash"]);
      EXPECT_TRUE(ledger::verify_inclusion(index, size, leaf, path, root));
      if (!path.empty()) {
        path[0][5] ^= 0x10;
        EXPECT_FALSE(ledger::verify_inclusion(index, size, leaf, path, root));
      }
    }
  }
  const auto c = mandate_json({"ledger", "proof", "consistency", "5", "13", "--json"});
  auto path = decode_hashes(c["proof"]);
  const auto r1 = decode_hash(c["first_root"]), r2 = decode_hash(c["second_root"]);
  EXPECT_TRUE(ledger::verify_consistency(5, 13, r1, r2, path));
  path.back()[0] ^= 1;
  EXPECT_FALSE(ledger::verify_consistency(5, 13, r1, r2, path));
}

TEST_F(CliTest, CheckpointIsAC2spSignedNote) {
  init();
  append_n(4);
  const RunResult cp = mandate({"ledger", "checkpoint"});
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  const auto root = mandate_json({"ledger", "info"})["root_hash"].get<std::string>();
  EXPECT_TRUE(cp.out.starts_with("test.example/mandate\n4\n" + root + "\n\n\xe2\x80\x94 test.example/mandate "))
      << cp.out;
  const RunResult vkey = mandate({"ledger", "public-key"});
  EXPECT_TRUE(vkey.out.starts_with("test.example/mandate+")) << vkey.out;
}

TEST_F(CliTest, VerifyPassesOnAnUntouchedLedger) {
  init();
  append_n(20);
  mandate({"ledger", "checkpoint"});
  append_n(5);
  mandate({"ledger", "checkpoint"});
  const auto report = verify();
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["size"], 25);
  EXPECT_EQ(report["checkpoints_checked"], 2);
}

TEST_F(CliTest, EditedEntryIsNamed) {
  init();
  append_n(10);
  sql("UPDATE ledger_entry SET body = replace(body, '\"n\":6', '\"n\":7') WHERE idx = 6");
  const auto report = verify({}, 1);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["first_bad_index"], 6);
}

TEST_F(CliTest, EditedEntryWithRecomputedLeafHashIsNamed) {
  init();
  append_n(10);
  // The attacker also rewrites the stored leaf hash; the tree node over the
  // entry no longer matches, and the first entry it covers is named.
  sql("UPDATE ledger_entry SET body = replace(body, '\"n\":4', '\"n\":5') WHERE idx = 4");
  const std::string body = read_entry_body(4);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(body.data());
  const auto leaf = ledger::leaf_hash({bytes, body.size()});
  std::string hex;
  for (auto b : leaf) {
    static const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  sql("UPDATE ledger_entry SET leaf_hash = x'" + hex + "' WHERE idx = 4");
  const auto report = verify({}, 1);
  EXPECT_EQ(report["first_bad_index"], 4);
}

TEST_F(CliTest, DeletedEntryIsNamed) {
  init();
  append_n(10);
  sql("DELETE FROM ledger_entry WHERE idx = 3");
  const auto report = verify({}, 1);
  EXPECT_EQ(report["first_bad_index"], 3);
}

TEST_F(CliTest, ReorderedEntriesAreNamed) {
  init();
  append_n(10);
  // Swap the whole rows of entries 5 and 6 (bytes, leaf hash, nodes).
  sql("UPDATE ledger_entry SET idx = -1 WHERE idx = 5;"
      "UPDATE ledger_entry SET idx = 5 WHERE idx = 6;"
      "UPDATE ledger_entry SET idx = 6 WHERE idx = -1;");
  const auto report = verify({}, 1);
  EXPECT_EQ(report["first_bad_index"], 5);
}

TEST_F(CliTest, ForgedCheckpointInStoreIsCaught) {
  init();
  append_n(6);
  mandate({"ledger", "checkpoint"});
  sql("UPDATE ledger_checkpoint SET note = replace(note, char(10) || '6' || char(10), char(10) || '5' || char(10))");
  const auto report = verify({}, 1);
  EXPECT_EQ(report["ok"], false);
}

TEST_F(CliTest, RollbackIsCaughtByAnOutsideCheckpoint) {
  init();
  append_n(10);
  write_file(tmp / "kept.txt", mandate({"ledger", "checkpoint"}).out);
  // Delete the newest entries and every checkpoint: the store alone is
  // self-consistent again...
  sql("DELETE FROM ledger_entry WHERE idx >= 7; DELETE FROM ledger_checkpoint;");
  EXPECT_EQ(verify()["ok"], true);
  // ...but not against the checkpoint kept outside.
  const auto report = verify({"--checkpoint", (tmp / "kept.txt").string()}, 1);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["first_bad_index"], 7);
  EXPECT_NE(report["problem"].get<std::string>().find("rollback"), std::string::npos);
}

TEST_F(CliTest, RewrittenHistoryIsCaughtByAnOutsideCheckpoint) {
  init();
  append_n(8);
  write_file(tmp / "kept.txt", mandate({"ledger", "checkpoint"}).out);
  // Replace the ledger wholesale with a different but self-consistent one.
  std::filesystem::remove_all(home);
  init();
  append_n(8);
  // The new home has its own key: the kept checkpoint is foreign to it.
  const RunResult r = mandate({"ledger", "verify", "--checkpoint", (tmp / "kept.txt").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not signed by any key"), std::string::npos) << r.err;
}

// The operator (or whoever holds the signing key) rewrites the history and
// signs the new one with the same key: the store is self-consistent, its
// checkpoints verify, and only a checkpoint kept outside catches it.
TEST_F(CliTest, HistoryRewrittenUnderTheSameKeyIsCaughtByAKeptCheckpoint) {
  init();
  append_n(8);
  const std::string kept = mandate({"ledger", "checkpoint"}).out;
  write_file(tmp / "kept.txt", kept);
  // A new store under the same home and key: the keys are set aside, the
  // home made anew, the old keys put back.
  std::filesystem::rename(std::filesystem::path(home) / "keys", tmp / "keys");
  std::filesystem::remove_all(home);
  init();
  std::filesystem::remove_all(std::filesystem::path(home) / "keys");
  std::filesystem::rename(tmp / "keys", std::filesystem::path(home) / "keys");
  for (int i = 0; i < 10; ++i) {
    const RunResult r = mandate({"ledger", "append", "--type", "operator.record", "--actor", "mallory",
                                 "--data", "{\"n\":" + std::to_string(i) + "}"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string resigned = mandate({"ledger", "checkpoint"}).out;
  // Same key: both signature lines ("— NAME base64(key hash ‖ signature)")
  // carry the same name and 4-byte key hash.
  const auto key_of = [](const std::string& note) {
    std::string line = note.substr(note.rfind("\n\n") + 2);
    line = line.substr(0, line.find('\n'));
    const auto blank = line.rfind(' ');
    const auto blob = encoding::base64_decode(line.substr(blank + 1));
    EXPECT_TRUE(blob && blob->size() > 4) << line;
    return line.substr(0, blank) + " " + std::string(blob->begin(), blob->begin() + 4);
  };
  ASSERT_EQ(key_of(resigned), key_of(kept)) << kept << resigned;
  const auto alone = verify();
  EXPECT_EQ(alone["ok"], true);
  EXPECT_EQ(alone["checkpoints_checked"], 1);
  const auto report = verify({"--checkpoint", (tmp / "kept.txt").string()}, 1);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["first_bad_index"], 0);
  EXPECT_NE(report["problem"].get<std::string>().find("the checkpoint file of size 8 does not match entries [0, 8)"),
            std::string::npos)
      << report.dump();
}

TEST_F(CliTest, BadInputIsRefusedWithExit2AndChangesNothing) {
  init();
  append_n(3);
  const std::string before = mandate({"ledger", "info"}).out;
  const std::vector<std::vector<std::string>> cases = {
      {"ledger", "append", "--type", "operator.record", "--actor", "a", "--data", "{\"a\":"},
      {"ledger", "append", "--type", "operator.record", "--actor", "a", "--data", "{\"a\":1,\"a\":2}"},
      {"ledger", "append", "--type", "operator.record", "--actor", "a", "--data", "[1]"},
      {"ledger", "append", "--type", "Bad Type", "--actor", "a", "--data", "{}"},
      {"ledger", "append", "--type", "operator.record", "--actor", "a", "--actor-kind", "robot"},
      {"ledger", "append", "--type", "operator.record", "--actor", "a", "--traceparent", "01-xyz"},
      {"ledger", "append", "--type", "operator.record", "--actor", "a", "--data", "{\"big\":9007199254740993}"},
      {"ledger", "entry", "3"},
      {"ledger", "entry", "-1"},
      {"ledger", "entry", "abc"},
      {"ledger", "proof", "inclusion", "5"},
      {"ledger", "proof", "inclusion", "1", "--size", "9"},
      {"ledger", "proof", "consistency", "3", "2"},
      {"ledger", "proof", "consistency", "1", "4"},
      {"ledger", "nonsense"},
  };
  for (const auto& args : cases) {
    const RunResult r = mandate(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << " " << args[2] << ": " << r.err;
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find("terminate"), std::string::npos);
  }
  EXPECT_EQ(mandate({"ledger", "info"}).out, before);
}

TEST_F(CliTest, BadCheckpointFilesAreRefused) {
  init();
  append_n(3);
  const std::string good = mandate({"ledger", "checkpoint"}).out;
  TempDir other_tmp;
  const std::string other_home = (other_tmp / "h").string();
  run({MANDATE_BINARY, "--home", other_home, "init", "--origin", "test.example/mandate"});
  run({MANDATE_BINARY, "--home", other_home, "ledger", "append", "--type", "x", "--actor", "a"});
  const std::string foreign = run({MANDATE_BINARY, "--home", other_home, "ledger", "checkpoint"}).out;
  TempDir third_tmp;
  const std::string third_home = (third_tmp / "h").string();
  run({MANDATE_BINARY, "--home", third_home, "init", "--origin", "other.example/log"});
  const std::string other_origin = run({MANDATE_BINARY, "--home", third_home, "ledger", "checkpoint"}).out;

  std::string corrupt = good;
  corrupt[corrupt.size() - 5] = corrupt[corrupt.size() - 5] == 'A' ? 'B' : 'A';
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", "hello\n"},
      {"corrupt signature", corrupt},
      {"foreign key", foreign},
      {"other origin", other_origin},
      {"empty", ""},
  };
  for (const auto& [name, text] : cases) {
    write_file(tmp / "cp.txt", text);
    const RunResult r = mandate({"ledger", "verify", "--checkpoint", (tmp / "cp.txt").string()});
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << name;
  }
  const RunResult missing = mandate({"ledger", "verify", "--checkpoint", (tmp / "nope.txt").string()});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST_F(CliTest, ADatabaseThatIsNotMandatesIsRefused) {
  init();
  append_n(2);
  std::filesystem::remove(db_path());
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(db_path() + suffix);
  write_file(db_path(), std::string(8192, 'x'));
  // SQLite cannot tell a file that never was a database from one whose
  // header was destroyed: either way the home's store is damaged (exit 3).
  RunResult r = mandate({"ledger", "info"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("the store is damaged"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(db_path()), std::string(8192, 'x'));

  std::filesystem::remove(db_path());
  sql("CREATE TABLE something_else(x)");
  r = mandate({"ledger", "append", "--type", "x", "--actor", "a"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not a mandate store"), std::string::npos) << r.err;
}

// A store damaged under mandate (a failing disk, a stray write) is not the
// user's bad input: exit 3 with a message that says what to do, and a store
// that vanished from its home is the environment's failure too.
TEST_F(CliTest, ADamagedOrMissingStoreIsAnEnvironmentFailureNotBadInput) {
  init();
  const std::string padding(900, 'p');
  for (int i = 0; i < 40; ++i) {
    const RunResult r = mandate({"ledger", "append", "--type", "operator.record", "--actor", "alice", "--data",
                                 "{\"marker\":\"entry-" + std::to_string(1000 + i) + "\",\"pad\":\"" + padding + "\"}"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  damage_page_containing(db_path(), "entry-1001");
  RunResult r = mandate({"ledger", "entry", "1"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("the store is damaged"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("restore it from a backup"), std::string::npos) << r.err;

  std::filesystem::remove(db_path());
  r = mandate({"ledger", "info"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("is missing: restore it from a backup"), std::string::npos) << r.err;
}

TEST_F(CliTest, InitRefusesBadOriginAndExistingHome) {
  EXPECT_EQ(mandate({"init", "--origin", "has space"}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(home));
  init();
  EXPECT_EQ(mandate({"init", "--origin", "test.example/mandate"}).exit_code, 2);
}

TEST_F(CliTest, KeysRotateKeepsOldCheckpointsVerifiable) {
  init();
  append_n(2);
  mandate({"ledger", "checkpoint"});
  const auto rotated = mandate_json({"keys", "rotate"});
  append_n(2);
  mandate({"ledger", "checkpoint"});
  const auto keys = mandate_json({"keys", "list"});
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1]["kid"], rotated["kid"]);
  EXPECT_EQ(keys[1]["active"], true);
  const auto jwks = mandate_json({"keys", "export-jwks"});
  ASSERT_EQ(jwks["keys"].size(), 2u);
  for (const auto& k : jwks["keys"]) EXPECT_FALSE(k.contains("d"));
  EXPECT_EQ(verify()["checkpoints_checked"], 2);
}

TEST_F(CliTest, MalformedConfigIsRefusedWithLineAndColumn) {
  init();
  write_file(home + "/config.toml", "[ledger]\norigin = \"test.example/mandate\"\ncolour = 3\n");
  const RunResult r = mandate({"ledger", "info"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("config.toml:3:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mandate::testing
