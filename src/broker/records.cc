#include "broker/records.h"

#include <charconv>

#include "core/error.h"
#include "core/time.h"
#include "encoding/json.h"

namespace mandate::broker {
namespace {

using nlohmann::json;

std::string ts(core::Timestamp t) { return core::format_timestamp(t); }

core::Timestamp ts_from(const json& j, const char* field) {
  auto t = core::parse_timestamp(j.at(field).get<std::string>());
  if (!t) fail(ErrorKind::check_failed, std::string("stored ") + field + " is not a timestamp");
  return *t;
}

std::vector<std::string> strings_at(const json& j, const char* field) {
  if (!j.contains(field)) return {};
  const json& v = j.at(field);
  if (!v.is_array()) fail(ErrorKind::bad_input, std::string("\"") + field + "\" must be an array of strings");
  std::vector<std::string> out;
  for (const json& e : v) {
    if (!e.is_string()) fail(ErrorKind::bad_input, std::string("\"") + field + "\" must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

template <typename Enum, typename Parse>
Enum enum_at(const json& j, const char* field, Parse parse) {
  auto v = parse(j.at(field).get<std::string>());
  if (!v) fail(ErrorKind::check_failed, std::string("stored ") + field + " has an unknown value");
  return *v;
}

json revocation_json(const core::Revocation& r) {
  json j = {{"reason", core::to_string(r.reason)}, {"revoked_at", ts(r.revoked_at)}};
  if (r.by) j["by"] = *r.by;
  return j;
}

core::Revocation revocation_from(const json& j, const std::string& mandate_id) {
  core::Revocation r;
  r.mandate_id = mandate_id;
  r.reason = enum_at<core::RevocationReason>(j, "reason", core::parse_revocation_reason);
  r.revoked_at = ts_from(j, "revoked_at");
  if (j.contains("by")) r.by = j.at("by").get<std::string>();
  return r;
}

}  // namespace

json to_json(const core::Scope& scope) {
  json out = json::array();
  for (const core::AuthorizationDetail& d : scope) {
    json detail = d.extra.empty() ? json::object() : json::parse(d.extra);
    detail["type"] = d.type;
    if (!d.actions.empty()) detail["actions"] = d.actions;
    if (!d.locations.empty()) detail["locations"] = d.locations;
    if (!d.resources.empty()) detail["resources"] = d.resources;
    out.push_back(std::move(detail));
  }
  return out;
}

core::Scope scope_from_json(const json& j) {
  if (!j.is_array()) fail(ErrorKind::bad_input, "authorization_details must be a JSON array of objects");
  core::Scope scope;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const json& d = j[i];
    const std::string where = "authorization_details[" + std::to_string(i) + "]";
    if (!d.is_object()) fail(ErrorKind::bad_input, where + " must be an object");
    if (!d.contains("type") || !d.at("type").is_string()) fail(ErrorKind::bad_input, where + " needs a string \"type\"");
    core::AuthorizationDetail detail;
    detail.type = d.at("type").get<std::string>();
    try {
      detail.actions = strings_at(d, "actions");
      detail.locations = strings_at(d, "locations");
      detail.resources = strings_at(d, "resources");
    } catch (const Error& e) {
      fail(ErrorKind::bad_input, where + ": " + e.what());
    }
    json extra = d;
    for (const char* known : {"type", "actions", "locations", "resources"}) extra.erase(known);
    if (!extra.empty()) {
      auto canonical = encoding::canonicalize(extra);
      if (!canonical) fail(ErrorKind::bad_input, where + ": " + canonical.error());
      detail.extra = *canonical;
    }
    scope.push_back(std::move(detail));
  }
  if (auto ok = core::validate_scope(scope); !ok) fail(ErrorKind::bad_input, "authorization_details: " + ok.error());
  return scope;
}

core::Scope parse_scope(std::string_view text) {
  auto parsed = encoding::parse_json_strict(text);
  if (!parsed) fail(ErrorKind::bad_input, "scope: " + parsed.error());
  return scope_from_json(*parsed);
}

json to_json(const ActorRecord& r) {
  json j = {{"id", r.actor.id},
            {"kind", core::to_string(r.actor.kind)},
            {"groups", r.actor.groups},
            {"systems", r.actor.systems},
            {"state", core::to_string(r.actor.state)}};
  if (r.actor.owner) j["owner"] = *r.actor.owner;
  if (r.actor.display_name) j["display_name"] = *r.actor.display_name;
  if (r.public_jwk) j["public_jwk"] = json::parse(*r.public_jwk);
  if (r.key_thumbprint) j["key_thumbprint"] = *r.key_thumbprint;
  return j;
}

ActorRecord actor_from_json(const json& j) {
  ActorRecord r;
  r.actor.id = j.at("id").get<std::string>();
  r.actor.kind = enum_at<core::ActorKind>(j, "kind", core::parse_actor_kind);
  r.actor.groups = strings_at(j, "groups");
  r.actor.systems = strings_at(j, "systems");
  r.actor.state = enum_at<core::LifecycleState>(j, "state", core::parse_lifecycle_state);
  if (j.contains("owner")) r.actor.owner = j.at("owner").get<std::string>();
  if (j.contains("display_name")) r.actor.display_name = j.at("display_name").get<std::string>();
  if (j.contains("public_jwk")) r.public_jwk = j.at("public_jwk").dump();
  if (j.contains("key_thumbprint")) r.key_thumbprint = j.at("key_thumbprint").get<std::string>();
  return r;
}

json to_json(const core::ApprovalRule& rule) {
  return {{"id", rule.id},
          {"detail_types", rule.detail_types},
          {"approvals", rule.required_approvals},
          {"approver_groups", rule.approver_groups},
          {"max_task_duration", format_duration(rule.max_duration)},
          {"max_mandate_lifetime", format_duration(rule.max_mandate_lifetime)},
          {"max_uses", rule.max_uses},
          {"break_glass", rule.break_glass_allowed},
          {"review_within", format_duration(rule.review_within)}};
}

core::ApprovalRule rule_from_json(const json& j) {
  core::ApprovalRule rule;
  rule.id = j.at("id").get<std::string>();
  rule.detail_types = strings_at(j, "detail_types");
  rule.required_approvals = j.at("approvals").get<std::uint32_t>();
  rule.approver_groups = strings_at(j, "approver_groups");
  rule.max_duration = parse_duration(j.at("max_task_duration").get<std::string>()).value();
  rule.max_mandate_lifetime = parse_duration(j.at("max_mandate_lifetime").get<std::string>()).value();
  rule.max_uses = j.at("max_uses").get<std::uint32_t>();
  rule.break_glass_allowed = j.at("break_glass").get<bool>();
  rule.review_within = parse_duration(j.at("review_within").get<std::string>()).value();
  return rule;
}

json to_json(const core::Approval& a) {
  return {{"task", a.task_id},
          {"approver", a.approver},
          {"decision", core::to_string(a.decision)},
          {"comment", a.comment},
          {"decided_at", ts(a.decided_at)}};
}

core::Approval approval_from_json(const json& j) {
  core::Approval a;
  a.task_id = j.at("task").get<std::string>();
  a.approver = j.at("approver").get<std::string>();
  a.decision = enum_at<core::ApprovalDecision>(j, "decision", core::parse_approval_decision);
  a.comment = j.at("comment").get<std::string>();
  a.decided_at = ts_from(j, "decided_at");
  return a;
}

json to_json(const TaskRecord& r) {
  const core::Task& t = r.task;
  json j = {{"id", t.id},
            {"intent", t.intent},
            {"initiator", t.initiator},
            {"executor", t.executor},
            {"scope", to_json(t.requested_scope)},
            {"audience", t.audience},
            {"duration", format_duration(t.requested_duration)},
            {"use_budget", r.use_budget},
            {"state", core::to_string(t.state)},
            {"created_at", ts(t.created_at)},
            {"break_glass", t.break_glass},
            {"rules", r.rule_ids}};
  if (t.external_ref) j["ref"] = *t.external_ref;
  if (r.window_ends_at) j["window_ends_at"] = ts(*r.window_ends_at);
  if (!r.end_reason.empty()) j["end_reason"] = r.end_reason;
  if (!r.break_glass_reason.empty()) j["break_glass_reason"] = r.break_glass_reason;
  if (r.outcome) {
    j["outcome"] = {{"result", core::to_string(r.outcome->result)},
                    {"mandate", r.outcome->mandate_id},
                    {"result_digest", r.outcome->result_digest},
                    {"reported_at", ts(r.outcome->reported_at)}};
  }
  if (r.review) {
    json review = {{"deadline", ts(r.review->deadline)}, {"comment", r.review->comment}};
    if (r.review->reviewer) review["reviewer"] = *r.review->reviewer;
    if (r.review->reviewed_at) review["reviewed_at"] = ts(*r.review->reviewed_at);
    j["review"] = std::move(review);
  }
  return j;
}

TaskRecord task_from_json(const json& j) {
  TaskRecord r;
  core::Task& t = r.task;
  t.id = j.at("id").get<std::string>();
  t.intent = j.at("intent").get<std::string>();
  t.initiator = j.at("initiator").get<std::string>();
  t.executor = j.at("executor").get<std::string>();
  t.requested_scope = scope_from_json(j.at("scope"));
  t.audience = strings_at(j, "audience");
  r.use_budget = j.at("use_budget").get<std::uint32_t>();
  t.requested_duration = parse_duration(j.at("duration").get<std::string>()).value();
  t.state = enum_at<core::TaskState>(j, "state", core::parse_task_state);
  t.created_at = ts_from(j, "created_at");
  t.break_glass = j.at("break_glass").get<bool>();
  if (j.contains("ref")) t.external_ref = j.at("ref").get<std::string>();
  r.rule_ids = strings_at(j, "rules");
  if (j.contains("window_ends_at")) r.window_ends_at = ts_from(j, "window_ends_at");
  if (j.contains("end_reason")) r.end_reason = j.at("end_reason").get<std::string>();
  if (j.contains("break_glass_reason")) r.break_glass_reason = j.at("break_glass_reason").get<std::string>();
  if (j.contains("outcome")) {
    const json& o = j.at("outcome");
    core::Outcome outcome;
    outcome.task_id = t.id;
    outcome.result = enum_at<core::OutcomeResult>(o, "result", core::parse_outcome_result);
    outcome.mandate_id = o.at("mandate").get<std::string>();
    outcome.result_digest = o.at("result_digest").get<std::string>();
    outcome.reported_at = ts_from(o, "reported_at");
    r.outcome = outcome;
  }
  if (j.contains("review")) {
    const json& v = j.at("review");
    Review review;
    review.deadline = ts_from(v, "deadline");
    review.comment = v.at("comment").get<std::string>();
    if (v.contains("reviewer")) review.reviewer = v.at("reviewer").get<std::string>();
    if (v.contains("reviewed_at")) review.reviewed_at = ts_from(v, "reviewed_at");
    r.review = review;
  }
  return r;
}

json to_json(const MandateRecord& r) {
  const core::Mandate& m = r.mandate;
  json j = {{"jti", m.id},
            {"task", m.task_id},
            {"executor", m.executor},
            {"on_behalf_of", m.on_behalf_of},
            {"scope", to_json(m.scope)},
            {"audience", m.audience},
            {"not_before", ts(m.not_before)},
            {"expires_at", ts(m.expires_at)},
            {"max_uses", m.max_uses},
            {"cnf", {{std::string(core::to_string(m.key_binding.kind)), m.key_binding.thumbprint}}},
            {"depth", m.depth},
            {"token_hash", r.token_hash},
            {"approval_hash", r.approval_hash},
            {"break_glass", r.break_glass},
            {"issued_at", ts(r.issued_at)}};
  if (m.parent_id) j["parent_jti"] = *m.parent_id;
  if (r.revocation) j["revocation"] = revocation_json(*r.revocation);
  return j;
}

MandateRecord mandate_from_json(const json& j) {
  MandateRecord r;
  core::Mandate& m = r.mandate;
  m.id = j.at("jti").get<std::string>();
  m.task_id = j.at("task").get<std::string>();
  m.executor = j.at("executor").get<std::string>();
  m.on_behalf_of = strings_at(j, "on_behalf_of");
  m.scope = scope_from_json(j.at("scope"));
  m.audience = strings_at(j, "audience");
  m.not_before = ts_from(j, "not_before");
  m.expires_at = ts_from(j, "expires_at");
  m.max_uses = j.at("max_uses").get<std::uint32_t>();
  const json& cnf = j.at("cnf");
  auto kind = core::parse_key_binding_kind(cnf.begin().key());
  if (!kind) fail(ErrorKind::check_failed, "stored cnf has an unknown member");
  m.key_binding = {*kind, cnf.begin().value().get<std::string>()};
  m.depth = j.at("depth").get<std::uint32_t>();
  if (j.contains("parent_jti")) m.parent_id = j.at("parent_jti").get<std::string>();
  r.token_hash = j.at("token_hash").get<std::string>();
  r.approval_hash = j.at("approval_hash").get<std::string>();
  r.break_glass = j.at("break_glass").get<bool>();
  r.issued_at = ts_from(j, "issued_at");
  if (j.contains("revocation")) r.revocation = revocation_from(j.at("revocation"), m.id);
  return r;
}

std::string format_duration(std::chrono::seconds duration) {
  long long s = duration.count();
  if (s <= 0) return std::to_string(s) + "s";
  std::string out;
  for (auto [unit, size] : {std::pair{'d', 86400LL}, {'h', 3600LL}, {'m', 60LL}, {'s', 1LL}}) {
    if (s >= size) {
      out += std::to_string(s / size) + unit;
      s %= size;
    }
  }
  return out;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  int last_unit = 5;  // units must appear in decreasing order, each once
  while (i < text.size()) {
    long long n = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), n);
    if (ec != std::errc() || end == text.data() + i || n < 0 || n > 100000000) return std::nullopt;
    i = static_cast<std::size_t>(end - text.data());
    if (i >= text.size()) return std::nullopt;
    const std::string_view units = "smhd";
    const auto u = units.find(text[i]);
    if (u == std::string_view::npos || static_cast<int>(u) >= last_unit) return std::nullopt;
    last_unit = static_cast<int>(u);
    static constexpr long long kSize[] = {1, 60, 3600, 86400};
    total += n * kSize[u];
    ++i;
  }
  if (total <= 0) return std::nullopt;
  return std::chrono::seconds(total);
}

}  // namespace mandate::broker
