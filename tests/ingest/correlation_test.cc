// Correlation in the store: a session's actions reach whoever assumed the
// role, across chained roles and across imports done at different times.
#include <gtest/gtest.h>

#include "ingest/importer.h"
#include "ingest_support.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

using ingest::SourceKind;

std::string assume(const std::string& time, const std::string& caller_arn, const std::string& caller_key,
                   const std::string& role, const std::string& issued) {
  return R"({"eventTime":")" + time + R"(","eventName":"AssumeRole","eventSource":"sts.amazonaws.com",)" +
         R"("userIdentity":{"type":")" + (caller_key.starts_with("ASIA") ? "AssumedRole" : "IAMUser") +
         R"(","arn":")" + caller_arn + R"(","accessKeyId":")" + caller_key + R"("},)" +
         R"("requestParameters":{"roleArn":")" + role + R"("},)" +
         R"("responseElements":{"credentials":{"accessKeyId":")" + issued +
         R"(","sessionToken":"SECRET-TOKEN","expiration":"x"}}})";
}

std::string use(const std::string& time, const std::string& role, const std::string& key, const std::string& name) {
  return R"({"eventTime":")" + time + R"(","eventName":")" + name + R"(","eventSource":"s3.amazonaws.com",)" +
         R"("userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/x/s","accessKeyId":")" + key +
         R"(","sessionContext":{"sessionIssuer":{"arn":")" + role + R"("}}}})";
}

class Correlation : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string db = (tmp / "m.db").string();
  std::unique_ptr<store::Store> base = store::create_sqlite_store(db);
  std::unique_ptr<store::EventStore> events = store::open_sqlite_event_store(db);

  store::AddResult import(const std::string& text) {
    auto parsed = parse_text(SourceKind::cloudtrail, text);
    EXPECT_EQ(parsed.report.malformed, 0u);
    return events->add_events(parsed.events);
  }
  std::vector<core::AuditEvent> all() {
    std::vector<core::AuditEvent> out;
    events->scan_events({}, [&](const core::AuditEvent& e) {
      out.push_back(e);
      return true;
    });
    return out;
  }
};

TEST_F(Correlation, SessionImportedBeforeTheAssumeRoleIsLinkedLater) {
  // First import: only the session's actions (e.g. yesterday's log file).
  auto r1 = import(use("2024-01-01T10:05:00Z", "arn:aws:iam::1:role/deploy", "ASIAFIRST", "PutObject") + "\n" +
                   use("2024-01-01T10:06:00Z", "arn:aws:iam::1:role/deploy", "ASIAFIRST", "GetObject"));
  EXPECT_EQ(r1.added, 2u);
  EXPECT_EQ(r1.linked, 0u);
  // Second import: alice's AssumeRole, then a chained role from that session.
  auto r2 = import(assume("2024-01-01T10:00:00Z", "arn:aws:iam::1:user/alice", "AKIAALICE", "arn:aws:iam::1:role/deploy",
                          "ASIAFIRST") + "\n" +
                   assume("2024-01-01T10:07:00Z", "arn:aws:sts::1:assumed-role/deploy/s", "ASIAFIRST",
                          "arn:aws:iam::1:role/db", "ASIASECOND") + "\n" +
                   use("2024-01-01T10:08:00Z", "arn:aws:iam::1:role/db", "ASIASECOND", "DeleteObject"));
  EXPECT_EQ(r2.added, 3u);
  EXPECT_EQ(r2.linked, 4u);  // the two old events, the chained AssumeRole, the DeleteObject
  std::map<std::string, core::AuditEvent> by_action;
  for (auto& e : all()) by_action[e.action + e.credential] = e;
  const auto& first = by_action.at("sts:AssumeRoleAKIAALICE");
  const auto& chained = by_action.at("sts:AssumeRoleASIAFIRST");
  EXPECT_EQ(by_action.at("s3:PutObjectASIAFIRST").parent_id, first.id);
  EXPECT_EQ(chained.parent_id, first.id);
  EXPECT_EQ(by_action.at("s3:DeleteObjectASIASECOND").parent_id, chained.id);
  EXPECT_TRUE(first.parent_id.empty());  // a long-lived key: nothing issued it
  // The session: everything done with ASIAFIRST or a credential issued under it.
  store::EventQuery q;
  q.session = "ASIAFIRST";
  std::size_t in_session = 0;
  events->scan_events(q, [&](const core::AuditEvent&) { return ++in_session, true; });
  EXPECT_EQ(in_session, 4u);
}

