#pragma once
// Internal to the broker: which keyring keys may still verify a mandate.
#include <chrono>
#include <optional>
#include <string_view>

#include "core/time.h"
#include "token/public_key.h"

namespace mandate::keys {
class Keyring;
}

namespace mandate::broker {

// The keyring key with this kid, if it may still verify at `now`: the
// active key and staged keys always, a rotated-out one only within `grace`
// after its successor began to sign. Used wherever a mandate is verified.
std::optional<token::PublicKey> acceptable_key(const keys::Keyring& keyring, std::string_view kid, core::Timestamp now,
                                               std::chrono::seconds grace);
// The same standing without building the key: for a mandate whose
// signature already verified with it.
bool key_still_accepted(const keys::Keyring& keyring, std::string_view kid, core::Timestamp now, std::chrono::seconds grace);

}  // namespace mandate::broker
