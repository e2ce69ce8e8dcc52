// The Okta System Log and Google Cloud audit log importers: the shared Okta
// sample, and logs written in each vendor's documented shapes
// (tests/ingest/logs/okta/README.md, tests/ingest/logs/gcp/README.md), field
// by field; look-alikes that must not be read as what they resemble; bad
// records refused with where and why; and, through a real store and the
// analyzer, an Okta deactivation that orphans a Google Cloud service account.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "analyze/analyzer.h"
#include "ingest/detect_source.h"
#include "ingest/importer.h"
#include "ingest_support.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;
using ingest::SourceKind;

core::Timestamp at(const char* text) { return *core::parse_timestamp(text); }

std::vector<std::string> reasons(const ingest::FileReport& report) {
  std::vector<std::string> out;
  for (const auto& m : report.malformed_examples) out.push_back(m.where + ": " + m.reason);
  return out;
}

// ---- Okta ----------------------------------------------------------------

TEST(OktaSample, SignInAndDeactivationFromTheDeveloperDocs) {
  const auto parsed = parse_file(SourceKind::okta, sample("idp_and_other_cloud/okta-developer-docs_systemlog_examples/events.jsonl"));
  EXPECT_EQ(parsed.report.records, 2u);
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.report.malformed, 0u);

  const auto& signin = by_source_id(parsed.events, "f1d0b993-cc19-11ed-a688-db22c99ef6c4");
  EXPECT_EQ(signin.source, "okta");
  EXPECT_EQ(signin.action, "okta:user.session.start");
  EXPECT_EQ(signin.actor, (core::Principal{"admin@okta.com", PrincipalKind::human, "Admin Name"}));
  EXPECT_EQ(signin.category, EventCategory::authentication);
  EXPECT_EQ(signin.credential_kind, CredentialKind::password);
  EXPECT_EQ(signin.result, EventResult::success);
  EXPECT_TRUE(signin.interactive);
  EXPECT_EQ(signin.source_address, "142.126.158.61");
  EXPECT_EQ(signin.time, at("2023-03-26T21:05:32.159Z"));
  EXPECT_EQ(signin.reference, "okta-transaction:ZCCzm8j2wTvzwele2NwLnwAADSc");
  // The first target (the password enrollment): by id, as its alternateId is "unknown".
  EXPECT_EQ(signin.resource, "lae42mkdc9i9cbw3U1d6");
  EXPECT_TRUE(signin.signals.empty());

  const auto& off = by_source_id(parsed.events, "ab62c0bc-2837-11eb-9823-9fb8f750c5a9");
  EXPECT_EQ(off.actor.id, "okta.trainer@okta.com");
  EXPECT_EQ(off.category, EventCategory::lifecycle);
  EXPECT_EQ(off.resource, "john.doe@example.com");
  EXPECT_EQ(off.signals, std::vector<std::string>{"offboarded"});
}

