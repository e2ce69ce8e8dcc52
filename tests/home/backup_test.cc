// Backup and restore of a home: a copy taken while the ledger grows is one
// verified snapshot; restore proves a backup before it changes anything,
// refuses a damaged one, and tells a backup older than a kept checkpoint.
#include "home/backup.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "core/error.h"
#include "home/home.h"
#include "ledger/verify.h"
#include "support/damage.h"
#include "support/files.h"

namespace mandate::home {
namespace {

namespace fs = std::filesystem;
using mandate::testing::TempDir;

constexpr const char* kOrigin = "backup.example/mandate";

ledger::EntryDraft draft(int n) {
  ledger::EntryDraft d;
  d.type = "operator.record";
  d.actor = {"alice", "human", "local-operator"};
  // Some bulk, so the store spans many pages and a copy many steps.
  d.data = {{"n", n}, {"note", "entry-" + std::to_string(n) + "-" + std::string(4000, 'x')}};
  return d;
}

void append(Home& home, int from, int count) {
  for (int n = from; n < from + count; ++n) home.ledger().append(draft(n));
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void run_sql(const fs::path& db_path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << statement;
}

// The whole content of a home, to show that a refused operation changed
// nothing in it.
std::string fingerprint(const fs::path& dir) {
  std::string out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    out += entry.path().string() + "\n";
    if (entry.is_regular_file()) out += mandate::testing::read_file(entry.path()) + "\n";
  }
  return out;
}

ErrorKind kind_of_failure(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected an Error";
  return ErrorKind::internal;
}

class BackupTest : public ::testing::Test {
 protected:
  TempDir tmp;
  fs::path home_dir = tmp / "home";
  std::unique_ptr<Home> home = Home::init(home_dir, kOrigin);
};

TEST_F(BackupTest, ACopyTakenWhileAnotherThreadAppendsIsOneVerifiedSnapshot) {
  append(*home, 0, 300);
  // The appender has its own Home, and so its own connection to the store,
  // as a running server has.
  auto writer = Home::open(home_dir);
  std::jthread appender([&](const std::stop_token& stop) {
    for (int n = 300; !stop.stop_requested(); ++n) writer->ledger().append(draft(n));
  });

  bool overlapped = false;
  for (int attempt = 0; attempt < 5 && !overlapped; ++attempt) {
    const fs::path destination = tmp / ("backup-" + std::to_string(attempt));
    const std::uint64_t before = home->ledger().size();
    const BackupReport report = backup_home(*home, destination, {.pages_per_step = 2});
    const std::uint64_t after = home->ledger().size();
    overlapped = after > before;

    EXPECT_GE(report.proof.size, before);
    EXPECT_LE(report.proof.size, after);
    EXPECT_GE(report.proof.checkpoint.size, before) << "the checkpoint signed when the backup began";
    // The copy is the live ledger's prefix: the same root at the same size.
    EXPECT_EQ(report.proof.root, home->ledger().root(report.proof.size));
    const auto copy = Home::open(destination);
    const auto verified = ledger::verify_ledger(copy->store(), kOrigin, copy->verifiers());
    EXPECT_TRUE(verified.ok) << verified.problem;
    EXPECT_EQ(verified.size, report.proof.size);
  }
  appender.request_stop();
  appender.join();
  EXPECT_TRUE(overlapped) << "in five backups the appender never committed during one: the test proved nothing";
}

TEST_F(BackupTest, RestoreBringsTheBackupBackAndItVerifies) {
  append(*home, 0, 10);
  const BackupReport backup = backup_home(*home, tmp / "backup");
  EXPECT_EQ(backup.proof.size, 10u);
  EXPECT_EQ(backup.proof.checkpoint.size, 10u);
  EXPECT_EQ(backup.proof.checkpoint.root, home->ledger().root(10));

  const RestoreReport restored = restore_home(tmp / "backup", tmp / "restored");
  EXPECT_FALSE(restored.previous_home.has_value());
  EXPECT_EQ(restored.proof.root, home->ledger().root(10));
  EXPECT_EQ(restored.verifier_key, home->active_verifier().to_string());
  const auto again = Home::open(tmp / "restored");
  const auto verified = ledger::verify_ledger(again->store(), kOrigin, again->verifiers());
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.size, 10u);
  EXPECT_EQ(again->keys().current()->active().kid(), home->keys().current()->active().kid());
  EXPECT_EQ(again->ledger().entry_bytes(7), home->ledger().entry_bytes(7));
}

TEST_F(BackupTest, KeysInTheBackupAndTheRestoredHomeKeepTheirPrivateModes) {
  ASSERT_TRUE(home->keys().rotate().has_value());  // two keys, both must travel
  backup_home(*home, tmp / "backup");
  restore_home(tmp / "backup", tmp / "restored");
  for (const fs::path& dir : {tmp / "backup", tmp / "restored"}) {
    EXPECT_EQ(mode_of(dir), 0700u) << dir;
    EXPECT_EQ(mode_of(dir / "keys"), 0700u) << dir;
    EXPECT_EQ(mode_of(dir / "config.toml"), 0600u) << dir;
    EXPECT_EQ(mode_of(dir / "mandate.db"), 0600u) << dir;
    EXPECT_EQ(names_in(dir / "keys"), names_in(home_dir / "keys")) << dir;
    for (const auto& key : fs::directory_iterator(dir / "keys")) EXPECT_EQ(mode_of(key.path()), 0600u) << key.path();
  }
}

TEST_F(BackupTest, ADestinationThatExistsIsRefusedAndNothingChanges) {
  append(*home, 0, 3);
  fs::create_directory(tmp / "taken");
  mandate::testing::write_file(tmp / "taken" / "mine.txt", "keep me");
  const auto checkpoints_before = home->store().checkpoints().size();
  EXPECT_EQ(kind_of_failure([&] { backup_home(*home, tmp / "taken"); }), ErrorKind::bad_input);
  EXPECT_EQ(names_in(tmp / "taken"), std::vector<std::string>{"mine.txt"});
  EXPECT_EQ(mandate::testing::read_file(tmp / "taken" / "mine.txt"), "keep me");
  EXPECT_EQ(home->store().checkpoints().size(), checkpoints_before) << "a refused backup signs nothing";
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"home", "taken"})) << "no staging directory left";
}

