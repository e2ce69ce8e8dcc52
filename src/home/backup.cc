#include "home/backup.h"

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>

#include <fcntl.h>

#include "core/error.h"
#include "home/home.h"
#include "home/internal/home_copy.h"

namespace mandate::home {
namespace {

namespace fs = std::filesystem;

// What a restore finds where the home is to go.
enum class Target { absent, empty_directory, home };

bool exists_at(const fs::path& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Rethrows a failure met while copying or proving, in the words of the one
// who asked: the staging copy holds the same files under the same names as
// `original`, so the message names those; it says what was being done
// (a failed proof already does) and that nothing changed.
[[noreturn]] void rethrow_about(const Error& e, const fs::path& staging, const fs::path& original, ErrorKind kind,
                                const std::string& doing, const std::string& outcome) {
  const std::string what = replace_all(e.what(), staging.string(), original.string());
  fail(kind, (e.kind() == ErrorKind::check_failed ? what : doing + ": " + what) + "; " + outcome);
}

// Every key of the live home must be in the copy: the copy came from the
// home's keys/ directory, and a key rotated meanwhile may add to it.
void require_keys_of(Home& home, Home& copy, const fs::path& destination) {
  std::set<std::string> copied;
  for (const keys::KeyInfo& key : copy.keys().list()) copied.insert(key.kid);
  for (const keys::KeyInfo& key : home.keys().list()) {
    if (!copied.contains(key.kid)) {
      fail(ErrorKind::check_failed, "the copy of " + home.dir().string() + " lacks the signing key " + key.kid +
                                        "; no backup was written to " + destination.string());
    }
  }
}

Target inspect_target(const fs::path& dir, bool force) {
  if (!exists_at(dir)) return Target::absent;
  if (!fs::is_directory(dir)) fail(ErrorKind::bad_input, dir.string() + " exists and is not a directory");
  if (fs::is_empty(dir)) return Target::empty_directory;
  const bool holds_home = exists_at(dir / "config.toml") || exists_at(dir / "keys") || exists_at(dir / "mandate.db");
  if (!holds_home) {
    fail(ErrorKind::bad_input, dir.string() + " is not empty and holds no mandate home: restore into a new or "
                                              "empty directory");
  }
  if (!force) {
    fail(ErrorKind::bad_input, dir.string() + " already holds a mandate home; restore does not replace it "
                                              "unless told to (--force moves it aside to a dated sibling first)");
  }
  return Target::home;
}

// A backup is the directory `mandate backup` wrote: refuse anything else
// before copying a byte, naming what is missing.
Config require_backup(const fs::path& backup) {
  if (!exists_at(backup)) fail(ErrorKind::not_found, "no backup at " + backup.string());
  if (!fs::is_directory(backup)) {
    fail(ErrorKind::bad_input, backup.string() + " is not a directory: a backup is the directory `mandate backup` wrote");
  }
  if (!exists_at(backup / "config.toml")) {
    fail(ErrorKind::bad_input, backup.string() + " is not a mandate backup: it has no config.toml");
  }
  Config config = Home::read_config(backup);
  const fs::path store = store_path_in_home(config, backup);
  if (!fs::is_regular_file(backup / store)) {
    fail(ErrorKind::bad_input, backup.string() + " is not a complete mandate backup: its store " +
                                   (backup / store).string() + " is missing");
  }
  if (!fs::is_directory(backup / "keys")) {
    fail(ErrorKind::bad_input, backup.string() + " is not a complete mandate backup: it has no keys/ directory");
  }
  return config;
}

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

// Moves the home at `dir` to a dated sibling that does not exist yet, never
// over anything; returns where it went.
fs::path move_aside(const fs::path& dir) {
  const fs::path normal = without_trailing_slash(dir);
  const std::string base = normal.string() + ".replaced-" + utc_stamp();
  for (int attempt = 1; attempt < 100; ++attempt) {
    const fs::path aside = attempt == 1 ? fs::path(base) : fs::path(base + "-" + std::to_string(attempt));
    if (::renameat2(AT_FDCWD, normal.c_str(), AT_FDCWD, aside.c_str(), RENAME_NOREPLACE) == 0) return aside;
    if (errno != EEXIST) fail(ErrorKind::io, "cannot move " + normal.string() + " aside to " + aside.string());
  }
  fail(ErrorKind::io, "cannot find a free name to move " + normal.string() + " aside");
}

std::string entries_lost(std::uint64_t held, std::uint64_t committed) {
  if (committed - held == 1) return "entry " + std::to_string(held) + " was lost";
  return "entries " + std::to_string(held) + " to " + std::to_string(committed - 1) + " (" +
         std::to_string(committed - held) + " entries) were lost";
}

// A checkpoint someone kept outside the home must be reproduced by the
// restored ledger; one larger than the backup means the backup predates it.
ledger::Checkpoint check_kept_checkpoint(Home& copy, const CopyProof& proof, const std::string& note,
                                         const std::string& source) {
  const std::vector<ledger::NoteVerifier> verifiers = copy.verifiers();
  auto kept = ledger::open_checkpoint(note, copy.config().origin, verifiers);
  if (!kept) {
    fail(ErrorKind::bad_input, source + ": " + kept.error() +
                                   " (it must be a checkpoint of this ledger, signed by one of the backup's keys)");
  }
  if (kept->size > proof.size) {
    fail(ErrorKind::check_failed,
         "the backup is older than " + source + ": the backup holds " + std::to_string(proof.size) +
             " entries, the checkpoint commits to " + std::to_string(kept->size) + ", so " +
             entries_lost(proof.size, kept->size) +
             "; nothing was restored (restore without --checkpoint to accept the loss)");
  }
  if (copy.ledger().root(kept->size) != kept->root) {
    fail(ErrorKind::check_failed, "the backup's ledger differs from " + source + " at size " +
                                      std::to_string(kept->size) +
                                      ": it is not the ledger that checkpoint was signed for; nothing was restored");
  }
  return *kept;
}

}  // namespace

BackupReport backup_home(Home& home, const fs::path& destination, const BackupOptions& options) {
  if (exists_at(destination)) {
    fail(ErrorKind::bad_input, destination.string() + " already exists: a backup never overwrites; name a new path");
  }
  store_path_in_home(home.config(), home.dir());  // refuses a home it cannot copy, before anything changes
  StagingDir staging(destination);
  // Stored in the live home before the copy's snapshot is taken, so the
  // copy holds a checkpoint no older than the moment the backup began.
  home.sign_checkpoint();
  CopyProof proof;
  try {
    copy_home(home.dir(), home.config(), staging.path(), options.pages_per_step);
    const auto copy = Home::open(staging.path());
    require_keys_of(home, *copy, destination);
    proof = prove_copy(*copy, "the copy of " + home.dir().string());
  } catch (const Error& e) {
    rethrow_about(e, staging.path(), home.dir(), e.kind(), "cannot back up " + home.dir().string(),
                  "no backup was written to " + destination.string());
  }
  staging.commit();
  return {destination, proof};
}

RestoreReport restore_home(const fs::path& backup, const fs::path& home_dir, const RestoreOptions& options) {
  const Config config = require_backup(backup);
  const Target target = inspect_target(home_dir, options.force);
  StagingDir staging(home_dir);

  RestoreReport report;
  report.home = home_dir;
  {
    std::unique_ptr<Home> copy;
    try {
      copy_home(backup, config, staging.path(), BackupOptions{}.pages_per_step);
      copy = Home::open(staging.path());
      report.proof = prove_copy(*copy, "the backup " + backup.string());
    } catch (const Error& e) {
      // Damage found in the backup is what this verification is for.
      const ErrorKind kind = e.kind() == ErrorKind::corruption ? ErrorKind::check_failed : e.kind();
      rethrow_about(e, staging.path(), backup, kind, "the backup " + backup.string() + " cannot be restored",
                    "nothing was restored");
    }
    if (options.kept_checkpoint) {
      report.kept_checkpoint =
          check_kept_checkpoint(*copy, report.proof, *options.kept_checkpoint, options.kept_checkpoint_source);
    }
    report.verifier_key = copy->active_verifier().to_string();
  }  // the copy's store is closed before it moves

  // Only now does anything at home_dir change.
  if (target == Target::home) report.previous_home = move_aside(home_dir);
  try {
    staging.commit(target == Target::empty_directory);
  } catch (...) {
    if (report.previous_home) {
      // Put the old home back: a failed restore changes nothing.
      ::renameat2(AT_FDCWD, report.previous_home->c_str(), AT_FDCWD, without_trailing_slash(home_dir).c_str(),
                  RENAME_NOREPLACE);
    }
    throw;
  }
  return report;
}

}  // namespace mandate::home
