#include "ocsf_validator.h"

#include <algorithm>
#include <map>
#include <set>

namespace mandate::testing {
namespace {

using nlohmann::json;

enum class Type { integer, long_ts, string, object, array, boolean };

struct Attr {
  Type type;
  bool required = false;
};

using Attrs = std::map<std::string, Attr>;

// base_event (1.3.0): the attributes every class has.
const Attrs kBase = {
    {"activity_id", {Type::integer, true}}, {"activity_name", {Type::string}}, {"category_uid", {Type::integer, true}},
    {"category_name", {Type::string}},      {"class_uid", {Type::integer, true}}, {"class_name", {Type::string}},
    {"count", {Type::integer}},             {"duration", {Type::integer}},         {"end_time", {Type::long_ts}},
    {"enrichments", {Type::array}},         {"message", {Type::string}},           {"metadata", {Type::object, true}},
    {"observables", {Type::array}},         {"raw_data", {Type::string}},          {"severity", {Type::string}},
    {"severity_id", {Type::integer, true}}, {"start_time", {Type::long_ts}},       {"status", {Type::string}},
    {"status_code", {Type::string}},        {"status_detail", {Type::string}},     {"status_id", {Type::integer}},
    {"time", {Type::long_ts, true}},        {"timezone_offset", {Type::integer}},  {"type_name", {Type::string}},
    {"type_uid", {Type::integer, true}},    {"unmapped", {Type::object}},
};

struct ClassSpec {
  int category;
  std::set<int> activities;  // 0 Unknown and 99 Other are always allowed
  Attrs attrs;
};

// events/iam/iam.json (1.3.0): what every IAM class adds to base_event,
// with the host profile it includes (actor, device).
const Attrs kIam = {{"http_request", {Type::object}},
                    {"http_response", {Type::object}},
                    {"src_endpoint", {Type::object}},
                    {"actor", {Type::object}},
                    {"device", {Type::object}}};

// profiles/cloud.json: present only when metadata.profiles names "cloud".
const Attrs kCloudProfile = {{"cloud", {Type::object, true}}, {"api", {Type::object}}};

// events/findings/finding.json (1.3.0): what every finding class adds.
const Attrs kFinding = {{"finding_info", {Type::object, true}}, {"confidence_id", {Type::integer}},
                        {"confidence", {Type::string}},         {"confidence_score", {Type::integer}},
                        {"comment", {Type::string}},            {"start_time", {Type::long_ts}},
                        {"end_time", {Type::long_ts}}};

Attrs with(Attrs base, const Attrs& more) {
  base.insert(more.begin(), more.end());
  return base;
}

const std::map<int, ClassSpec> kClasses = {
    {6003,
     {6,
      {1, 2, 3, 4},
      {{"actor", {Type::object, true}},
       {"api", {Type::object, true}},
       {"src_endpoint", {Type::object, true}},
       {"dst_endpoint", {Type::object}},
       {"http_request", {Type::object}},
       {"http_response", {Type::object}},
       {"resources", {Type::array}},
       {"cloud", {Type::object}}}}},
    {2004,
     {2,
      {1, 2, 3},
      with(kFinding, {{"evidences", {Type::array}},
                      {"resources", {Type::array}},
                      {"remediation", {Type::object}},
                      {"is_alert", {Type::boolean}},
                      {"risk_score", {Type::integer}}})}},
    // events/findings/compliance_finding.json + objects/compliance.json.
    {2003,
     {2,
      {1, 2, 3},
      with(kFinding, {{"compliance", {Type::object, true}},
                      {"remediation", {Type::object}},
                      {"resources", {Type::array}}})}},
    // events/iam/authentication.json: 1 Logon, 2 Logoff, 3 Authentication
    // Ticket, 4 Service Ticket Request, 5 Service Ticket Renew.
    {3002,
     {3,
      {1, 2, 3, 4, 5},
      with(kIam, {{"user", {Type::object, true}},
                  {"auth_protocol", {Type::string}},
                  {"auth_protocol_id", {Type::integer}},
                  {"certificate", {Type::object}},
                  {"dst_endpoint", {Type::object}},
                  {"is_cleartext", {Type::boolean}},
                  {"is_mfa", {Type::boolean}},
                  {"is_new_logon", {Type::boolean}},
                  {"is_remote", {Type::boolean}},
                  {"logon_process", {Type::object}},
                  {"logon_type", {Type::string}},
                  {"logon_type_id", {Type::integer}},
                  {"service", {Type::object}},
                  {"session", {Type::object}}})}},
    // events/iam/authorize_session.json: 1 Assign Privileges, 2 Assign Groups.
    {3003,
     {3,
      {1, 2},
      with(kIam, {{"user", {Type::object, true}},
                  {"dst_endpoint", {Type::object}},
                  {"group", {Type::object}},
                  {"privileges", {Type::array}},
                  {"session", {Type::object}}})}},
};

bool has_type(const json& v, Type t) {
  switch (t) {
    case Type::integer:
    case Type::long_ts: return v.is_number_integer();
    case Type::string: return v.is_string();
    case Type::object: return v.is_object();
    case Type::array: return v.is_array();
    case Type::boolean: return v.is_boolean();
  }
  return false;
}

struct Checker {
  std::vector<std::string> problems;

