// SHA-256 against FIPS 180-2's examples (Appendix B) and the incremental
// form against the one-shot one.
#include "crypto/sha256.h"

#include <gtest/gtest.h>

#include <string>

#include "encoding/hex.h"

namespace mandate::crypto {
namespace {

std::string hex(const Hash& h) { return encoding::hex_encode(h); }

TEST(Sha256, Fips180Examples) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(sha256(std::string(1'000'000, 'a'))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShotAndStartsOverAfterFinish) {
  Sha256 h;
  h.update(std::uint8_t{0x00}).update("leaf bytes");
  const Hash first = h.finish();
  EXPECT_EQ(first, sha256(std::string("\0leaf bytes", 11)));
  EXPECT_EQ(h.update("abc").finish(), sha256("abc")) << "finish starts over";
}

}  // namespace
}  // namespace mandate::crypto
