// Every shape CloudTrail and GitHub logs reach people in, each recognised
// without a flag. The logs under tests/ingest/logs/ are written in the real
// formats (tests/ingest/logs/*/README.md cites the vendor documentation).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "ingest/importer.h"
#include "ingest_support.h"

namespace mandate::testing {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;
using ingest::SourceKind;

ingest::ParsedInput parse_log(SourceKind kind, const std::string& relative) {
  return parse_file(kind, test_log(relative));
}

const core::AuditEvent& by_action(const ingest::ParsedInput& p, const std::string& action) {
  const auto it = std::find_if(p.events.begin(), p.events.end(), [&](const auto& e) { return e.action == action; });
  if (it == p.events.end()) throw std::runtime_error("no event " + action);
  return *it;
}

bool has_signal(const core::AuditEvent& e, const std::string& signal) {
  return std::find(e.signals.begin(), e.signals.end(), signal) != e.signals.end();
}

std::string time_of(const core::AuditEvent& e) { return core::format_timestamp(e.time); }

void expect_counts(const ingest::ParsedInput& p, std::size_t records, std::size_t events, std::size_t skipped,
                   std::size_t malformed) {
  EXPECT_EQ(p.report.records, records);
  EXPECT_EQ(p.report.events, events);
  EXPECT_EQ(p.events.size(), events);
  EXPECT_EQ(p.report.skipped, skipped);
  EXPECT_EQ(p.report.malformed, malformed);
}

void expect_refusal(const ingest::ParsedInput& p, std::size_t i, const std::string& where_suffix,
                    const std::string& reason_part) {
  ASSERT_LT(i, p.report.malformed_examples.size());
  EXPECT_TRUE(p.report.malformed_examples[i].where.ends_with(where_suffix)) << p.report.malformed_examples[i].where;
  EXPECT_NE(p.report.malformed_examples[i].reason.find(reason_part), std::string::npos)
      << p.report.malformed_examples[i].reason;
}

// ---- CloudTrail ------------------------------------------------------------

TEST(Shapes, LookupEventsPageIsReadFromEachCloudTrailEvent) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/lookup_events.json");
  expect_counts(p, 3, 3, 0, 0);
  const auto& assume = p.events[0];
  EXPECT_EQ(assume.action, "sts:AssumeRole");
  EXPECT_EQ(assume.actor.id, "arn:aws:iam::123456789012:user/deploy-bot");
  EXPECT_EQ(assume.category, EventCategory::credential_issued);
  EXPECT_EQ(assume.issued_credential, "ASIAQNZGKIQY4EXAMPLE");
  EXPECT_EQ(assume.source_id, "a1b2c3d4-0001-4000-8000-000000000001");
  EXPECT_EQ(time_of(assume), "2024-05-06T10:02:13.000000Z");
  // The origin is the page's line and the entry's index in "Events".
  EXPECT_TRUE(assume.origin.ends_with("lookup_events.json:1#0")) << assume.origin;
  // What is stored is the record inside, with its session token redacted,
  // not the LookupEvents summary around it.
  EXPECT_TRUE(assume.raw.starts_with(R"({"eventVersion":"1.08")")) << assume.raw;
  EXPECT_EQ(assume.raw.find("CloudTrailEvent"), std::string::npos);
  EXPECT_EQ(assume.raw.find("IQoJb3JpZ2luX2VjEXAMPLE"), std::string::npos);
  EXPECT_NE(assume.raw.find(R"("sessionToken":"REDACTED")"), std::string::npos);
  const auto& console = p.events[1];
  EXPECT_EQ(console.action, "signin:ConsoleLogin");
  EXPECT_EQ(console.actor.kind, PrincipalKind::human);
  ASSERT_FALSE(console.chain.empty());
  EXPECT_EQ(console.chain[0].relation, Relation::federated_from);
  EXPECT_EQ(console.chain[0].principal.id, "alice@example.com");
  EXPECT_TRUE(console.origin.ends_with("lookup_events.json:1#1"));
}

TEST(Shapes, FailedSignInNamedOnlyByUserNameIsKept) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/lookup_events.json");
  ASSERT_EQ(p.events.size(), 3u);
  const auto& failed = p.events[2];
  EXPECT_EQ(failed.action, "signin:ConsoleLogin");
  // The ARN the user's other records carry, built from account and name.
  EXPECT_EQ(failed.actor.id, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(failed.actor.name, "alice");
  EXPECT_EQ(failed.actor.kind, PrincipalKind::human);
  EXPECT_EQ(failed.category, EventCategory::authentication);
  EXPECT_EQ(failed.credential_kind, CredentialKind::password);
  EXPECT_EQ(failed.result, EventResult::failure);
  EXPECT_EQ(failed.source_id, "a1b2c3d4-0002-4000-8000-000000000002");
}

