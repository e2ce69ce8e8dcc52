// JOSE signatures over OpenSSL. ES256 needs a conversion: OpenSSL speaks DER
// ECDSA-Sig-Value, JOSE (RFC 7518 §3.4) the fixed-width r||s.
#include <array>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "token/internal/openssl_key.h"
#include "core/error.h"

namespace mandate::token::detail {
namespace {

using crypto::Bignum;
using crypto::EcdsaSig;
using crypto::MdCtx;

constexpr std::size_t kEd25519SignatureSize = 64;
constexpr std::size_t kP256ScalarSize = 32;
constexpr std::size_t kMaxDerSignature = 72;

const EVP_MD* digest_for(Algorithm algorithm) { return algorithm == Algorithm::ES256 ? EVP_sha256() : nullptr; }

std::string der_to_jose(const unsigned char* der, std::size_t len) {
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(len)));
  if (!sig) fail(ErrorKind::internal, "OpenSSL returned an unreadable ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kP256ScalarSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, bytes, kP256ScalarSize) != kP256ScalarSize ||
      BN_bn2binpad(s, bytes + kP256ScalarSize, kP256ScalarSize) != kP256ScalarSize) {
    fail(ErrorKind::internal, "ECDSA signature component does not fit 32 bytes");
  }
  return out;
}

// An empty result means the signature cannot be valid.
std::string jose_to_der(std::span<const std::uint8_t> signature) {
  if (signature.size() != 2 * kP256ScalarSize) return {};
  Bignum r(BN_bin2bn(signature.data(), kP256ScalarSize, nullptr));
  Bignum s(BN_bin2bn(signature.data() + kP256ScalarSize, kP256ScalarSize, nullptr));
  EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    fail(ErrorKind::internal, "cannot allocate an ECDSA signature");
  }
  (void)r.release();  // owned by sig now
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::string jose_sign(EVP_PKEY* pkey, Algorithm algorithm, std::string_view signing_input) {
  MdCtx ctx(EVP_MD_CTX_new());
  std::array<unsigned char, kMaxDerSignature> buffer{};
  std::size_t len = buffer.size();
  const auto* message = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(algorithm), nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), buffer.data(), &len, message, signing_input.size()) != 1) {
    fail(ErrorKind::internal, "signing failed");
  }
  if (algorithm == Algorithm::ES256) return der_to_jose(buffer.data(), len);
  if (len != kEd25519SignatureSize) fail(ErrorKind::internal, "Ed25519 signature of unexpected size");
  return std::string(reinterpret_cast<const char*>(buffer.data()), len);
}

bool jose_verify(EVP_PKEY* pkey, Algorithm algorithm, std::string_view signing_input,
                 std::span<const std::uint8_t> signature) {
  std::string der;
  if (algorithm == Algorithm::ES256) {
    der = jose_to_der(signature);
    if (der.empty()) return false;
    signature = {reinterpret_cast<const std::uint8_t*>(der.data()), der.size()};
  } else if (signature.size() != kEd25519SignatureSize) {
    return false;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  const auto* message = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(algorithm), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message, signing_input.size()) == 1;
}

}  // namespace mandate::token::detail
