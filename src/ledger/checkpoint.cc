#include "ledger/checkpoint.h"

#include <charconv>

#include "encoding/base64.h"

namespace mandate::ledger {

std::string Checkpoint::body() const {
  std::string out = origin + "\n" + std::to_string(size) + "\n" + encoding::base64_encode(root) + "\n";
  for (const std::string& line : extensions) out += line + "\n";
  return out;
}

std::expected<Checkpoint, std::string> parse_checkpoint_body(std::string_view text) {
  if (text.empty() || text.back() != '\n') return std::unexpected("checkpoint body must end with a newline");
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const auto end = rest.find('\n');
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  if (lines.size() < 3) return std::unexpected("checkpoint needs origin, size and root hash lines");
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  if (cp.origin.empty()) return std::unexpected("checkpoint line 1: empty origin");
  const std::string_view size = lines[1];
  const bool leading_zero = size.size() > 1 && size[0] == '0';
  const auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), cp.size);
  if (size.empty() || leading_zero || ec != std::errc() || ptr != size.data() + size.size()) {
    return std::unexpected("checkpoint line 2: tree size is not a decimal number");
  }
  const auto root = encoding::base64_decode(lines[2]);
  if (!root || root->size() != cp.root.size()) {
    return std::unexpected("checkpoint line 3: root hash is not base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), cp.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return std::unexpected("checkpoint line " + std::to_string(i + 1) + ": empty extension line");
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

std::string sign_checkpoint(const Checkpoint& checkpoint, const crypto::Ed25519PrivateKey& key) {
  return sign_checkpoint(checkpoint, key.public_key(), [&](std::string_view t) { return key.sign(t); });
}

std::string sign_checkpoint(const Checkpoint& checkpoint, const crypto::Ed25519PublicKey& key,
                            const SignFunction& sign) {
  SignedNote note;
  note.text = checkpoint.body();
  note.signatures.push_back(sign_note_text(note.text, checkpoint.origin, key, sign));
  return format_signed_note(note);
}

std::expected<Checkpoint, std::string> read_signed_checkpoint(std::string_view note_text) {
  auto note = parse_signed_note(note_text);
  if (!note) return std::unexpected(note.error());
  return parse_checkpoint_body(note->text);
}

std::expected<Checkpoint, std::string> open_checkpoint(std::string_view note_text, std::string_view origin,
                                                      std::span<const NoteVerifier> verifiers) {
  auto note = parse_signed_note(note_text);
  if (!note) return std::unexpected(note.error());
  auto cp = parse_checkpoint_body(note->text);
  if (!cp) return std::unexpected(cp.error());
  if (cp->origin != origin) {
    return std::unexpected("checkpoint is for origin \"" + cp->origin + "\", this ledger is \"" + std::string(origin) + "\"");
  }
  bool known_key = false;
  for (const NoteSignature& sig : note->signatures) {
    for (const NoteVerifier& v : verifiers) {
      if (!v.matches(sig)) continue;
      known_key = true;
      if (v.verify(note->text, sig)) return cp;
    }
  }
  return std::unexpected(known_key ? "checkpoint signature does not verify"
                                   : "checkpoint is not signed by any key of this ledger");
}

}  // namespace mandate::ledger