TEST(Okta, SignInsMfaTokensAndAdminGrantsFromTheSystemLogApi) {
  const auto parsed = parse_file(SourceKind::okta, test_log("okta/system-log.json"));
  EXPECT_EQ(parsed.report.records, 9u);
  ASSERT_EQ(parsed.events.size(), 9u);
  EXPECT_EQ(parsed.report.malformed, 0u);
  const auto& ev = parsed.events;

  const auto& signin = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000001");
  EXPECT_EQ(signin.actor, (core::Principal{"alice@example.com", PrincipalKind::human, "Alice Ng"}));
  EXPECT_EQ(signin.category, EventCategory::authentication);
  EXPECT_EQ(signin.result, EventResult::success);
  EXPECT_EQ(signin.source_address, "198.51.100.23");

  const auto& failed = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000002");
  EXPECT_EQ(failed.category, EventCategory::authentication);
  EXPECT_EQ(failed.result, EventResult::failure);
  EXPECT_TRUE(failed.resource.empty());  // no targets

  const auto& mfa = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000003");
  EXPECT_EQ(mfa.action, "okta:user.authentication.auth_via_mfa");
  EXPECT_EQ(mfa.category, EventCategory::authentication);
  EXPECT_EQ(mfa.resource, "pfd1verify0000000001");
  // One sign-in: the MFA challenge shares the sign-in's transaction.
  EXPECT_EQ(mfa.reference, signin.reference);

  const auto& grant = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000004");
  EXPECT_EQ(grant.actor, (core::Principal{"0oa1rep0rtingsvc0001", PrincipalKind::workload, "reporting-service"}));
  EXPECT_EQ(grant.category, EventCategory::credential_issued);
  EXPECT_EQ(grant.issued_credential, "AT.q1XkP4v0c5B8n2m7R0aTgrant00000001");
  EXPECT_TRUE(grant.chain.empty());  // client credentials: no person behind the token
  EXPECT_FALSE(grant.interactive);

  const auto& token = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000005");
  EXPECT_EQ(token.actor.id, "alice@example.com");
  EXPECT_EQ(token.category, EventCategory::credential_issued);
  EXPECT_EQ(token.issued_credential, "00T1syncjob000000001");

  const auto& admin = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000006");
  EXPECT_EQ(admin.signals, std::vector<std::string>{"admin_policy_attached"});
  EXPECT_EQ(admin.resource, "bob@example.com");
  EXPECT_EQ(admin.credential, "00T1syncjob000000001");  // made with the API token
  EXPECT_EQ(admin.credential_kind, CredentialKind::token);
  EXPECT_EQ(admin.category, EventCategory::action);
  EXPECT_FALSE(admin.interactive);

  // Look-alikes: a revoke, a grant that failed, an activation.
  const auto& revoke = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000007");
  EXPECT_TRUE(revoke.signals.empty());
  const auto& refused_grant = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000008");
  EXPECT_TRUE(refused_grant.signals.empty());
  EXPECT_EQ(refused_grant.result, EventResult::failure);
  const auto& activate = by_source_id(ev, "3b1f6c2e-9a10-11f1-8a61-0d5c2a000009");
  EXPECT_EQ(activate.actor.kind, PrincipalKind::service);  // Okta's SystemPrincipal
  // An activation puts a person back in standing (see APersonReactivated…).
  EXPECT_EQ(activate.category, EventCategory::lifecycle);
  EXPECT_EQ(activate.signals, std::vector<std::string>{"reinstated"});
  EXPECT_TRUE(activate.source_address.empty());  // null in the record
}

TEST(Okta, AnEventHookDeliveryIsSplitIntoItsEvents) {
  const std::string path = test_log("okta/event-hook.json");
  const auto parsed = parse_file(SourceKind::okta, path);
  EXPECT_EQ(parsed.report.records, 3u);
  ASSERT_EQ(parsed.events.size(), 3u);
  const auto& off = by_source_id(parsed.events, "7c0d9e51-9b22-11f1-a3c4-2b9e4f000101");
  EXPECT_EQ(off.category, EventCategory::lifecycle);
  EXPECT_EQ(off.resource, "john.doe@example.com");
  EXPECT_EQ(off.signals, std::vector<std::string>{"offboarded"});
  EXPECT_EQ(off.origin, path + ":1#0");
  const auto& suspended = by_source_id(parsed.events, "7c0d9e51-9b22-11f1-a3c4-2b9e4f000102");
  EXPECT_EQ(suspended.category, EventCategory::lifecycle);
  EXPECT_EQ(suspended.resource, "dave@example.com");
  EXPECT_EQ(suspended.signals, std::vector<std::string>{"suspended"});
  // A deactivation that failed changes nobody's standing.
  const auto& failed = by_source_id(parsed.events, "7c0d9e51-9b22-11f1-a3c4-2b9e4f000103");
  EXPECT_EQ(failed.category, EventCategory::action);
  EXPECT_EQ(failed.result, EventResult::failure);
  EXPECT_TRUE(failed.signals.empty());
}

