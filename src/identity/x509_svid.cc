#include "identity/internal/x509_svid.h"

#include <stdexcept>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_bio.h"
#include "crypto/openssl_ptr.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "core/error.h"

namespace mandate::identity {

struct X509Bundle::Store {
  crypto::CertStore store{X509_STORE_new()};
};

namespace {

using Refusal = std::unexpected<std::string>;
using crypto::Cert;
constexpr std::size_t kMaxCertificateSize = 16 * 1024;


std::expected<Cert, std::string> parse_der(const std::string& der, std::size_t index) {
  if (der.empty() || der.size() > kMaxCertificateSize) {
    return Refusal("certificate " + std::to_string(index) + " of the client chain is empty or too large");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Cert cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return Refusal("certificate " + std::to_string(index) + " of the client chain is not one DER certificate");
  }
  return cert;
}

std::expected<SpiffeId, std::string> leaf_spiffe_id(X509* leaf) {
  crypto::GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> uris;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<std::size_t>(ASN1_STRING_length(uri)));
  }
  if (uris.size() != 1) {
    return Refusal("the client certificate has " + std::to_string(uris.size()) +
                   " URI SANs; an X.509-SVID has exactly one");
  }
  auto id = parse_spiffe_id(uris.front());
  if (!id) return Refusal("the client certificate's URI SAN: " + id.error());
  return id;
}

// SPIFFE X509-SVID §4.1-4.3 for the leaf.
std::expected<void, std::string> check_leaf(X509* leaf) {
  if (X509_check_ca(leaf) != 0) return Refusal("the client certificate is a CA certificate, not an X.509-SVID leaf");
  const uint32_t flags = X509_get_extension_flags(leaf);
  if ((flags & EXFLAG_KUSAGE) == 0) return Refusal("the client certificate has no key usage extension");
  const uint32_t usage = X509_get_key_usage(leaf);
  if ((usage & KU_DIGITAL_SIGNATURE) == 0) return Refusal("the client certificate's key usage lacks digitalSignature");
  if ((usage & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0) {
    return Refusal("the client certificate's key usage allows signing certificates or CRLs");
  }
  return {};
}

std::string thumbprint(const std::string& der) {
  const auto hash = crypto::sha256(der);
  return encoding::base64url_encode(hash);
}

}  // namespace

std::expected<X509Bundle, std::string> X509Bundle::from_pem(std::string_view pem) {
  auto state = std::make_shared<Store>();
  if (!state->store) fail(ErrorKind::internal, "cannot allocate an X509_STORE");
  crypto::Bio bio = crypto::memory_bio(pem);
  int count = 0;
  while (true) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (X509_check_ca(cert.get()) == 0) return Refusal("the bundle holds a certificate that is not a CA");
    if (X509_STORE_add_cert(state->store.get(), cert.get()) != 1) return Refusal("cannot add a bundle certificate");
    ++count;
  }
  if (count == 0) return Refusal("the bundle holds no PEM certificate");
  return X509Bundle(std::move(state));
}

std::expected<SpiffeId, std::string> claimed_spiffe_id(const std::vector<std::string>& chain_der) {
  if (chain_der.empty()) return Refusal("no client certificate");
  auto leaf = parse_der(chain_der.front(), 0);
  if (!leaf) return Refusal(leaf.error());
  return leaf_spiffe_id(leaf->get());
}

std::expected<VerifiedSvid, std::string> verify_x509_svid(const std::vector<std::string>& chain_der,
                                                          const X509Bundle& bundle,
                                                          std::chrono::system_clock::time_point now) {
  if (chain_der.empty()) return Refusal("no client certificate");
  if (chain_der.size() > kMaxChainLength) return Refusal("the client certificate chain is too long");
  auto leaf = parse_der(chain_der.front(), 0);
  if (!leaf) return Refusal(leaf.error());
  auto id = leaf_spiffe_id(leaf->get());
  if (!id) return Refusal(id.error());
  if (auto ok = check_leaf(leaf->get()); !ok) return Refusal(ok.error());
  crypto::CertStack untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain_der.size(); ++i) {
    auto cert = parse_der(chain_der[i], i);
    if (!cert) return Refusal(cert.error());
    if (sk_X509_push(untrusted.get(), cert->get()) == 0) fail(ErrorKind::internal, "cannot grow a certificate stack");
    (void)cert->release();  // owned by the stack now
  }
  crypto::CertStoreCtx ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), bundle.store_->store.get(), leaf->get(), untrusted.get()) != 1) {
    fail(ErrorKind::internal, "cannot set up certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) != 1) {
    return Refusal("the client certificate chain does not verify against the bundle of trust domain " +
                   id->trust_domain + ": " + X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return VerifiedSvid{std::move(*id), thumbprint(chain_der.front())};
}

}  // namespace mandate::identity