TEST_F(BackupTest, ABackupOfADamagedLedgerFailsAndLeavesNothingBehind) {
  append(*home, 0, 5);
  // An administrator edits entry 2 behind mandate's back.
  run_sql(home_dir / "mandate.db", "UPDATE ledger_entry SET body = CAST(replace(CAST(body AS TEXT), 'entry-2-', "
                                   "'entry-9-') AS BLOB) WHERE idx = 2");
  try {
    backup_home(*home, tmp / "backup");
    FAIL() << "the copy of a damaged ledger was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::check_failed);
    EXPECT_NE(std::string(e.what()).find("entry 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no backup was written"), std::string::npos) << e.what();
  }
  EXPECT_EQ(names_in(tmp.path()), std::vector<std::string>{"home"}) << "neither the backup nor its staging copy";
}

TEST_F(BackupTest, RestoreRefusesADamagedBackupAndTheTargetIsUnchanged) {
  append(*home, 0, 40);
  backup_home(*home, tmp / "backup");
  // Another home is at the target, and --force is given: even so, a backup
  // that does not prove sound must not move it.
  auto other = Home::init(tmp / "target", "other.example/mandate");
  append(*other, 0, 2);
  other.reset();
  const std::string before = fingerprint(tmp / "target");

  mandate::testing::damage_page_containing(tmp / "backup" / "mandate.db", "entry-20-");
  try {
    restore_home(tmp / "backup", tmp / "target", {.force = true});
    FAIL() << "a damaged backup was restored";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::check_failed) << e.what();
    EXPECT_NE(std::string(e.what()).find((tmp / "backup").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nothing was restored"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fingerprint(tmp / "target"), before);
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"backup", "home", "target"}));
}

TEST_F(BackupTest, RestoreRefusesABackupWhoseEntriesWereEditedAndCreatesNothing) {
  append(*home, 0, 5);
  backup_home(*home, tmp / "backup");
  run_sql(tmp / "backup" / "mandate.db", "UPDATE ledger_entry SET body = CAST(replace(CAST(body AS TEXT), "
                                         "'entry-3-', 'entry-8-') AS BLOB) WHERE idx = 3");
  EXPECT_EQ(kind_of_failure([&] { restore_home(tmp / "backup", tmp / "restored"); }), ErrorKind::check_failed);
  EXPECT_FALSE(fs::exists(tmp / "restored"));
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"backup", "home"}));
}

