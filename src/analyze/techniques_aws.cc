// AWS attack techniques, after the public Stratus Red Team catalogue
// (https://stratus-red-team.cloud/attack-techniques/AWS/). The signals are
// set by the CloudTrail parser (src/ingest/cloudtrail_signals.cc).
#include <array>

#include "analyze/techniques.h"

namespace mandate::analyze {
namespace {

constexpr std::string_view kAttack = "mitre-attack";
constexpr std::string_view kNhi = "owasp-nhi-2025";
constexpr std::string_view kCsf = "nist-csf-2.0";

constexpr std::array<FrameworkRef, 3> kImpairLogging{{{kAttack, "T1562.008"}, {kCsf, "PR.PS-04"}, {kCsf, "DE.CM-09"}}};

constexpr std::array<TechniqueRule, 1> kTechniques{{
    {{"aws.cloudtrail_stopped", "CloudTrail logging stopped, a trail deleted or blinded", Severity::critical,
      "Restart logging, restore the trail and its event selectors; find who holds cloudtrail:StopLogging and why.",
      kImpairLogging},
     "cloudtrail_stopped", 1, 0, "stopped, deleted or blinded a CloudTrail trail"},
}};

}  // namespace

std::span<const TechniqueRule> aws_techniques() { return kTechniques; }

}  // namespace mandate::analyze
