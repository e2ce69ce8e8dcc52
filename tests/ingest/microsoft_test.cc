// Microsoft sources: Entra ID audit and sign-in logs (Graph and Azure Monitor
// shapes), the Azure Activity log (SDK, CLI and export shapes), the Microsoft
// 365 Unified Audit Log. The logs under logs/microsoft are written from
// Microsoft's documented schemas (logs/microsoft/README.md names them); the
// two shared samples are plaso's.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "core/time.h"
#include "ingest/importer.h"
#include "ingest_support.h"
#include "technique_support.h"

namespace mandate::testing {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;
using ingest::SourceKind;

std::string microsoft_log(const std::string& name) { return test_log("microsoft/" + name); }

bool has_signal(const core::AuditEvent& e, std::string_view signal) {
  return std::find(e.signals.begin(), e.signals.end(), signal) != e.signals.end();
}

void expect_counts(const ingest::ParsedInput& p, std::size_t records, std::size_t events, std::size_t skipped,
                   std::size_t malformed) {
  EXPECT_EQ(p.report.records, records);
  EXPECT_EQ(p.report.events, events);
  EXPECT_EQ(p.events.size(), events);
  EXPECT_EQ(p.report.skipped, skipped);
  EXPECT_EQ(p.report.malformed, malformed);
  for (const auto& m : p.report.malformed_examples) ADD_FAILURE() << "unexpected refusal " << m.where << ": " << m.reason;
}

std::string at(const char* rfc3339) { return core::format_timestamp(*core::parse_timestamp(rfc3339)); }

TEST(MicrosoftSources, NamesRoundTrip) {
  for (const auto kind : {SourceKind::entra, SourceKind::azure, SourceKind::m365}) {
    EXPECT_EQ(ingest::parse_source_kind(ingest::to_string(kind)), kind);
  }
  EXPECT_EQ(ingest::to_string(SourceKind::entra), "entra");
  EXPECT_EQ(ingest::to_string(SourceKind::azure), "azure");
  EXPECT_EQ(ingest::to_string(SourceKind::m365), "m365");
}

// --- Entra ID sign-ins (Graph) ---------------------------------------------

TEST(EntraSignIns, GraphResponseSplitsIntoRecords) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_signins.json"));
  expect_counts(p, 7, 7, 0, 0);
  EXPECT_TRUE(p.events[0].origin.ends_with("entra_graph_signins.json:1#0")) << p.events[0].origin;
  for (const auto& e : p.events) {
    EXPECT_EQ(e.source, "entra");
    EXPECT_EQ(e.category, EventCategory::authentication);
  }
}

TEST(EntraSignIns, PersonsInteractiveSignIn) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_signins.json"));
  const auto& e = by_source_id(p, "66ea54eb-6301-4ee5-be62-ff5a759b0100");
  EXPECT_EQ(e.actor, (core::Principal{"alice@contoso.com", PrincipalKind::human, "Alice Martin"}));
  EXPECT_TRUE(e.chain.empty());
  EXPECT_EQ(e.action, "entra:sign-in");
  EXPECT_EQ(e.resource, "Azure Portal");
  EXPECT_EQ(e.result, EventResult::success);
  EXPECT_TRUE(e.interactive);
  EXPECT_EQ(e.credential_kind, CredentialKind::password);
  EXPECT_EQ(e.source_address, "203.0.113.10");
  EXPECT_TRUE(e.user_agent.starts_with("Mozilla/5.0 (Windows NT 10.0"));
  EXPECT_EQ(e.account, "72f988bf-86f1-41af-91ab-2d7cd011db47");
  EXPECT_EQ(e.issued_credential, "ZTQ2NmJjN2YtYjQ1ZS00");  // the token's uti
  EXPECT_EQ(core::format_timestamp(e.time), at("2026-03-02T09:14:05Z"));
  EXPECT_TRUE(e.signals.empty());
}

