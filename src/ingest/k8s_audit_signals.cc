// What a Kubernetes audit event shows beyond who did what: privileges
// granted, and the attack techniques of src/analyze/techniques_kubernetes.cc.
// Field names are those of the audit.k8s.io/v1 Event
// (https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/) and
// of the objects it carries (Pod, ClusterRoleBinding, Secret…). Pod specs
// and role rules are read leniently: a field of an unexpected type deep in
// them only means the technique is not shown, never that the record is
// refused (the API server validated those objects; a patch body may be
// partial).
#include <array>
#include <string>

#include "ingest/internal/signals.h"

namespace mandate::ingest {
namespace {

using Element = simdjson::dom::element;

bool is_true(Element object, std::string_view key) {
  bool value = false;
  return object.at_key(key).get_bool().get(value) == simdjson::SUCCESS && value;
}

std::string_view text_at(Element object, std::string_view key) {
  std::string_view value;
  return object.at_key(key).get_string().get(value) == simdjson::SUCCESS ? value : std::string_view();
}

// Whether any item of the array at `key` satisfies `test`; false when there
// is no such array.
template <typename Test>
bool any_in(Element object, std::string_view key, Test&& test) {
  simdjson::dom::array items;
  if (object.at_key(key).get_array().get(items) != simdjson::SUCCESS) return false;
  for (const Element item : items) {
    if (test(item)) return true;
  }
  return false;
}

// Whether the array of strings at `key` holds `wanted`.
bool lists(Element object, std::string_view key, std::string_view wanted) {
  return any_in(object, key, [&](Element v) {
    std::string_view s;
    return v.get_string().get(s) == simdjson::SUCCESS && s == wanted;
  });
}

// A container that is the host in all but name: privileged, or holding
// CAP_SYS_ADMIN (mount, namespaces, cgroups: the usual escapes).
bool container_reaches_host(Element container) {
  Element security;
  if (container.at_key("securityContext").get(security) != simdjson::SUCCESS) return false;
  if (is_true(security, "privileged")) return true;
  Element capabilities;
  if (security.at_key("capabilities").get(capabilities) != simdjson::SUCCESS) return false;
  return lists(capabilities, "add", "SYS_ADMIN") || lists(capabilities, "add", "CAP_SYS_ADMIN") || lists(capabilities, "add", "ALL");
}

// Host paths that hand a pod the node: its root, or the container runtime's
// socket (start any container, privileged, on the node) and the directories
// that hold those sockets.
bool host_path_reaches_host(std::string_view path) {
  while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  static constexpr std::array<std::string_view, 11> kPaths{
      "/",
      "/var/run",
      "/run",
      "/var/run/docker.sock",
      "/run/docker.sock",
      "/var/run/containerd/containerd.sock",
      "/run/containerd/containerd.sock",
      "/var/run/crio/crio.sock",
      "/run/crio/crio.sock",
      "/var/run/cri-dockerd.sock",
      "/run/k3s/containerd/containerd.sock",
  };
  for (const auto p : kPaths) {
    if (path == p) return true;
  }
  return false;
}

bool pod_spec_reaches_host(Element spec) {
  if (is_true(spec, "hostPID") || is_true(spec, "hostIPC") || is_true(spec, "hostNetwork")) return true;
  for (const std::string_view list : {"containers", "initContainers", "ephemeralContainers"}) {
    if (any_in(spec, list, container_reaches_host)) return true;
  }
  return any_in(spec, "volumes", [](Element volume) {
    Element host_path;
    return volume.at_key("hostPath").get(host_path) == simdjson::SUCCESS && host_path_reaches_host(text_at(host_path, "path"));
  });
}

// Where the pod spec sits in the request body of each kind that carries one.
std::string_view pod_spec_pointer(std::string_view resource) {
  if (resource == "pods") return "/requestObject/spec";
  if (resource == "cronjobs") return "/requestObject/spec/jobTemplate/spec/template/spec";
  for (const std::string_view r : {"deployments", "daemonsets", "statefulsets", "replicasets", "jobs", "replicationcontrollers"}) {
    if (resource == r) return "/requestObject/spec/template/spec";
  }
  return {};
}

// Reads of Secrets the platform makes by design: the kubelets (the Node
// authorizer limits them to their pods' secrets), the control plane's own
// users, and the controllers of kube-system (garbage collection and the
// token and namespace controllers list secrets everywhere).
bool reads_secrets_by_design(const core::AuditEvent& e) {
  const std::string& id = e.actor.id;
  if (e.actor.kind == core::PrincipalKind::service || id.starts_with("system:node:")) return true;
  constexpr std::string_view kControllers = "system:serviceaccount:kube-system:";
  return id.starts_with(kControllers) && (id.ends_with("-controller") || id.ends_with("-garbage-collector"));
}

// The namespace of a service account's username (system:serviceaccount:NS:NAME).
std::string_view service_account_namespace(std::string_view username) {
  constexpr std::string_view kPrefix = "system:serviceaccount:";
  if (!username.starts_with(kPrefix)) return {};
  username.remove_prefix(kPrefix.size());
  return username.substr(0, username.find(':'));
}

void secret_read_signals(JsonReader& r, std::string_view verb, core::AuditEvent& e) {
  if ((verb != "get" && verb != "list" && verb != "watch") || reads_secrets_by_design(e)) return;
  const std::string_view ns = r.text("/objectRef/namespace");
  const std::string_view own = service_account_namespace(e.actor.id);
  // One signal per read: a read across namespaces is the graver of the two.
  if (ns.empty() || (!own.empty() && own != ns)) {
    e.signals.push_back("secrets_read_across_namespaces");
  } else if (e.actor.kind == core::PrincipalKind::human) {
    e.signals.push_back("secrets_read_by_person");
  }
}

// Who was impersonated: being system:admin or in system:masters passes
// every authorization check, so it is told apart.
void impersonation_signals(JsonReader& r, core::AuditEvent& e) {
  const std::string_view as = r.text("/impersonatedUser/username");
  if (as.empty()) return;
  const auto impersonated = r.node("/impersonatedUser");
  const bool masters = impersonated && impersonated->is_object() &&
                       lists(*impersonated, "groups", "system:masters");
  e.signals.push_back(masters || as == "system:admin" ? "impersonation_of_admin" : "impersonation");
}

bool anonymous(JsonReader& r) {
  if (r.text("/user/username") == "system:anonymous") return true;
  const auto node = r.node("/user");
  return node && node->is_object() && lists(*node, "groups", "system:unauthenticated");
}

// Health and version are open to anonymous callers by design
// (the system:public-info-viewer ClusterRole).
bool public_endpoint(std::string_view uri) {
  for (const std::string_view path : {"/healthz", "/livez", "/readyz", "/version"}) {
    if (uri.starts_with(path)) {
      const std::string_view rest = uri.substr(path.size());
      if (rest.empty() || rest.starts_with('/') || rest.starts_with('?')) return true;
    }
  }
  return false;
}

// Binding cluster-admin, or creating a ClusterRole that grants everything.
void rbac_signals(JsonReader& r, std::string_view resource, std::string_view verb, core::AuditEvent& e) {
  const bool writes = verb == "create" || verb == "update" || verb == "patch";
  if (!writes) return;
  if ((resource == "clusterrolebindings" || resource == "rolebindings") &&
      r.text("/requestObject/roleRef/name") == "cluster-admin") {
    e.signals.push_back("cluster_admin_bound");
  }
  if (resource != "clusterroles" || e.actor.kind == core::PrincipalKind::service) return;
  const auto body = r.node("/requestObject");
  if (!body || !body->is_object()) return;
  const bool wildcard = any_in(*body, "rules", [](Element rule) { return lists(rule, "verbs", "*") || lists(rule, "resources", "*"); });
  if (wildcard) e.signals.push_back("wildcard_cluster_role");
}

// Tokens minted for a service account by someone other than itself or the
// kubelet (which requests its pods' projected tokens), and long-lived token
// Secrets the token controller will fill in for whoever created them.
void token_signals(JsonReader& r, std::string_view resource, std::string_view subresource, std::string_view verb,
                   core::AuditEvent& e) {
  if (verb != "create") return;
  if (resource == "serviceaccounts" && subresource == "token") {
    const std::string target = "system:serviceaccount:" + std::string(r.text("/objectRef/namespace")) + ":" +
                               std::string(r.text("/objectRef/name"));
    const std::string_view user = r.text("/user/username");
    if (!user.starts_with("system:node:") && user != target) e.signals.push_back("sa_token_requested");
  }
  if (resource == "secrets" && subresource.empty() && e.actor.kind != core::PrincipalKind::service &&
      r.text("/requestObject/type") == "kubernetes.io/service-account-token") {
    e.signals.push_back("sa_token_secret");
  }
}

void workload_signals(JsonReader& r, std::string_view resource, std::string_view subresource, std::string_view verb,
                      core::AuditEvent& e) {
  const bool writes = verb == "create" || verb == "update" || verb == "patch";
  if (resource == "pods" && (subresource == "exec" || subresource == "attach" || (writes && subresource == "ephemeralcontainers"))) {
    e.signals.push_back("pod_exec");
  }
  if (!writes) return;
  // Status and other subresources echo a pod's spec without changing it.
  if (subresource.empty() || subresource == "ephemeralcontainers") {
    const std::string_view pointer = pod_spec_pointer(resource);
    const auto spec = pointer.empty() ? std::nullopt : r.node(pointer);
    if (spec && spec->is_object() && pod_spec_reaches_host(*spec)) e.signals.push_back("pod_reaches_host");
  }
  if (resource == "cronjobs" && subresource.empty() && r.text("/objectRef/namespace") == "kube-system") {
    e.signals.push_back("kube_system_cronjob");
  }
}

// The hygiene rules' signals (src/analyze/rules.cc), on any outcome.
void privilege_signals(JsonReader& r, std::string_view resource, std::string_view verb, core::AuditEvent& e) {
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
}

}  // namespace

void k8s_audit_signals(JsonReader& r, core::AuditEvent& e) {
  const std::string_view resource = r.text("/objectRef/resource");
  const std::string_view subresource = r.text("/objectRef/subresource");
  const std::string_view verb = r.text("/verb");
  privilege_signals(r, resource, verb, e);
  // A technique is shown by what the API server let through; refused
  // attempts are the probing rule's matter.
  if (e.result == core::EventResult::denied || e.result == core::EventResult::failure) return;
  if (anonymous(r) && !public_endpoint(r.text("/requestURI"))) e.signals.push_back("anonymous_access");
  impersonation_signals(r, e);
  if (resource == "secrets" && subresource.empty()) secret_read_signals(r, verb, e);
  rbac_signals(r, resource, verb, e);
  token_signals(r, resource, subresource, verb, e);
  workload_signals(r, resource, subresource, verb, e);
}

}  // namespace mandate::ingest