TEST_F(BackupTest, ACheckpointNewerThanTheBackupIsReportedAsLostEntries) {
  append(*home, 0, 4);
  const BackupReport backup = backup_home(*home, tmp / "backup");
  append(*home, 4, 3);
  const std::string newer = home->sign_checkpoint();  // someone kept this one, of size 7

  try {
    restore_home(tmp / "backup", tmp / "restored", {.kept_checkpoint = newer, .kept_checkpoint_source = "kept.txt"});
    FAIL() << "a backup older than a kept checkpoint was restored silently";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::check_failed);
    const std::string message = e.what();
    EXPECT_NE(message.find("older than kept.txt"), std::string::npos) << message;
    EXPECT_NE(message.find("entries 4 to 6 (3 entries) were lost"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(tmp / "restored"));

  // The checkpoint the backup itself matched is consistent with it.
  const RestoreReport ok = restore_home(tmp / "backup", tmp / "restored", {.kept_checkpoint = backup.proof.checkpoint_note});
  ASSERT_TRUE(ok.kept_checkpoint.has_value());
  EXPECT_EQ(ok.kept_checkpoint->size, 4u);
}

TEST_F(BackupTest, AKeptCheckpointOfAnotherLedgerIsBadInput) {
  append(*home, 0, 2);
  backup_home(*home, tmp / "backup");
  auto stranger = Home::init(tmp / "stranger", "stranger.example/mandate");
  const std::string foreign = stranger->sign_checkpoint();
  EXPECT_EQ(kind_of_failure([&] { restore_home(tmp / "backup", tmp / "restored", {.kept_checkpoint = foreign}); }),
            ErrorKind::bad_input);
  EXPECT_FALSE(fs::exists(tmp / "restored"));
}

TEST_F(BackupTest, RestoreReplacesAHomeOnlyWhenForcedAndMovesTheOldOneAside) {
  append(*home, 0, 3);
  backup_home(*home, tmp / "backup");
  Home::init(tmp / "target", "old.example/mandate");
  const std::string before = fingerprint(tmp / "target");

  EXPECT_EQ(kind_of_failure([&] { restore_home(tmp / "backup", tmp / "target"); }), ErrorKind::bad_input);
  EXPECT_EQ(fingerprint(tmp / "target"), before);

  const RestoreReport report = restore_home(tmp / "backup", tmp / "target", {.force = true});
  ASSERT_TRUE(report.previous_home.has_value());
  EXPECT_NE(report.previous_home->filename().string().find("target.replaced-"), std::string::npos);
  EXPECT_EQ(Home::open(*report.previous_home)->config().origin, "old.example/mandate") << "the old home, intact";
  EXPECT_EQ(Home::open(tmp / "target")->config().origin, kOrigin);
}

TEST_F(BackupTest, RestoreRefusesWhatIsNotABackupAndADirectoryThatIsNotAHome) {
  EXPECT_EQ(kind_of_failure([&] { restore_home(tmp / "missing", tmp / "restored"); }), ErrorKind::not_found);
  fs::create_directory(tmp / "empty");
  EXPECT_EQ(kind_of_failure([&] { restore_home(tmp / "empty", tmp / "restored"); }), ErrorKind::bad_input);
  EXPECT_FALSE(fs::exists(tmp / "restored"));

  backup_home(*home, tmp / "backup");
  fs::create_directory(tmp / "busy");
  mandate::testing::write_file(tmp / "busy" / "notes.txt", "not a home");
  EXPECT_EQ(kind_of_failure([&] { restore_home(tmp / "backup", tmp / "busy", {.force = true}); }), ErrorKind::bad_input);
  EXPECT_EQ(names_in(tmp / "busy"), std::vector<std::string>{"notes.txt"});
  // An empty directory is a fine place to restore into.
  restore_home(tmp / "backup", tmp / "empty");
  EXPECT_EQ(Home::open(tmp / "empty")->config().origin, kOrigin);
}

}  // namespace
}  // namespace mandate::home
