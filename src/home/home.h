#pragma once
// A mandate home: the directory that holds config.toml, the store and the
// signing keys. Edges (CLI, server) open one and use its parts.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "home/config.h"
#include "keys/keyring.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "store/event_store.h"
#include "store/postgresql/postgresql_store.h"
#include "store/store.h"

namespace mandate::home {

// --home, else $MANDATE_HOME, else ./.mandate
std::filesystem::path resolve_home(const std::optional<std::string>& flag);

class Home {
 public:
  // Creates the directory (mode 0700), a signing key, the store and the
  // config. Refuses a directory that already holds a home.
  // With a PostgreSQL store, the database must hold no mandate store yet;
  // every further server gets a copy of this home (config.toml and keys/).
  static std::unique_ptr<Home> init(const std::filesystem::path& dir, const std::string& origin,
                                    const StoreConfig& store = {});
  static std::unique_ptr<Home> open(const std::filesystem::path& dir);
  // The home's config alone, without opening its store (to migrate it).
  static Config read_config(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  const Config& config() const { return config_; }
  store::Store& store() { return *store_; }
  // Replaceable while in use (a server re-reads keys/): sign through a
  // snapshot, keys().current().
  keys::SharedKeyring& keys() { return keyring_; }
  ledger::Ledger& ledger() { return *ledger_; }
  // The imported audit events, in the same database as the store.
  std::unique_ptr<store::EventStore> open_event_store() const;

  // One verifier per key in the keyring, all under the origin's name, so
  // checkpoints signed before a rotation still verify.
  std::vector<ledger::NoteVerifier> verifiers() const;
  ledger::NoteVerifier active_verifier() const;
  std::string sign_checkpoint();

  // The newest checkpoint that reached its witnesses' quorum (the server
  // records it, src/server/witnessing.cc): a signed note carrying the
  // witnesses' cosignatures. Nothing before a server with [witnesses] ran.
  std::optional<std::string> witnessed_checkpoint();
  // The same, when it covers at least `size` entries.
  std::optional<std::string> witnessed_checkpoint_covering(std::uint64_t size);
  // Keeps `note` (of `size` entries) if it is newer than the one kept.
  void record_witnessed_checkpoint(std::uint64_t size, const std::string& note);

  Home(std::filesystem::path dir, Config config, keys::Keyring keyring, std::unique_ptr<store::Store> store);

 private:
  std::filesystem::path dir_;
  Config config_;
  keys::SharedKeyring keyring_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

// Makes `dir` (mode 0700; it must not exist) a home for `config` with a
// copy of the keys in `keys_from` (keys/ 0700, files 0600): a home whose
// store was moved (home/store_copy.h). On failure `dir` is removed again.
void write_home_copy(const std::filesystem::path& dir, const Config& config, const std::filesystem::path& keys_from);

// How to reach a PostgreSQL store: the URL, and the password read from
// its file (relative to `dir`) or variable. Error{bad_input} when the
// config names a file or variable that holds none.
store::ConnectionSettings postgresql_settings(const std::filesystem::path& dir, const StoreConfig& store);

}  // namespace mandate::home