TEST(Shapes, LookupEventsPagesAsJsonLines) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/lookup_events_pages.jsonl");
  expect_counts(p, 2, 2, 0, 0);
  EXPECT_TRUE(p.events[0].origin.ends_with("lookup_events_pages.jsonl:1#0"));
  EXPECT_TRUE(p.events[1].origin.ends_with("lookup_events_pages.jsonl:2#0"));
  EXPECT_EQ(p.events[1].actor.id, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(p.events[1].result, EventResult::failure);
}

// Pages appended to one file as the CLI printed them, pretty-printed.
TEST(Shapes, LookupEventsPagesConcatenated) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/lookup_events_concatenated.json");
  expect_counts(p, 2, 2, 0, 0);
  EXPECT_TRUE(p.events[0].origin.ends_with("lookup_events_concatenated.json:1#0")) << p.events[0].origin;
  EXPECT_TRUE(p.events[1].origin.ends_with("lookup_events_concatenated.json:22#0")) << p.events[1].origin;
  EXPECT_EQ(p.events[1].actor.id, "arn:aws:iam::123456789012:user/alice");
  // One page cut short: nothing is guessed, the file is one refusal.
  const auto cut = parse_text(SourceKind::cloudtrail, "{\n  \"Events\": []\n}\n{\n  \"Events\": [\n", "cut.json");
  expect_counts(cut, 1, 0, 0, 1);
}

TEST(Shapes, EventBridgeCarriesTheRecordInDetail) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/eventbridge.jsonl");
  expect_counts(p, 4, 3, 1, 0);
  EXPECT_EQ(p.report.skipped_reasons.at("an EventBridge event that does not carry a CloudTrail record"), 1u);
  const auto& stop = by_action(p, "cloudtrail:StopLogging");
  EXPECT_EQ(stop.actor.id, "arn:aws:iam::123456789012:role/release");
  EXPECT_EQ(stop.credential, "ASIAQNZGKIQY4EXAMPLE");
  EXPECT_TRUE(has_signal(stop, "cloudtrail_stopped"));
  EXPECT_EQ(stop.source_id, "a1b2c3d4-0003-4000-8000-000000000003");
  EXPECT_TRUE(stop.origin.ends_with("eventbridge.jsonl:1"));
  EXPECT_EQ(stop.raw.find("detail-type"), std::string::npos);  // the record, not its envelope
  // A service event with no userIdentity: the service is the actor.
  const auto& rotate = by_action(p, "kms:RotateKey");
  EXPECT_EQ(rotate.actor.id, "kms.amazonaws.com");
  EXPECT_EQ(rotate.actor.kind, PrincipalKind::service);
  EXPECT_EQ(rotate.resource, "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
  EXPECT_EQ(time_of(rotate), "2024-05-06T11:00:00.000000Z");
}

TEST(Shapes, TheSameRecordThroughTwoCarriersIsOneEvent) {
  const auto lookup = parse_log(SourceKind::cloudtrail, "cloudtrail/lookup_events.json");
  const auto bridge = parse_log(SourceKind::cloudtrail, "cloudtrail/eventbridge.jsonl");
  const auto& a = by_action(lookup, "signin:ConsoleLogin");
  const auto& b = by_action(bridge, "signin:ConsoleLogin");
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.raw, b.raw);
}

