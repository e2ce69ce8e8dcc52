// What a Kubernetes audit event shows beyond who did what: privileges
// granted, and the attack techniques of src/analyze/techniques_kubernetes.cc.
#include "ingest/internal/signals.h"

namespace mandate::ingest {

void k8s_audit_signals(JsonReader& r, core::AuditEvent& e) {
  const std::string_view resource = r.text("/objectRef/resource");
  const std::string_view verb = r.text("/verb");
  const bool writes = verb == "create" || verb == "update" || verb == "patch";
  if (writes && (resource == "clusterrolebindings" || resource == "rolebindings") &&
      r.text("/requestObject/roleRef/name") == "cluster-admin") {
    e.signals.push_back("admin_policy_attached");
  }
  if (writes && (resource == "clusterroles" || resource == "roles")) {
    const auto rules = r.node("/requestObject/rules");
    if (rules && simdjson::minify(*rules).find("\"verbs\":[\"*\"]") != std::string::npos) {
      e.signals.push_back("wildcard_action");
    }
  }
  const std::string_view subresource = r.text("/objectRef/subresource");
  if (resource == "pods" && (subresource == "exec" || subresource == "attach")) e.signals.push_back("pod_exec");
}

}  // namespace mandate::ingest
