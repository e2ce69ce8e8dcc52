#include "keys/private_key_file.h"

#include "keys/internal/private_file.h"

namespace mandate::keys {
namespace {

constexpr std::size_t kMaxKeyFileSize = 16 * 1024;  // a PKCS#8 Ed25519 PEM is 119 bytes

std::filesystem::path directory_of(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

}  // namespace

std::expected<void, std::string> create_private_key_file(const std::filesystem::path& file,
                                                         const crypto::Ed25519PrivateKey& key) {
  const std::filesystem::path dir = directory_of(file);
  auto dir_fd = open_directory(dir);
  if (!dir_fd) return std::unexpected(dir_fd.error());
  std::string pem = key.to_pem();
  auto written = write_private_file(dir_fd->get(), dir, file.filename().string(), pem);
  wipe(pem);
  return written;
}

std::expected<crypto::Ed25519PrivateKey, std::string> read_private_key_file(const std::filesystem::path& file) {
  const std::filesystem::path dir = directory_of(file);
  auto dir_fd = open_directory(dir);
  if (!dir_fd) return std::unexpected(dir_fd.error());
  auto pem = read_private_file(dir_fd->get(), dir, file.filename().string(), kMaxKeyFileSize);
  if (!pem) return std::unexpected(pem.error());
  auto key = crypto::Ed25519PrivateKey::from_pem(*pem);
  wipe(*pem);
  // OpenSSL's reason could quote the input: say only which file is not a key.
  if (!key) return std::unexpected(file.string() + ": not an Ed25519 private key (PKCS#8 PEM)");
  return key;
}

}  // namespace mandate::keys
