#include "home/home.h"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "ledger/checkpoint.h"
#include "settings/secret_file.h"
#include "store/postgresql/postgresql_event_store.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"

namespace mandate::home {
namespace {

namespace fs = std::filesystem;
constexpr const char* kConfigFile = "config.toml";
constexpr const char* kKeysDir = "keys";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::not_found, "cannot read " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void write_file_durably(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail(ErrorKind::io, "cannot create " + tmp.string());
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail(ErrorKind::io, "cannot write " + path.string());
  }
}

}  // namespace

fs::path resolve_home(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return *flag;
  if (const char* env = std::getenv("MANDATE_HOME"); env != nullptr && *env != '\0') return env;
  return ".mandate";
}

Home::Home(fs::path dir, Config config, keys::Keyring keyring, std::unique_ptr<store::Store> store)
    : dir_(std::move(dir)),
      config_(std::move(config)),
      keyring_(std::move(keyring)),
      store_(std::move(store)),
      ledger_(std::make_unique<ledger::Ledger>(*store_, config_.origin)) {}

std::unique_ptr<Home> Home::init(const fs::path& dir, const std::string& origin, const StoreConfig& store_config) {
  if (!valid_origin(origin)) {
    fail(ErrorKind::bad_input, "origin \"" + origin + "\" must be printable ASCII without spaces or '+' (e.g. example.com/mandate)");
  }
  if (fs::exists(dir / kConfigFile) || fs::exists(dir / kKeysDir)) {
    fail(ErrorKind::bad_input, dir.string() + " already holds a mandate home");
  }
  Config config;
  config.origin = origin;
  config.store = store_config;
  const fs::path store_path = dir / config.store.path;
  if (!config.store.is_postgresql() && fs::exists(store_path)) {
    fail(ErrorKind::bad_input, store_path.string() + " already exists");
  }
  // Everything that can be refused is checked before anything is made.
  std::optional<store::ConnectionSettings> database;
  if (config.store.is_postgresql()) database = postgresql_settings(dir, config.store);

  std::error_code ec;
  const bool created_dir = fs::create_directories(dir, ec);
  if (ec) fail(ErrorKind::io, "cannot create " + dir.string() + ": " + ec.message());
  if (created_dir) ::chmod(dir.c_str(), 0700);
  try {
    auto keyring = keys::Keyring::create(dir / kKeysDir);
    if (!keyring) fail(ErrorKind::io, keyring.error());
    auto store = database ? store::create_postgresql_store(*database) : store::create_sqlite_store(store_path.string());
    store->set_meta("origin", origin);
    write_file_durably(dir / kConfigFile, render_config(config));
    return std::make_unique<Home>(dir, config, std::move(*keyring), std::move(store));
  } catch (...) {
    // Leave nothing half-made behind: a failed init changes nothing.
    fs::remove_all(dir / kKeysDir, ec);
    if (!database) {
      fs::remove(store_path, ec);
      fs::remove(store_path.string() + "-wal", ec);
      fs::remove(store_path.string() + "-shm", ec);
    }
    fs::remove(dir / kConfigFile, ec);
    if (created_dir) fs::remove(dir, ec);
    throw;
  }
}

Config Home::read_config(const fs::path& dir) {
  const fs::path config_path = dir / kConfigFile;
  if (!fs::exists(config_path)) {
    fail(ErrorKind::not_found, "no mandate home at " + dir.string() + " (run `mandate --home " + dir.string() +
                                   " init --origin NAME`)");
  }
  auto config = parse_config(read_file(config_path), config_path.string());
  if (!config) fail(ErrorKind::bad_input, config.error());
  return *config;
}

namespace {

std::unique_ptr<store::Store> open_sqlite(const fs::path& dir, const Config& config) {
  fs::path store_path = config.store.path;
  if (store_path.is_relative()) store_path = dir / store_path;
  // The home is there but its store is not: a lost file or volume, not the
  // user's input (which named a real home).
  if (!fs::exists(store_path)) {
    fail(ErrorKind::io, "the store " + store_path.string() + " that " + (dir / kConfigFile).string() +
                            " names is missing: restore it from a backup");
  }
  return store::open_sqlite_store(store_path.string());
}

std::string store_name(const fs::path& dir, const StoreConfig& store) {
  if (store.is_postgresql()) return "the database at " + store.url.substr(0, store.url.find('?'));
  const fs::path path = fs::path(store.path).is_relative() ? dir / store.path : fs::path(store.path);
  return path.string();
}

}  // namespace

