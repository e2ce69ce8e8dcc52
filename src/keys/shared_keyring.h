#pragma once
// The keyring a server uses while it runs, replaceable underneath its users.
//
// Several servers share one database, each with its own copy of the keys
// directory; a key added to one copy must reach the running servers without
// a restart. The server re-reads its directory (reload()) and swaps the
// Keyring here; broker and checkpoint signing take a snapshot (current())
// per operation, so a request signs and records with one consistent keyring
// even if a swap happens meanwhile. The lock is held only to copy a pointer.
#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "keys/keyring.h"

namespace mandate::keys {

class SharedKeyring {
 public:
  explicit SharedKeyring(Keyring keyring);

  // The keyring as it is now; stays valid however long it is held.
  std::shared_ptr<const Keyring> current() const;

  // Shorthands on current(): value results only, which outlive a swap. (No
  // active(): its reference would not; sign through a snapshot.)
  std::filesystem::path directory() const { return current()->directory(); }
  std::vector<KeyInfo> list() const { return current()->list(); }
  nlohmann::json jwks() const { return current()->jwks(); }
  std::optional<crypto::Ed25519PublicKey> find(std::string_view kid) const { return current()->find(kid); }

  // Reads the directory afresh and swaps it in. When it is refused (odd
  // entry, wrong mode, unreadable, nothing to sign with) the keyring in use
  // stays and the reason is returned; it names files and kids, never key
  // material. Answers whether the keys (or their activation times) changed.
  std::expected<bool, std::string> reload();

  // Keyring::rotate on the directory as it is on disk, then swapped in.
  std::expected<std::string, std::string> rotate(std::optional<std::chrono::sys_seconds> activate_at = std::nullopt);

 private:
  void replace(Keyring next);

  mutable std::mutex mu_;
  std::shared_ptr<const Keyring> current_;  // never null
};

}  // namespace mandate::keys
