#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// SPIFFE IDs as the SPIFFE-ID specification (§2) defines them:
// spiffe://<trust domain>/<path>, lower-case trust domain of [a-z0-9.-_],
// path segments of [A-Za-z0-9.-_] that are neither empty nor "." or "..",
// no query, fragment, port or user info, at most 2048 bytes.
#include <expected>
#include <string>
#include <string_view>

namespace mandate::identity {

struct SpiffeId {
  std::string trust_domain;
  std::string path;  // starts with '/' (workload IDs always have one)
  std::string str() const { return "spiffe://" + trust_domain + path; }
};

// A workload's SPIFFE ID: a path is required.
std::expected<SpiffeId, std::string> parse_spiffe_id(std::string_view text);
bool valid_trust_domain(std::string_view name);

}  // namespace mandate::identity
