#pragma once
// A compact validator for the OCSF 1.3.0 classes mandate emits. It encodes,
// from the official schema definitions in github.com/ocsf/ocsf-schema
// (events/base_event.json, events/application/api_activity.json,
// events/findings/finding.json, events/findings/detection_finding.json,
// events/findings/compliance_finding.json, events/iam/iam.json,
// events/iam/authentication.json, events/iam/authorize_session.json,
// profiles/host.json, profiles/cloud.json, objects/metadata.json,
// objects/product.json, objects/actor.json, objects/user.json,
// objects/api.json, objects/endpoint.json, objects/finding_info.json,
// objects/compliance.json, objects/session.json, objects/service.json), for
// each class: the attributes it defines (with those of the profiles the
// event declares in metadata.profiles), which are required, their types,
// the activity_id enumeration (and type_uid = class_uid * 100 +
// activity_id), the enumerations mandate fills (status, severity,
// auth_protocol_id, compliance.status_id), and the at_least_one / just_one
// constraints. Where schema revisions differ (product
// requires vendor_name in 1.x releases, name in later ones) both are
// required: output that passes is valid under either.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mandate::testing {

// Every problem found, "path: what"; empty when the event is valid.
std::vector<std::string> validate_ocsf(const nlohmann::json& event);

}  // namespace mandate::testing