TEST_F(Correlation, ReimportIsIdempotentAndStoredFormIsRedacted) {
  const std::string text = assume("2024-01-01T10:00:00Z", "arn:aws:iam::1:user/alice", "AKIAALICE", "arn:aws:iam::1:role/r", "ASIAX");
  EXPECT_EQ(import(text).added, 1u);
  const auto again = import(text);
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.duplicates, 1u);
  const auto stored = all();
  ASSERT_EQ(stored.size(), 1u);
  const auto full = events->event(stored[0].id);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->raw.find("SECRET-TOKEN"), std::string::npos);
  EXPECT_EQ(full->issued_credential, "ASIAX");
}

TEST_F(Correlation, QueriesByTimeActorAndCredential) {
  import(use("2024-01-01T10:05:00Z", "arn:aws:iam::1:role/a", "ASIA1", "A") + "\n" +
         use("2024-01-02T10:05:00Z", "arn:aws:iam::1:role/b", "ASIA2", "B") + "\n" +
         use("2024-01-03T10:05:00Z", "arn:aws:iam::1:role/a", "ASIA3", "C"));
  auto count = [&](const store::EventQuery& q) {
    std::size_t n = 0;
    events->scan_events(q, [&](const core::AuditEvent&) { return ++n, true; });
    return n;
  };
  store::EventQuery by_actor;
  by_actor.actor = "arn:aws:iam::1:role/a";
  EXPECT_EQ(count(by_actor), 2u);
  store::EventQuery by_time;
  by_time.since = core::parse_timestamp("2024-01-02T00:00:00Z");
  by_time.until = core::parse_timestamp("2024-01-03T00:00:00Z");
  EXPECT_EQ(count(by_time), 1u);
  store::EventQuery by_key;
  by_key.credential = "ASIA3";
  EXPECT_EQ(count(by_key), 1u);
  EXPECT_EQ(events->event_count(), 3u);
}

TEST_F(Correlation, VaultTokenReachesTheLoginThatCreatedIt) {
  const std::string login =
      R"({"time":"2024-01-01T00:00:00Z","type":"response","auth":{},"request":{"id":"1","operation":"update","path":"auth/oidc/oidc/callback/login"},)"
      R"("response":{"auth":{"accessor":"hmac-sha256:acc1","display_name":"oidc-alice","entity_id":"ent-alice","metadata":{"email":"alice@example.com"}}}})";
  const std::string use_token =
      R"({"time":"2024-01-01T00:05:00Z","type":"response","auth":{"accessor":"hmac-sha256:acc1","display_name":"token-ci","metadata":{"role_name":"ci"}},)"
      R"("request":{"id":"2","operation":"read","path":"secret/data/x"}})";
  auto later = parse_text(SourceKind::vault, use_token);
  EXPECT_EQ(events->add_events(later.events).linked, 0u);
  auto earlier = parse_text(SourceKind::vault, login);
  ASSERT_EQ(earlier.events.size(), 1u);
  EXPECT_EQ(earlier.events[0].actor.id, "ent-alice");
  EXPECT_EQ(earlier.events[0].category, core::EventCategory::authentication);
  EXPECT_EQ(events->add_events(earlier.events).linked, 1u);
  store::EventQuery q;
  q.credential = "hmac-sha256:acc1";
  std::string parent;
  events->scan_events(q, [&](const core::AuditEvent& e) { return parent = e.parent_id, true; });
  EXPECT_EQ(parent, earlier.events[0].id);
}

}  // namespace
}  // namespace mandate::testing