std::unique_ptr<Home> Home::open(const fs::path& dir) {
  const Config config = read_config(dir);
  auto keyring = keys::Keyring::open(dir / kKeysDir);
  if (!keyring) fail(ErrorKind::bad_input, keyring.error());
  auto store = config.store.is_postgresql() ? store::open_postgresql_store(postgresql_settings(dir, config.store))
                                            : open_sqlite(dir, config);
  const auto stored_origin = store->meta("origin");
  if (stored_origin != config.origin) {
    fail(ErrorKind::bad_input, store_name(dir, config.store) + " belongs to origin \"" + stored_origin.value_or("(none)") +
                                   "\", the config names \"" + config.origin + "\"");
  }
  return std::make_unique<Home>(dir, config, std::move(*keyring), std::move(store));
}

std::unique_ptr<store::EventStore> Home::open_event_store() const {
  if (config_.store.is_postgresql()) {
    return store::open_postgresql_event_store(postgresql_settings(dir_, config_.store));
  }
  fs::path store_path = config_.store.path;
  if (store_path.is_relative()) store_path = dir_ / store_path;
  return store::open_sqlite_event_store(store_path.string());
}

void write_home_copy(const fs::path& dir, const Config& config, const fs::path& keys_from) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dir, ec))) fail(ErrorKind::bad_input, dir.string() + " already exists");
  if (!fs::create_directory(dir, ec) || ::chmod(dir.c_str(), 0700) != 0) {
    fail(ErrorKind::io, "cannot create " + dir.string() + (ec ? ": " + ec.message() : ""));
  }
  try {
    if (!fs::create_directory(dir / kKeysDir, ec) || ::chmod((dir / kKeysDir).c_str(), 0700) != 0) {
      fail(ErrorKind::io, "cannot create " + (dir / kKeysDir).string());
    }
    // Key files only: the keyring ignores a write's leftovers, so they stay behind.
    for (const fs::directory_entry& key : fs::directory_iterator(keys_from)) {
      if (key.is_regular_file() && key.path().extension() == ".pem") {
        write_file_durably(dir / kKeysDir / key.path().filename(), read_file(key.path()));
      }
    }
    write_file_durably(dir / kConfigFile, render_config(config));
  } catch (...) {
    fs::remove_all(dir, ec);
    throw;
  }
}

store::ConnectionSettings postgresql_settings(const fs::path& dir, const StoreConfig& store) {
  store::check_connection_url(store.url);
  store::ConnectionSettings settings;
  settings.url = store.url;
  settings.pool_size = store.pool_size;
  if (!store.password_file.empty()) {
    const fs::path file = fs::path(store.password_file).is_relative() ? dir / store.password_file : fs::path(store.password_file);
    auto secret = settings::read_secret_file(file);
    if (!secret || secret->empty()) {
      fail(ErrorKind::bad_input, "store.password_file names " + file.string() + ", which cannot be read or is empty");
    }
    settings.password = std::move(*secret);
  } else if (!store.password_env.empty()) {
    const char* value = std::getenv(store.password_env.c_str());
    if (value == nullptr || *value == '\0') {
      fail(ErrorKind::bad_input, "store.password_env names " + store.password_env + ", which is not set");
    }
    settings.password = value;
  }
  return settings;
}

std::vector<ledger::NoteVerifier> Home::verifiers() const {
  std::vector<ledger::NoteVerifier> out;
  const auto keyring = keyring_.current();
  for (const keys::KeyInfo& info : keyring->list()) {
    if (auto key = keyring->find(info.kid)) out.push_back(ledger::NoteVerifier::for_key(config_.origin, *key));
  }
  return out;
}

ledger::NoteVerifier Home::active_verifier() const {
  return ledger::NoteVerifier::for_key(config_.origin, keyring_.current()->active().public_key());
}

std::string Home::sign_checkpoint() {
  const auto keyring = keyring_.current();  // keeps `key` alive through a reload
  const keys::SigningKey& key = keyring->active();
  return ledger_->checkpoint(key.public_key(), [&](std::string_view text) { return key.sign(text); });
}

namespace {
constexpr const char* kWitnessedCheckpoint = "witnessed_checkpoint";
}

std::optional<std::string> Home::witnessed_checkpoint() { return store_->meta(kWitnessedCheckpoint); }

std::optional<std::string> Home::witnessed_checkpoint_covering(std::uint64_t size) {
  auto kept = witnessed_checkpoint();
  if (!kept) return std::nullopt;
  const auto checkpoint = ledger::read_signed_checkpoint(*kept);
  if (!checkpoint || checkpoint->size < size) return std::nullopt;
  return kept;
}

void Home::record_witnessed_checkpoint(std::uint64_t size, const std::string& note) {
  // Several servers may record at once; an older one arriving last is
  // still a valid witnessed checkpoint, and the next round moves it on.
  if (witnessed_checkpoint_covering(size)) return;
  store_->set_meta(kWitnessedCheckpoint, note);
}

}  // namespace mandate::home