TEST(EntraSignIns, FailedAndBlockedSignIns) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_signins.json"));
  const auto& wrong_password = by_source_id(p, "66ea54eb-6301-4ee5-be62-ff5a759b0200");
  EXPECT_EQ(wrong_password.actor.id, "alice@contoso.com");
  EXPECT_EQ(wrong_password.result, EventResult::failure);
  EXPECT_EQ(wrong_password.source_address, "198.51.100.77");
  // Conditional Access refused it: a policy's denial, not a wrong password.
  const auto& blocked = by_source_id(p, "66ea54eb-6301-4ee5-be62-ff5a759b0300");
  EXPECT_EQ(blocked.actor.id, "bob@contoso.com");
  EXPECT_EQ(blocked.result, EventResult::denied);
  // A password sprayed over IMAP: legacy authentication, which MFA cannot cover.
  const auto& imap = by_source_id(p, "66ea54eb-6301-4ee5-be62-ff5a759b0700");
  EXPECT_EQ(imap.result, EventResult::failure);
  EXPECT_TRUE(has_signal(imap, "legacy_authentication"));
  EXPECT_FALSE(has_signal(wrong_password, "legacy_authentication"));
}

TEST(EntraSignIns, ServicePrincipalAndManagedIdentityAreWorkloads) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_signins.json"));
  const auto& sp = by_source_id(p, "66ea54eb-6301-4ee5-be62-ff5a759b0400");
  EXPECT_EQ(sp.actor, (core::Principal{"8d4f2c0a-7b6e-4f3d-a2c1-5e9b8a7d6c50", PrincipalKind::workload, "deploy-pipeline"}));
  EXPECT_EQ(sp.action, "entra:service principal sign-in");
  EXPECT_EQ(sp.credential, "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b");  // the client secret's key id
  EXPECT_EQ(sp.credential_kind, CredentialKind::access_key);
  EXPECT_EQ(sp.resource, "Microsoft Graph");
  EXPECT_FALSE(sp.interactive);
  EXPECT_TRUE(sp.chain.empty());
  const auto& mi = by_source_id(p, "66ea54eb-6301-4ee5-be62-ff5a759b0500");
  EXPECT_EQ(mi.actor, (core::Principal{"5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f", PrincipalKind::workload, "vm-billing-01"}));
  EXPECT_EQ(mi.action, "entra:managed identity sign-in");
  EXPECT_EQ(mi.credential_kind, CredentialKind::token);
  EXPECT_EQ(mi.resource, "Azure Key Vault");
  EXPECT_EQ(mi.result, EventResult::success);
}

TEST(EntraSignIns, NonInteractiveSignInIsTheClientActingForThePerson) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_signins.json"));
  const auto& e = by_source_id(p, "66ea54eb-6301-4ee5-be62-ff5a759b0600");
  EXPECT_EQ(e.actor, (core::Principal{"d3590ed6-52b3-4102-aeff-aad2292ab01c", PrincipalKind::workload, "Microsoft Office"}));
  ASSERT_EQ(e.chain.size(), 1u);
  EXPECT_EQ(e.chain[0].relation, Relation::federated_from);
  EXPECT_EQ(e.chain[0].principal, (core::Principal{"alice@contoso.com", PrincipalKind::human, "Alice Martin"}));
  EXPECT_FALSE(e.interactive);
  EXPECT_EQ(e.credential_kind, CredentialKind::token);
}

// --- Entra ID directory audits (Graph) -------------------------------------

TEST(EntraAudits, ClientSecretAddedToAServicePrincipalKeepsOnlyItsKeyId) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_directory_audits.json"));
  expect_counts(p, 8, 8, 0, 0);
  const auto& e = by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e01");
  EXPECT_EQ(e.action, "entra:Add service principal credentials");
  EXPECT_EQ(e.actor, (core::Principal{"bob@contoso.com", PrincipalKind::human, ""}));
  EXPECT_EQ(e.category, EventCategory::credential_issued);
  // The new key, not the one the service principal already had.
  EXPECT_EQ(e.issued_credential, "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b");
  EXPECT_TRUE(has_signal(e, "app_credential_added"));
  EXPECT_EQ(e.resource, "deploy-pipeline");
  EXPECT_EQ(e.result, EventResult::success);
  EXPECT_EQ(e.source_address, "198.51.100.78");
  EXPECT_EQ(e.user_agent, "python-requests/2.31.0");
  EXPECT_FALSE(e.interactive);
  EXPECT_EQ(core::format_timestamp(e.time), at("2026-03-02T09:25:31.445Z"));
  // Entra records the key's id, type and name; the stored record has no secret value.
  EXPECT_NE(e.raw.find("KeyIdentifier=f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b"), std::string::npos);
  EXPECT_EQ(e.raw.find("secretText"), std::string::npos);
}