TEST(Okta, MalformedEventsAreRefusedWithWhereAndWhy) {
  const std::string path = test_log("okta/malformed.jsonl");
  const auto parsed = parse_file(SourceKind::okta, path);
  EXPECT_EQ(parsed.report.records, 7u);
  EXPECT_EQ(parsed.report.events, 1u);
  EXPECT_EQ(parsed.report.malformed, 6u);
  const std::vector<std::string> expected{
      path + ":1: missing published",
      path + ":2: published is not an RFC 3339 time",
      path + ":3: missing actor",
      path + ":4: eventType must be a string",
      path + ":5: target must be an array",
  };
  const auto got = reasons(parsed.report);
  ASSERT_EQ(got.size(), 6u);
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(got[i], expected[i]);
  EXPECT_TRUE(got[5].starts_with(path + ":6: not valid JSON")) << got[5];
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].action, "okta:user.session.end");
}

TEST(Okta, AnApiTokensUsesLinkToItsCreation) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = store::create_sqlite_store(db);
  auto events = store::open_sqlite_event_store(db);
  const std::vector<std::string> paths{test_log("okta/system-log.json"), test_log("okta/event-hook.json")};
  const auto report = ingest::import_files(SourceKind::okta, paths, *events);
  EXPECT_EQ(report.stored.added, 12u);
  std::string created, grant_parent, suspend_parent;
  events->scan_events({}, [&](const core::AuditEvent& e) {
    if (e.source_id == "3b1f6c2e-9a10-11f1-8a61-0d5c2a000005") created = e.id;
    if (e.source_id == "3b1f6c2e-9a10-11f1-8a61-0d5c2a000006") grant_parent = e.parent_id;
    if (e.source_id == "7c0d9e51-9b22-11f1-a3c4-2b9e4f000102") suspend_parent = e.parent_id;
    return true;
  });
  EXPECT_FALSE(created.empty());
  EXPECT_EQ(grant_parent, created);
  EXPECT_EQ(suspend_parent, created);
}

// ---- Google Cloud --------------------------------------------------------

