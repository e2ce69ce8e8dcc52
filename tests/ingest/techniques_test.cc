// Each attack technique, shown by a log written for it in its source's real
// format: the rule fires, names its ATT&CK technique, the person behind the
// action, and the evidence by the source's own record ids. Look-alikes that
// are not the technique stay quiet. The AWS ones: techniques_aws_test.cc.
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

TEST(KubernetesTechniques, ExecIntoAPodByAServiceAccountReachesNobody) {
  const auto found = of_rule(technique_findings(SourceKind::k8s_audit, {"kubernetes/exec.jsonl"}), "k8s.pod_exec");
  ASSERT_EQ(found.size(), 1u);
  const auto& f = found[0];
  EXPECT_TRUE(maps_to(f, "T1609"));
  EXPECT_EQ(f.subject, "system:serviceaccount:ci:deployer");
  EXPECT_TRUE(f.behind.empty());
  EXPECT_NE(f.explanation.find("No person is reachable"), std::string::npos) << f.explanation;
  EXPECT_EQ(f.evidence_source_ids, std::vector<std::string>{"k8s-audit:6b2f3f7e-8b1a-4d2c-9a51-0c3f7c1e0001"});
}

}  // namespace
}  // namespace mandate::testing
