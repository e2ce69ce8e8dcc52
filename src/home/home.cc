#include "home/home.h"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
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

std::unique_ptr<Home> Home::init(const fs::path& dir, const std::string& origin) {
  if (!valid_origin(origin)) {
    fail(ErrorKind::bad_input, "origin \"" + origin + "\" must be printable ASCII without spaces or '+' (e.g. example.com/mandate)");
  }
  if (fs::exists(dir / kConfigFile) || fs::exists(dir / kKeysDir)) {
    fail(ErrorKind::bad_input, dir.string() + " already holds a mandate home");
  }
  Config config;
  config.origin = origin;
  const fs::path store_path = dir / config.store_path;
  if (fs::exists(store_path)) fail(ErrorKind::bad_input, store_path.string() + " already exists");

  std::error_code ec;
  const bool created_dir = fs::create_directories(dir, ec);
  if (ec) fail(ErrorKind::io, "cannot create " + dir.string() + ": " + ec.message());
  if (created_dir) ::chmod(dir.c_str(), 0700);
  try {
    auto keyring = keys::Keyring::create(dir / kKeysDir);
    if (!keyring) fail(ErrorKind::io, keyring.error());
    auto store = store::create_sqlite_store(store_path.string());
    store->set_meta("origin", origin);
    write_file_durably(dir / kConfigFile, render_config(config));
    return std::make_unique<Home>(dir, config, std::move(*keyring), std::move(store));
  } catch (...) {
    // Leave nothing half-made behind: a failed init changes nothing.
    fs::remove_all(dir / kKeysDir, ec);
    fs::remove(store_path, ec);
    fs::remove(store_path.string() + "-wal", ec);
    fs::remove(store_path.string() + "-shm", ec);
    fs::remove(dir / kConfigFile, ec);
    if (created_dir) fs::remove(dir, ec);
    throw;
  }
}

std::unique_ptr<Home> Home::open(const fs::path& dir) {
  const fs::path config_path = dir / kConfigFile;
  if (!fs::exists(config_path)) {
    fail(ErrorKind::not_found, "no mandate home at " + dir.string() + " (run `mandate --home " + dir.string() +
                                   " init --origin NAME`)");
  }
  auto config = parse_config(read_file(config_path), config_path.string());
  if (!config) fail(ErrorKind::bad_input, config.error());
  auto keyring = keys::Keyring::open(dir / kKeysDir);
  if (!keyring) fail(ErrorKind::bad_input, keyring.error());
  fs::path store_path = config->store_path;
  if (store_path.is_relative()) store_path = dir / store_path;
  // The home is there but its store is not: a lost file or volume, not the
  // user's input (which named a real home).
  if (!fs::exists(store_path)) {
    fail(ErrorKind::io, "the store " + store_path.string() + " that " + config_path.string() +
                            " names is missing: restore it from a backup");
  }
  auto store = store::open_sqlite_store(store_path.string());
  const auto stored_origin = store->meta("origin");
  if (stored_origin != config->origin) {
    fail(ErrorKind::bad_input, store_path.string() + " belongs to origin \"" + stored_origin.value_or("(none)") +
                                   "\", the config names \"" + config->origin + "\"");
  }
  return std::make_unique<Home>(dir, *config, std::move(*keyring), std::move(store));
}

std::vector<ledger::NoteVerifier> Home::verifiers() const {
  std::vector<ledger::NoteVerifier> out;
  for (const keys::KeyInfo& info : keyring_.list()) {
    if (auto key = keyring_.find(info.kid)) out.push_back(ledger::NoteVerifier::for_key(config_.origin, *key));
  }
  return out;
}

ledger::NoteVerifier Home::active_verifier() const {
  return ledger::NoteVerifier::for_key(config_.origin, keyring_.active().public_key());
}

std::string Home::sign_checkpoint() {
  const keys::SigningKey& key = keyring_.active();
  return ledger_->checkpoint(key.public_key(), [&](std::string_view text) { return key.sign(text); });
}

}  // namespace mandate::home
