// What a CloudTrail record shows beyond who did what: privileges granted,
// and the attack techniques of src/analyze/techniques_aws.cc, each read from
// the record's own request and response parameters.
#include "ingest/internal/signals.h"

namespace mandate::ingest {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Trails stopped, deleted, or told to record nothing (T1562.008).
void logging_impaired(std::string_view name, core::AuditEvent& e) {
  if (name == "StopLogging" || name == "DeleteTrail") e.signals.push_back("cloudtrail_stopped");
}

}  // namespace

void cloudtrail_signals(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  if (name.starts_with("Attach") && name.ends_with("Policy")) {
    const std::string_view policy = r.text("/requestParameters/policyArn");
    if (policy.ends_with("/AdministratorAccess") || policy.ends_with("/IAMFullAccess")) {
      e.signals.push_back("admin_policy_attached");
    }
  }
  if (name.starts_with("Put") && name.ends_with("Policy")) {
    const std::string_view doc = r.text("/requestParameters/policyDocument");
    if (contains(doc, "\"Action\":\"*\"") || contains(doc, "\"Action\": \"*\"")) e.signals.push_back("wildcard_action");
  }
  logging_impaired(name, e);
}

}  // namespace mandate::ingest