TEST(Gcp, PeopleServiceAccountsImpersonationKeysAndPolicyFromGcloudLoggingRead) {
  const auto parsed = parse_file(SourceKind::gcp, test_log("gcp/gcloud-read.json"));
  EXPECT_EQ(parsed.report.records, 10u);
  ASSERT_EQ(parsed.events.size(), 8u);
  EXPECT_EQ(parsed.report.malformed, 0u);
  EXPECT_EQ(parsed.report.skipped, 2u);
  EXPECT_EQ(parsed.report.skipped_reasons.count("not an audit log: a jsonPayload or textPayload entry"), 1u);
  EXPECT_EQ(parsed.report.skipped_reasons.count(
                "not an audit log: protoPayload of type type.googleapis.com/google.appengine.logging.v1.RequestLog"),
            1u);
  const auto& ev = parsed.events;
  const std::string deployer = "deployer@acme-prod.iam.gserviceaccount.com";

  const auto& person = by_source_id(ev, "1x9k2c3d4e5f");
  EXPECT_EQ(person.source, "gcp");
  EXPECT_EQ(person.actor, (core::Principal{"alice@example.com", PrincipalKind::human, {}}));
  EXPECT_EQ(person.action, "compute:v1.compute.instances.insert");
  EXPECT_EQ(person.resource, "projects/acme-prod/zones/europe-west1-b/instances/web-1");
  EXPECT_EQ(person.account, "acme-prod");
  EXPECT_EQ(person.source_address, "198.51.100.23");
  EXPECT_TRUE(person.interactive);
  EXPECT_EQ(person.result, EventResult::success);
  EXPECT_EQ(person.time, at("2026-11-02T09:30:01.007311Z"));
  EXPECT_TRUE(person.chain.empty());

  const auto& machine = by_source_id(ev, "2a8b7c6d5e4f");
  EXPECT_EQ(machine.actor, (core::Principal{deployer, PrincipalKind::workload, {}}));
  EXPECT_EQ(machine.credential, "3f9c1d2b7a6e5f4c3b2a1d0e9f8c7b6a5d4e3f21");
  EXPECT_EQ(machine.credential_kind, CredentialKind::access_key);
  EXPECT_FALSE(machine.interactive);
  EXPECT_EQ(machine.result, EventResult::success);  // "status": {} is OK

  const auto& token = by_source_id(ev, "3c7d6e5f4a3b");
  EXPECT_EQ(token.action, "iamcredentials:GenerateAccessToken");
  EXPECT_EQ(token.actor.id, "alice@example.com");
  EXPECT_EQ(token.category, EventCategory::credential_issued);
  EXPECT_EQ(token.resource, "projects/-/serviceAccounts/" + deployer);

  const auto& impersonated = by_source_id(ev, "4d6e5f4a3b2c");
  EXPECT_EQ(impersonated.actor, (core::Principal{deployer, PrincipalKind::workload, {}}));
  ASSERT_EQ(impersonated.chain.size(), 1u);
  EXPECT_EQ(impersonated.chain[0].relation, Relation::impersonated_by);
  EXPECT_EQ(impersonated.chain[0].principal, (core::Principal{"alice@example.com", PrincipalKind::human, {}}));

  const auto& key = by_source_id(ev, "5e5f4a3b2c1d");
  EXPECT_EQ(key.action, "iam:google.iam.admin.v1.CreateServiceAccountKey");
  EXPECT_EQ(key.category, EventCategory::credential_issued);
  EXPECT_EQ(key.issued_credential, "3f9c1d2b7a6e5f4c3b2a1d0e9f8c7b6a5d4e3f21");
  EXPECT_EQ(key.resource, "projects/-/serviceAccounts/" + deployer);
  // Key material never reaches the store.
  EXPECT_EQ(key.raw.find("ewogICJ0eXBl"), std::string::npos);
  EXPECT_NE(key.raw.find("\"privateKeyData\":\"REDACTED\""), std::string::npos);

  const auto& owner = by_source_id(ev, "6f4a3b2c1d0e");
  EXPECT_EQ(owner.action, "cloudresourcemanager:SetIamPolicy");
  EXPECT_EQ(owner.signals, std::vector<std::string>{"admin_policy_attached"});
  // The look-alike adds a viewer; its request still lists the existing owners.
  const auto& viewer = by_source_id(ev, "7a3b2c1d0e9f");
  EXPECT_TRUE(viewer.signals.empty());

  const auto& denied = by_source_id(ev, "8b2c1d0e9f8a");
  EXPECT_EQ(denied.result, EventResult::denied);
  EXPECT_EQ(denied.actor.id, deployer);
}

TEST(Gcp, TheDelegationChainIsReadNearestFirst) {
  // alice impersonated ci-builder, which impersonated deployer (the order
  // the AuditLog lists them in: the original caller first).
  const std::string entry =
      R"({"insertId":"chain01","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity",)"
      R"("protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{)"
      R"("principalEmail":"deployer@acme-prod.iam.gserviceaccount.com","serviceAccountDelegationInfo":[)"
      R"({"firstPartyPrincipal":{"principalEmail":"alice@example.com"}},)"
      R"({"firstPartyPrincipal":{"principalEmail":"ci-builder@acme-ci.iam.gserviceaccount.com"}}]},)"
      R"("methodName":"storage.objects.delete","serviceName":"storage.googleapis.com"},)"
      R"("resource":{"labels":{"project_id":"acme-prod"},"type":"gcs_bucket"},"timestamp":"2026-11-02T10:00:00Z"})";
  // JSON lines: the same entry twice is two records (one event each).
  const auto parsed = parse_text(SourceKind::gcp, entry + "\n" + entry + "\n");
  ASSERT_EQ(parsed.events.size(), 2u);
  const auto& chain = parsed.events[0].chain;
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].principal, (core::Principal{"ci-builder@acme-ci.iam.gserviceaccount.com", PrincipalKind::workload, {}}));
  EXPECT_EQ(chain[1].principal, (core::Principal{"alice@example.com", PrincipalKind::human, {}}));
  EXPECT_EQ(chain[1].relation, Relation::impersonated_by);
}

