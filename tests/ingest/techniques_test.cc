// Each attack technique, shown by a log written for it in its source's real
// format: the rule fires, names its ATT&CK technique, the person behind the
// action, and the evidence by the source's own record ids. Look-alikes that
// are not the technique stay quiet.
#include <gtest/gtest.h>

#include "technique_support.h"

namespace mandate::testing {
namespace {

using ingest::SourceKind;

bool maps_to(const analyze::Finding& f, std::string_view technique) {
  for (const auto& m : f.rule->mappings) {
    if (m.framework == "mitre-attack" && m.item == technique) return true;
  }
  return false;
}

TEST(AwsTechniques, StoppedTrailNamesThePersonBehindTheRoleSession) {
  const auto found = of_rule(technique_findings(SourceKind::cloudtrail, {"aws/cloudtrail-stop.json"}), "aws.cloudtrail_stopped");
  ASSERT_EQ(found.size(), 1u);
  const auto& f = found[0];
  EXPECT_TRUE(maps_to(f, "T1562.008"));
  EXPECT_EQ(f.subject, "arn:aws:iam::111122223333:role/ops-automation");
  // The role session's key was issued by alice's AssumeRole.
  EXPECT_EQ(f.behind, std::vector<std::string>{"arn:aws:iam::111122223333:user/alice"});
  EXPECT_NE(f.explanation.find("On behalf of arn:aws:iam::111122223333:user/alice"), std::string::npos) << f.explanation;
  EXPECT_EQ(f.evidence_source_ids, std::vector<std::string>{"cloudtrail:0f3f6a2e-1111-4c7b-9a55-000000000002"});
}

}  // namespace
}  // namespace mandate::testing