TEST(EntraAudits, AnAppActingForAPersonNamesThePerson) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_directory_audits.json"));
  const auto& e = by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e02");
  EXPECT_EQ(e.actor, (core::Principal{"14d82eec-204b-4c2f-b7e8-296a70dab67e", PrincipalKind::workload,
                                      "Microsoft Graph Command Line Tools"}));
  ASSERT_EQ(e.chain.size(), 1u);
  EXPECT_EQ(e.chain[0].relation, Relation::federated_from);
  EXPECT_EQ(e.chain[0].principal, (core::Principal{"bob@contoso.com", PrincipalKind::human, "Bob Chen"}));
  EXPECT_EQ(e.category, EventCategory::credential_issued);
  EXPECT_EQ(e.issued_credential, "7c6b5a49-3827-4165-9f8e-7d6c5b4a3928");
  EXPECT_EQ(e.resource, "payroll-sync");
  EXPECT_EQ(e.action, "entra:Update application – Certificates and secrets management");
}

TEST(EntraAudits, GlobalAdministratorGrantIsMarkedAndLookAlikesAreNot) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_directory_audits.json"));
  const auto& grant = by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e03");
  EXPECT_EQ(grant.action, "entra:Add member to role");
  EXPECT_EQ(grant.actor.id, "bob@contoso.com");
  EXPECT_EQ(grant.resource, "mallory@contoso.com");
  EXPECT_EQ(grant.signals, std::vector<std::string>{"admin_policy_attached"});
  EXPECT_EQ(grant.category, EventCategory::action);
  // A role that cannot take the tenant over, a removal, and a failed PIM activation.
  EXPECT_TRUE(by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e04").signals.empty());
  EXPECT_TRUE(by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e05").signals.empty());
  const auto& pim = by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e08");
  EXPECT_EQ(pim.result, EventResult::failure);
  EXPECT_TRUE(pim.signals.empty());
  // MS-PIM has no appId: Entra's own service, not one of the tenant's workloads.
  EXPECT_EQ(pim.actor, (core::Principal{"9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b", PrincipalKind::service, "MS-PIM"}));
}

TEST(EntraAudits, AppRoleAssignmentAndAdminConsent) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_graph_directory_audits.json"));
  const auto& assignment = by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e06");
  EXPECT_EQ(assignment.actor, (core::Principal{"8d4f2c0a-7b6e-4f3d-a2c1-5e9b8a7d6c50", PrincipalKind::workload, "deploy-pipeline"}));
  EXPECT_TRUE(assignment.chain.empty());
  EXPECT_EQ(assignment.resource, "deploy-pipeline");  // the client granted RoleManagement.ReadWrite.Directory
  EXPECT_EQ(assignment.signals, std::vector<std::string>{"admin_policy_attached"});
  const auto& consent = by_source_id(p, "Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e07");
  EXPECT_EQ(consent.actor.id, "bob@contoso.com");
  EXPECT_EQ(consent.resource, "mail-archiver");
  EXPECT_EQ(consent.signals, std::vector<std::string>{"admin_consent"});
}

// --- Entra ID via Azure Monitor ---------------------------------------------

