#pragma once
// Identifiers travel into tokens, ledger entries, log lines and SQL keys. The
// checks here keep each of them one unambiguous, printable string, so an id
// can neither forge a log line nor hide as a look-alike of another id.
//
// Errors describe the problem but never echo the offending value: it may be
// long, unprintable, or something a caller pasted by mistake (invariant 5).

#include <cstddef>
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace mandate::core {

// SPIFFE's interoperability limit for a whole ID, applied to every id so one
// bound holds across kinds.
inline constexpr std::size_t kMaxIdLength = 2048;
// RFC 3986's limit on a URI host, which SPIFFE adopts for the trust domain.
inline constexpr std::size_t kMaxTrustDomainLength = 255;
// Intent, comments and display names are for people; this bounds what one
// request can make the ledger store.
inline constexpr std::size_t kMaxTextLength = 16 * 1024;

// Any identifier: non-empty, at most kMaxIdLength bytes, valid UTF-8, and free
// of control characters (C0, DEL, C1) that could split or rewrite a log line.
std::expected<void, std::string> check_id(std::string_view id);

// A SPIFFE ID as the SPIFFE-ID specification defines it:
//   spiffe://<trust-domain>[/<segment>]*
// scheme exactly "spiffe" (lower case); trust domain non-empty, at most 255
// bytes of [a-z0-9.-_] (so no userinfo, port or upper case); each path segment
// non-empty, not "." or "..", of [A-Za-z0-9.-_]; no trailing "/", no query, no
// fragment, no percent-encoding; whole ID at most 2048 bytes. An ID with no path
// names the trust domain itself and is accepted here; see check_workload_id.
std::expected<void, std::string> check_spiffe_id(std::string_view id);
bool is_spiffe_id(std::string_view id);

// An absolute URI: an RFC 3986 scheme (ALPHA *(ALPHA / DIGIT / "+" / "-" / "."))
// followed by ":" and a non-empty remainder without spaces. A scheme spelled
// "spiffe" in any case must then satisfy check_spiffe_id, so a malformed SPIFFE
// ID cannot pass as some other URI. Subjects such as
// "repo:org/app:ref:refs/heads/main" (GitHub Actions) and
// "system:serviceaccount:ns:sa" (Kubernetes) fit this shape on purpose.
std::expected<void, std::string> check_uri(std::string_view id);

// A workload's id: check_id plus check_uri, and a SPIFFE ID must have a path,
// because a bare trust domain identifies its signing authority, not a workload.
std::expected<void, std::string> check_workload_id(std::string_view id);

// A list of names (groups, systems, actions, ...): every entry passes check_id
// and none repeats, so the list reads as a set with one spelling.
std::expected<void, std::string> check_distinct_ids(std::span<const std::string> ids);

// Free text written by people (intent, comments, display names): non-empty,
// at most kMaxTextLength bytes, valid UTF-8, and no control characters except
// tab and line breaks (CR, LF), which multi-line intent needs.
std::expected<void, std::string> check_text(std::string_view text);

}  // namespace mandate::core
