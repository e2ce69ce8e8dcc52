#include "keys/keyring.h"

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

#include "keys/internal/private_file.h"

namespace mandate::keys {
namespace {

using Error = std::unexpected<std::string>;
namespace fs = std::filesystem;

// An Ed25519 PKCS#8 PEM is about 120 bytes; anything near this is not one.
constexpr std::size_t kMaxKeyFileSize = 16 * 1024;

// RFC 7468 label of an unencrypted PKCS#8 key. Checked before OpenSSL sees
// the text: given an encrypted PEM, OpenSSL would prompt on the terminal for
// a passphrase, and a server must fail instead of waiting for one.
constexpr std::string_view kPemHeader = "-----BEGIN PRIVATE KEY-----\n";

// Wipes a string holding key material however the scope is left.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& secret) : secret_(secret) {}
  ~WipeOnExit() { wipe(secret_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string& secret_;
};

std::expected<fs::path, std::string> absolute_path(const fs::path& dir) {
  std::error_code ec;
  fs::path absolute = fs::absolute(dir, ec);
  if (ec) return Error("cannot resolve keyring directory " + dir.string() + ": " + ec.message());
  return absolute;
}

// The directory must be ours and closed to others for writing: whoever can
// add a file here can plant the key that becomes active.
std::expected<void, std::string> check_directory(const fs::path& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    if (errno == ENOENT) return Error("keyring directory " + dir.string() + " does not exist");
    return Error("cannot stat keyring directory " + dir.string() + ": " + std::generic_category().message(errno));
  }
  if (!S_ISDIR(info.st_mode)) return Error("keyring path " + dir.string() + " is not a directory");
  if (info.st_uid != ::geteuid()) {
    return Error("keyring directory " + dir.string() + " is owned by uid " + std::to_string(info.st_uid) +
                 ", not by this user (uid " + std::to_string(::geteuid()) + ")");
  }
  if ((info.st_mode & 022) != 0) {
    return Error("keyring directory " + dir.string() +
                 " is writable by group or others, who could plant a signing key; it must be 0700 (chmod 700 " +
                 dir.string() + ")");
  }
  return {};
}

// Entry names in `dir`, sorted so that errors come out in a stable order.
std::expected<std::vector<std::string>, std::string> entry_names(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return Error("cannot list keyring directory " + dir.string() + ": " + ec.message());
  std::ranges::sort(names);
  return names;
}

bool is_leftover_temporary(std::string_view name) { return name.starts_with(kTemporaryPrefix); }

std::expected<SigningKey, std::string> load_key(int dir_fd, const fs::path& dir, const std::string& file_name,
                                               const KeyFileName& name) {
  const std::string path = (dir / file_name).string();
  auto text = read_private_file(dir_fd, dir, file_name, kMaxKeyFileSize);
  if (!text) return Error(text.error());
  const WipeOnExit wipe_text(*text);
  if (!text->starts_with(kPemHeader)) {
    return Error("key file " + path +
                 " is not an unencrypted PKCS#8 PEM private key (as `openssl genpkey -algorithm ed25519` writes)");
  }
  auto private_key = crypto::Ed25519PrivateKey::from_pem(*text);
  if (!private_key) return Error("key file " + path + " does not hold an Ed25519 private key: " + private_key.error());
  SigningKey key(std::move(*private_key));
  if (key.kid() != name.kid) {
    return Error("key file " + path + " holds the key with kid " + key.kid() + ", not " + name.kid +
                 " as its name says");
  }
  return key;
}

std::chrono::sys_seconds system_now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

bool may_sign_at(const KeyFileName& name, std::chrono::sys_seconds now) {
  return !name.activates || *name.activates <= now;
}

// When a key began (or begins) to sign, for ordering hand-overs.
std::chrono::sys_seconds signs_from(const KeyFileName& name) { return name.activates.value_or(name.created); }

}  // namespace

std::string_view to_string(KeyState state) {
  switch (state) {
    case KeyState::active: return "active";
    case KeyState::staged: return "staged";
    case KeyState::verify_only: return "verify-only";
  }
  return "";
}

Keyring::Keyring(fs::path directory, std::vector<StoredKey> keys)
    : directory_(std::move(directory)), keys_(std::move(keys)) {}

std::expected<Keyring, std::string> Keyring::create(const fs::path& dir) {
  auto absolute = absolute_path(dir);
  if (!absolute) return Error(absolute.error());
  const fs::path& path = *absolute;

  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno == EEXIST) return Error("cannot create keyring: " + path.string() + " already exists");
    return Error("cannot create keyring directory " + path.string() + ": " + std::generic_category().message(errno));
  }
  // From here on the directory is ours alone; on failure it goes again, so a
  // failed create leaves nothing behind.
  auto fail = [&path](std::string message) -> std::expected<Keyring, std::string> {
    std::error_code ignored;
    fs::remove_all(path, ignored);
    return Error(std::move(message));
  };
  // mkdir's mode went through the umask; the promise is exactly 0700.
  if (::chmod(path.c_str(), 0700) != 0) {
    return fail("cannot set the mode of " + path.string() + ": " + std::generic_category().message(errno));
  }
  auto parent = open_directory(path.parent_path());
  if (!parent) return fail(parent.error());
  if (auto synced = sync_directory(parent->get(), path.parent_path()); !synced) return fail(synced.error());

  auto locked = lock_directory(path);
  if (!locked) return fail(locked.error());
  Keyring keyring(path, {});
  if (auto added = keyring.add_key(locked->get(), 1); !added) return fail(added.error());
  return keyring;
}