TEST(EntraMonitorExport, CategoriesDecideTheKindOfSignIn) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_monitor_export.json"));
  expect_counts(p, 6, 5, 1, 0);
  EXPECT_EQ(p.report.skipped_reasons.begin()->first,
            "an Entra ID export of another category (not AuditLogs or a sign-in log)");
  for (const auto& e : p.events) EXPECT_EQ(e.account, "72f988bf-86f1-41af-91ab-2d7cd011db47");

  const auto& grant = by_source_id(p, "Directory_c3d4e5f6-aaaa-4000-8000-000000000001");
  EXPECT_EQ(grant.actor.id, "bob@contoso.com");
  EXPECT_EQ(grant.resource, "deploy-pipeline");
  EXPECT_EQ(grant.signals, std::vector<std::string>{"admin_policy_attached"});  // Privileged Role Administrator
  EXPECT_EQ(grant.source_address, "198.51.100.78");  // not the envelope's "<null>"

  const auto& person = by_source_id(p, "77fb65fc-7412-4ef6-a7b1-000000000002");
  EXPECT_EQ(person.actor, (core::Principal{"bob@contoso.com", PrincipalKind::human, "Bob Chen"}));
  EXPECT_TRUE(person.interactive);
  EXPECT_EQ(person.issued_credential, "Ym9iLWNsaS10b2tlbi0x");
  EXPECT_EQ(person.user_agent, "python-requests/2.31.0 azure-cli/2.58.0");

  const auto& silent = by_source_id(p, "77fb65fc-7412-4ef6-a7b1-000000000003");
  EXPECT_EQ(silent.actor, (core::Principal{"1fec8e78-bce4-4aaf-ab1b-5451cc387264", PrincipalKind::workload, "Microsoft Teams"}));
  ASSERT_EQ(silent.chain.size(), 1u);
  EXPECT_EQ(silent.chain[0].principal.id, "bob@contoso.com");
  EXPECT_FALSE(silent.interactive);

  const auto& sp = by_source_id(p, "77fb65fc-7412-4ef6-a7b1-000000000004");
  EXPECT_EQ(sp.actor.id, "8d4f2c0a-7b6e-4f3d-a2c1-5e9b8a7d6c50");
  EXPECT_EQ(sp.actor.kind, PrincipalKind::workload);
  EXPECT_EQ(sp.result, EventResult::failure);  // 7000215: invalid client secret
  EXPECT_EQ(sp.credential, "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b");

  const auto& mi = by_source_id(p, "77fb65fc-7412-4ef6-a7b1-000000000005");
  EXPECT_EQ(mi.action, "entra:managed identity sign-in");
  EXPECT_EQ(mi.actor, (core::Principal{"2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", PrincipalKind::workload, "func-reports"}));
  EXPECT_EQ(mi.resource, "Azure Storage");
}

TEST(EntraMalformed, RefusedWithWhereAndWhy) {
  const auto p = parse_file(SourceKind::entra, microsoft_log("entra_malformed.jsonl"));
  EXPECT_EQ(p.report.records, 11u);
  EXPECT_EQ(p.report.events, 1u);
  EXPECT_EQ(p.report.malformed, 10u);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& m : p.report.malformed_examples) got.emplace_back(m.where.substr(m.where.rfind(':') + 1), m.reason);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"2", "createdDateTime must be a string"},
      {"3", "neither a directoryAudit (activityDisplayName) nor a signIn (createdDateTime)"},
      {"4", "missing initiatedBy"},
      {"5", "a user sign-in must name userPrincipalName or userId"},
      {"6", "targetResources must be an array"},
      {"7", "isInteractive must be true or false"},
      {"8", "an Entra ID record must be a JSON object"},
      {"8", "an Entra ID record must be a JSON object"},
      {"8", "an Entra ID record must be a JSON object"},
  };
  ASSERT_GE(got.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(got[i], expected[i]) << i;
  EXPECT_EQ(got[9].first, "9");
  EXPECT_TRUE(got[9].second.starts_with("not valid JSON")) << got[9].second;
}

TEST(EntraSecrets, ASecretTextMemberIsNeverStored) {
  // A passwordCredential as Graph's addPassword returns it, pasted into a record.
  const auto p = parse_text(SourceKind::entra,
                            R"({"id":"Directory_x","activityDisplayName":"Add service principal credentials",)"
                            R"("activityDateTime":"2026-03-02T09:25:31Z","result":"success",)"
                            R"("initiatedBy":{"user":{"userPrincipalName":"bob@contoso.com"}},)"
                            R"("additionalDetails":[{"key":"credential","value":"x"}],)"
                            R"("passwordCredential":{"keyId":"k1","hint":"Q~8","secretText":"Q~8abcDEFghiJKLmnoPQRstuVWXyz0123456789"}})");
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].raw.find("Q~8abcDEF"), std::string::npos) << p.events[0].raw;
  EXPECT_NE(p.events[0].raw.find(R"("secretText":"REDACTED")"), std::string::npos) << p.events[0].raw;
}

// --- Azure Activity log ----------------------------------------------------

