// C2SP tlog-checkpoint bodies, signed checkpoints, and an independent check
// of their Ed25519 signatures with the OpenSSL command line.
#include "ledger/checkpoint.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "encoding/base64.h"
#include "ledger/units_support.h"
#include "support/files.h"

namespace mandate::ledger {
namespace {

using testing::hash_from_hex;

constexpr std::string_view kOrigin = "example.com/mandate/ledger";
constexpr std::string_view kRootHex = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

Checkpoint sample(std::uint64_t size = 8, std::vector<std::string> extensions = {}) {
  Checkpoint cp;
  cp.origin = std::string(kOrigin);
  cp.size = size;
  cp.root = hash_from_hex(kRootHex);
  cp.extensions = std::move(extensions);
  return cp;
}

std::string root_b64() { return encoding::base64_encode(hash_from_hex(kRootHex)); }

TEST(CheckpointBody, Format) {
  EXPECT_EQ(root_b64(), "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=");
  EXPECT_EQ(sample().body(), "example.com/mandate/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
  EXPECT_EQ(sample(0, {"ext one", "\xe2\x80\x94 two"}).body(),
            "example.com/mandate/ledger\n0\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\next one\n\xe2\x80\x94 two\n");
  EXPECT_EQ(sample(18446744073709551615ull).body().substr(kOrigin.size() + 1, 21), "18446744073709551615\n");
}

TEST(CheckpointBody, ParseFormatRoundTrip) {
  for (const Checkpoint& cp : {sample(), sample(0), sample(1), sample(18446744073709551615ull),
                               sample(12345, {"a", "b c", "timestamp 1700000000"})}) {
    const auto parsed = parse_checkpoint_body(cp.body());
    ASSERT_TRUE(parsed.has_value()) << cp.body() << ": " << parsed.error();
    EXPECT_EQ(parsed->origin, cp.origin);
    EXPECT_EQ(parsed->size, cp.size);
    EXPECT_EQ(parsed->root, cp.root);
    EXPECT_EQ(parsed->extensions, cp.extensions);
    EXPECT_EQ(parsed->body(), cp.body());
  }
}

TEST(CheckpointBody, RejectsBadSizeLines) {
  const std::string root = root_b64();
  for (const std::string& size : std::initializer_list<std::string>{"", "01", "00", "-1", "+1", " 1", "1 ", "1a", "0x10", "1e3", "1.0",
                                 "18446744073709551616", "99999999999999999999999", "\xef\xbc\x91"}) {
    EXPECT_FALSE(parse_checkpoint_body("o\n" + size + "\n" + root + "\n").has_value()) << size;
  }
  EXPECT_TRUE(parse_checkpoint_body("o\n0\n" + root + "\n").has_value());
  EXPECT_TRUE(parse_checkpoint_body("o\n10\n" + root + "\n").has_value());
}

TEST(CheckpointBody, RejectsBadRootLines) {
  const Hash root = hash_from_hex(kRootHex);
  const std::string short_root = encoding::base64_encode(std::span(root).first(31));
  std::vector<std::uint8_t> long_bytes(root.begin(), root.end());
  long_bytes.push_back(0);
  const std::string long_root = encoding::base64_encode(long_bytes);
  const std::string good = root_b64();
  for (const std::string& line : std::initializer_list<std::string>{short_root, long_root, std::string(""), good.substr(0, good.size() - 1),
                                 encoding::base64url_encode(root), good + " ", "not base64 at all",
                                 std::string("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=")}) {
    EXPECT_FALSE(parse_checkpoint_body("o\n1\n" + line + "\n").has_value()) << line;
  }
}

TEST(CheckpointBody, RejectsStructuralProblems) {
  const std::string root = root_b64();
  EXPECT_FALSE(parse_checkpoint_body("o\n1\n" + root).has_value());             // no final newline
  EXPECT_FALSE(parse_checkpoint_body("o\n1\n" + root + "\next").has_value());   // extension without newline
  EXPECT_FALSE(parse_checkpoint_body("o\n1\n" + root + "\n\n").has_value());    // empty extension line
  EXPECT_FALSE(parse_checkpoint_body("o\n1\n" + root + "\na\n\nb\n").has_value());
  EXPECT_FALSE(parse_checkpoint_body("\n1\n" + root + "\n").has_value());       // empty origin
  EXPECT_FALSE(parse_checkpoint_body("o\n1\n").has_value());                     // no root
  EXPECT_FALSE(parse_checkpoint_body("o\n").has_value());
  EXPECT_FALSE(parse_checkpoint_body("").has_value());
  EXPECT_FALSE(parse_checkpoint_body("\n").has_value());
  EXPECT_FALSE(parse_checkpoint_body(root + "\n1\no\n").has_value());            // lines out of order
}

class SignedCheckpoint : public ::testing::Test {
 protected:
  crypto::Ed25519PrivateKey key_ = crypto::Ed25519PrivateKey::generate();
  crypto::Ed25519PrivateKey other_key_ = crypto::Ed25519PrivateKey::generate();
  NoteVerifier verifier_ = NoteVerifier::for_key(std::string(kOrigin), key_.public_key());
};

TEST_F(SignedCheckpoint, OpensWhatItSigns) {
  const Checkpoint cp = sample(8, {"extension line"});
  const std::string note = sign_checkpoint(cp, key_);
  ASSERT_TRUE(note.starts_with(cp.body() + "\n\xe2\x80\x94 " + std::string(kOrigin) + " ")) << note;
  const std::vector<NoteVerifier> verifiers = {verifier_};
  const auto opened = open_checkpoint(note, kOrigin, verifiers);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  EXPECT_EQ(opened->origin, cp.origin);
  EXPECT_EQ(opened->size, cp.size);
  EXPECT_EQ(opened->root, cp.root);
  EXPECT_EQ(opened->extensions, cp.extensions);
  // The SignFunction overload signs the same bytes (Ed25519 is deterministic).
  EXPECT_EQ(sign_checkpoint(cp, key_.public_key(), [&](std::string_view t) { return key_.sign(t); }), note);
}

TEST_F(SignedCheckpoint, AcceptsWhenAnyListedKeyVerifies) {
  const std::string note = sign_checkpoint(sample(), key_);
  // An unrelated verifier first, then the right one.
  const std::vector<NoteVerifier> verifiers = {NoteVerifier::for_key("witness", other_key_.public_key()), verifier_};
  EXPECT_TRUE(open_checkpoint(note, kOrigin, verifiers).has_value());
  // A cosignature from another key alongside ours.
  auto parsed = parse_signed_note(note);
  ASSERT_TRUE(parsed.has_value());
  parsed->signatures.insert(parsed->signatures.begin(), sign_note_text(parsed->text, "witness", other_key_));
  EXPECT_TRUE(open_checkpoint(format_signed_note(*parsed), kOrigin, verifiers).has_value());
  const std::vector<NoteVerifier> only_ours = {verifier_};
  EXPECT_TRUE(open_checkpoint(format_signed_note(*parsed), kOrigin, only_ours).has_value());
}

TEST_F(SignedCheckpoint, RejectsAnotherOrigin) {
  Checkpoint cp = sample();
  cp.origin = "example.com/other";
  const std::string note = sign_checkpoint(cp, key_);
  const std::vector<NoteVerifier> verifiers = {NoteVerifier::for_key("example.com/other", key_.public_key()),
                                               verifier_};
  const auto opened = open_checkpoint(note, kOrigin, verifiers);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().find("origin"), std::string::npos) << opened.error();
}

TEST_F(SignedCheckpoint, RejectsUnknownKeys) {
  const std::string note = sign_checkpoint(sample(), other_key_);  // same name, other key
  const std::vector<NoteVerifier> verifiers = {verifier_};
  const auto opened = open_checkpoint(note, kOrigin, verifiers);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().find("not signed by any key"), std::string::npos) << opened.error();
  EXPECT_FALSE(open_checkpoint(sign_checkpoint(sample(), key_), kOrigin, std::span<const NoteVerifier>{}).has_value());
}

TEST_F(SignedCheckpoint, RejectsAModifiedBodyUnderAKnownKey) {
  const Checkpoint cp = sample(8);
  const std::string note = sign_checkpoint(cp, key_);
  const std::vector<NoteVerifier> verifiers = {verifier_};
  ASSERT_TRUE(open_checkpoint(note, kOrigin, verifiers).has_value());

  auto replace = [&](const std::string& from, const std::string& to) {
    std::string changed = note;
    const auto at = changed.find(from);
    EXPECT_NE(at, std::string::npos);
    changed.replace(at, from.size(), to);
    return changed;
  };
  // Bigger tree, same signature.
  const auto bigger = open_checkpoint(replace("\n8\n", "\n9\n"), kOrigin, verifiers);
  ASSERT_FALSE(bigger.has_value());
  EXPECT_NE(bigger.error().find("does not verify"), std::string::npos) << bigger.error();
  // Another root, same signature.
  Hash other_root = hash_from_hex(kRootHex);
  other_root[31] ^= 1;
  EXPECT_FALSE(open_checkpoint(replace(root_b64(), encoding::base64_encode(other_root)), kOrigin, verifiers)
                   .has_value());
  // An extension line slipped in.
  EXPECT_FALSE(open_checkpoint(replace(root_b64() + "\n", root_b64() + "\nextra\n"), kOrigin, verifiers)
                   .has_value());
  // A corrupted signature.
  auto parsed = parse_signed_note(note);
  ASSERT_TRUE(parsed.has_value());
  parsed->signatures[0].signature[5] ^= 0x20;
  EXPECT_FALSE(open_checkpoint(format_signed_note(*parsed), kOrigin, verifiers).has_value());
  // Not a note at all, or a note whose body is not a checkpoint.
  EXPECT_FALSE(open_checkpoint(cp.body(), kOrigin, verifiers).has_value());
  SignedNote not_checkpoint;
  not_checkpoint.text = "hello\n";
  not_checkpoint.signatures.push_back(sign_note_text(not_checkpoint.text, kOrigin, key_));
  EXPECT_FALSE(open_checkpoint(format_signed_note(not_checkpoint), kOrigin, verifiers).has_value());
}

// --- Independent verification with the OpenSSL command line ---------------

using mandate::testing::TempDir;
using mandate::testing::write_file;

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[512];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

TEST_F(SignedCheckpoint, SignatureVerifiesWithTheOpensslCommandLine) {
  // A missing prerequisite fails: scripts/install-deps.sh installs openssl.
  if (run("openssl version").exit_code != 0) GTEST_FAIL() << "the openssl command is not installed: run scripts/install-deps.sh";
  const Checkpoint cp = sample(1234567, {"ext"});
  const auto note = parse_signed_note(sign_checkpoint(cp, key_));
  ASSERT_TRUE(note.has_value());
  ASSERT_EQ(note->signatures.size(), 1u);
  ASSERT_EQ(note->signatures[0].signature.size(), 64u);
  ASSERT_EQ(note->text, cp.body());

  TempDir dir;
  write_file(dir / "pub.pem", crypto::ed25519_public_key_to_pem(key_.public_key()));
  write_file(dir / "body", note->text);
  write_file(dir / "sig", note->signatures[0].signature);
  write_file(dir / "modified", sample(1234568, {"ext"}).body());
  const std::string verify = "openssl pkeyutl -verify -pubin -inkey " + quoted(dir / "pub.pem") + " -rawin -sigfile " +
                             quoted(dir / "sig") + " -in ";

  const auto good = run(verify + quoted(dir / "body"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("Signature Verified Successfully"), std::string::npos) << good.output;

  const auto bad = run(verify + quoted(dir / "modified"));
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_EQ(bad.output.find("Signature Verified Successfully"), std::string::npos) << bad.output;

  // And the other way round: a signature OpenSSL makes verifies here.
  write_file(dir / "priv.pem", key_.to_pem());
  const auto signed_by_openssl = run("openssl pkeyutl -sign -inkey " + quoted(dir / "priv.pem") + " -rawin -in " +
                                     quoted(dir / "body") + " -out " + quoted(dir / "sig2"));
  ASSERT_EQ(signed_by_openssl.exit_code, 0) << signed_by_openssl.output;
  std::ifstream in(dir / "sig2", std::ios::binary);
  const std::string sig2((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(sig2, note->signatures[0].signature);  // Ed25519 is deterministic
}

}  // namespace
}  // namespace mandate::ledger
