#pragma once
// AWS techniques that no single CloudTrail record shows, only a record read
// in the light of earlier ones: an instance's role credentials turning up
// elsewhere, a user created and then made administrator. The analyzer asks
// for them beside each event's own signals (analyzer.cc, observe_techniques).
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/audit_event.h"

namespace mandate::analyze {

class AwsSequences {
 public:
  // The technique signals `e` shows given the events observed before it
  // (events arrive in time order).
  std::vector<std::string_view> observe(const core::AuditEvent& e);

 private:
  bool instance_credentials_outside(const core::AuditEvent& e);

  // Instance role session (its ARN, ending in the instance id) -> the first
  // public address it was used from.
  std::unordered_map<std::string, std::string> session_addresses_;
  // User ARNs of CreateUser events, and of users given administrator rights:
  // CloudTrail stamps whole seconds, so the grant may sort before the creation.
  std::unordered_set<std::string> created_users_, admin_users_;
};

}  // namespace mandate::analyze
