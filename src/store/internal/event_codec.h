#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// How an event's delegation chain and signals are kept in one column each:
// the same JSON on every backend, so a database moved from one to the other
// (or read by hand) means the same thing.
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_event.h"

namespace mandate::store {

// Always valid UTF-8 without NUL bytes (JSON escapes them, and invalid
// sequences are replaced), so the text fits any database's text type.
std::string encode_chain(const std::vector<core::DelegationLink>& chain);
std::string encode_signals(const std::vector<std::string>& signals);

// Error{check_failed} when the stored text is not what encode_* wrote.
std::vector<core::DelegationLink> decode_chain(std::string_view text);
std::vector<std::string> decode_signals(std::string_view text);

}  // namespace mandate::store
