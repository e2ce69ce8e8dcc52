// Kubernetes attack techniques (MITRE ATT&CK Enterprise v18, Containers
// platform). The signals are set by the Kubernetes audit parser
// (src/ingest/k8s_audit_signals.cc), which reads the request itself: the pod
// spec, the binding's roleRef, the impersonated user. Comparable public
// detections: Falco's k8s_audit_rules.yaml (falcosecurity/plugins).
#include <array>

#include "analyze/techniques.h"

namespace mandate::analyze {
namespace {

constexpr std::string_view kAttack = "mitre-attack";
constexpr std::string_view kNhi = "owasp-nhi-2025";
constexpr std::string_view kCsf = "nist-csf-2.0";

constexpr std::array<FrameworkRef, 3> kExec{{{kAttack, "T1609"}, {kNhi, "NHI10"}, {kCsf, "DE.CM-03"}}};
constexpr std::array<FrameworkRef, 4> kHostPod{
    {{kAttack, "T1610"}, {kAttack, "T1611"}, {kNhi, "NHI6"}, {kCsf, "DE.CM-09"}}};
constexpr std::array<FrameworkRef, 3> kSecretsByPerson{{{kAttack, "T1552.007"}, {kNhi, "NHI10"}, {kCsf, "DE.CM-03"}}};
constexpr std::array<FrameworkRef, 3> kSecretsAcross{{{kAttack, "T1552.007"}, {kNhi, "NHI5"}, {kCsf, "PR.AA-05"}}};
constexpr std::array<FrameworkRef, 3> kImpersonation{{{kAttack, "T1078"}, {kNhi, "NHI10"}, {kCsf, "PR.AA-05"}}};
constexpr std::array<FrameworkRef, 3> kAdminBinding{{{kAttack, "T1098.006"}, {kNhi, "NHI5"}, {kCsf, "PR.AA-05"}}};
constexpr std::array<FrameworkRef, 4> kAnonymous{
    {{kAttack, "T1078.001"}, {kAttack, "T1190"}, {kNhi, "NHI4"}, {kCsf, "PR.AA-03"}}};
constexpr std::array<FrameworkRef, 3> kTokenRequest{{{kAttack, "T1528"}, {kNhi, "NHI10"}, {kCsf, "PR.AA-01"}}};
constexpr std::array<FrameworkRef, 3> kTokenSecret{{{kAttack, "T1528"}, {kNhi, "NHI7"}, {kCsf, "PR.AA-01"}}};
constexpr std::array<FrameworkRef, 2> kCronJob{{{kAttack, "T1053.007"}, {kCsf, "DE.CM-09"}}};

constexpr std::array<TechniqueRule, 12> kTechniques{{
    {{"k8s.pod_exec", "A command run inside a running pod (exec, attach or a debug container)", Severity::medium,
      "Confirm the session was sanctioned; restrict pods/exec, pods/attach and pods/ephemeralcontainers to break-glass roles.",
      kExec},
     "pod_exec", 1, 0, "ran a command or a debug container inside a pod"},
    {{"k8s.pod_reaches_host", "A pod that can take over its node (privileged, host namespaces, host root or runtime socket, SYS_ADMIN)",
      Severity::high,
      "Delete the pod unless it is a known node agent; enforce the Pod Security Standards' baseline or restricted level on the namespace.",
      kHostPod},
     "pod_reaches_host", 1, 0, "started a pod or pod template that can reach its node"},
    {{"k8s.secrets_read_by_person", "Secrets read by a person", Severity::medium,
      "Confirm why a person needed the secret's value; rotate it if not, and leave secret reads to the workloads that use them.",
      kSecretsByPerson},
     "secrets_read_by_person", 1, 0, "read Secrets"},
    {{"k8s.secrets_read_across_namespaces", "Secrets read outside the reader's namespace, or listed across all namespaces",
      Severity::high,
      "Find which role grants secrets across namespaces and narrow it to the reader's own namespace; rotate what was read.",
      kSecretsAcross},
     "secrets_read_across_namespaces", 1, 0, "read Secrets outside its own namespace or across all namespaces"},
    {{"k8s.impersonation", "An identity acting as another through Kubernetes impersonation", Severity::medium,
      "Confirm the impersonation was sanctioned; restrict the impersonate verb to named users and targets.", kImpersonation},
     "impersonation", 1, 0, "was impersonated"},
    {{"k8s.impersonation_of_admin", "Impersonation of system:admin or of the system:masters group", Severity::critical,
      "Revoke the impersonate permission that allowed it; system:masters bypasses RBAC and cannot be limited once granted.",
      kImpersonation},
     "impersonation_of_admin", 1, 0, "was impersonated with cluster-admin powers (system:admin or system:masters)"},
    {{"k8s.cluster_admin_binding", "cluster-admin bound to a user, group or service account", Severity::high,
      "Remove the binding unless it is a documented break-glass grant; bind narrower roles instead.", kAdminBinding},
     "cluster_admin_bound", 1, 0, "bound the cluster-admin role"},
    {{"k8s.wildcard_cluster_role", "A ClusterRole granting every verb or every resource", Severity::high,
      "Replace the wildcards with the verbs and resources the subject needs; review who is bound to the role.", kAdminBinding},
     "wildcard_cluster_role", 1, 0, "created or changed a ClusterRole with wildcard verbs or resources"},
    {{"k8s.anonymous_access", "An unauthenticated request allowed beyond the health and version endpoints", Severity::high,
      "Remove the bindings that grant system:anonymous or system:unauthenticated; run the API server with --anonymous-auth=false.",
      kAnonymous},
     "anonymous_access", 1, 0, "was allowed a request without authenticating"},
    {{"k8s.sa_token_requested", "A token minted for a service account by another identity", Severity::high,
      "Confirm who needed to act as the service account; restrict create on serviceaccounts/token.", kTokenRequest},
     "sa_token_requested", 1, 0, "minted a token for another service account"},
    {{"k8s.sa_token_secret", "A long-lived service-account token Secret created", Severity::high,
      "Delete the Secret and use short-lived projected or TokenRequest tokens; find who needed a token that never expires.",
      kTokenSecret},
     "sa_token_secret", 1, 0, "created a long-lived service-account token Secret"},
    {{"k8s.kube_system_cronjob", "A CronJob created or changed in kube-system", Severity::high,
      "Confirm the CronJob belongs to a known add-on; the control plane's namespace runs nothing on a schedule by default.",
      kCronJob},
     "kube_system_cronjob", 1, 0, "created or changed a CronJob in kube-system"},
}};

}  // namespace

std::span<const TechniqueRule> kubernetes_techniques() { return kTechniques; }

}  // namespace mandate::analyze