std::expected<Keyring, std::string> Keyring::open(const fs::path& dir) { return open(dir, system_now()); }

std::expected<Keyring, std::string> Keyring::open(const fs::path& dir, std::chrono::sys_seconds now) {
  auto absolute = absolute_path(dir);
  if (!absolute) return Error(absolute.error());
  const fs::path& path = *absolute;

  if (auto ok = check_directory(path); !ok) return Error(ok.error());
  auto dir_fd = open_directory(path);
  if (!dir_fd) return Error(dir_fd.error());
  auto names = entry_names(path);
  if (!names) return Error(names.error());

  std::vector<StoredKey> keys;
  for (const std::string& file_name : *names) {
    if (is_leftover_temporary(file_name)) continue;
    auto name = KeyFileName::parse(file_name);
    if (!name) {
      return Error((path / file_name).string() +
                   " is not a key file (names are <yyyymmddThhmmssZ>-<seq>-<kid>.pem); move it out of " +
                   path.string());
    }
    auto key = load_key(dir_fd->get(), path, file_name, *name);
    if (!key) return Error(key.error());
    keys.push_back({std::move(*name), std::move(*key)});
  }
  if (keys.empty()) return Error("keyring directory " + path.string() + " holds no keys");

  std::ranges::sort(keys, {}, [](const StoredKey& k) { return k.name.sequence; });
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i].name.sequence == keys[i - 1].name.sequence) {
      return Error("key files " + (path / keys[i - 1].name.to_string()).string() + " and " +
                   (path / keys[i].name.to_string()).string() + " claim the same sequence number " +
                   std::to_string(keys[i].name.sequence) + ", so which key is newest is unknown");
    }
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      if (keys[i].key.kid() == keys[j].key.kid()) {
        return Error("key files " + (path / keys[i].name.to_string()).string() + " and " +
                     (path / keys[j].name.to_string()).string() + " hold the same key");
      }
    }
  }
  // Never a keyring with nothing to sign with: a copy holding only keys
  // staged for later is incomplete (the active key was not copied).
  if (std::ranges::none_of(keys, [now](const StoredKey& k) { return may_sign_at(k.name, now); })) {
    return Error("keyring directory " + path.string() +
                 " holds only keys staged for later, none to sign with now; copy the active key there too");
  }
  return Keyring(path, std::move(keys));
}