TEST(Gcp, FederatedSubjectsArePeopleFromWorkforcePoolsAndProgramsFromWorkloadPools) {
  const auto entry = [](const std::string& id, const std::string& subject) {
    return R"({"insertId":")" + id + R"(","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity",)"
           R"("protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{)"
           R"("principalSubject":")" + subject + R"("},"methodName":"storage.objects.get","serviceName":"storage.googleapis.com"},)"
           R"("timestamp":"2026-11-02T10:00:00Z"})" "\n";
  };
  const std::string person = "principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/alice@example.com";
  const std::string job = "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/subject/repo:acme/app:ref:refs/heads/main";
  const auto parsed = parse_text(SourceKind::gcp, entry("wf", person) + entry("wl", job) + entry("sa", "serviceAccount:ci@acme-ci.iam.gserviceaccount.com") +
                                                      entry("agent", "serviceAccount:service-123@gcp-sa-cloudbuild.iam.gserviceaccount.com"));
  ASSERT_EQ(parsed.events.size(), 4u);
  EXPECT_EQ(by_source_id(parsed.events, "wf").actor, (core::Principal{person, PrincipalKind::human, {}}));
  EXPECT_EQ(by_source_id(parsed.events, "wl").actor, (core::Principal{job, PrincipalKind::workload, {}}));
  EXPECT_EQ(by_source_id(parsed.events, "sa").actor, (core::Principal{"ci@acme-ci.iam.gserviceaccount.com", PrincipalKind::workload, {}}));
  EXPECT_EQ(by_source_id(parsed.events, "agent").actor.kind, PrincipalKind::service);
}

TEST(Gcp, APermissionNotGrantedIsADenialEvenWithoutAStatus) {
  const auto entry = [](const std::string& id, const std::string& granted) {
    return R"({"insertId":")" + id + R"(","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access",)"
           R"("protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{)"
           R"("principalEmail":"ci@acme-ci.iam.gserviceaccount.com"},"authorizationInfo":[)"
           R"({"permission":"storage.objects.list","granted":true},{"permission":"storage.objects.get","granted":)" + granted +
           R"(}],"methodName":"storage.objects.get","serviceName":"storage.googleapis.com"},"timestamp":"2026-11-02T10:00:00Z"})" "\n";
  };
  const auto parsed = parse_text(SourceKind::gcp, entry("no", "false") + entry("yes", "true"));
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(by_source_id(parsed.events, "no").result, EventResult::denied);
  EXPECT_EQ(by_source_id(parsed.events, "yes").result, EventResult::success);
}

TEST(Gcp, PubSubMessagesCarryTheEntryInTheirData) {
  const auto parsed = parse_file(SourceKind::gcp, test_log("gcp/pubsub.jsonl"));
  EXPECT_EQ(parsed.report.records, 2u);
  ASSERT_EQ(parsed.events.size(), 2u);
  const auto& push = by_source_id(parsed.events, "pubsub0001");
  EXPECT_EQ(push.actor, (core::Principal{"bob@example.com", PrincipalKind::human, {}}));
  EXPECT_EQ(push.action, "compute:v1.compute.instances.stop");
  EXPECT_EQ(push.time, at("2026-11-04T07:00:00.123456Z"));  // nanoseconds kept to microseconds
  EXPECT_EQ(push.account, "acme-prod");
  // What is stored is the entry, not the envelope.
  EXPECT_TRUE(push.raw.starts_with(R"({"insertId":"pubsub0001")")) << push.raw;
  const auto& pull = by_source_id(parsed.events, "pubsub0002");
  EXPECT_EQ(pull.action, "compute:v1.compute.instances.start");
}

