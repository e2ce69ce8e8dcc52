#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// SPIFFE X.509-SVIDs (the SPIFFE X509-SVID specification) presented as mTLS
// client certificate chains, verified with OpenSSL against the X.509 bundle
// of the SVID's own trust domain only.
#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "identity/internal/spiffe_id.h"

namespace mandate::identity {

inline constexpr std::size_t kMaxChainLength = 8;

// The trust anchors of one trust domain. Immutable after construction and
// safe to verify against from several threads.
class X509Bundle {
 public:
  // One or more PEM certificates; each must be a CA certificate.
  static std::expected<X509Bundle, std::string> from_pem(std::string_view pem);
  struct Store;  // the OpenSSL X509_STORE

 private:
  explicit X509Bundle(std::shared_ptr<const Store> store) : store_(std::move(store)) {}
  std::shared_ptr<const Store> store_;
  friend std::expected<struct VerifiedSvid, std::string> verify_x509_svid(const std::vector<std::string>&,
                                                                          const X509Bundle&,
                                                                          std::chrono::system_clock::time_point);
};

// The SPIFFE ID the chain's leaf claims, read without verifying anything, to
// choose the bundle. Refuses a leaf with no or several URI SANs, or one that
// is not a SPIFFE ID.
std::expected<SpiffeId, std::string> claimed_spiffe_id(const std::vector<std::string>& chain_der);

struct VerifiedSvid {
  SpiffeId id;
  std::string thumbprint;  // RFC 8705 x5t#S256: base64url(SHA-256(leaf DER))
};

// Leaf: exactly one URI SAN (a SPIFFE ID), not a CA, key usage with
// digitalSignature and without keyCertSign/cRLSign. Chain: leaf first, at
// most kMaxChainLength certificates, verified to an anchor of `bundle` at
// `now` (X509_V_FLAG_X509_STRICT, purpose TLS client).
std::expected<VerifiedSvid, std::string> verify_x509_svid(const std::vector<std::string>& chain_der,
                                                          const X509Bundle& bundle,
                                                          std::chrono::system_clock::time_point now);

}  // namespace mandate::identity
