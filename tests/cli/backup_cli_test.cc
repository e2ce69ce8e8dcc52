// `mandate backup` and `mandate restore` through the real binary: what they
// print (the proof, never a private key), their exit codes, and that a
// refused command changes nothing.
#include "cli/cli_fixture.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "support/damage.h"

namespace mandate::testing {
namespace {

namespace fs = std::filesystem;

class BackupCliTest : public CliTest {
 protected:
  std::string backup_dir = (tmp / "backup").string();
  std::string restored = (tmp / "restored").string();

  RunResult mandate_at(const std::string& home_dir, std::vector<std::string> args) {
    args.insert(args.begin(), {MANDATE_BINARY, "--home", home_dir});
    return run(args);
  }

  // The base64 lines of every private key file in the home: text that must
  // never appear in anything the commands print.
  std::vector<std::string> private_key_lines() {
    std::vector<std::string> lines;
    for (const auto& key : fs::directory_iterator(fs::path(home) / "keys")) {
      std::istringstream pem(read_file(key.path()));
      for (std::string line; std::getline(pem, line);) {
        if (!line.empty() && !line.starts_with("-----")) lines.push_back(line);
      }
    }
    return lines;
  }

  std::vector<std::string> names_in_tmp() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(tmp.path())) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

TEST_F(BackupCliTest, BackupAndRestorePrintTheirProofAndTheRestoredHomeVerifies) {
  init();
  append_n(6);
  const auto info = mandate_json({"ledger", "info"});

  const RunResult backup = mandate({"backup", backup_dir});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  const auto proof = nlohmann::json::parse(backup.out);
  EXPECT_EQ(proof["backup"], backup_dir);
  EXPECT_EQ(proof["size"], 6);
  EXPECT_EQ(proof["root_hash"], info["root_hash"]);
  EXPECT_EQ(proof["checkpoint"]["size"], 6);
  EXPECT_EQ(proof["checkpoint"]["root_hash"], info["root_hash"]);

  const RunResult restore = mandate_at(restored, {"restore", backup_dir});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  const auto restored_proof = nlohmann::json::parse(restore.out);
  EXPECT_EQ(restored_proof["home"], restored);
  EXPECT_EQ(restored_proof["root_hash"], info["root_hash"]);
  EXPECT_TRUE(restored_proof["previous_home"].is_null());

  const RunResult verify = mandate_at(restored, {"ledger", "verify"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(nlohmann::json::parse(verify.out)["root_hash"], info["root_hash"]);

  const auto secrets = private_key_lines();
  ASSERT_FALSE(secrets.empty());
  for (const std::string& secret : secrets) {
    for (const RunResult* r : {&backup, &restore}) {
      EXPECT_EQ(r->out.find(secret), std::string::npos) << "a private key was printed";
      EXPECT_EQ(r->err.find(secret), std::string::npos) << "a private key was printed";
    }
  }
}

TEST_F(BackupCliTest, BackupRefusesADestinationThatExists) {
  init();
  append_n(2);
  fs::create_directory(backup_dir);
  write_file(fs::path(backup_dir) / "keep.txt", "mine");
  const RunResult r = mandate({"backup", backup_dir});
  EXPECT_EQ(r.exit_code, kExitBadInput) << r.err;
  EXPECT_NE(r.err.find(backup_dir + " already exists"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(read_file(fs::path(backup_dir) / "keep.txt"), "mine");
  EXPECT_EQ(names_in_tmp(), (std::vector<std::string>{"backup", "home"}));
}

TEST_F(BackupCliTest, BackupOfNoHomeIsBadInput) {
  const RunResult r = mandate({"backup", backup_dir});
  EXPECT_EQ(r.exit_code, kExitBadInput) << r.err;
  EXPECT_NE(r.err.find("no mandate home at " + home), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(backup_dir));
}

TEST_F(BackupCliTest, RestoreRefusesADamagedBackupAndTheHomeStaysAsItWas) {
  init();
  append_n(30);
  ASSERT_EQ(mandate({"backup", backup_dir}).exit_code, 0);
  const auto before = verify();
  damage_page_containing(fs::path(backup_dir) / "mandate.db", "CHG-17");

  const RunResult r = mandate({"restore", backup_dir, "--force"});
  EXPECT_EQ(r.exit_code, kExitCheckFailed) << r.err;
  EXPECT_NE(r.err.find("the backup " + backup_dir), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was restored"), std::string::npos) << r.err;
  EXPECT_EQ(verify()["root_hash"], before["root_hash"]) << "the home in place is the one that was there";
  EXPECT_EQ(names_in_tmp(), (std::vector<std::string>{"backup", "home"})) << "nothing moved aside, nothing staged";
}

TEST_F(BackupCliTest, RestoreWithACheckpointNewerThanTheBackupReportsTheLostEntries) {
  init();
  append_n(3);
  ASSERT_EQ(mandate({"backup", backup_dir}).exit_code, 0);
  append_n(2);
  const RunResult checkpoint = mandate({"ledger", "checkpoint"});
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  const fs::path kept = tmp / "kept-checkpoint.txt";
  write_file(kept, checkpoint.out);

  const RunResult r = mandate_at(restored, {"restore", backup_dir, "--checkpoint", kept.string()});
  EXPECT_EQ(r.exit_code, kExitCheckFailed) << r.err;
  EXPECT_NE(r.err.find("older than the checkpoint " + kept.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("entries 3 to 4 (2 entries) were lost"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(restored));

  // Against the checkpoint the backup itself printed, the restore goes through.
  const fs::path older = tmp / "older-checkpoint.txt";
  write_file(older, nlohmann::json::parse(mandate({"backup", (tmp / "second").string()}).out)["checkpoint"]["note"]
                        .get<std::string>());
  const RunResult ok = mandate_at(restored, {"restore", (tmp / "second").string(), "--checkpoint", older.string()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(nlohmann::json::parse(ok.out)["kept_checkpoint"]["size"], 5);
}

TEST_F(BackupCliTest, RestoreRefusesAMissingBackupAndAHomeInTheWay) {
  init();
  append_n(1);
  const RunResult missing = mandate_at(restored, {"restore", (tmp / "nowhere").string()});
  EXPECT_EQ(missing.exit_code, kExitBadInput);
  EXPECT_NE(missing.err.find("no backup at " + (tmp / "nowhere").string()), std::string::npos) << missing.err;

  ASSERT_EQ(mandate({"backup", backup_dir}).exit_code, 0);
  const RunResult in_the_way = mandate({"restore", backup_dir});
  EXPECT_EQ(in_the_way.exit_code, kExitBadInput);
  EXPECT_NE(in_the_way.err.find(home + " already holds a mandate home"), std::string::npos) << in_the_way.err;
  EXPECT_NE(in_the_way.err.find("--force"), std::string::npos) << in_the_way.err;

  const RunResult forced = mandate({"restore", backup_dir, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  const std::string previous = nlohmann::json::parse(forced.out)["previous_home"];
  EXPECT_TRUE(fs::exists(fs::path(previous) / "keys")) << "the old home was moved aside, not deleted";
}

}  // namespace
}  // namespace mandate::testing
