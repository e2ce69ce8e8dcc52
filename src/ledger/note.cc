#include "ledger/note.h"

#include <cstdio>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "encoding/json.h"

namespace mandate::ledger {
namespace {

constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";  // "— " (U+2014, space)
constexpr std::uint8_t kEd25519Type = 0x01;

std::string_view as_text(const encoding::Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

bool valid_key_name(std::string_view name) {
  if (name.empty() || !encoding::valid_utf8(name)) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || c == '+' || u == 0x7f) return false;
  }
  // The non-ASCII Unicode White_Space characters, as UTF-8: U+0085, U+00A0,
  // U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(name[i]);
    const auto b1 = static_cast<unsigned char>(name[i + 1]);
    const auto b2 = i + 2 < name.size() ? static_cast<unsigned char>(name[i + 2]) : 0;
    if (b0 == 0xc2 && (b1 == 0x85 || b1 == 0xa0)) return false;
    if (b0 == 0xe1 && b1 == 0x9a && b2 == 0x80) return false;
    if (b0 == 0xe2 && b1 == 0x80 && (b2 <= 0x8a || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf)) return false;
    if (b0 == 0xe2 && b1 == 0x81 && b2 == 0x9f) return false;
    if (b0 == 0xe3 && b1 == 0x80 && b2 == 0x80) return false;
  }
  return true;
}

std::uint32_t note_key_id(std::string_view name, std::uint8_t type, const crypto::Ed25519PublicKey& key) {
  crypto::Sha256 h;
  return key_id_of(h.update(name).update(std::string_view("\n")).update(type).update(key).finish());
}

std::uint32_t note_key_hash(std::string_view name, const crypto::Ed25519PublicKey& key) {
  return note_key_id(name, kEd25519Type, key);
}

std::expected<SignedNote, std::string> parse_signed_note(std::string_view note) {
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) return std::unexpected("not a signed note: no blank line before the signatures");
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  for (const char c : out.text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) return std::unexpected("note text holds a control character");
  }
  if (!encoding::valid_utf8(out.text)) return std::unexpected("note text is not valid UTF-8");
  std::string_view rest = note.substr(split + 2);
  if (rest.empty() || rest.back() != '\n') return std::unexpected("signature lines must end with a newline");
  std::size_t line_no = 0;
  while (!rest.empty()) {
    ++line_no;
    const auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::string where = "signature line " + std::to_string(line_no) + ": ";
    if (!line.starts_with(kSignaturePrefix)) return std::unexpected(where + "does not start with \"— \"");
    line.remove_prefix(kSignaturePrefix.size());
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return std::unexpected(where + "has no signature after the key name");
    NoteSignature sig;
    sig.name = std::string(line.substr(0, space));
    if (!valid_key_name(sig.name)) return std::unexpected(where + "invalid key name");
    const auto blob = encoding::base64_decode(line.substr(space + 1));
    if (!blob || blob->size() < 5) return std::unexpected(where + "signature is not base64 of key hash and signature");
    sig.key_hash = key_id_of(*blob);
    sig.signature = std::string(as_text(*blob).substr(4));
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

std::string format_signed_note(const SignedNote& note) {
  std::string out = note.text;
  out += '\n';
  for (const NoteSignature& sig : note.signatures) {
    std::string blob;
    blob += static_cast<char>(sig.key_hash >> 24);
    blob += static_cast<char>((sig.key_hash >> 16) & 0xff);
    blob += static_cast<char>((sig.key_hash >> 8) & 0xff);
    blob += static_cast<char>(sig.key_hash & 0xff);
    blob += sig.signature;
    out += kSignaturePrefix;
    out += sig.name;
    out += ' ';
    out += encoding::base64_encode(blob);
    out += '\n';
  }
  return out;
}

NoteVerifier NoteVerifier::for_key(std::string name, const crypto::Ed25519PublicKey& key) {
  NoteVerifier v;
  v.key_hash = note_key_hash(name, key);
  v.name = std::move(name);
  v.key = key;
  return v;
}

std::expected<VerifierKey, std::string> parse_verifier_key(std::string_view vkey) {
  const auto first = vkey.find('+');
  const auto second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) return std::unexpected("a verifier key is name+hash+key");
  VerifierKey out;
  out.name = std::string(vkey.substr(0, first));
  if (!valid_key_name(out.name)) return std::unexpected("invalid key name in verifier key");
  const std::string_view hash_hex = vkey.substr(first + 1, second - first - 1);
  const auto hash = encoding::hex_decode(hash_hex);
  if (hash_hex.size() != 8 || !hash) return std::unexpected("verifier key hash must be 8 hex digits");
  out.key_id = key_id_of(*hash);
  auto key = encoding::base64_decode(vkey.substr(second + 1));
  if (!key || key->empty()) return std::unexpected("verifier key material is not base64 of a type byte and a key");
  out.type = (*key)[0];
  out.key.assign(key->begin() + 1, key->end());
  return out;
}