TEST(Gcp, BigQueryExportRowsAreAuditEntries) {
  const auto parsed = parse_file(SourceKind::gcp, test_log("gcp/bigquery.jsonl"));
  EXPECT_EQ(parsed.report.records, 2u);
  ASSERT_EQ(parsed.events.size(), 2u) << (reasons(parsed.report).empty() ? "" : reasons(parsed.report)[0]);
  const auto& key = by_source_id(parsed.events, "bq0001");
  EXPECT_EQ(key.actor.id, "carol@example.com");
  EXPECT_EQ(key.category, EventCategory::credential_issued);
  EXPECT_EQ(key.issued_credential, "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b");
  EXPECT_EQ(key.time, at("2026-11-05T09:00:00.25Z"));
  EXPECT_EQ(key.result, EventResult::success);  // status.code null
  const auto& editor = by_source_id(parsed.events, "bq0002");
  EXPECT_EQ(editor.signals, std::vector<std::string>{"admin_policy_attached"});
  EXPECT_EQ(editor.time, at("2026-11-05T09:01:00Z"));
}

TEST(Gcp, MalformedEntriesAreRefusedWithWhereAndWhy) {
  const std::string path = test_log("gcp/malformed.jsonl");
  const auto parsed = parse_file(SourceKind::gcp, path);
  EXPECT_EQ(parsed.report.records, 8u);
  EXPECT_EQ(parsed.report.events, 1u);
  EXPECT_EQ(parsed.report.skipped, 0u);
  const std::vector<std::string> expected{
      path + ":1: missing timestamp",
      path + ":2: missing protoPayload.methodName",
      path + ":3: protoPayload.authenticationInfo.principalEmail must be a string",
      path + ":4: protoPayload.authenticationInfo.serviceAccountDelegationInfo must be an array",
      path + ":5: timestamp is not an RFC 3339 time",
      path + ":6: not a Google Cloud LogEntry (no logName, insertId or payload)",
      path + ":7: message.data is not base64",
  };
  EXPECT_EQ(reasons(parsed.report), expected);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].source_id, "good0001");
}

TEST(Gcp, AServiceAccountKeysUsesLinkToItsCreation) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = store::create_sqlite_store(db);
  auto events = store::open_sqlite_event_store(db);
  const std::vector<std::string> paths{test_log("gcp/gcloud-read.json")};
  ingest::import_files(SourceKind::gcp, paths, *events);
  std::string created, used_parent;
  events->scan_events({}, [&](const core::AuditEvent& e) {
    if (e.source_id == "5e5f4a3b2c1d") created = e.id;
    if (e.source_id == "2a8b7c6d5e4f") used_parent = e.parent_id;
    return true;
  });
  EXPECT_FALSE(created.empty());
  EXPECT_EQ(used_parent, created);
}

// ---- Which source wrote it -----------------------------------------------

TEST(OktaAndGcp, IngestAutoReadsEachShapeAsItsSource) {
  const auto detected = [](const std::string& path) {
    const auto kind = ingest::detect_source(ingest::read_source(path), path);
    return kind ? std::string(ingest::to_string(*kind)) : "none";
  };
  EXPECT_EQ(detected(sample("idp_and_other_cloud/okta-developer-docs_systemlog_examples/events.jsonl")), "okta");
  for (const char* f : {"okta/system-log.json", "okta/event-hook.json"}) EXPECT_EQ(detected(test_log(f)), "okta") << f;
  for (const char* f : {"gcp/gcloud-read.json", "gcp/pubsub.jsonl", "gcp/bigquery.jsonl"}) EXPECT_EQ(detected(test_log(f)), "gcp") << f;
}

// ---- Mutants ----------------------------------------------------------------