TEST(Shapes, CloudTrailLakeRowsFromEventJsonOrFlatColumns) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/lake_query_results.json");
  expect_counts(p, 3, 3, 0, 0);
  // eventJson selected: the record itself, as from a trail file.
  const auto& assume = p.events[0];
  EXPECT_EQ(assume.action, "sts:AssumeRole");
  EXPECT_EQ(assume.issued_credential, "ASIAQNZGKIQY4EXAMPLE");
  EXPECT_NE(assume.raw.find(R"("sessionToken":"REDACTED")"), std::string::npos);
  EXPECT_TRUE(assume.origin.ends_with("lake_query_results.json:1#0"));
  // Flat columns, aliased by their paths; Lake's zone-less time is UTC.
  const auto& key = p.events[1];
  EXPECT_EQ(key.action, "iam:CreateAccessKey");
  EXPECT_EQ(key.actor.id, "arn:aws:iam::123456789012:role/release");
  EXPECT_EQ(key.actor.kind, PrincipalKind::workload);
  EXPECT_EQ(key.credential, "ASIAQNZGKIQY4EXAMPLE");
  EXPECT_EQ(key.credential_kind, CredentialKind::session);
  EXPECT_EQ(key.source_address, "203.0.113.20");
  EXPECT_EQ(key.source_id, "a1b2c3d4-0005-4000-8000-000000000005");
  EXPECT_EQ(time_of(key), "2024-05-06T10:07:31.000000Z");
  EXPECT_TRUE(key.raw.starts_with(R"([{"eventID":)")) << key.raw;  // the row as the source gave it
  EXPECT_TRUE(key.origin.ends_with("lake_query_results.json:1#1"));
  // Bare lower-case column names, as an unaliased SELECT names them.
  const auto& get = p.events[2];
  EXPECT_EQ(get.action, "s3:GetObject");
  EXPECT_EQ(get.actor.id, "AIDAJ45Q7YFFAREXAMPLE");
  EXPECT_EQ(get.actor.kind, PrincipalKind::human);
  EXPECT_EQ(get.result, EventResult::denied);
}

TEST(Shapes, CloudTrailRecordsThatNameLessAreKept) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/userless.jsonl");
  expect_counts(p, 2, 2, 0, 0);
  EXPECT_EQ(p.events[0].actor.id, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(p.events[1].actor.id, "kms.amazonaws.com");
  EXPECT_EQ(p.events[1].actor.kind, PrincipalKind::service);
  EXPECT_EQ(p.events[1].action, "kms:RotateKey");
  EXPECT_EQ(p.events[1].source_id, "a1b2c3d4-0004-4000-8000-000000000004");
}

TEST(Shapes, CloudTrailLookAlikesAreRefusedWithTheirReasons) {
  const auto p = parse_log(SourceKind::cloudtrail, "cloudtrail/lookalikes.jsonl");
  expect_counts(p, 6, 0, 1, 5);
  expect_refusal(p, 0, "lookalikes.jsonl:1#0", "CloudTrailEvent is not valid JSON");
  expect_refusal(p, 1, "lookalikes.jsonl:2#0", "CloudTrailEvent must be a string");
  expect_refusal(p, 2, "lookalikes.jsonl:3", "detail must be an object");
  expect_refusal(p, 3, "lookalikes.jsonl:4#0", "needs eventTime and eventName columns");
  expect_refusal(p, 4, "lookalikes.jsonl:4#1", "column readOnly must be a string");
  EXPECT_EQ(p.report.skipped_reasons.at("userIdentity names nobody (no arn, principalId, userName, invokedBy or accountId)"), 1u);
}

TEST(Shapes, AnonymousAndAccountOnlyIdentitiesAreKept) {
  const auto p = parse_text(SourceKind::cloudtrail,
                            R"({"eventTime":"2024-05-06T10:00:00Z","eventName":"GetObject","eventSource":"s3.amazonaws.com",)"
                            R"("userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}})"
                            "\n"
                            R"({"eventTime":"2024-05-06T10:00:01Z","eventName":"Decrypt","eventSource":"kms.amazonaws.com",)"
                            R"("userIdentity":{"type":"AWSService"}})"
                            "\n"
                            R"({"eventTime":"2024-05-06T10:00:02Z","eventName":"Decrypt","userIdentity":{}})",
                            "a.jsonl");
  expect_counts(p, 3, 2, 1, 0);
  EXPECT_EQ(p.events[0].actor.id, "anonymous");
  EXPECT_EQ(p.events[1].actor.id, "kms.amazonaws.com");
  EXPECT_EQ(p.events[1].actor.kind, PrincipalKind::service);
}

// EventTime stands in only for a record without eventTime: epoch seconds
// (the API, the CLI v1) or ISO 8601 with an offset (the CLI v2).
TEST(Shapes, LookupEventsEventTimeStandsInForAMissingEventTime) {
  const std::string record =
      R"({\"eventName\":\"StopLogging\",\"eventSource\":\"cloudtrail.amazonaws.com\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\"}})";
  const auto p = parse_text(SourceKind::cloudtrail,
                            R"({"Events":[{"EventId":"e1","EventTime":1714989733.0,"CloudTrailEvent":")" + record + R"("},)"
                            R"({"EventId":"e2","EventTime":"2024-05-06T12:02:13+02:00","CloudTrailEvent":")" + record + R"("}]})");
  expect_counts(p, 2, 2, 0, 0);
  EXPECT_EQ(time_of(p.events[0]), "2024-05-06T10:02:13.000000Z");
  EXPECT_EQ(time_of(p.events[1]), "2024-05-06T10:02:13.000000Z");
}