TEST(AzureActivity, PlasoSampleImportsWithAppsAndPeople) {
  const auto p = parse_file(SourceKind::azure, sample("idp_and_other_cloud/plaso_azure_activity_log/azure_activity_log.jsonl"));
  expect_counts(p, 4, 4, 0, 0);
  const auto& by_app = by_source_id(p, "587eda65-125e-48c2-9b04-ab5e8d3a1d8e");
  EXPECT_EQ(by_app.source, "azure");
  EXPECT_EQ(by_app.actor, (core::Principal{"12345678-9abc-defg-hijk-lmnopqrstuvw", PrincipalKind::workload,
                                           "12345678-9abc-defg-hijk-lmnopqrstuvw"}));
  EXPECT_EQ(by_app.action, "Microsoft.Compute/disks/delete");
  EXPECT_EQ(by_app.result, EventResult::unknown);  // "Started": its end is another record
  EXPECT_EQ(by_app.source_address, "1.2.3.4");
  EXPECT_EQ(by_app.account, "12345678-9abc-defg-hijk-lmnopqrstuvw");
  EXPECT_EQ(by_app.credential, "AAAAAAAAAAAAAAAAAAAAAA");  // the token's uti, an id
  EXPECT_EQ(by_app.credential_kind, CredentialKind::token);
  EXPECT_TRUE(by_app.resource.ends_with("/providers/Microsoft.Compute/disks/test-vm_disk1_cd8883de78cb4cda97cb858dfe0cda3a"));
  EXPECT_EQ(core::format_timestamp(by_app.time), at("2022-02-09T03:04:54.297853Z"));
  const auto& by_person = by_source_id(p, "648230f9-fba4-4def-8a83-118b158b748a");
  EXPECT_EQ(by_person.actor, (core::Principal{"fakeemail@fakedomain.com", PrincipalKind::human, "fakename"}));
  EXPECT_EQ(by_person.action, "Microsoft.Compute/virtualMachines/delete");
  EXPECT_TRUE(by_person.chain.empty());
  std::size_t apps = 0, people = 0;
  for (const auto& e : p.events) (e.actor.kind == PrincipalKind::workload ? apps : people) += 1;
  EXPECT_EQ(apps, 2u);
  EXPECT_EQ(people, 2u);
}

TEST(AzureActivity, MonitorExportWritesByAnAppAndByAPerson) {
  const auto p = parse_file(SourceKind::azure, microsoft_log("azure_activity_monitor_export.json"));
  expect_counts(p, 4, 4, 0, 0);
  const auto& app = p.events[0];
  EXPECT_EQ(app.source_id, "d4e5f6a7-0001-4000-8000-000000000001");  // correlationId: the export names no event id
  EXPECT_EQ(app.actor, (core::Principal{"8d4f2c0a-7b6e-4f3d-a2c1-5e9b8a7d6c50", PrincipalKind::workload,
                                        "3b9e1f2a-6c7d-4e8f-9a0b-1c2d3e4f5a6b"}));
  EXPECT_EQ(app.action, "Microsoft.Authorization/roleAssignments/write");
  EXPECT_EQ(app.result, EventResult::success);
  EXPECT_EQ(app.account, "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e");  // lower case, as the SDK writes it
  EXPECT_EQ(app.source_address, "192.0.2.40");
  EXPECT_EQ(app.signals, std::vector<std::string>{"admin_policy_attached"});  // Owner assigned
  EXPECT_EQ(app.credential, "c3BuLXRva2VuLWlkLTAw");
  ASSERT_TRUE(app.credential_issued_at.has_value());
  EXPECT_EQ(core::format_timestamp(*app.credential_issued_at), at("2026-03-03T12:00:00Z"));
  // Claims are read for ids only; the record holds no token to keep.
  EXPECT_EQ(app.raw.find("eyJ"), std::string::npos);

  const auto& person = p.events[1];
  EXPECT_EQ(person.actor, (core::Principal{"bob@contoso.com", PrincipalKind::human, "Bob Chen"}));
  EXPECT_TRUE(person.interactive);  // Azure CLI: a person at a terminal
  EXPECT_EQ(person.action, "Microsoft.KeyVault/vaults/write");
  EXPECT_TRUE(person.signals.empty());
  EXPECT_EQ(person.credential, "Ym9iLWNsaS10b2tlbi0x");

  // Carol's attempt to make herself Owner was refused: denied, and no grant.
  const auto& refused = p.events[2];
  EXPECT_EQ(refused.actor, (core::Principal{"carol@contoso.com", PrincipalKind::human, ""}));
  EXPECT_EQ(refused.result, EventResult::denied);
  EXPECT_TRUE(refused.signals.empty());

  const auto& managed = p.events[3];
  EXPECT_EQ(managed.actor, (core::Principal{"2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", PrincipalKind::workload, "func-reports"}));
  EXPECT_EQ(managed.action, "Microsoft.Storage/storageAccounts/listKeys/action");
  EXPECT_EQ(managed.result, EventResult::unknown);
}

