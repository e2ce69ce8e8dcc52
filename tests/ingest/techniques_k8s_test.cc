// Each Kubernetes attack technique, shown by an audit log written for it in
// the API server's audit.k8s.io/v1 format (tests/ingest/techniques/kubernetes/
// README.md cites the Kubernetes docs): the rule fires, names its ATT&CK
// technique, the person behind the action when the log holds one, and the
// evidence by auditID. Look-alikes in the same files stay quiet. Falco's own
// test traces (../shared/samples/k8s_audit) raise the techniques they show.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "analyze/techniques.h"
#include "ingest_support.h"
#include "technique_support.h"

namespace mandate::testing {
namespace {

using analyze::Finding;
using analyze::Severity;
using ingest::SourceKind;

bool maps_to(const Finding& f, std::string_view technique) {
  for (const auto& m : f.rule->mappings) {
    if (m.framework == "mitre-attack" && m.item == technique) return true;
  }
  return false;
}

std::vector<Finding> k8s(const std::string& file) { return technique_findings(SourceKind::k8s_audit, {"kubernetes/" + file}); }

std::string audit(std::string_view id) { return "k8s-audit:" + std::string(id); }

// The test logs' audit ids: 7a3c<file>-0000-4000-8000-<record>.
std::string audit(int file, int record) {
  char id[64];
  std::snprintf(id, sizeof id, "k8s-audit:7a3c%04x-0000-4000-8000-%012x", file, record);
  return id;
}

const Finding* about(const std::vector<Finding>& found, std::string_view subject) {
  const auto it = std::find_if(found.begin(), found.end(), [&](const Finding& f) { return f.subject == subject; });
  return it == found.end() ? nullptr : &*it;
}

// Findings of every Kubernetes technique rule.
std::vector<Finding> k8s_techniques(const std::vector<Finding>& all) {
  std::vector<Finding> out;
  for (const auto& t : analyze::kubernetes_techniques()) {
    for (auto& f : of_rule(all, t.info.id)) out.push_back(std::move(f));
  }
  return out;
}

// A shared sample, imported and analyzed like the test logs.
std::vector<Finding> sample_findings(const std::string& relative) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = store::create_sqlite_store(db);
  auto events = store::open_sqlite_event_store(db);
  const std::vector<std::string> paths{sample(relative)};
  const auto report = ingest::import_files(SourceKind::k8s_audit, paths, *events);
  for (const auto& f : report.files) EXPECT_EQ(f.malformed, 0u) << f.file;
  return analyze::analyze(*events, analyze::AnalyzeConfig{}, {}).findings;
}

TEST(KubernetesTechniques, ExecIntoAPodByAServiceAccountReachesNobody) {
  const auto found = of_rule(k8s("exec.jsonl"), "k8s.pod_exec");
  ASSERT_EQ(found.size(), 1u);
  const auto& f = found[0];
  EXPECT_TRUE(maps_to(f, "T1609"));
  EXPECT_EQ(f.subject, "system:serviceaccount:ci:deployer");
  EXPECT_TRUE(f.behind.empty());
  EXPECT_NE(f.explanation.find("No person is reachable"), std::string::npos) << f.explanation;
  EXPECT_EQ(f.evidence_source_ids, std::vector<std::string>{"k8s-audit:6b2f3f7e-8b1a-4d2c-9a51-0c3f7c1e0001"});
}

TEST(KubernetesTechniques, DebugContainerAndAttachAreExecButPortForwardAndRefusalsAreNot) {
  const auto all = k8s("exec-debug.jsonl");
  const auto found = of_rule(all, "k8s.pod_exec");
  ASSERT_EQ(found.size(), 1u);  // not carol, whose exec was refused
  EXPECT_EQ(found[0].subject, "bob@example.com");
  EXPECT_EQ(found[0].behind, std::vector<std::string>{"bob@example.com"});
  // The debug container and the attach to it; not the port-forward nor the log read.
  // The attach is recorded when its stream opened and when it closed: one request.
  EXPECT_EQ(found[0].evidence_source_ids, (std::vector<std::string>{audit(3, 1), audit(3, 2)}));
  EXPECT_NE(found[0].explanation.find("(2 events)"), std::string::npos) << found[0].explanation;
  EXPECT_EQ(k8s_techniques(all).size(), 1u);
}

TEST(KubernetesTechniques, PodsThatReachTheirNodeNameWhoStartedThem) {
  const auto found = of_rule(k8s("host-pod.jsonl"), "k8s.pod_reaches_host");
  ASSERT_EQ(found.size(), 2u);
  const Finding* alice = about(found, "alice@example.com");
  ASSERT_NE(alice, nullptr);
  EXPECT_TRUE(maps_to(*alice, "T1610"));
  EXPECT_TRUE(maps_to(*alice, "T1611"));
  EXPECT_EQ(alice->rule->severity, Severity::high);
  EXPECT_EQ(alice->behind, std::vector<std::string>{"alice@example.com"});
  // A privileged pod, and a DaemonSet patched to mount containerd's socket.
  EXPECT_EQ(alice->evidence_source_ids, (std::vector<std::string>{audit(1, 1), audit(1, 2)}));
  // A CronJob adding SYS_ADMIN and a Deployment on the host network, by a
  // CI service account whose token records no person.
  const Finding* ci = about(found, "system:serviceaccount:ci:deployer");
  ASSERT_NE(ci, nullptr);
  EXPECT_TRUE(ci->behind.empty());
  EXPECT_EQ(ci->evidence_source_ids, (std::vector<std::string>{audit(1, 3), audit(1, 4)}));
}

TEST(KubernetesTechniques, UnprivilegedPodsStatusEchoesAndRefusedPodsStayQuiet) {
  EXPECT_TRUE(k8s_techniques(k8s("host-pod-lookalikes.jsonl")).empty());
}

TEST(KubernetesTechniques, SecretsReadByAPersonOrOutsideTheReadersNamespace) {
  const auto all = k8s("secrets-read.jsonl");
  const auto person = of_rule(all, "k8s.secrets_read_by_person");
  ASSERT_EQ(person.size(), 1u);  // not bob, refused
  EXPECT_EQ(person[0].subject, "alice@example.com");
  EXPECT_TRUE(maps_to(person[0], "T1552.007"));
  EXPECT_EQ(person[0].behind, std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(person[0].evidence_source_ids, std::vector<std::string>{audit(4, 1)});  // not her secret create
  const auto across = of_rule(all, "k8s.secrets_read_across_namespaces");
  ASSERT_EQ(across.size(), 2u);  // not the workload in its own namespace, the kubelet nor the garbage collector
  const Finding* ci = about(across, "system:serviceaccount:ci:deployer");
  ASSERT_NE(ci, nullptr);
  EXPECT_TRUE(maps_to(*ci, "T1552.007"));
  EXPECT_EQ(ci->rule->severity, Severity::high);
  EXPECT_EQ(ci->evidence_source_ids, std::vector<std::string>{audit(4, 2)});
  const Finding* monitoring = about(across, "system:serviceaccount:monitoring:agent");
  ASSERT_NE(monitoring, nullptr);
  EXPECT_TRUE(monitoring->behind.empty());
  EXPECT_EQ(monitoring->evidence_source_ids, std::vector<std::string>{audit(4, 3)});
  EXPECT_EQ(k8s_techniques(all).size(), 3u);
}

TEST(KubernetesTechniques, ImpersonationNamesTheImpersonatorBehindTheIdentityLent) {
  const auto all = k8s("impersonation.jsonl");
  const auto plain = of_rule(all, "k8s.impersonation");
  ASSERT_EQ(plain.size(), 1u);  // carol's impersonated request was refused
  EXPECT_EQ(plain[0].subject, "system:serviceaccount:payments:api");
  EXPECT_TRUE(maps_to(plain[0], "T1078"));
  EXPECT_EQ(plain[0].behind, std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(plain[0].evidence_source_ids, std::vector<std::string>{audit(5, 1)});
  const auto admin = of_rule(all, "k8s.impersonation_of_admin");
  ASSERT_EQ(admin.size(), 1u);
  EXPECT_EQ(admin[0].rule->severity, Severity::critical);
  EXPECT_EQ(admin[0].subject, "ops-breakglass");  // a member of system:masters, as impersonated
  // A person impersonating a person: the one at the keyboard is bob.
  EXPECT_EQ(admin[0].behind, std::vector<std::string>{"bob@example.com"});
  EXPECT_EQ(admin[0].evidence_source_ids, std::vector<std::string>{audit(5, 2)});
}

TEST(KubernetesTechniques, Audit2rbacSampleImpersonationsReachTheAdministrator) {
  const auto found = of_rule(sample_findings("k8s_audit/audit2rbac_testdata/demo.lines01-09.log"), "k8s.impersonation");
  ASSERT_EQ(found.size(), 2u);
  const Finding* bob = about(found, "bob");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->behind, std::vector<std::string>{"system:admin"});
  EXPECT_EQ(bob->evidence_source_ids, std::vector<std::string>{audit("719a5b90-e21b-44a2-94ec-67e16493dad6")});  // three were refused
  const Finding* sa = about(found, "system:serviceaccount:ns1:sa1");
  ASSERT_NE(sa, nullptr);
  EXPECT_EQ(sa->behind, std::vector<std::string>{"system:admin"});
  EXPECT_EQ(sa->evidence_source_ids, std::vector<std::string>{audit("07d17160-3e30-46a4-be6a-36e9d77acdac")});
}

TEST(KubernetesTechniques, ClusterAdminBindingAndWildcardRoleButNotAViewBinding) {
  const auto all = k8s("cluster-admin.jsonl");
  const auto bound = of_rule(all, "k8s.cluster_admin_binding");
  ASSERT_EQ(bound.size(), 1u);
  EXPECT_EQ(bound[0].subject, "alice@example.com");
  EXPECT_TRUE(maps_to(bound[0], "T1098.006"));
  EXPECT_EQ(bound[0].behind, std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(bound[0].evidence_source_ids, std::vector<std::string>{audit(6, 1)});  // not the RoleBinding to view
  const auto wildcard = of_rule(all, "k8s.wildcard_cluster_role");
  ASSERT_EQ(wildcard.size(), 1u);  // not the API server bootstrapping cluster-admin
  EXPECT_EQ(wildcard[0].subject, "system:serviceaccount:ci:deployer");
  EXPECT_EQ(wildcard[0].evidence_source_ids, std::vector<std::string>{audit(6, 2)});
  EXPECT_EQ(k8s_techniques(all).size(), 2u);
}

TEST(KubernetesTechniques, AnonymousAccessBeyondHealthAndVersion) {
  const auto all = k8s("anonymous.jsonl");
  const auto found = of_rule(all, "k8s.anonymous_access");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].subject, "system:anonymous");
  EXPECT_TRUE(maps_to(found[0], "T1078.001"));
  EXPECT_TRUE(maps_to(found[0], "T1190"));
  EXPECT_TRUE(found[0].behind.empty());
  // Only the configmaps list: not /healthz, /version, nor the refused secrets list.
  EXPECT_EQ(found[0].evidence_source_ids, std::vector<std::string>{audit(7, 1)});
  EXPECT_EQ(k8s_techniques(all).size(), 1u);
}

TEST(KubernetesTechniques, TokensMintedForAnotherServiceAccountAndLongLivedTokenSecrets) {
  const auto all = k8s("sa-tokens.jsonl");
  const auto minted = of_rule(all, "k8s.sa_token_requested");
  ASSERT_EQ(minted.size(), 1u);  // not the kubelet, nor the service account for itself
  EXPECT_EQ(minted[0].subject, "alice@example.com");
  EXPECT_TRUE(maps_to(minted[0], "T1528"));
  EXPECT_EQ(minted[0].evidence_source_ids, std::vector<std::string>{audit(8, 1)});
  const auto secret = of_rule(all, "k8s.sa_token_secret");
  ASSERT_EQ(secret.size(), 1u);
  EXPECT_EQ(secret[0].subject, "bob@example.com");
  EXPECT_TRUE(maps_to(secret[0], "T1528"));
  EXPECT_EQ(secret[0].evidence_source_ids, std::vector<std::string>{audit(8, 2)});  // not the Opaque secret
  EXPECT_EQ(k8s_techniques(all).size(), 2u);
}

TEST(KubernetesTechniques, TheTokenATokenRequestReturnsIsNotStored) {
  const auto parsed = parse_file(SourceKind::k8s_audit, technique_log("kubernetes/sa-tokens.jsonl"));
  ASSERT_EQ(parsed.events.size(), 5u);
  const auto& request = parsed.events[0];
  EXPECT_EQ(request.source_id, "7a3c0008-0000-4000-8000-000000000001");
  EXPECT_EQ(request.raw.find("eyJhbGciOiJSUzI1NiIs"), std::string::npos);
  EXPECT_EQ(request.raw.find("responseObject"), std::string::npos);
  EXPECT_NE(request.raw.find("\"expirationSeconds\":3600"), std::string::npos);  // the request is kept
}

TEST(KubernetesTechniques, CronJobInKubeSystemByAPersonImpersonatingAServiceAccount) {
  const auto all = k8s("kube-system-cronjob.jsonl");
  const auto found = of_rule(all, "k8s.kube_system_cronjob");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].subject, "system:serviceaccount:kube-system:maintenance");
  EXPECT_TRUE(maps_to(found[0], "T1053.007"));
  EXPECT_EQ(found[0].behind, std::vector<std::string>{"alice@example.com"});
  EXPECT_NE(found[0].explanation.find("On behalf of alice@example.com"), std::string::npos) << found[0].explanation;
  EXPECT_EQ(found[0].evidence_source_ids, std::vector<std::string>{audit(9, 1)});  // not the CronJob in batch
  EXPECT_EQ(of_rule(all, "k8s.impersonation").size(), 1u);
}