  void fail(const std::string& path, const std::string& what) { problems.push_back(path + ": " + what); }

  void attrs(const json& obj, const Attrs& spec, const std::string& path, bool closed) {
    for (const auto& [name, attr] : spec) {
      if (!obj.contains(name)) {
        if (attr.required) fail(path + name, "required attribute missing");
      } else if (!has_type(obj.at(name), attr.type)) {
        fail(path + name, "wrong type");
      }
    }
    if (!closed) return;
    for (const auto& [name, value] : obj.items()) {
      if (!spec.contains(name)) fail(path + name, "not an attribute of this class (belongs under unmapped)");
    }
  }

  void at_least_one(const json& obj, const std::vector<std::string>& names, const std::string& path) {
    for (const auto& n : names) {
      if (obj.contains(n)) return;
    }
    fail(path, "needs at least one of its identifying attributes");
  }

  void string_member(const json& obj, const std::string& name, const std::string& path, bool required) {
    if (!obj.contains(name)) {
      if (required) fail(path + name, "required attribute missing");
    } else if (!obj.at(name).is_string() || obj.at(name).get<std::string>().empty()) {
      fail(path + name, "must be a non-empty string");
    }
  }

  void strings(const json& obj, const std::string& name, const std::string& path, bool required) {
    if (!obj.contains(name)) {
      if (required) fail(path + name, "required attribute missing");
      return;
    }
    const json& list = obj.at(name);
    if (!list.is_array() || (required && list.empty())) return fail(path + name, "must be an array of strings");
    for (const auto& item : list) {
      if (!item.is_string() || item.get<std::string>().empty()) fail(path + name, "must be an array of strings");
    }
  }

  void enumerated(const json& obj, const std::string& name, const std::string& path, const std::set<int>& values) {
    if (!obj.contains(name)) return;
    if (!obj.at(name).is_number_integer() || !values.contains(obj.at(name).get<int>())) fail(path + name, "not in the enumeration");
  }

  void metadata(const json& m) {
    if (m.contains("profiles")) strings(m, "profiles", "metadata.", false);
    string_member(m, "version", "metadata.", true);
    if (m.value("version", "") != "1.3.0") fail("metadata.version", "must be 1.3.0");
    if (!m.contains("product") || !m.at("product").is_object()) return fail("metadata.product", "required object missing");
    string_member(m.at("product"), "name", "metadata.product.", true);
    string_member(m.at("product"), "vendor_name", "metadata.product.", true);
  }

  void user(const json& u, const std::string& path) {
    at_least_one(u, {"account", "name", "uid"}, path);
    if (u.contains("type_id") && !std::set<int>{0, 1, 2, 3, 4, 99}.contains(u.at("type_id").get<int>())) {
      fail(path + ".type_id", "not in the enumeration");
    }
  }

  void api_activity(const json& e) {
    const json& actor = e.at("actor");
    at_least_one(actor, {"process", "user", "invoked_by", "session", "app_name", "app_uid"}, "actor");
    if (actor.contains("user")) user(actor.at("user"), "actor.user");
    string_member(e.at("api"), "operation", "api.", true);
    at_least_one(e.at("src_endpoint"), {"ip", "uid", "name", "hostname", "instance_uid", "interface_uid", "interface_name"},
                 "src_endpoint");
    if (e.contains("resources")) {
      for (const auto& r : e.at("resources")) at_least_one(r, {"uid", "name"}, "resources[]");
    }
    if (e.contains("cloud")) string_member(e.at("cloud"), "provider", "cloud.", true);
  }

  void session(const json& s, const std::string& path) {
    if (!s.is_object()) return fail(path, "must be an object");
    string_member(s, "uid", path + ".", false);
    for (const auto* t : {"created_time", "expiration_time"}) {
      if (s.contains(t) && !s.at(t).is_number_integer()) fail(path + "." + t, "must be a timestamp");
    }
  }

  // Authentication and Authorize Session.
  void iam(const json& e, int uid) {
    user(e.at("user"), "user");
    if (e.contains("actor")) {
      at_least_one(e.at("actor"), {"process", "user", "invoked_by", "session", "app_name", "app_uid"}, "actor");
      if (e.at("actor").contains("user")) user(e.at("actor").at("user"), "actor.user");
    }
    if (e.contains("src_endpoint")) {
      at_least_one(e.at("src_endpoint"), {"ip", "uid", "name", "hostname", "instance_uid", "interface_uid", "interface_name"},
                   "src_endpoint");
    }
    if (e.contains("session")) session(e.at("session"), "session");
    if (e.contains("api")) string_member(e.at("api"), "operation", "api.", true);
    if (e.contains("cloud")) string_member(e.at("cloud"), "provider", "cloud.", true);
    if (uid == 3002) {
      at_least_one(e, {"service", "dst_endpoint"}, "");
      if (e.contains("service")) at_least_one(e.at("service"), {"name", "uid"}, "service");
      enumerated(e, "auth_protocol_id", "", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99});
      enumerated(e, "logon_type_id", "", {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 99});
    } else {
      // Releases say at_least_one or just_one of these: exactly one passes both.
      if (e.contains("privileges") == e.contains("group")) fail("privileges", "exactly one of privileges and group");
      strings(e, "privileges", "", false);
    }
  }