const SigningKey& Keyring::active(std::chrono::sys_seconds now) const {
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
    if (may_sign_at(it->name, now)) return it->key;
  }
  return std::ranges::min_element(keys_, {}, [](const StoredKey& k) { return signs_from(k.name); })->key;
}

const SigningKey& Keyring::active() const { return active(system_now()); }

std::expected<std::string, std::string> Keyring::rotate(std::optional<std::chrono::sys_seconds> activate_at) {
  // An activation not in the future is "at once", which has one spelling:
  // no activation time in the name.
  if (activate_at && *activate_at <= system_now()) activate_at.reset();
  auto locked = lock_directory(directory_);
  if (!locked) return Error(locked.error());
  // Another process may have rotated since this keyring was loaded: number
  // after the highest sequence on disk, not only the highest in memory.
  auto names = entry_names(directory_);
  if (!names) return Error(names.error());
  std::uint64_t highest = keys_.back().name.sequence;
  for (const std::string& file_name : *names) {
    if (const auto name = KeyFileName::parse(file_name)) highest = std::max(highest, name->sequence);
  }
  return add_key(locked->get(), highest + 1, activate_at);
}

std::expected<std::string, std::string> Keyring::add_key(int dir_fd, std::uint64_t sequence,
                                                         std::optional<std::chrono::sys_seconds> activates) {
  // Reserved first so that nothing can fail between the file landing on
  // disk and the key joining the keyring.
  keys_.reserve(keys_.size() + 1);
  auto private_key = crypto::Ed25519PrivateKey::generate();
  std::string pem = private_key.to_pem();
  const WipeOnExit wipe_pem(pem);
  SigningKey key(std::move(private_key));
  KeyFileName name{system_now(), sequence, key.kid(), std::nullopt};
  if (activates && *activates > name.created) name.activates = activates;
  if (auto written = write_private_file(dir_fd, directory_, name.to_string(), pem); !written) {
    return Error(written.error());
  }
  keys_.push_back({std::move(name), std::move(key)});
  return keys_.back().key.kid();
}

std::vector<KeyInfo> Keyring::list(std::chrono::sys_seconds now) const {
  const SigningKey& signing = active(now);
  std::vector<KeyInfo> infos;
  infos.reserve(keys_.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const StoredKey& stored = keys_[i];
    const std::optional<std::chrono::sys_seconds> superseded = this->superseded(i);
    const bool active = &stored.key == &signing;
    // A staged key overtaken by a newer key already signing will never sign.
    const bool overtaken = superseded && *superseded <= now;
    const KeyState state = active                                         ? KeyState::active
                           : !may_sign_at(stored.name, now) && !overtaken ? KeyState::staged
                                                                          : KeyState::verify_only;
    infos.push_back({.kid = stored.key.kid(),
                     .created = stored.name.created,
                     .sequence = stored.name.sequence,
                     .active = active,
                     .state = state,
                     .activates = stored.name.activates,
                     .superseded = superseded,
                     .public_jwk = stored.key.public_jwk()});
  }
  return infos;
}

std::vector<KeyInfo> Keyring::list() const { return list(system_now()); }

std::optional<std::chrono::sys_seconds> Keyring::superseded(std::size_t i) const {
  std::optional<std::chrono::sys_seconds> out;
  for (std::size_t j = i + 1; j < keys_.size(); ++j) {
    const auto from = signs_from(keys_[j].name);
    if (!out || from < *out) out = from;
  }
  return out;
}

std::optional<Keyring::Succession> Keyring::succession(std::string_view kid) const {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].key.kid() == kid) return Succession{superseded(i)};
  }
  return std::nullopt;
}

std::optional<crypto::Ed25519PublicKey> Keyring::find(std::string_view kid) const {
  for (const StoredKey& stored : keys_) {
    if (stored.key.kid() == kid) return stored.key.public_key();
  }
  return std::nullopt;
}

nlohmann::json Keyring::jwks() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const StoredKey& stored : keys_) keys.push_back(stored.key.public_jwk());
  return {{"keys", std::move(keys)}};
}

}  // namespace mandate::keys