struct FalcoTrace {
  const char* file;
  const char* rule;  // "" when no technique may fire
  const char* subject;
  const char* audit_id;
};

TEST(KubernetesTechniques, FalcoTraceFilesRaiseTheirTechniques) {
  const FalcoTrace traces[] = {
      {"create_nginx_pod_privileged.json", "k8s.pod_reaches_host", "system:serviceaccount:kube-system:replicaset-controller",
       "a362d22b-db3c-4590-9505-23782f12925f"},
      {"exec_pod.json", "k8s.pod_exec", "minikube-user", "ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6"},
      {"attach_cluster_admin_role.json", "k8s.cluster_admin_binding", "minikube-user", "c97244c7-4aec-4714-946a-8204d00ecdca"},
      {"anonymous_creates_namespace_foo.json", "k8s.anonymous_access", "system:anonymous", "841d3e6d-90d2-43df-8da4-684738bee3d5"},
      // Creating a secret is not reading one.
      {"create_secret.json", "", "", ""},
      // The token controller minting the default account's legacy token: the
      // platform's own doing, and at the Metadata level the Secret's type is
      // not even recorded.
      {"create_service_account_token_secret.json", "", "", ""},
      {"some-user_creates_namespace_foo.json", "", "", ""},
      {"create_configmap_sensitive_values.json", "", "", ""},
  };
  for (const auto& t : traces) {
    SCOPED_TRACE(t.file);
    const auto found = k8s_techniques(sample_findings(std::string("k8s_audit/falco_test_trace_files/") + t.file));
    if (std::string_view(t.rule).empty()) {
      EXPECT_TRUE(found.empty()) << found.front().rule->id;
      continue;
    }
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].rule->id, t.rule);
    EXPECT_EQ(found[0].subject, t.subject);
    EXPECT_EQ(found[0].evidence_source_ids, std::vector<std::string>{audit(t.audit_id)});
    // A controller and an anonymous caller reach nobody; minikube-user is the person at kubectl.
    const bool person = std::string_view(t.subject) == "minikube-user";
    EXPECT_EQ(found[0].behind, person ? std::vector<std::string>{"minikube-user"} : std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace mandate::testing