std::string format_verifier_key(std::string_view name, std::uint32_t key_id, std::uint8_t type,
                                std::span<const std::uint8_t> key) {
  char hash_hex[9];
  std::snprintf(hash_hex, sizeof hash_hex, "%08x", key_id);
  std::string blob(1, static_cast<char>(type));
  blob.append(reinterpret_cast<const char*>(key.data()), key.size());
  return std::string(name) + "+" + hash_hex + "+" + encoding::base64_encode(blob);
}

std::uint32_t key_id_of(std::span<const std::uint8_t> digest) {
  return (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) | (std::uint32_t{digest[2]} << 8) |
         std::uint32_t{digest[3]};
}

std::expected<Ed25519VerifierKey, std::string> parse_ed25519_verifier_key(std::string_view vkey, std::uint8_t type) {
  auto parsed = parse_verifier_key(vkey);
  if (!parsed) return std::unexpected(parsed.error());
  if (parsed->type != type || parsed->key.size() != 32) {
    char expected[64];
    std::snprintf(expected, sizeof expected, "(type 0x%02x followed by 32 bytes)", type);
    return std::unexpected("verifier key is not an Ed25519 key " + std::string(expected));
  }
  Ed25519VerifierKey out{std::move(parsed->name), {}};
  std::copy(parsed->key.begin(), parsed->key.end(), out.key.begin());
  if (note_key_id(out.name, type, out.key) != parsed->key_id) {
    return std::unexpected("verifier key hash does not match its name and key");
  }
  return out;
}

std::expected<NoteVerifier, std::string> NoteVerifier::parse(std::string_view vkey) {
  auto parsed = parse_ed25519_verifier_key(vkey, kEd25519Type);
  if (!parsed) return std::unexpected(parsed.error());
  return for_key(std::move(parsed->name), parsed->key);
}

std::string NoteVerifier::to_string() const { return format_verifier_key(name, key_hash, kEd25519Type, key); }

bool NoteVerifier::verify(std::string_view text, const NoteSignature& sig) const {
  if (!matches(sig)) return false;
  return crypto::ed25519_verify(
      key, text, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(sig.signature.data()),
                                               sig.signature.size()));
}

NoteSignature sign_note_text(std::string_view text, std::string_view name, const crypto::Ed25519PrivateKey& key) {
  return sign_note_text(text, name, key.public_key(), [&](std::string_view t) { return key.sign(t); });
}

NoteSignature sign_note_text(std::string_view text, std::string_view name, const crypto::Ed25519PublicKey& key,
                             const SignFunction& sign) {
  const crypto::Ed25519Signature sig = sign(text);
  return NoteSignature{std::string(name), note_key_hash(name, key),
                       std::string(reinterpret_cast<const char*>(sig.data()), sig.size())};
}

}  // namespace mandate::ledger