TEST(AzureActivity, CliShapeReadsCamelCase) {
  const auto p = parse_file(SourceKind::azure, microsoft_log("azure_activity_cli.json"));
  expect_counts(p, 1, 1, 0, 0);
  const auto& e = p.events[0];
  EXPECT_EQ(e.source_id, "f6a7b8c9-0001-4000-8000-000000000001");
  EXPECT_EQ(e.actor, (core::Principal{"alice@contoso.com", PrincipalKind::human, "Alice Martin"}));
  EXPECT_TRUE(e.interactive);  // the Azure portal
  EXPECT_EQ(e.action, "Microsoft.Compute/virtualMachines/runCommand/action");
  EXPECT_EQ(e.result, EventResult::success);
  EXPECT_EQ(e.source_address, "203.0.113.10");
  EXPECT_EQ(e.account, "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e");
}

TEST(MicrosoftExports, EachSourceRefusesTheOthersAzureMonitorRecords) {
  // Entra ID's export read as the Activity log, and the reverse: refused with
  // the source to use, never taken for the wrong one.
  const auto entra_as_azure = parse_file(SourceKind::azure, microsoft_log("entra_monitor_export.json"));
  EXPECT_EQ(entra_as_azure.report.events, 0u);
  EXPECT_EQ(entra_as_azure.report.malformed, 6u);
  ASSERT_FALSE(entra_as_azure.report.malformed_examples.empty());
  EXPECT_EQ(entra_as_azure.report.malformed_examples[0].reason, "an Entra ID record (import it as entra)");
  const auto azure_as_entra = parse_file(SourceKind::entra, microsoft_log("azure_activity_monitor_export.json"));
  EXPECT_EQ(azure_as_entra.report.events + azure_as_entra.report.skipped, 0u);
  EXPECT_EQ(azure_as_entra.report.malformed, 4u);
  ASSERT_FALSE(azure_as_entra.report.malformed_examples.empty());
  EXPECT_EQ(azure_as_entra.report.malformed_examples[0].reason,
            "an Azure Monitor record of category \"Administrative\", not Entra ID's (the Activity log is the azure source)");
}

TEST(AzureActivity, MalformedRecordsAreRefused) {
  const auto p = parse_text(SourceKind::azure,
                            "{\"caller\":\"a@b.c\",\"operation_name\":{\"value\":\"x/write\"}}\n"
                            "{\"event_timestamp\":\"2026-03-03T12:00:00Z\",\"caller\":\"a@b.c\"}\n"
                            "{\"event_timestamp\":\"2026-03-03T12:00:00Z\",\"caller\":7,\"operation_name\":\"x/write\"}\n"
                            "{\"event_timestamp\":\"2026-03-03T12:00:00Z\",\"caller\":\"a@b.c\",\"operation_name\":\"x/write\"}\n");
  EXPECT_EQ(p.report.records, 4u);
  EXPECT_EQ(p.report.events, 1u);
  ASSERT_EQ(p.report.malformed_examples.size(), 3u);
  EXPECT_EQ(p.report.malformed_examples[0].reason, "missing event_timestamp (eventTimestamp, time)");
  EXPECT_EQ(p.report.malformed_examples[1].reason, "missing operation_name (operationName)");
  EXPECT_EQ(p.report.malformed_examples[2].reason, "caller must be a string");
}

// --- Microsoft 365 Unified Audit Log ---------------------------------------

