// C2SP signed-note, checked against the reference vectors of
// golang.org/x/mod/sumdb/note (note_test.go).
#include "ledger/note.h"

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"

namespace mandate::ledger {
namespace {

constexpr std::string_view kPeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kPeterSkey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kEnochVkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSig =
    "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochSig =
    "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

std::string str(std::string_view s) { return std::string(s); }

NoteVerifier verifier(std::string_view vkey) {
  auto v = NoteVerifier::parse(vkey);
  EXPECT_TRUE(v.has_value()) << vkey << ": " << (v ? "" : v.error());
  return v ? *v : NoteVerifier{};
}

crypto::Ed25519PrivateKey peter_private_key() {
  // "PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>"; the base64 part may
  // itself hold '+', so split after the fourth one.
  std::size_t at = 0;
  for (int i = 0; i < 4; ++i) at = kPeterSkey.find('+', at) + 1;
  const auto blob = encoding::base64_decode(kPeterSkey.substr(at));
  if (!blob || blob->size() != 33 || (*blob)[0] != 0x01) throw std::runtime_error("bad reference signer key");
  auto key = crypto::Ed25519PrivateKey::from_seed(std::span(*blob).subspan(1));
  if (!key) throw std::runtime_error(key.error());
  return std::move(*key);
}

TEST(NoteVerifier, ParsesTheReferenceKey) {
  const NoteVerifier v = verifier(kPeterVkey);
  EXPECT_EQ(v.name, "PeterNeumann");
  EXPECT_EQ(v.key_hash, 0xc74f20a3u);
  EXPECT_EQ(note_key_hash(v.name, v.key), 0xc74f20a3u);
  EXPECT_EQ(v.to_string(), kPeterVkey);
  EXPECT_EQ(verifier(kEnochVkey).key_hash, 0xaf0cfe78u);
  EXPECT_EQ(verifier(kEnochVkey).to_string(), kEnochVkey);
}

TEST(NoteVerifier, TheReferencePrivateKeyMatches) {
  const auto key = peter_private_key();
  const NoteVerifier v = verifier(kPeterVkey);
  EXPECT_EQ(key.public_key(), v.key);
  const NoteVerifier made = NoteVerifier::for_key("PeterNeumann", key.public_key());
  EXPECT_EQ(made.key_hash, 0xc74f20a3u);
  EXPECT_EQ(made.to_string(), kPeterVkey);
}

TEST(NoteVerifier, RejectsEveryManglingOfTheReferenceKey) {
  // As note_test.go's TestNewVerifier: every proper substring, and every
  // single-byte increment.
  const std::string vkey = str(kPeterVkey);
  for (std::size_t i = 0; i <= vkey.size(); ++i) {
    for (std::size_t j = i + 1; j <= vkey.size(); ++j) {
      if (i == 0 && j == vkey.size()) continue;
      EXPECT_FALSE(NoteVerifier::parse(vkey.substr(i, j - i)).has_value()) << vkey.substr(i, j - i);
    }
  }
  for (std::size_t i = 0; i < vkey.size(); ++i) {
    std::string bad = vkey;
    ++bad[i];
    EXPECT_FALSE(NoteVerifier::parse(bad).has_value()) << bad;
  }
  // Wrong key length and unknown algorithm, each with an adjusted key hash.
  EXPECT_FALSE(
      NoteVerifier::parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==").has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").has_value());
}

TEST(NoteVerifier, RejectsWrongHashTypeOrName) {
  const NoteVerifier good = verifier(kPeterVkey);
  const std::string key_b64 = str(kPeterVkey.substr(kPeterVkey.rfind('+') + 1));
  // Wrong hash.
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20a4+" + key_b64).has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+00000000+" + key_b64).has_value());
  // Hash not eight hex digits.
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20a+" + key_b64).has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20a30+" + key_b64).has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20ag+" + key_b64).has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann++" + key_b64).has_value());
  // Hash in uppercase is still the same number.
  EXPECT_TRUE(NoteVerifier::parse("PeterNeumann+C74F20A3+" + key_b64).has_value());
  // Wrong type byte, with the hash a signer of that type would compute.
  std::string blob(1, '\x02');
  blob.append(reinterpret_cast<const char*>(good.key.data()), good.key.size());
  {
    crypto::Sha256 h;
    const auto d = h.update(std::string_view("PeterNeumann\n")).update(std::string_view(blob)).finish();
    char hex[9];
    std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", d[0], d[1], d[2], d[3]);
    EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+" + std::string(hex) + "+" + encoding::base64_encode(blob)).has_value());
  }
  // Key of the wrong length, or not base64.
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20a3+" + encoding::base64_encode(good.key)).has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20a3+" + key_b64 + "AAAA").has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20a3+" + key_b64.substr(0, 40) + "!!!!").has_value());
  // Bad names: empty, with a space, non-UTF-8, each with a matching hash.
  for (const std::string& name : std::initializer_list<std::string>{std::string(""), std::string("Peter Neumann"), std::string("Peter\tNeumann"),
                                 std::string("Peter\xffNeumann"), std::string("Peter\xc2\xa0Neumann")}) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", note_key_hash(name, good.key));
    EXPECT_FALSE(NoteVerifier::parse(name + "+" + hex + "+" + key_b64).has_value()) << name;
  }
  // Missing parts.
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann").has_value());
  EXPECT_FALSE(NoteVerifier::parse("PeterNeumann+c74f20a3").has_value());
  EXPECT_FALSE(NoteVerifier::parse("").has_value());
}

