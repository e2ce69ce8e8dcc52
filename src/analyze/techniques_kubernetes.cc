// Kubernetes attack techniques (MITRE ATT&CK Containers matrix). The signals
// are set by the Kubernetes audit parser (src/ingest/k8s_audit_signals.cc).
#include <array>

#include "analyze/techniques.h"

namespace mandate::analyze {
namespace {

constexpr std::string_view kAttack = "mitre-attack";
constexpr std::string_view kNhi = "owasp-nhi-2025";
constexpr std::string_view kCsf = "nist-csf-2.0";

constexpr std::array<FrameworkRef, 3> kExec{{{kAttack, "T1609"}, {kNhi, "NHI10"}, {kCsf, "DE.CM-03"}}};

constexpr std::array<TechniqueRule, 1> kTechniques{{
    {{"k8s.pod_exec", "A command run inside a running pod (exec or attach)", Severity::medium,
      "Confirm the session was sanctioned; restrict pods/exec and pods/attach to break-glass roles.", kExec},
     "pod_exec", 1, 0, "ran a command inside a pod"},
}};

}  // namespace

std::span<const TechniqueRule> kubernetes_techniques() { return kTechniques; }

}  // namespace mandate::analyze
