// Seeded mutation of real records from every source: flipped, inserted and
// deleted bytes. Each mutant must be imported or refused with a reason,
// never crash, throw, or produce an event and a refusal for one record.
// (Not a substitute for a libFuzzer run, which this GCC build does not
// have; it runs in the suite in well under a second per source.)
#include <gtest/gtest.h>

#include <random>

#include "ingest/importer.h"
#include "ingest_support.h"

namespace mandate::testing {
namespace {

using ingest::SourceKind;

std::string first_record(const std::string& path) {
  const auto source = ingest::read_source(path);
  const std::string text(source.text());
  return text.substr(0, text.find('\n'));
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  static constexpr char kInteresting[] = "{}[]\",:\\0123456789eE-+. \x80\xff\xc3tfn";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    const std::size_t at = rng() % s.size();
    switch (rng() % 3) {
      case 0: s[at] = kInteresting[rng() % (sizeof kInteresting - 1)]; break;
      case 1: s.insert(at, 1, kInteresting[rng() % (sizeof kInteresting - 1)]); break;
      default: s.erase(at, 1 + rng() % 8); break;
    }
  }
  return s;
}

void mutate_source(SourceKind kind, const std::string& path, std::uint64_t seed) {
  const std::string seed_record = first_record(path);
  std::mt19937_64 rng(seed);
  std::size_t imported = 0, refused = 0;
  for (int i = 0; i < 1500; ++i) {
    const std::string mutant = mutate(seed_record, rng);
    ingest::ParsedInput p;
    ASSERT_NO_THROW(p = parse_text(kind, mutant, "m")) << mutant;
    // A mutant is one line; a lone Vault request is still one event.
    ASSERT_LE(p.report.events + p.report.malformed, 2u);
    for (const auto& e : p.events) {
      EXPECT_FALSE(e.id.empty());
      EXPECT_FALSE(e.actor.id.empty());
    }
    imported += p.report.events > 0;
    refused += p.report.malformed > 0;
  }
  // Both outcomes occur: the mutations are neither all fatal nor all harmless.
  EXPECT_GT(imported, 0u);
  EXPECT_GT(refused, 0u);
}

TEST(Mutation, CloudTrail) {
  mutate_source(SourceKind::cloudtrail,
                sample("cloudtrail/otrf_ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json"), 1);
}
TEST(Mutation, KubernetesAudit) {
  mutate_source(SourceKind::k8s_audit, sample("k8s_audit/audit2rbac_testdata/demo.lines01-09.log"), 2);
}
TEST(Mutation, Vault) {
  mutate_source(SourceKind::vault, sample("vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log"), 3);
}
TEST(Mutation, GitHub) {
  mutate_source(SourceKind::github,
                sample("github/azure-sentinel_github_audit_log_export/Github_sample_logs.2023-11-27_to_2024-03-12.jsonl"), 4);
}

TEST(Mutation, EntraSignIn) {
  mutate_source(SourceKind::entra, std::string(MANDATE_SOURCE_DIR) + "/tests/ingest/logs/microsoft/entra_malformed.jsonl", 5);
}
TEST(Mutation, AzureActivity) {
  mutate_source(SourceKind::azure, sample("idp_and_other_cloud/plaso_azure_activity_log/azure_activity_log.jsonl"), 6);
}
TEST(Mutation, M365) {
  mutate_source(SourceKind::m365, sample("idp_and_other_cloud/plaso_m365_unified_audit_log/microsoft_audit_log.jsonl"), 7);
}

}  // namespace
}  // namespace mandate::testing
