#pragma once
// One Ed25519 private key alone in a file (a witness's cosigning key), with
// the keyring's guarantees: created 0600 and durable, never over an existing
// file; read only when nobody but its owner can reach it. Errors name the
// file, never its contents.
#include <expected>
#include <filesystem>
#include <string>

#include "crypto/ed25519.h"

namespace mandate::keys {

std::expected<void, std::string> create_private_key_file(const std::filesystem::path& file,
                                                         const crypto::Ed25519PrivateKey& key);
std::expected<crypto::Ed25519PrivateKey, std::string> read_private_key_file(const std::filesystem::path& file);

}  // namespace mandate::keys
