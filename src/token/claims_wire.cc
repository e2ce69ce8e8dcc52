#include "token/internal/claims_wire.h"

#include <algorithm>
#include <iterator>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "token/internal/authorization_details.h"
#include "token/internal/json_writer.h"

namespace mandate::token::detail {
namespace {

using Json = nlohmann::json;
using Refusal = std::unexpected<std::string>;

// 9999-12-31T23:59:59Z: core::Timestamp's canonical text stops there.
constexpr std::int64_t kMaxNumericDate = 253402300799;

std::expected<std::string, std::string> required_string(const Json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return Refusal(std::string("the claim \"") + name + "\" is missing");
  if (!it->is_string()) return Refusal(std::string("the claim \"") + name + "\" is not a string");
  return it->get<std::string>();
}

std::expected<std::optional<std::string>, std::string> optional_string(const Json& payload, const char* name) {
  if (!payload.contains(name)) return std::optional<std::string>{};
  auto value = required_string(payload, name);
  if (!value) return Refusal(value.error());
  return std::optional<std::string>(std::move(*value));
}

std::expected<std::uint32_t, std::string> required_count(const Json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return Refusal(std::string("the claim \"") + name + "\" is missing");
  if (!it->is_number_integer() || *it < 0 || *it > std::numeric_limits<std::uint32_t>::max()) {
    return Refusal(std::string("the claim \"") + name + "\" is not an integer from 0 to 2^32-1");
  }
  return it->get<std::uint32_t>();
}

// The "act" chain, outermost (the acting executor) first.
std::expected<std::vector<std::string>, std::string> read_act_chain(const Json& payload) {
  const auto it = payload.find("act");
  if (it == payload.end()) return Refusal("the claim \"act\" is missing: a mandate names the executor acting");
  std::vector<std::string> outermost_first;
  for (const Json* level = &*it; level != nullptr;) {
    if (!level->is_object()) return Refusal("an \"act\" claim is not a JSON object");
    if (outermost_first.size() == kMaxActChain) return Refusal("the \"act\" chain is longer than 16 levels");
    auto sub = required_string(*level, "sub");
    if (!sub) return Refusal("in \"act\": " + sub.error());
    outermost_first.push_back(std::move(*sub));
    const auto next = level->find("act");
    level = next == level->end() ? nullptr : &*next;
  }
  return outermost_first;
}

std::expected<core::KeyBinding, std::string> read_key_binding(const Json& payload) {
  const auto it = payload.find("cnf");
  if (it == payload.end()) return Refusal("the claim \"cnf\" is missing: a mandate is always bound to a key");
  if (!it->is_object()) return Refusal("the claim \"cnf\" is not a JSON object");
  const bool jkt = it->contains("jkt");
  const bool x5t = it->contains("x5t#S256");
  if (jkt == x5t) return Refusal("the claim \"cnf\" must hold exactly one of \"jkt\" and \"x5t#S256\"");
  auto thumbprint = required_string(*it, jkt ? "jkt" : "x5t#S256");
  if (!thumbprint) return Refusal("in \"cnf\": " + thumbprint.error());
  return core::KeyBinding{jkt ? core::KeyBindingKind::jkt : core::KeyBindingKind::x5t_s256, std::move(*thumbprint)};
}

// RFC 8693 §4.1: "act" names the party acting for "sub"; earlier actors
// nest inside, the most recent outermost. The executor acts now; each
// executor that delegated to it acted before, back to the first.
void write_act_chain(JsonWriter& out, const std::string& executor, const std::vector<std::string>& on_behalf_of) {
  std::vector<std::string_view> actors{executor};
  for (auto it = on_behalf_of.rbegin(); std::next(it) != on_behalf_of.rend(); ++it) actors.push_back(*it);
  for (std::size_t i = 0; i < actors.size(); ++i) {
    out.open_object();
    out.member("sub", actors[i]);
    if (i + 1 < actors.size()) out.key("act");
  }
  for (std::size_t i = 0; i < actors.size(); ++i) out.close_object();
}

void write_audience(JsonWriter& out, const std::vector<std::string>& audience) {
  if (audience.size() == 1) return out.value(audience.front());
  out.open_array();
  for (const auto& a : audience) out.value(a);
  out.close_array();
}

}  // namespace

std::int64_t to_numeric_date(core::Timestamp t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

std::expected<core::Timestamp, std::string> read_numeric_date(const Json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return Refusal(std::string("the claim \"") + name + "\" is missing");
  if (!it->is_number_integer() || *it < 0 || *it > kMaxNumericDate) {
    return Refusal(std::string("the claim \"") + name + "\" is not a NumericDate in whole seconds");
  }
  return core::Timestamp{std::chrono::seconds{it->get<std::int64_t>()}};
}

std::string claims_to_payload(const MandateClaims& claims) {
  JsonWriter out;
  out.open_object();
  out.member("iss", claims.issuer);
  out.member("sub", claims.on_behalf_of.empty() ? std::string() : claims.on_behalf_of.front());
  out.key("aud");
  write_audience(out, claims.audience);
  out.member("client_id", claims.executor);
  out.member("jti", claims.jti);
  out.member("iat", to_numeric_date(claims.issued_at));
  out.member("nbf", to_numeric_date(claims.not_before));
  out.member("exp", to_numeric_date(claims.expires_at));
  out.key("act");
  write_act_chain(out, claims.executor, claims.on_behalf_of);
  out.key("authorization_details");
  if (auto ok = write_scope(out, claims.scope); !ok) {
    fail(ErrorKind::bad_input, "cannot issue a mandate token: " + ok.error());
  }
  out.key("cnf");
  out.open_object();
  out.member(core::to_string(claims.key_binding.kind), claims.key_binding.thumbprint);
  out.close_object();
  out.key(kMandateClaim);
  out.open_object();
  out.member("task_id", claims.task_id);
  if (!claims.approval_hash.empty()) out.member("approval_hash", claims.approval_hash);
  if (claims.parent_jti) out.member("parent_jti", *claims.parent_jti);
  out.member("depth", claims.depth);
  out.member("max_uses", claims.max_uses);
  out.member("break_glass", claims.break_glass);
  out.close_object();
  out.close_object();
  return out.take();
}

std::expected<std::vector<std::string>, std::string> read_audience(const Json& payload) {
  const auto it = payload.find("aud");
  if (it == payload.end()) return Refusal("the claim \"aud\" is missing");
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  if (!it->is_array() || it->empty()) return Refusal("the claim \"aud\" is neither a string nor a non-empty array");
  if (it->size() > kMaxAudiences) return Refusal("the claim \"aud\" names more than 16 audiences");
  std::vector<std::string> out;
  for (const Json& a : *it) {
    if (!a.is_string()) return Refusal("the claim \"aud\" holds a value that is not a string");
    out.push_back(a.get<std::string>());
  }
  return out;
}

std::expected<void, std::string> read_claims(const Json& payload, MandateClaims& out) {
  auto subject = required_string(payload, "sub");
  if (!subject) return Refusal(subject.error());
  auto client_id = required_string(payload, "client_id");
  if (!client_id) return Refusal(client_id.error());
  auto jti = required_string(payload, "jti");
  if (!jti) return Refusal(jti.error());
  auto actors = read_act_chain(payload);
  if (!actors) return Refusal(actors.error());
  if (actors->front() != *client_id) return Refusal("the claim \"client_id\" is not the acting executor (the outermost \"act\")");
  const auto details = payload.find("authorization_details");
  if (details == payload.end()) return Refusal("the claim \"authorization_details\" is missing");
  auto scope = scope_from_json(*details);
  if (!scope) return Refusal(scope.error());
  auto binding = read_key_binding(payload);
  if (!binding) return Refusal(binding.error());
  const auto own = payload.find(kMandateClaim);
  if (own == payload.end() || !own->is_object()) {
    return Refusal("the mandate claim (" + std::string(kMandateClaim) + ") is missing or not a JSON object");
  }
  auto task_id = required_string(*own, "task_id");
  if (!task_id) return Refusal(task_id.error());
  auto approval_hash = optional_string(*own, "approval_hash");
  if (!approval_hash) return Refusal(approval_hash.error());
  auto parent_jti = optional_string(*own, "parent_jti");
  if (!parent_jti) return Refusal(parent_jti.error());
  auto depth = required_count(*own, "depth");
  if (!depth) return Refusal(depth.error());
  auto max_uses = required_count(*own, "max_uses");
  if (!max_uses) return Refusal(max_uses.error());
  const auto break_glass = own->find("break_glass");
  if (break_glass == own->end() || !break_glass->is_boolean()) {
    return Refusal("the claim \"break_glass\" is missing or not a boolean");
  }
  // sub is the initiator; the executors that delegated follow it, earliest
  // first, which is the act chain below its outermost level, reversed.
  out.on_behalf_of = {std::move(*subject)};
  for (auto it = actors->rbegin(); std::next(it) != actors->rend(); ++it) out.on_behalf_of.push_back(std::move(*it));
  out.executor = std::move(*client_id);
  out.jti = std::move(*jti);
  out.scope = std::move(*scope);
  out.key_binding = std::move(*binding);
  out.task_id = std::move(*task_id);
  out.approval_hash = approval_hash->value_or("");
  out.parent_jti = std::move(*parent_jti);
  out.depth = *depth;
  out.max_uses = *max_uses;
  out.break_glass = break_glass->get<bool>();
  return {};
}

}  // namespace mandate::token::detail