TEST(M365, PlasoSampleSystemAccountAndAPersonsSignIn) {
  const auto p = parse_file(SourceKind::m365, sample("idp_and_other_cloud/plaso_m365_unified_audit_log/microsoft_audit_log.jsonl"));
  expect_counts(p, 4, 4, 0, 0);
  const auto& system = by_source_id(p, "c9d2d808-0efe-48cb-eaec-08da3028eb80");
  EXPECT_EQ(system.source, "m365");
  EXPECT_EQ(system.actor, (core::Principal{"NT AUTHORITY\\SYSTEM (Microsoft.Exchange.Servicehost)", PrincipalKind::service, ""}));
  EXPECT_EQ(system.action, "Exchange:Install-DefaultSharingPolicy");
  EXPECT_EQ(system.result, EventResult::success);
  EXPECT_EQ(system.account, "5a0f38c6-710b-4503-92c0-3a9f6e00f726");
  EXPECT_EQ(core::format_timestamp(system.time), at("2022-05-07T12:55:53Z"));  // no zone: UTC
  const auto& login = by_source_id(p, "0a454a7b-fbac-4329-a20c-72bad3bc5000");
  EXPECT_EQ(login.actor, (core::Principal{"piet@sst5f.onmicrosoft.com", PrincipalKind::human, ""}));
  EXPECT_EQ(login.category, EventCategory::authentication);
  EXPECT_EQ(login.action, "AzureActiveDirectory:UserLoggedIn");
  EXPECT_EQ(login.result, EventResult::success);
  EXPECT_EQ(login.source_address, "0.0.0.0");
  EXPECT_EQ(login.resource, "00000003-0000-0000-c000-000000000000");
}

TEST(M365, AdminSystemAndApplicationRecords) {
  const auto p = parse_file(SourceKind::m365, microsoft_log("m365_ual.jsonl"));
  EXPECT_EQ(p.report.records, 9u);
  EXPECT_EQ(p.report.events, 6u);
  ASSERT_EQ(p.report.malformed_examples.size(), 3u);
  EXPECT_TRUE(p.report.malformed_examples[0].where.ends_with("m365_ual.jsonl:7"));
  EXPECT_EQ(p.report.malformed_examples[0].reason, "CreationTime is not an ISO 8601 time");
  EXPECT_EQ(p.report.malformed_examples[1].reason, "missing UserId and UserKey");
  EXPECT_EQ(p.report.malformed_examples[2].reason, "UserType must be a number or a name");

  const auto& admin = by_source_id(p, "1f2e3d4c-5b6a-4978-8a9b-000000000001");
  EXPECT_EQ(admin.actor, (core::Principal{"bob@contoso.com", PrincipalKind::human, ""}));
  EXPECT_EQ(admin.action, "AzureActiveDirectory:Add member to role.");
  EXPECT_EQ(admin.resource, "mallory@contoso.com");
  EXPECT_EQ(admin.signals, std::vector<std::string>{"admin_policy_attached"});
  EXPECT_EQ(admin.source_address, "198.51.100.78");

  const auto& key = by_source_id(p, "1f2e3d4c-5b6a-4978-8a9b-000000000002");
  EXPECT_EQ(key.category, EventCategory::credential_issued);
  EXPECT_EQ(key.issued_credential, "99887766-5544-4332-8110-ffeeddccbbaa");

  const auto& download = by_source_id(p, "1f2e3d4c-5b6a-4978-8a9b-000000000003");
  EXPECT_EQ(download.actor.kind, PrincipalKind::human);
  EXPECT_TRUE(download.interactive);
  EXPECT_EQ(download.result, EventResult::unknown);  // SharePoint writes no ResultStatus
  EXPECT_EQ(core::format_timestamp(download.time), at("2026-03-03T13:10:45.123Z"));

  const auto& failed = by_source_id(p, "1f2e3d4c-5b6a-4978-8a9b-000000000004");
  EXPECT_EQ(failed.category, EventCategory::authentication);
  EXPECT_EQ(failed.result, EventResult::failure);  // UserLoginFailed, whatever ResultStatus says
  EXPECT_TRUE(failed.interactive);                 // its user agent is in ExtendedProperties
  EXPECT_TRUE(failed.signals.empty());

  const auto& system = by_source_id(p, "1f2e3d4c-5b6a-4978-8a9b-000000000005");
  EXPECT_EQ(system.actor, (core::Principal{"NT AUTHORITY\\SYSTEM (w3wp)", PrincipalKind::service, ""}));
  EXPECT_EQ(system.action, "Exchange:Set-Mailbox");

  const auto& app = by_source_id(p, "1f2e3d4c-5b6a-4978-8a9b-000000000006");
  EXPECT_EQ(app.actor, (core::Principal{"8d4f2c0a-7b6e-4f3d-a2c1-5e9b8a7d6c50", PrincipalKind::workload,
                                        "ServicePrincipal_3b9e1f2a-6c7d-4e8f-9a0b-1c2d3e4f5a6b"}));
  EXPECT_EQ(app.result, EventResult::success);
}