  void compliance(const json& c) {
    strings(c, "standards", "compliance.", true);
    strings(c, "requirements", "compliance.", false);
    if (c.contains("control")) string_member(c, "control", "compliance.", false);
    enumerated(c, "status_id", "compliance.", {0, 1, 2, 3, 99});
    for (const auto& [name, value] : c.items()) {
      if (!std::set<std::string>{"control", "requirements", "standards", "status", "status_code", "status_detail",
                                 "status_id"}
               .contains(name)) {
        fail("compliance." + name, "not an attribute of the compliance object");
      }
    }
  }

  void detection_finding(const json& e) {
    const json& info = e.at("finding_info");
    string_member(info, "uid", "finding_info.", true);
    string_member(info, "title", "finding_info.", false);
    for (const auto* t : {"first_seen_time", "last_seen_time", "created_time", "modified_time"}) {
      if (info.contains(t) && !info.at(t).is_number_integer()) fail(std::string("finding_info.") + t, "must be a timestamp");
    }
    if (e.contains("status_id") && !std::set<int>{0, 1, 2, 3, 4, 5, 6, 99}.contains(e.at("status_id").get<int>())) {
      fail("status_id", "not in the finding status enumeration");
    }
    if (info.contains("attacks")) attacks(info.at("attacks"));
  }

  // finding_info.attacks (1.3.0 `attack`): at least one of tactic, technique
  // and sub_technique, each an object with a uid or a name.
  void attacks(const json& list) {
    if (!list.is_array()) return fail("finding_info.attacks", "must be an array");
    for (const auto& a : list) {
      if (!a.is_object()) return fail("finding_info.attacks", "each attack is an object");
      bool any = false;
      for (const auto& [name, value] : a.items()) {
        if (name == "version") continue;
        if (name != "tactic" && name != "technique" && name != "sub_technique" && name != "tactics") {
          fail("finding_info.attacks." + name, "not an attribute of the attack object");
          continue;
        }
        any = true;
        if (name != "tactics" && (!value.is_object() || (!value.contains("uid") && !value.contains("name")))) {
          fail("finding_info.attacks." + name, "needs a uid or a name");
        }
      }
      if (!any) fail("finding_info.attacks", "an attack names a tactic, technique or sub-technique");
    }
  }

  void event(const json& e) {
    if (!e.is_object()) return fail("", "an event is a JSON object");
    const int uid = e.value("class_uid", -1);
    const auto spec = kClasses.find(uid);
    if (spec == kClasses.end()) return fail("class_uid", "not a class this validator knows");
    Attrs all = kBase;
    all.insert(spec->second.attrs.begin(), spec->second.attrs.end());
    // A profile's attributes belong to the event only when it declares it.
    const json profiles = e.contains("metadata") && e.at("metadata").is_object() ? e.at("metadata").value("profiles", json::array())
                                                                                 : json::array();
    if (profiles.is_array() && std::find(profiles.begin(), profiles.end(), "cloud") != profiles.end()) {
      for (const auto& [name, attr] : kCloudProfile) all.insert_or_assign(name, attr);
    }
    attrs(e, all, "", true);
    if (!problems.empty()) return;
    if (e.at("category_uid") != spec->second.category) fail("category_uid", "does not match the class");
    const int activity = e.at("activity_id");
    if (activity != 0 && activity != 99 && !spec->second.activities.contains(activity)) {
      fail("activity_id", "not in the class's enumeration");
    }
    if (e.at("type_uid") != uid * 100 + activity) fail("type_uid", "must be class_uid * 100 + activity_id");
    if (!std::set<int>{0, 1, 2, 3, 4, 5, 6, 99}.contains(e.at("severity_id").get<int>())) {
      fail("severity_id", "not in the enumeration");
    }
    if (e.contains("status_id") && spec->second.category != 2 && !std::set<int>{0, 1, 2, 99}.contains(e.at("status_id").get<int>())) {
      fail("status_id", "not in the enumeration");
    }
    if (activity == 99 && !e.contains("activity_name")) fail("activity_name", "required when activity_id is 99 (Other)");
    metadata(e.at("metadata"));
    if (uid == 6003) api_activity(e);
    if (uid == 2004 || uid == 2003) detection_finding(e);
    if (uid == 2003) compliance(e.at("compliance"));
    if (uid == 3002 || uid == 3003) iam(e, uid);
  }
};

}  // namespace

std::vector<std::string> validate_ocsf(const nlohmann::json& event) {
  Checker c;
  c.event(event);
  return c.problems;
}

}  // namespace mandate::testing