TEST(NoteVerifier, ForKeyRoundTripsThroughItsText) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  for (const std::string& name : std::initializer_list<std::string>{"a", "example.com/log", "log.example.org/v1", "\xc3\xbc" "ber-log"}) {
    const NoteVerifier v = NoteVerifier::for_key(name, key.public_key());
    const auto parsed = NoteVerifier::parse(v.to_string());
    ASSERT_TRUE(parsed.has_value()) << v.to_string() << ": " << parsed.error();
    EXPECT_EQ(parsed->name, name);
    EXPECT_EQ(parsed->key_hash, v.key_hash);
    EXPECT_EQ(parsed->key, key.public_key());
  }
}

TEST(KeyName, ValidNames) {
  EXPECT_TRUE(valid_key_name("PeterNeumann"));
  EXPECT_TRUE(valid_key_name("example.com/log"));
  EXPECT_TRUE(valid_key_name("\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_key_name(""));
  EXPECT_FALSE(valid_key_name("a b"));
  EXPECT_FALSE(valid_key_name("a+b"));
  EXPECT_FALSE(valid_key_name("+"));
  EXPECT_FALSE(valid_key_name("a\tb"));
  EXPECT_FALSE(valid_key_name("a\nb"));
  EXPECT_FALSE(valid_key_name("a\rb"));
  EXPECT_FALSE(valid_key_name("a\x01"));
  EXPECT_FALSE(valid_key_name("a\x7f"));
  EXPECT_FALSE(valid_key_name(std::string_view("a\0b", 3)));
}

TEST(KeyName, MustBeUtf8WithoutUnicodeSpaces) {
  // c2sp.org/signed-note: non-empty, well-formed UTF-8, no Unicode spaces, no '+'.
  EXPECT_FALSE(valid_key_name("\xff"));
  EXPECT_FALSE(valid_key_name("log\xc3"));
  EXPECT_FALSE(valid_key_name("\xc0\xaf"));
  EXPECT_FALSE(valid_key_name("\xed\xa0\x80"));
  for (const std::string_view space : {"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x8a",
                                       "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
                                       "\x0b", "\x0c"}) {
    EXPECT_FALSE(valid_key_name("a" + str(space) + "b")) << encoding::hex_encode(
        std::span(reinterpret_cast<const std::uint8_t*>(space.data()), space.size()));
  }
  // Neighbours of the spaces are fine.
  EXPECT_TRUE(valid_key_name("a\xc2\xa1" "b"));
  EXPECT_TRUE(valid_key_name("a\xe2\x80\x8b" "b"));  // U+200B ZERO WIDTH SPACE is not White_Space
}

TEST(SignedNote, SigningReproducesTheReferenceNote) {
  const auto key = peter_private_key();
  SignedNote note;
  note.text = str(kText);
  note.signatures.push_back(sign_note_text(kText, "PeterNeumann", key));
  EXPECT_EQ(note.signatures[0].key_hash, 0xc74f20a3u);
  EXPECT_EQ(format_signed_note(note), str(kText) + "\n" + str(kPeterSig));

  // The SignFunction form gives the same bytes.
  const auto via_function = sign_note_text(kText, "PeterNeumann", key.public_key(),
                                           [&](std::string_view t) { return key.sign(t); });
  EXPECT_EQ(via_function.signature, note.signatures[0].signature);
  EXPECT_EQ(via_function.key_hash, note.signatures[0].key_hash);
}

TEST(SignedNote, OpensTheReferenceNote) {
  const std::string message = str(kText) + "\n" + str(kPeterSig) + str(kEnochSig);
  const auto note = parse_signed_note(message);
  ASSERT_TRUE(note.has_value()) << note.error();
  EXPECT_EQ(note->text, kText);
  ASSERT_EQ(note->signatures.size(), 2u);
  EXPECT_EQ(note->signatures[0].name, "PeterNeumann");
  EXPECT_EQ(note->signatures[0].key_hash, 0xc74f20a3u);
  EXPECT_EQ(note->signatures[0].signature.size(), 64u);
  EXPECT_EQ(note->signatures[1].name, "EnochRoot");
  EXPECT_EQ(note->signatures[1].key_hash, 0xaf0cfe78u);

  const NoteVerifier peter = verifier(kPeterVkey);
  const NoteVerifier enoch = verifier(kEnochVkey);
  EXPECT_TRUE(peter.matches(note->signatures[0]));
  EXPECT_FALSE(peter.matches(note->signatures[1]));
  EXPECT_TRUE(peter.verify(note->text, note->signatures[0]));
  EXPECT_TRUE(enoch.verify(note->text, note->signatures[1]));
  EXPECT_FALSE(peter.verify(note->text, note->signatures[1]));
  EXPECT_FALSE(enoch.verify(note->text, note->signatures[0]));
  // Text changed by one letter.
  EXPECT_FALSE(peter.verify("If you think cryptographY is the answer to your problem,\n"
                            "then you don't know what your problem is.\n",
                            note->signatures[0]));
  // format_signed_note gives back the message byte for byte.
  EXPECT_EQ(format_signed_note(*note), message);
}

TEST(SignedNote, CorruptedSignatureParsesButDoesNotVerify) {
  // note_test.go: four extra base64 characters inside the signature.
  const std::string sig = str(kPeterSig);
  const auto note = parse_signed_note(str(kText) + "\n" + sig.substr(0, 60) + "ABCD" + sig.substr(60));
  ASSERT_TRUE(note.has_value()) << note.error();
  EXPECT_FALSE(verifier(kPeterVkey).verify(note->text, note->signatures[0]));
  // One flipped bit.
  auto good = parse_signed_note(str(kText) + "\n" + sig);
  ASSERT_TRUE(good.has_value());
  for (std::size_t bit = 0; bit < 512; bit += 7) {
    NoteSignature bad = good->signatures[0];
    bad.signature[bit / 8] = static_cast<char>(bad.signature[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(verifier(kPeterVkey).verify(good->text, bad)) << bit;
  }
}

TEST(SignedNote, RejectsTheReferenceMalformedMessages) {
  const std::string text = str(kText), peter = str(kPeterSig);
  const std::string bad_messages[] = {
      text,
      text + "\n",
      text + "\n" + peter.substr(0, peter.size() - 1),
      "\x01" + text + "\n" + peter,
      "\xff" + text + "\n" + peter,
      text + "\n" + "\xe2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
      text + "\n" + peter + "Unexpected line.\n",
  };
  for (const auto& message : bad_messages) {
    EXPECT_FALSE(parse_signed_note(message).has_value()) << message;
  }
}

TEST(SignedNote, RejectsMalformedSignatureLines) {
  const std::string text = str(kText);
  const std::string b64 = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
  ASSERT_TRUE(parse_signed_note(text + "\n\xe2\x80\x94 PeterNeumann " + b64 + "\n").has_value());
  for (const std::string& line : std::initializer_list<std::string>{
           "- PeterNeumann " + b64,                      // ASCII hyphen
           "\xe2\x80\x93 PeterNeumann " + b64,           // en dash
           "\xe2\x80\x94PeterNeumann " + b64,            // no space after the dash
           " \xe2\x80\x94 PeterNeumann " + b64,          // leading space
           "\xe2\x80\x94 PeterNeumann",                  // no signature
           "\xe2\x80\x94 PeterNeumann " + b64 + " x",    // trailing field
           "\xe2\x80\x94 PeterNeumann  " + b64,          // two spaces
           "\xe2\x80\x94  " + b64,                       // empty name
           "\xe2\x80\x94 Peter+Neumann " + b64,          // '+' in name
           "\xe2\x80\x94 PeterNeumann " + b64.substr(0, b64.size() - 1),  // bad padding
           "\xe2\x80\x94 PeterNeumann " + b64 + "=",                       // bad padding
           "\xe2\x80\x94 PeterNeumann x08go_ZJkuBS9UG",                    // url alphabet, bad length
           "\xe2\x80\x94 PeterNeumann AAAAAA==",                           // four-byte blob: no signature
           "\xe2\x80\x94 PeterNeumann ",                                   // empty signature
           "\xe2\x80\x94 PeterNeumann " + b64 + "\r",                      // CR before the newline
       }) {
    EXPECT_FALSE(parse_signed_note(text + "\n" + line + "\n").has_value()) << line;
  }
  // An empty line among the signatures.
  EXPECT_FALSE(parse_signed_note(text + "\n\xe2\x80\x94 PeterNeumann " + b64 + "\n\n").has_value());
}

TEST(SignedNote, RejectsControlCharactersAndInvalidUtf8InTheText) {
  const std::string sig = str(kPeterSig);
  for (const std::string& text : std::initializer_list<std::string>{std::string("tab\there\n"), std::string("cr\r\n"), std::string("nul\0x\n", 6),
                                 std::string("del\x7f\n"), std::string("esc\x1b[0m\n"), std::string("bad \xc3(\n"),
                                 std::string("surrogate \xed\xa0\x80\n"), std::string("overlong \xc0\xaf\n")}) {
    EXPECT_FALSE(parse_signed_note(text + "\n" + sig).has_value()) << text;
  }
  // Non-ASCII UTF-8 is fine.
  EXPECT_TRUE(parse_signed_note("caf\xc3\xa9 \xe2\x82\xac\n\n" + sig).has_value());
}

TEST(SignedNote, SignParseFormatRoundTrip) {
  const auto a = crypto::Ed25519PrivateKey::generate();
  const auto b = crypto::Ed25519PrivateKey::generate();
  SignedNote note;
  note.text = "example.com/log\n42\nline three\n";
  note.signatures.push_back(sign_note_text(note.text, "example.com/log", a));
  note.signatures.push_back(sign_note_text(note.text, "witness.example", b));
  const std::string formatted = format_signed_note(note);
  const auto parsed = parse_signed_note(formatted);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->text, note.text);
  ASSERT_EQ(parsed->signatures.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(parsed->signatures[i].name, note.signatures[i].name);
    EXPECT_EQ(parsed->signatures[i].key_hash, note.signatures[i].key_hash);
    EXPECT_EQ(parsed->signatures[i].signature, note.signatures[i].signature);
  }
  EXPECT_EQ(format_signed_note(*parsed), formatted);
  const auto va = NoteVerifier::for_key("example.com/log", a.public_key());
  const auto vb = NoteVerifier::for_key("witness.example", b.public_key());
  EXPECT_TRUE(va.verify(parsed->text, parsed->signatures[0]));
  EXPECT_TRUE(vb.verify(parsed->text, parsed->signatures[1]));
  EXPECT_FALSE(va.verify(parsed->text, parsed->signatures[1]));
  // Same key under another name is another verifier.
  const auto renamed = NoteVerifier::for_key("example.com/log2", a.public_key());
  EXPECT_NE(renamed.key_hash, va.key_hash);
  EXPECT_FALSE(renamed.verify(parsed->text, parsed->signatures[0]));
}

TEST(SignedNote, TheLastBlankLineSeparatesTheSignatures) {
  // A note text may itself hold blank lines; signatures follow the last one.
  const auto key = crypto::Ed25519PrivateKey::generate();
  SignedNote note;
  note.text = "para one\n\npara two\n";
  note.signatures.push_back(sign_note_text(note.text, "k", key));
  const auto parsed = parse_signed_note(format_signed_note(note));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->text, note.text);
  EXPECT_TRUE(NoteVerifier::for_key("k", key.public_key()).verify(parsed->text, parsed->signatures[0]));
}

}  // namespace
}  // namespace mandate::ledger
