#include "token/claims_wire.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "token/authorization_details.h"

namespace mandate::token::detail {
namespace {

using Json = nlohmann::json;
using Refusal = std::unexpected<std::string>;

// 9999-12-31T23:59:59Z: core::Timestamp's canonical text stops there.
constexpr std::int64_t kMaxNumericDate = 253402300799;

Json act_chain(const std::vector<std::string>& on_behalf_of) {
  // Innermost first: the initiator, then each delegating executor wraps it.
  Json act;
  for (const std::string& actor : on_behalf_of) {
    Json level = {{"sub", actor}};
    if (!act.is_null()) level["act"] = std::move(act);
    act = std::move(level);
  }
  return act;
}

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

std::expected<std::vector<std::string>, std::string> read_act_chain(const Json& payload) {
  const auto it = payload.find("act");
  if (it == payload.end()) return Refusal("the claim \"act\" is missing: a mandate names whom it acts for");
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
  std::reverse(outermost_first.begin(), outermost_first.end());
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

Json claims_to_payload(const MandateClaims& claims) {
  auto details = scope_to_json(claims.scope);
  if (!details) fail(ErrorKind::bad_input, "cannot issue a mandate token: " + details.error());
  Json payload = {
      {"iss", claims.issuer},
      {"sub", claims.subject},
      {"aud", claims.audience},
      {"client_id", claims.client_id},
      {"jti", claims.jti},
      {"iat", to_numeric_date(claims.issued_at)},
      {"nbf", to_numeric_date(claims.not_before)},
      {"exp", to_numeric_date(claims.expires_at)},
      {"act", act_chain(claims.on_behalf_of)},
      {"authorization_details", std::move(*details)},
      {"cnf", {{std::string(core::to_string(claims.key_binding.kind)), claims.key_binding.thumbprint}}},
      {"task_id", claims.task_id},
      {"depth", claims.depth},
      {"max_uses", claims.max_uses},
      {"break_glass", claims.break_glass},
  };
  if (!claims.approval_hash.empty()) payload["approval_hash"] = claims.approval_hash;
  if (claims.parent_jti) payload["parent_jti"] = *claims.parent_jti;
  return payload;
}

std::expected<void, std::string> read_claims(const Json& payload, MandateClaims& out) {
  auto subject = required_string(payload, "sub");
  if (!subject) return Refusal(subject.error());
  auto client_id = required_string(payload, "client_id");
  if (!client_id) return Refusal(client_id.error());
  auto jti = required_string(payload, "jti");
  if (!jti) return Refusal(jti.error());
  auto chain = read_act_chain(payload);
  if (!chain) return Refusal(chain.error());
  const auto details = payload.find("authorization_details");
  if (details == payload.end()) return Refusal("the claim \"authorization_details\" is missing");
  auto scope = scope_from_json(*details);
  if (!scope) return Refusal(scope.error());
  auto binding = read_key_binding(payload);
  if (!binding) return Refusal(binding.error());
  auto task_id = required_string(payload, "task_id");
  if (!task_id) return Refusal(task_id.error());
  auto approval_hash = optional_string(payload, "approval_hash");
  if (!approval_hash) return Refusal(approval_hash.error());
  auto parent_jti = optional_string(payload, "parent_jti");
  if (!parent_jti) return Refusal(parent_jti.error());
  auto depth = required_count(payload, "depth");
  if (!depth) return Refusal(depth.error());
  auto max_uses = required_count(payload, "max_uses");
  if (!max_uses) return Refusal(max_uses.error());
  const auto break_glass = payload.find("break_glass");
  if (break_glass == payload.end() || !break_glass->is_boolean()) {
    return Refusal("the claim \"break_glass\" is missing or not a boolean");
  }
  out.subject = std::move(*subject);
  out.client_id = std::move(*client_id);
  out.jti = std::move(*jti);
  out.on_behalf_of = std::move(*chain);
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