TEST(Shapes, LookupEventsSummaryWithoutItsRecordIsSkipped) {
  const auto p = parse_text(SourceKind::cloudtrail,
                            R"({"Events":[{"EventId":"e1","EventName":"StopLogging","EventTime":1714989733.0,)"
                            R"("Username":"alice","Resources":[]}]})");
  expect_counts(p, 1, 0, 1, 0);
  EXPECT_EQ(p.report.skipped_reasons.at("a LookupEvents entry without its record (CloudTrailEvent)"), 1u);
}

TEST(Shapes, RecordWithNeitherIdentityNorServiceIsRefused) {
  const auto p = parse_text(SourceKind::cloudtrail, R"({"eventTime":"2024-05-06T10:00:00Z","eventName":"X"})", "n.json");
  expect_counts(p, 1, 0, 0, 1);
  expect_refusal(p, 0, "n.json:1", "missing userIdentity");
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The record inside a carrier is parsed a second time, from a string: a
// mutated one is read or refused, and counted once, whatever the damage.
TEST(Shapes, MutatedRecordsInsideCarriersAreReadOrRefused) {
  const std::string record =
      R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","accessKeyId":"AKIAX"},)"
      R"("eventTime":"2024-01-01T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole",)"
      R"("responseElements":{"credentials":{"accessKeyId":"ASIAY","sessionToken":"t"}},"eventID":"e1"})";
  std::mt19937_64 rng(17);
  static constexpr char kInteresting[] = "{}[]\",:\\0123456789eE-+. tfn";
  std::size_t imported = 0, refused = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string mutant = record;
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
      const std::size_t at = rng() % mutant.size();
      if (rng() % 2 == 0) {
        mutant[at] = kInteresting[rng() % (sizeof kInteresting - 1)];
      } else {
        mutant.erase(at, 1 + rng() % 8);
      }
    }
    for (const std::string& carried : {R"({"Events":[{"CloudTrailEvent":)" + json_string(mutant) + "}]}",
                                       R"({"QueryResultRows":[[{"eventJson":)" + json_string(mutant) + "}]]}"}) {
      ingest::ParsedInput p;
      ASSERT_NO_THROW(p = parse_text(SourceKind::cloudtrail, carried, "m")) << carried;
      ASSERT_EQ(p.report.records, 1u) << carried;
      ASSERT_EQ(p.report.events + p.report.malformed + p.report.skipped, 1u) << carried;
      for (const auto& e : p.events) EXPECT_FALSE(e.actor.id.empty());
      imported += p.report.events;
      refused += p.report.malformed;
    }
  }
  EXPECT_GT(imported, 0u);
  EXPECT_GT(refused, 0u);
}

// ---- GitHub ----------------------------------------------------------------

struct Webhook {
  std::size_t line;
  std::string action, actor, resource, time;
};

