#pragma once
// Test material made with OpenSSL from C++: a PKI per trust domain (root,
// intermediate, SVID leaves with chosen defects), signing keys of every
// algorithm an identity provider uses, JWTs signed with them, and a fake
// JwksFetcher that serves documents from memory and counts requests.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/jwks_fetcher.h"

namespace mandate::identity::testing {

// An EVP_PKEY under shared ownership (copies share it).
class TestKey {
 public:
  // "RS256", "PS256", "ES256", "EdDSA" (RSA keys are 2048 bits).
  static TestKey generate(const std::string& alg, std::string kid);
  static TestKey rsa_bits(int bits, std::string kid);
  const std::string& alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  // The public JWK with kid (and alg for PS256).
  nlohmann::json public_jwk() const;
  std::string sign(const std::string& signing_input) const;  // JOSE form
  void* pkey() const { return pkey_.get(); }                // EVP_PKEY*
  std::string private_pem() const;

 private:
  std::shared_ptr<void> pkey_;
  std::string alg_;
  std::string kid_;
};

nlohmann::json jwks_of(const std::vector<TestKey>& keys);

// header {"alg","kid","typ":"JWT"} merged with `extra_header`, then signed.
std::string make_jwt(const TestKey& key, const nlohmann::json& claims,
                     const nlohmann::json& extra_header = nlohmann::json::object());
// A JWT with the given header and an arbitrary signature (alg none, HS256 …).
std::string raw_jwt(const nlohmann::json& header, const nlohmann::json& claims, const std::string& signature);
std::int64_t now_seconds();

struct Cert {
  std::string der;
  std::string pem;
  std::shared_ptr<void> x509;  // X509*
  TestKey key;
};

struct LeafOptions {
  std::vector<std::string> uris;  // URI SANs
  std::string other_sans;         // e.g. "IP:127.0.0.1", for a TLS server certificate
  bool is_ca = false;
  bool digital_signature = true;
  bool key_cert_sign = false;
  int valid_days = 1;
};

class TestPki {
 public:
  explicit TestPki(const std::string& name);  // root CA "name root", intermediate "name intermediate"
  const Cert& root() const { return root_; }
  const Cert& intermediate() const { return intermediate_; }
  Cert leaf(const LeafOptions& options) const;                           // issued by the intermediate
  static Cert self_signed(const LeafOptions& options);                   // issued by itself
  // leaf, intermediate (what a client sends).
  std::vector<std::string> chain(const Cert& leaf) const { return {leaf.der, intermediate_.der}; }

 private:
  Cert root_;
  Cert intermediate_;
};

// Serves documents by URL; everything else is a 404-like error.
class FakeFetcher final : public JwksFetcher {
 public:
  void serve(const std::string& url, std::string body);
  std::size_t requests(const std::string& url) const;
  std::expected<std::string, std::string> fetch(const std::string& url, const FetchOptions& options) override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> documents_;
  std::map<std::string, std::size_t> requests_;
};

}  // namespace mandate::identity::testing
