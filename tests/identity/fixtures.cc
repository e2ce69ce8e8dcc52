#include "fixtures.h"

#include <random>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_ptr.h"
#include "encoding/base64.h"

namespace mandate::identity::testing {
namespace {

EVP_PKEY* raw(const TestKey& key) { return static_cast<EVP_PKEY*>(key.pkey()); }

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

std::string b64(const std::string& s) { return encoding::base64url_encode(s); }

std::string bn_bytes(EVP_PKEY* pkey, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  check(EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, "get bn param");
  const int size = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(size), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
  BN_free(bn);
  return out;
}

std::string der_to_jose(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  check(sig != nullptr, "d2i_ECDSA_SIG");
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

std::shared_ptr<void> own(EVP_PKEY* p) { return std::shared_ptr<EVP_PKEY>(crypto::Pkey(p)); }

}  // namespace

TestKey TestKey::generate(const std::string& alg, std::string kid) {
  TestKey key;
  key.alg_ = alg;
  key.kid_ = std::move(kid);
  EVP_PKEY* p = nullptr;
  if (alg == "RS256" || alg == "PS256") p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
  if (alg == "ES256") p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (alg == "EdDSA") p = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  check(p != nullptr, "keygen");
  key.pkey_ = own(p);
  return key;
}

TestKey TestKey::rsa_bits(int bits, std::string kid) {
  TestKey key;
  key.alg_ = "RS256";
  key.kid_ = std::move(kid);
  EVP_PKEY* p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  check(p != nullptr, "keygen");
  key.pkey_ = own(p);
  return key;
}

nlohmann::json TestKey::public_jwk() const {
  nlohmann::json jwk{{"kid", kid_}, {"use", "sig"}};
  EVP_PKEY* p = raw(*this);
  if (alg_ == "RS256" || alg_ == "PS256") {
    jwk["kty"] = "RSA";
    jwk["n"] = b64(bn_bytes(p, OSSL_PKEY_PARAM_RSA_N, 0));
    jwk["e"] = b64(bn_bytes(p, OSSL_PKEY_PARAM_RSA_E, 0));
    if (alg_ == "PS256") jwk["alg"] = "PS256";
  } else if (alg_ == "ES256") {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = b64(bn_bytes(p, OSSL_PKEY_PARAM_EC_PUB_X, 32));
    jwk["y"] = b64(bn_bytes(p, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  } else {
    std::string x(32, '\0');
    std::size_t len = x.size();
    check(EVP_PKEY_get_raw_public_key(p, reinterpret_cast<unsigned char*>(x.data()), &len) == 1, "raw public");
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = b64(x);
  }
  return jwk;
}

std::string TestKey::sign(const std::string& input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = alg_ == "EdDSA" ? nullptr : EVP_sha256();
  check(EVP_DigestSignInit(ctx, &pctx, md, nullptr, raw(*this)) == 1, "sign init");
  if (alg_ == "PS256") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t len = 0;
  const auto* msg = reinterpret_cast<const unsigned char*>(input.data());
  check(EVP_DigestSign(ctx, nullptr, &len, msg, input.size()) == 1, "sign size");
  std::string out(len, '\0');
  check(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, msg, input.size()) == 1, "sign");
  EVP_MD_CTX_free(ctx);
  out.resize(len);
  return alg_ == "ES256" ? der_to_jose(out) : out;
}

std::string TestKey::private_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_PrivateKey(bio, raw(*this), nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

nlohmann::json jwks_of(const std::vector<TestKey>& keys) {
  nlohmann::json out{{"keys", nlohmann::json::array()}};
  for (const auto& k : keys) out["keys"].push_back(k.public_jwk());
  return out;
}

std::string make_jwt(const TestKey& key, const nlohmann::json& claims, const nlohmann::json& extra_header) {
  nlohmann::json header{{"alg", key.alg()}, {"kid", key.kid()}, {"typ", "JWT"}};
  header.update(extra_header);
  const std::string input = b64(header.dump()) + "." + b64(claims.dump());
  return input + "." + b64(key.sign(input));
}

std::string raw_jwt(const nlohmann::json& header, const nlohmann::json& claims, const std::string& signature) {
  return b64(header.dump()) + "." + b64(claims.dump()) + "." + b64(signature);
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

X509* x(const Cert& c) { return static_cast<X509*>(c.x509.get()); }

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// `issuer` null: self-signed.
Cert make_cert(const std::string& cn, const LeafOptions& o, const Cert* issuer) {
  TestKey key = TestKey::generate("ES256", cn);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  std::random_device random;  // distinct serials, as a real CA would issue
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(random() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * o.valid_days);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(x(*issuer)) : name);
  X509_set_pubkey(cert, raw(key));
  X509* signer_cert = issuer != nullptr ? x(*issuer) : cert;
  add_ext(cert, signer_cert, NID_basic_constraints, o.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  std::string usage;
  if (o.digital_signature) usage += "digitalSignature,";
  if (o.key_cert_sign) usage += "keyCertSign,cRLSign,";
  if (!usage.empty()) add_ext(cert, signer_cert, NID_key_usage, "critical," + usage.substr(0, usage.size() - 1));
  add_ext(cert, signer_cert, NID_subject_key_identifier, "hash");
  add_ext(cert, signer_cert, NID_authority_key_identifier, "keyid:always");
  std::string sans = o.other_sans;
  for (const auto& uri : o.uris) sans += (sans.empty() ? "URI:" : ",URI:") + uri;
  if (!sans.empty()) add_ext(cert, signer_cert, NID_subject_alt_name, sans);
  check(X509_sign(cert, raw(issuer != nullptr ? issuer->key : key), EVP_sha256()) > 0, "X509_sign");
  Cert out{{}, {}, std::shared_ptr<X509>(crypto::Cert(cert)), key};
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  out.pem.assign(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

LeafOptions ca_options() {
  LeafOptions o;
  o.is_ca = true;
  o.digital_signature = false;
  o.key_cert_sign = true;
  o.valid_days = 30;
  return o;
}

}  // namespace

TestPki::TestPki(const std::string& name)
    : root_(make_cert(name + " root", ca_options(), nullptr)),
      intermediate_(make_cert(name + " intermediate", ca_options(), &root_)) {}

Cert TestPki::leaf(const LeafOptions& options) const { return make_cert("svid", options, &intermediate_); }

Cert TestPki::self_signed(const LeafOptions& options) { return make_cert("self", options, nullptr); }

void FakeFetcher::serve(const std::string& url, std::string body) {
  const std::lock_guard lock(mutex_);
  documents_[url] = std::move(body);
}

std::size_t FakeFetcher::requests(const std::string& url) const {
  const std::lock_guard lock(mutex_);
  const auto it = requests_.find(url);
  return it == requests_.end() ? 0 : it->second;
}

std::expected<std::string, std::string> FakeFetcher::fetch(const std::string& url, const FetchOptions&) {
  const std::lock_guard lock(mutex_);
  ++requests_[url];
  const auto it = documents_.find(url);
  if (it == documents_.end()) return std::unexpected("GET " + url + ": HTTP status 404");
  return it->second;
}

}  // namespace mandate::identity::testing
