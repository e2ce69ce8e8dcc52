// X.509-SVID material from an attacker: the mTLS client chain a caller
// presents (input: each certificate as a 2-byte big-endian length and its
// DER, leaf first), or, for text starting with "-----BEGIN", a PEM trust
// bundle from configuration, or, for text starting with "spiffe:", a SPIFFE
// ID. A chain goes through claimed_spiffe_id and verify_x509_svid against the
// fixed bundle of svid_fuzz_bundle.h (seeds/svid/ holds chains it issued).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "identity/fuzz/svid_fuzz_bundle.h"
#include "identity/internal/spiffe_id.h"
#include "identity/internal/x509_svid.h"

namespace {

namespace identity = mandate::identity;
using Clock = std::chrono::system_clock;

void require(bool holds) {
  if (!holds) std::abort();
}

// 2027-06-01T00:00:00Z: the seeds' certificates are valid then (they were
// made on 2026-12-04 for 100 years), and all have expired by 2200.
const Clock::time_point kNow = Clock::time_point(std::chrono::seconds{1811808000});
const Clock::time_point kExpired = Clock::time_point(std::chrono::seconds{7258118400});

const identity::X509Bundle& bundle() {
  static const identity::X509Bundle b = *identity::X509Bundle::from_pem(kFuzzBundlePem);
  return b;
}

std::vector<std::string> good_chain() {
  static const std::vector<std::string> chain = [] {
    std::vector<std::string> out;
    for (const char* der : {kFuzzLeafDer, kFuzzIntermediateDer}) {
      const auto bytes = *mandate::encoding::base64_decode(der);
      out.emplace_back(bytes.begin(), bytes.end());
    }
    return out;
  }();
  return chain;
}

// A parsed SPIFFE ID prints as the text it came from, and parses again.
void check_id(const identity::SpiffeId& id) {
  require(identity::valid_trust_domain(id.trust_domain) && id.path.starts_with('/') && id.str().size() <= 2048);
  auto again = identity::parse_spiffe_id(id.str());
  require(again && again->trust_domain == id.trust_domain && again->path == id.path);
}

std::vector<std::string> split_chain(std::string_view in) {
  std::vector<std::string> chain;
  while (in.size() >= 2 && chain.size() <= identity::kMaxChainLength) {
    const std::size_t n = (static_cast<std::size_t>(static_cast<std::uint8_t>(in[0])) << 8) |
                          static_cast<std::uint8_t>(in[1]);
    in.remove_prefix(2);
    const std::size_t take = std::min(n, in.size());
    chain.emplace_back(in.substr(0, take));
    in.remove_prefix(take);
  }
  return chain;
}

void check_chain(const std::vector<std::string>& chain) {
  const auto claimed = identity::claimed_spiffe_id(chain);
  if (claimed) check_id(*claimed);
  const auto verified = identity::verify_x509_svid(chain, bundle(), kNow);
  if (!verified) {
    require(!verified.error().empty());
    return;
  }
  // Verified: the leaf's claim, the RFC 8705 thumbprint of the leaf, and a
  // chain of at most kMaxChainLength; never after everything has expired.
  require(claimed && claimed->trust_domain == verified->id.trust_domain && claimed->path == verified->id.path);
  require(chain.size() <= identity::kMaxChainLength);
  require(verified->thumbprint == mandate::encoding::base64url_encode(mandate::crypto::sha256(chain.front())));
  require(!identity::verify_x509_svid(chain, bundle(), kExpired));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.starts_with("spiffe:")) {
    if (auto id = identity::parse_spiffe_id(text)) {
      require(id->str() == text);
      check_id(*id);
    }
  } else if (text.starts_with("-----BEGIN")) {
    // A bundle from configuration; what loads verifies the good chain or not.
    if (auto b = identity::X509Bundle::from_pem(text)) (void)identity::verify_x509_svid(good_chain(), *b, kNow);
  } else {
    check_chain(split_chain(text));
  }
  return 0;
}
