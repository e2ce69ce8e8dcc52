// The rule catalogue: what each finding means, how bad it is, what to do,
// and its place in OWASP NHI Top 10 (2025), NIST CSF 2.0 and NIST AI RMF 1.0.
#include <array>
#include <vector>

#include "analyze/finding.h"
#include "analyze/techniques.h"
#include "core/error.h"

namespace mandate::analyze {
namespace {

constexpr std::string_view kNhi = "owasp-nhi-2025";
constexpr std::string_view kCsf = "nist-csf-2.0";
constexpr std::string_view kRmf = "nist-ai-rmf-1.0";

constexpr std::array<FrameworkRef, 4> kReuse{{{kNhi, "NHI9"}, {kCsf, "PR.AA-01"}, {kCsf, "DE.CM-03"}, {kRmf, "GOVERN 1.6"}}};
constexpr std::array<FrameworkRef, 4> kHumanUse{{{kNhi, "NHI10"}, {kCsf, "PR.AA-02"}, {kCsf, "GV.RR-02"}, {kRmf, "GOVERN 3.2"}}};
constexpr std::array<FrameworkRef, 4> kHumanCredential{{{kNhi, "NHI10"}, {kNhi, "NHI4"}, {kCsf, "PR.AA-01"}, {kCsf, "PR.AA-03"}}};
constexpr std::array<FrameworkRef, 4> kSeparation{{{kCsf, "PR.AA-05"}, {kCsf, "GV.RR-02"}, {kRmf, "GOVERN 2.1"}, {kRmf, "MAP 3.5"}}};
constexpr std::array<FrameworkRef, 4> kUnattributed{{{kCsf, "GV.RR-02"}, {kCsf, "DE.CM-03"}, {kRmf, "MEASURE 2.8"}, {kRmf, "MAP 3.5"}}};
constexpr std::array<FrameworkRef, 3> kLongLived{{{kNhi, "NHI7"}, {kCsf, "PR.AA-01"}, {kRmf, "MANAGE 2.4"}}};
constexpr std::array<FrameworkRef, 4> kStale{{{kNhi, "NHI1"}, {kCsf, "ID.AM-08"}, {kCsf, "PR.AA-01"}, {kRmf, "GOVERN 1.7"}}};
constexpr std::array<FrameworkRef, 4> kOrphaned{{{kNhi, "NHI1"}, {kCsf, "GV.RR-02"}, {kCsf, "ID.AM-08"}, {kRmf, "MANAGE 2.4"}}};
constexpr std::array<FrameworkRef, 2> kOverprivileged{{{kNhi, "NHI5"}, {kCsf, "PR.AA-05"}}};
constexpr std::array<FrameworkRef, 4> kBreakGlass{{{kCsf, "PR.AA-05"}, {kCsf, "DE.CM-03"}, {kRmf, "GOVERN 1.5"}, {kRmf, "MANAGE 4.1"}}};
constexpr std::array<FrameworkRef, 3> kProbing{{{kCsf, "DE.CM-03"}, {kCsf, "DE.AE-03"}, {kRmf, "MANAGE 4.1"}}};

constexpr std::array<RuleInfo, 11> kRules{{
    {"nhi.reuse", "One machine identity used from several systems, addresses or programs", Severity::high,
     "Give each system and workflow its own identity with only the access it needs; retire the shared one.", kReuse},
    {"nhi.human_use", "A person acting through a machine identity", Severity::high,
     "People act with their own identities; remove interactive access and impersonation rights to machine identities.",
     kHumanUse},
    {"nhi.human_credential", "A program acting with a person's long-lived credential", Severity::high,
     "Give the program its own workload identity with short-lived credentials; revoke the person's access key.",
     kHumanCredential},
    {"sod.approve_and_execute", "One identity both approves and requests or executes the same work", Severity::critical,
     "Require approval from someone who neither requested nor executes the work; machines never approve.", kSeparation},
    {"attribution.unattributed", "Machine actions with no reachable human initiator or approval", Severity::medium,
     "Route the work through mandate (a task with an initiator and approval), or set sourceIdentity / triggering "
     "actor so the chain reaches a person.",
     kUnattributed},
    {"credential.long_lived", "A credential in use far longer than rotation allows", Severity::medium,
     "Rotate the credential and move to short-lived, federated credentials.", kLongLived},
    {"nhi.stale", "A machine identity that has not been used for a long time", Severity::low,
     "Confirm with the owner and disable or delete the identity.", kStale},
    {"nhi.orphaned", "A machine identity with no accountable owner, or an offboarded one", Severity::medium,
     "Assign an active human owner, or disable the identity.", kOrphaned},
    {"nhi.overprivileged", "Administrative or wildcard privileges granted or held", Severity::high,
     "Replace admin and wildcard grants with least-privilege policies scoped to the task.", kOverprivileged},
    {"breakglass.unreviewed", "Break-glass access without a timely review", Severity::high,
     "Review every break-glass use within the deadline and record the review.", kBreakGlass},
    {"probing.denied", "Repeated denied requests from one machine identity", Severity::medium,
     "Investigate the workload: a misconfiguration, or someone probing with its credential.", kProbing},
}};

}  // namespace

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
    case Severity::critical: return "critical";
  }
  return "unknown";
}

std::span<const RuleInfo> all_rules() {
  // Built once, then only read: the hygiene rules, then every technique.
  static const std::vector<RuleInfo> rules = [] {
    std::vector<RuleInfo> all(kRules.begin(), kRules.end());
    for (const auto& t : aws_techniques()) all.push_back(t.info);
    for (const auto& t : kubernetes_techniques()) all.push_back(t.info);
    return all;
  }();
  return rules;
}

const RuleInfo& rule(std::string_view id) {
  for (const auto& r : all_rules()) {
    if (r.id == id) return r;
  }
  fail(ErrorKind::not_found, "no finding rule " + std::string(id));
}

}  // namespace mandate::analyze
