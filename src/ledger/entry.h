#pragma once
// Ledger entries and their canonical bytes (RFC 8785). An entry is the JSON
// object {"actor":{"authenticated_by"?,"id","kind"},"data","index","refs","time","traceparent"?,
// "type"}; the leaf hash covers exactly its canonical encoding.
#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mandate::ledger {

struct ActorRef {
  std::string id;
  std::string kind;  // human | workload | agent | system
  // How the actor was proven at this step, so the record shows which
  // credential was used: "local-operator" (asserted by whoever runs the CLI
  // on the home), "oidc:<issuer>", "spiffe:x509-svid", "mandate:<jti hash>"...
  // Empty only for entries written before attribution existed.
  std::string authenticated_by;
};

struct EntryDraft {
  std::string type;  // e.g. "operator.record", "task.requested"
  ActorRef actor;
  std::map<std::string, std::string> refs;  // task, mandate, approval, ... ids
  nlohmann::json data = nlohmann::json::object();
  // When set, the canonical text of the data, written with
  // encoding::CanonicalWriter by a hot path that builds no JSON tree (an
  // AuthZEN decision); `data` is then ignored.
  std::optional<std::string> canonical_data;
  std::optional<std::string> traceparent;  // W3C trace context, version 00
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
};

// A validated draft encoded canonically except for its index, which the
// ledger assigns when it commits: encoding stays on the caller's thread.
class EncodedEntry {
 public:
  const std::string& type() const { return type_; }
  std::string bytes(std::uint64_t index) const { return head_ + std::to_string(index) + tail_; }

 private:
  friend std::expected<EncodedEntry, std::string> encode_entry(const EntryDraft&);
  std::string type_, head_, tail_;
};

std::expected<EncodedEntry, std::string> encode_entry(const EntryDraft& draft);

// The top-level "index" member of canonical entry bytes, found without a
// full parse: it is the last `,"index":<digits>,"refs":` in the text, since
// nothing after it (refs values, time, traceparent, type) is anything but
// strings.
std::optional<std::uint64_t> entry_index(std::string_view bytes);

bool valid_entry_type(std::string_view type);
bool valid_traceparent(std::string_view traceparent);
std::string format_rfc3339(std::chrono::system_clock::time_point time);

}  // namespace mandate::ledger