TEST(Shapes, EveryWebhookKindIsKept) {
  const auto p = parse_log(SourceKind::github, "github/webhooks.jsonl");
  expect_counts(p, 26, 24, 2, 0);
  const std::vector<Webhook> expected = {
      {1, "github:check_run.completed", "octocat", "octo-org/Hello-World", "2024-05-02T10:15:00"},
      {2, "github:release.published", "octocat", "octo-org/Hello-World", "2024-05-03T09:05:00"},
      {3, "github:member.added", "octocat", "hubot", "2024-05-01T09:00:00"},
      {4, "github:repository.publicized", "octocat", "octo-org/Hello-World", "2024-05-01T09:00:00"},
      {5, "github:public", "octocat", "octo-org/Hello-World", "2024-05-01T09:00:00"},
      {6, "github:delete", "octocat", "octo-org/Hello-World", "2024-05-01T09:00:00"},
      {7, "github:create", "octocat", "octo-org/Hello-World", "2024-05-01T09:00:00"},
      {8, "github:fork", "octocat", "octo-org/Hello-World", "2024-05-04T12:00:00"},
      {9, "github:star.created", "octocat", "octo-org/Hello-World", "2024-05-04T13:00:00"},
      {10, "github:issues.opened", "octocat", "octo-org/Hello-World", "2024-05-04T14:00:00"},
      {11, "github:issue_comment.created", "octocat", "octo-org/Hello-World", "2024-05-04T14:05:00"},
      {12, "github:pull_request.opened", "octocat", "octo-org/Hello-World", "2024-05-04T15:00:00"},
      {13, "github:pull_request_review.submitted", "octocat", "octo-org/Hello-World", "2024-05-04T15:30:00"},
      {14, "github:secret_scanning_alert.created", "octocat", "octo-org/Hello-World", "2024-05-04T16:00:00"},
      {15, "github:code_scanning_alert.created", "octocat", "octo-org/Hello-World", "2024-05-04T16:30:00"},
      {16, "github:branch_protection_rule.deleted", "octocat", "octo-org/Hello-World", "2024-05-04T17:00:00"},
      {17, "github:deploy_key.created", "octocat", "octo-org/Hello-World", "2024-05-04T18:00:00"},
      // The expiry (token_expires_at) lies after the event: not its time.
      {18, "github:personal_access_token_request.approved", "octocat", "octo-org", "2024-05-04T19:00:00"},
      {19, "github:repository_vulnerability_alert.create", "octocat", "octo-org/Hello-World", "2024-05-04T20:00:00"},
      {20, "github:sponsorship.created", "octocat", "octo-org", "2024-05-04T21:00:00"},
      {21, "github:meta.deleted", "octocat", "octo-org/Hello-World", "2024-05-04T22:00:00"},
      {22, "github:ping", "octocat", "octo-org/Hello-World", "2024-05-04T22:30:00"},
      {23, "github:package.published", "octocat", "octo-org/Hello-World", "2024-05-04T23:00:00"},
      {26, "github:discussion.created", "octocat", "octo-org/Hello-World", "2024-05-05T01:00:00"},
  };
  ASSERT_EQ(p.events.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& e = p.events[i];
    const auto& x = expected[i];
    SCOPED_TRACE(x.action);
    EXPECT_EQ(e.action, x.action);
    EXPECT_EQ(e.actor.id, x.actor);
    EXPECT_EQ(e.actor.kind, PrincipalKind::human);
    EXPECT_EQ(e.resource, x.resource);
    EXPECT_EQ(time_of(e), x.time + ".000000Z");
    EXPECT_TRUE(e.origin.ends_with("webhooks.jsonl:" + std::to_string(x.line))) << e.origin;
  }
  EXPECT_EQ(p.report.skipped_reasons.at("a github_app_authorization webhook payload with no time in it (the delivery's "
                                        "time travels in a header)"),
            1u);
  EXPECT_EQ(p.report.skipped_reasons.at("a security_advisory webhook payload without a sender names nobody"), 1u);
}

TEST(Shapes, IdentityWebhooksAreModelled) {
  const auto p = parse_log(SourceKind::github, "github/webhooks.jsonl");
  const auto& member = by_action(p, "github:member.added");
  EXPECT_EQ(member.account, "octo-org/Hello-World");
  EXPECT_TRUE(has_signal(member, "access_granted"));
  const auto& key = by_action(p, "github:deploy_key.created");
  EXPECT_EQ(key.category, EventCategory::credential_issued);
  EXPECT_EQ(key.issued_credential, "github-deploy-key:octo-org/Hello-World/100");
  EXPECT_TRUE(has_signal(key, "deploy_key_created"));
  const auto& pat = by_action(p, "github:personal_access_token_request.approved");
  EXPECT_EQ(pat.category, EventCategory::approval);
  EXPECT_EQ(pat.reference, "github-pat-request:octo-org/17");
  EXPECT_TRUE(has_signal(by_action(p, "github:branch_protection_rule.deleted"), "branch_protection_removed"));
  EXPECT_TRUE(has_signal(by_action(p, "github:repository.publicized"), "repository_made_public"));
  EXPECT_TRUE(has_signal(by_action(p, "github:public"), "repository_made_public"));
  // The leaked secret a secret-scanning alert quotes is not stored.
  const auto& leak = by_action(p, "github:secret_scanning_alert.created");
  EXPECT_EQ(leak.raw.find("ghp_EXAMPLEleakedTOKEN"), std::string::npos);
  EXPECT_NE(leak.raw.find(R"("secret":"REDACTED")"), std::string::npos);
  EXPECT_NE(leak.raw.find(R"("secret_type":"github_personal_access_token")"), std::string::npos);
}