std::string first_line(const std::string& path) {
  const std::string text(ingest::read_source(path).text());
  return text.substr(0, text.find('\n'));
}

// Seeded byte edits of one good record (as mutation_test.cc does for the
// other sources): each mutant is one event or one refusal, never a crash.
void mutate_record(SourceKind kind, const std::string& record, std::uint64_t seed) {
  static constexpr char kInteresting[] = "{}[]\",:\\0123456789eE-+. \x80\xff\xc3tfn=/";
  std::mt19937_64 rng(seed);
  std::size_t imported = 0, refused = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string s = record;
    for (int edit = 0, edits = 1 + static_cast<int>(rng() % 4); edit < edits && !s.empty(); ++edit) {
      const std::size_t at = rng() % s.size();
      const char c = kInteresting[rng() % (sizeof kInteresting - 1)];
      switch (rng() % 3) {
        case 0: s[at] = c; break;
        case 1: s.insert(at, 1, c); break;
        default: s.erase(at, 1 + rng() % 8); break;
      }
    }
    ingest::ParsedInput p;
    ASSERT_NO_THROW(p = parse_text(kind, s, "m")) << s;
    ASSERT_LE(p.report.events + p.report.malformed + p.report.skipped, 1u) << s;
    for (const auto& e : p.events) EXPECT_FALSE(e.actor.id.empty()) << s;
    imported += p.report.events;
    refused += p.report.malformed;
  }
  EXPECT_GT(imported, 0u);
  EXPECT_GT(refused, 0u);
}

TEST(OktaAndGcp, MutatedRecordsAreImportedOrRefusedNeverBoth) {
  mutate_record(SourceKind::okta, first_line(sample("idp_and_other_cloud/okta-developer-docs_systemlog_examples/events.jsonl")), 11);
  mutate_record(SourceKind::gcp, first_line(test_log("gcp/bigquery.jsonl")), 12);
  mutate_record(SourceKind::gcp, first_line(test_log("gcp/pubsub.jsonl")), 13);
}

// ---- Both, through the analyzer --------------------------------------------

std::vector<analyze::Finding> orphaned(bool with_okta, bool reactivated = false) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = store::create_sqlite_store(db);
  auto events = store::open_sqlite_event_store(db);
  const std::vector<std::string> gcp{test_log("gcp/gcloud-read.json")};
  ingest::import_files(SourceKind::gcp, gcp, *events);
  if (with_okta) {
    std::vector<std::string> okta{test_log("okta/event-hook.json"), test_log("okta/system-log.json")};
    if (reactivated) okta.push_back(test_log("okta/reactivate.jsonl"));
    ingest::import_files(SourceKind::okta, okta, *events);
  }
  analyze::AnalyzeConfig config;
  config.identities["deployer@acme-prod.iam.gserviceaccount.com"].owner = "john.doe@example.com";
  // carol's deactivation failed: her machine still has an owner.
  config.identities["0oa1rep0rtingsvc0001"].owner = "carol@example.com";
  std::vector<analyze::Finding> out;
  for (auto& f : analyze::analyze(*events, config, {}).findings) {
    if (f.rule->id == "nhi.orphaned") out.push_back(std::move(f));
  }
  return out;
}

TEST(OktaAndGcp, AnOktaDeactivationOrphansTheServiceAccountsThatPersonOwns) {
  EXPECT_TRUE(orphaned(false).empty());
  const auto found = orphaned(true);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].subject, "deployer@acme-prod.iam.gserviceaccount.com");
  EXPECT_NE(found[0].explanation.find("john.doe@example.com has been offboarded"), std::string::npos) << found[0].explanation;
}

TEST(OktaAndGcp, APersonReactivatedInOktaOwnsTheirServiceAccountsAgain) {
  // john is deactivated on 3 November and reactivated on the 4th.
  EXPECT_TRUE(orphaned(true, true).empty());
}

}  // namespace
}  // namespace mandate::testing