// --- The record splitter's Microsoft envelopes -----------------------------

TEST(MicrosoftEnvelopes, OnlyAPureEnvelopeIsSplit) {
  // A record that merely has a "value" array among its members is one record.
  const auto whole = parse_text(SourceKind::m365,
                                R"({"CreationTime":"2026-03-03T13:00:00","Id":"x","Operation":"Op","UserId":"a@b.c","value":[1,2]})");
  EXPECT_EQ(whole.report.records, 1u);
  EXPECT_EQ(whole.report.events, 1u);
  // {"records":[…]} and {"value":[…]} with "@odata.*" members are envelopes.
  const auto split = parse_text(SourceKind::m365,
                                R"({"@odata.context":"x","value":[{"CreationTime":"2026-03-03T13:00:00","Id":"1","Operation":"Op","UserId":"a@b.c"},)"
                                R"({"CreationTime":"2026-03-03T13:00:01","Id":"2","Operation":"Op","UserId":"a@b.c"}]})",
                                "g.json");
  EXPECT_EQ(split.report.events, 2u);
  ASSERT_EQ(split.events.size(), 2u);
  EXPECT_EQ(split.events[1].origin, "g.json:1#1");
  const auto records = parse_text(SourceKind::m365, R"({"records":[]})");
  EXPECT_EQ(records.report.records, 0u);
  EXPECT_EQ(records.report.malformed, 0u);
}

// --- Across sources: who gave the app its key, and what it then did -------

TEST(MicrosoftChains, BackdoorSecretSignInAndAzureActionAreLinked) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = store::create_sqlite_store(db);
  auto events = store::open_sqlite_event_store(db);
  const std::vector<std::string> entra{microsoft_log("entra_graph_directory_audits.json"),
                                       microsoft_log("entra_graph_signins.json")};
  const std::vector<std::string> azure{microsoft_log("azure_activity_monitor_export.json")};
  // Azure first: links are made whichever side arrives first.
  ingest::import_files(SourceKind::azure, azure, *events);
  ingest::import_files(SourceKind::entra, entra, *events);
  std::map<std::string, core::AuditEvent> by_source;
  events->scan_events({}, [&](const core::AuditEvent& e) {
    by_source[e.source + ":" + e.source_id] = e;
    return true;
  });
  const auto& added = by_source.at("entra:Directory_3f1c8d2a-5b6e-4c7d-8e9f-0a1b2c3d4e01");
  const auto& sign_in = by_source.at("entra:66ea54eb-6301-4ee5-be62-ff5a759b0400");
  const auto& write = by_source.at("azure:d4e5f6a7-0001-4000-8000-000000000001");
  // The sign-in used the key Bob added; the Azure write used the sign-in's token.
  EXPECT_EQ(sign_in.parent_id, added.id);
  EXPECT_EQ(write.parent_id, sign_in.id);

  const auto findings = analyze::analyze(*events, analyze::AnalyzeConfig{}, {}).findings;
  const auto over = of_rule(findings, "nhi.overprivileged");
  const auto it = std::find_if(over.begin(), over.end(),
                               [](const analyze::Finding& f) { return f.subject == "8d4f2c0a-7b6e-4f3d-a2c1-5e9b8a7d6c50"; });
  ASSERT_NE(it, over.end());
  EXPECT_NE(std::find(it->evidence_source_ids.begin(), it->evidence_source_ids.end(),
                      "azure:d4e5f6a7-0001-4000-8000-000000000001"),
            it->evidence_source_ids.end());
}

}  // namespace
}  // namespace mandate::testing