TEST(Shapes, WebhookDeliveriesNameTheEventAndTheDelivery) {
  const auto p = parse_log(SourceKind::github, "github/deliveries.jsonl");
  expect_counts(p, 5, 4, 1, 0);
  const auto& membership = by_action(p, "github:membership.added");
  EXPECT_EQ(membership.source_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  EXPECT_EQ(membership.resource, "hubot");
  EXPECT_EQ(membership.account, "octo-org/release-managers");
  EXPECT_EQ(time_of(membership), "2024-05-06T07:00:00.000000Z");
  EXPECT_TRUE(has_signal(membership, "access_granted"));
  // Headers in any case, the body kept as the posted text.
  const auto& removed = by_action(p, "github:organization.member_removed");
  EXPECT_EQ(removed.source_id, "72d3162e-cc78-11e3-81ab-4c9367dc0959");
  EXPECT_EQ(removed.category, EventCategory::lifecycle);
  EXPECT_EQ(removed.resource, "hubot");
  EXPECT_EQ(removed.signals, std::vector<std::string>{"offboarded"});
  EXPECT_EQ(time_of(removed), "2024-05-06T07:30:00.000000Z");
  // The REST API's delivery: its guid and delivered_at; only the payload is stored.
  const auto& revoked = by_action(p, "github:github_app_authorization.revoked");
  EXPECT_EQ(revoked.source_id, "0b989ba4-242f-11e5-81e1-c7b6966d2516");
  EXPECT_EQ(revoked.actor.id, "octocat");
  EXPECT_TRUE(has_signal(revoked, "app_authorization_revoked"));
  EXPECT_EQ(time_of(revoked), "2024-05-06T08:00:00.000000Z");
  EXPECT_EQ(revoked.raw, R"({"action":"revoked","sender":{"login":"octocat","id":1,"node_id":"MDQ6VXNlcjE=","type":"User","site_admin":false}})");
  const auto& team = by_action(p, "github:team.created");
  EXPECT_EQ(team.resource, "team:octo-org/infra");
  EXPECT_EQ(p.report.skipped_reasons.at("a security_advisory webhook payload without a sender names nobody"), 1u);
}

TEST(Shapes, GitHubLookAlikesAreRefusedWithTheirReasons) {
  const auto p = parse_log(SourceKind::github, "github/lookalikes.jsonl");
  expect_counts(p, 4, 0, 0, 4);
  expect_refusal(p, 0, "lookalikes.jsonl:1", "the delivery's body is not valid JSON");
  expect_refusal(p, 1, "lookalikes.jsonl:2", "payload must be a JSON object");
  expect_refusal(p, 2, "lookalikes.jsonl:3", "sender.login must be a string");
  expect_refusal(p, 3, "lookalikes.jsonl:4", "not a GitHub audit entry");
}

// Records of other sources that share a member name with some webhook kind
// ("status", "rule", "release") are not GitHub's: refused, not skipped, so
// they never count as read GitHub records (as `ingest auto` scores them).
TEST(Shapes, OtherSourcesRecordsAreNotTakenForSenderlessWebhooks) {
  const auto p = parse_text(SourceKind::github,
                            R"({"id":"66ea54eb","createdDateTime":"2024-05-06T10:00:00Z","status":{"errorCode":0}})"
                            "\n"
                            R"({"rule":"block-admin","release":"1.2","action":"deny","timestamp":"2024-05-06T10:00:00Z"})",
                            "other.jsonl");
  expect_counts(p, 2, 0, 0, 2);
  expect_refusal(p, 0, "other.jsonl:1", "not a GitHub audit entry");
  expect_refusal(p, 1, "other.jsonl:2", "not a GitHub audit entry");
}

TEST(Shapes, AuditLogEntriesKeepTheirDocumentId) {
  const auto p = parse_text(SourceKind::github,
                            R"({"@timestamp":1714989733000,"action":"org.add_member","actor":"octocat","user":"hubot",)"
                            R"("org":"octo-org","_document_id":"GbhUgcOv0bJLsm2qjAwl9A"})");
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].source_id, "GbhUgcOv0bJLsm2qjAwl9A");
  EXPECT_EQ(p.events[0].action, "github:org.add_member");
}

}  // namespace
}  // namespace mandate::testing
