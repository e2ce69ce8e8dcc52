#include "keys/shared_keyring.h"

#include <algorithm>
#include <tuple>

namespace mandate::keys {
namespace {

// What a reload can change: which keys, in which order, signing from when.
bool same_keys(const Keyring& a, const Keyring& b) {
  const auto key = [](const KeyInfo& k) { return std::tie(k.kid, k.sequence, k.activates); };
  const auto x = a.list(), y = b.list();
  return std::ranges::equal(x, y, {}, key, key);
}

}  // namespace

SharedKeyring::SharedKeyring(Keyring keyring) : current_(std::make_shared<const Keyring>(std::move(keyring))) {}

std::shared_ptr<const Keyring> SharedKeyring::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void SharedKeyring::replace(Keyring next) {
  auto fresh = std::make_shared<const Keyring>(std::move(next));
  std::lock_guard lock(mu_);
  current_.swap(fresh);
  // The old keyring, now in `fresh`, is freed after the lock is released
  // (or later, by its last reader).
}

std::expected<bool, std::string> SharedKeyring::reload() {
  const auto before = current();
  auto fresh = Keyring::open(before->directory());
  if (!fresh) return std::unexpected(fresh.error());
  const bool changed = !same_keys(*before, *fresh);
  if (changed) replace(std::move(*fresh));
  return changed;
}

std::expected<std::string, std::string> SharedKeyring::rotate(std::optional<std::chrono::sys_seconds> activate_at) {
  auto fresh = Keyring::open(directory());
  if (!fresh) return std::unexpected(fresh.error());
  auto kid = fresh->rotate(activate_at);
  if (!kid) return kid;
  replace(std::move(*fresh));
  return kid;
}

}  // namespace mandate::keys
