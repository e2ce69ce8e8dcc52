#include "witness/cosignature.h"

#include <algorithm>
#include <limits>


namespace mandate::witness {
namespace {

constexpr std::size_t kTimestampBytes = 8;
constexpr std::uint64_t kLatestTimestamp = std::numeric_limits<std::int64_t>::max();  // the spec's 2^63 - 1

}  // namespace

std::uint32_t cosigner_key_id(std::string_view name, const crypto::Ed25519PublicKey& key) {
  return ledger::note_key_id(name, kCosignatureV1Type, key);
}

std::string cosigned_message(std::string_view checkpoint_text, std::uint64_t timestamp) {
  std::string message = "cosignature/v1\ntime ";
  message += std::to_string(timestamp);
  message += '\n';
  message += checkpoint_text;
  return message;
}

Cosigner Cosigner::for_key(std::string name, const crypto::Ed25519PublicKey& key) {
  Cosigner c;
  c.key_id = cosigner_key_id(name, key);
  c.name = std::move(name);
  c.key = key;
  return c;
}

std::expected<Cosigner, std::string> Cosigner::parse(std::string_view vkey) {
  auto parsed = ledger::parse_ed25519_verifier_key(vkey, kCosignatureV1Type);
  if (!parsed) return std::unexpected(parsed.error());
  return for_key(std::move(parsed->name), parsed->key);
}

std::string Cosigner::to_string() const {
  return ledger::format_verifier_key(name, key_id, kCosignatureV1Type, key);
}

std::expected<std::uint64_t, std::string> Cosigner::verify(std::string_view checkpoint_text,
                                                           const ledger::NoteSignature& sig) const {
  if (!matches(sig)) return std::unexpected("signed by another key");
  if (sig.signature.size() != kTimestampBytes + 64) {
    return std::unexpected("a cosignature/v1 is an 8-byte timestamp and a 64-byte signature");
  }
  std::uint64_t timestamp = 0;
  for (std::size_t i = 0; i < kTimestampBytes; ++i) {
    timestamp = (timestamp << 8) | static_cast<unsigned char>(sig.signature[i]);
  }
  if (timestamp > kLatestTimestamp) return std::unexpected("timestamp beyond 2^63 - 1");
  const std::string_view signature = std::string_view(sig.signature).substr(kTimestampBytes);
  if (!crypto::ed25519_verify(key, cosigned_message(checkpoint_text, timestamp),
                              {reinterpret_cast<const std::uint8_t*>(signature.data()), signature.size()})) {
    return std::unexpected("the signature does not verify");
  }
  return timestamp;
}

ledger::NoteSignature cosign(std::string_view checkpoint_text, std::string_view name,
                             const crypto::Ed25519PrivateKey& key, std::uint64_t timestamp) {
  const crypto::Ed25519Signature signature = key.sign(cosigned_message(checkpoint_text, timestamp));
  std::string bytes;
  for (int shift = 56; shift >= 0; shift -= 8) bytes += static_cast<char>((timestamp >> shift) & 0xff);
  bytes.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  return ledger::NoteSignature{std::string(name), cosigner_key_id(name, key.public_key()), std::move(bytes)};
}

}  // namespace mandate::witness
