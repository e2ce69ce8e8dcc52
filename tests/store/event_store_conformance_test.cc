// The event store's contract (store/event_store.h), held by both backends:
// the same tests run on SQLite and on a real PostgreSQL. The importers and
// the analysis over a store keep their own tests (tests/ingest,
// tests/analyze); these pin what any backend must do with what they hand it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <barrier>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "core/error.h"
#include "store/postgresql/postgresql_event_store.h"
#include "store/postgresql/postgresql_store.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/files.h"
#include "support/postgres.h"

namespace mandate::store {
namespace {

using core::AuditEvent;
using core::EventCategory;
using core::PrincipalKind;
using mandate::testing::TempDir;
using mandate::testing::TestDatabase;

core::Timestamp at(int minute, int micros = 0) {
  return *core::parse_timestamp("2024-01-01T00:00:00Z") + std::chrono::minutes(minute) +
         std::chrono::microseconds(micros);
}

AuditEvent event(const std::string& id, core::Timestamp time) {
  AuditEvent e;
  e.id = id;
  e.source = "test";
  e.account = "acct";
  e.time = time;
  e.actor = {"alice", PrincipalKind::human, {}};
  e.action = "act";
  e.raw = R"({"id":")" + id + R"("})";
  return e;
}

AuditEvent use(const std::string& id, core::Timestamp time, const std::string& credential) {
  AuditEvent e = event(id, time);
  e.credential = credential;
  return e;
}

AuditEvent issue(const std::string& id, core::Timestamp time, const std::string& credential, const std::string& issued) {
  AuditEvent e = use(id, time, credential);
  e.category = EventCategory::credential_issued;
  e.issued_credential = issued;
  return e;
}

// Every field set, raw not text at all.
AuditEvent full(const std::string& id, core::Timestamp time) {
  AuditEvent e;
  e.id = id;
  e.source = "cloudtrail";
  e.account = "123456789012";
  e.time = time;
  e.actor = {"arn:aws:sts::1:assumed-role/deploy/s", PrincipalKind::workload, "deploy"};
  e.credential = "ASIAFULL";
  e.credential_kind = core::CredentialKind::session;
  e.credential_issued_at = time - std::chrono::hours(1);
  e.chain = {{core::Relation::assumed_by, {"arn:aws:iam::1:user/alice", PrincipalKind::human, "alice"}},
             {core::Relation::owned_by, {"bob", PrincipalKind::human, {}}}};
  e.category = EventCategory::action;
  e.action = "s3:PutObject";
  e.resource = "arn:aws:s3:::bucket/k\xc3\xa9y";
  e.result = core::EventResult::denied;
  e.source_address = "192.0.2.1";
  e.user_agent = "aws-cli/2";
  e.interactive = true;
  e.signals = {"admin_policy_attached", "public_bucket"};
  e.reference = "CHG-1";
  e.origin = "trail.json:3";
  e.source_id = "0f3f6a2e-1111-4c7b-9a55-0000000000ff";
  e.raw = std::string("{\"r\":1}\0\xff\x01", 10);
  return e;
}

std::vector<AuditEvent> scan(EventStore& store, EventQuery query = {}) {
  std::vector<AuditEvent> out;
  store.scan_events(query, [&](const AuditEvent& e) {
    out.push_back(e);
    return true;
  });
  return out;
}

std::vector<std::string> ids(EventStore& store, EventQuery query = {}) {
  std::vector<std::string> out;
  for (const AuditEvent& e : scan(store, std::move(query))) out.push_back(e.id);
  return out;
}

using Ids = std::vector<std::string>;

// Where events live: a store's database, as a file or a database of its own.
class EventPlace {
 public:
  virtual ~EventPlace() = default;
  // A handle on the events; each call another one, as another process or
  // server would have.
  virtual std::unique_ptr<EventStore> open() = 0;
  // From now on the database refuses to store the event with this id: a
  // batch that fails partway, as a full disk or a lost server would make it.
  virtual void refuse_event(const std::string& id) = 0;
};

class SqliteEventPlace final : public EventPlace {
 public:
  SqliteEventPlace() {
    create_sqlite_store(path());
    open_sqlite_event_store(path());  // creates the event tables
  }
  std::unique_ptr<EventStore> open() override { return open_sqlite_event_store(path()); }
  void refuse_event(const std::string& id) override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    const std::string sql = "CREATE TRIGGER refuse_" + id + " BEFORE INSERT ON observed_event WHEN NEW.id = '" + id +
                            "' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END";
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
  }

 private:
  std::string path() const { return (dir_ / "m.db").string(); }
  TempDir dir_;
};

class PostgresEventPlace final : public EventPlace {
 public:
  PostgresEventPlace() { create_postgresql_store(settings()); }
  std::unique_ptr<EventStore> open() override { return open_postgresql_event_store(settings()); }
  void refuse_event(const std::string& id) override {
    auto c = database_.connect();
    mandate::testing::pg_exec(c.get(),
                              "CREATE FUNCTION refuse_" + id + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "IF NEW.id = convert_to('" + id + "', 'UTF8') THEN RAISE EXCEPTION 'refused by the test'; "
                              "END IF; RETURN NEW; END $$; "
                              "CREATE TRIGGER refuse_" + id + " BEFORE INSERT ON observed_event FOR EACH ROW "
                              "EXECUTE FUNCTION refuse_" + id + "()");
  }
  const TestDatabase& database() const { return database_; }
  ConnectionSettings settings() const {
    ConnectionSettings s;
    s.url = database_.url();
    // One connection: whatever a handle does, including reads from inside
    // a scan's visitor, must not need a second one.
    s.pool_size = 1;
    return s;
  }

 private:
  TestDatabase database_ = TestDatabase::create();
};

class EventStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      place_ = std::make_unique<SqliteEventPlace>();
    } else {
      place_ = std::make_unique<PostgresEventPlace>();
    }
    store_ = place_->open();
  }
  std::unique_ptr<EventPlace> place_;
  std::unique_ptr<EventStore> store_;
};

TEST_P(EventStoreContract, KeepsEveryFieldAndScansInTimeOrderThenInStoredOrder) {
  // Out of time order; "m" and "b" share an instant and keep the order they
  // were stored in, whatever their ids.
  const std::vector<AuditEvent> first{full("late", at(30)), full("m", at(10)), full("b", at(10))};
  const std::vector<AuditEvent> second{full("early", at(5)), full("z", at(10)), full("tick", at(10, 1))};
  EXPECT_EQ(store_->add_events(first).added, 3u);
  EXPECT_EQ(store_->add_events(second).added, 3u);
  EventQuery with_raw;
  with_raw.with_raw = true;
  const auto stored = scan(*store_, with_raw);
  ASSERT_EQ(stored.size(), 6u);
  EXPECT_EQ(stored[0], second[0]);
  EXPECT_EQ(stored[1], first[1]);
  EXPECT_EQ(stored[2], first[2]);
  EXPECT_EQ(stored[3], second[1]);
  EXPECT_EQ(stored[4], second[2]);
  EXPECT_EQ(stored[5], first[0]);
  EXPECT_EQ(store_->event_count(), 6u);
}

TEST_P(EventStoreContract, WithoutRawTheRawRecordIsLeftOut) {
  const std::vector<AuditEvent> events{full("e1", at(1))};
  store_->add_events(events);
  const auto lean = scan(*store_);
  ASSERT_EQ(lean.size(), 1u);
  EXPECT_TRUE(lean[0].raw.empty());
  AuditEvent expected = events[0];
  expected.raw.clear();
  EXPECT_EQ(lean[0], expected);
  EXPECT_EQ(store_->event("e1"), events[0]);  // a single event comes whole
}

TEST_P(EventStoreContract, EventByIdAndCount) {
  EXPECT_EQ(store_->event_count(), 0u);
  EXPECT_FALSE(store_->event("e1"));
  store_->add_events(std::vector<AuditEvent>{event("e1", at(1)), event("e2", at(2))});
  EXPECT_EQ(store_->event_count(), 2u);
  ASSERT_TRUE(store_->event("e2"));
  EXPECT_EQ(store_->event("e2")->time, at(2));
  EXPECT_EQ(store_->event("e2")->raw, R"({"id":"e2"})");
  EXPECT_FALSE(store_->event("e3"));
  EXPECT_FALSE(store_->event("E1"));  // ids are exact bytes
}

TEST_P(EventStoreContract, FiltersBySinceUntilActorCredentialAndCategory) {
  std::vector<AuditEvent> events{use("a", at(10), "K1"), use("b", at(10, 1), "K2"), use("c", at(20), "K1"),
                                 use("d", at(20, 1), ""), event("e", at(30))};
  events[1].actor.id = "bob";
  events[3].actor.id = "bob";
  events[2].category = EventCategory::lifecycle;
  events[4].category = EventCategory::lifecycle;
  store_->add_events(events);
  EventQuery q;
  q.since = at(10, 1);  // inclusive, to the microsecond
  q.until = at(20, 1);  // exclusive
  EXPECT_EQ(ids(*store_, q), (Ids{"b", "c"}));
  EventQuery actor;
  actor.actor = "bob";
  EXPECT_EQ(ids(*store_, actor), (Ids{"b", "d"}));
  actor.actor = "bo";
  EXPECT_EQ(ids(*store_, actor), Ids{});
  EventQuery credential;
  credential.credential = "K1";
  EXPECT_EQ(ids(*store_, credential), (Ids{"a", "c"}));
  EventQuery category;
  category.category = EventCategory::lifecycle;
  EXPECT_EQ(ids(*store_, category), (Ids{"c", "e"}));
  EventQuery all_of_them;
  all_of_them.since = at(10);
  all_of_them.until = at(40);
  all_of_them.actor = "alice";
  all_of_them.credential = "K1";
  all_of_them.category = EventCategory::lifecycle;
  EXPECT_EQ(ids(*store_, all_of_them), (Ids{"c"}));
}

TEST_P(EventStoreContract, FiltersByTheSourcesOwnRecordId) {
  std::vector<AuditEvent> events{event("a", at(1)), event("b", at(2)), event("c", at(3))};
  events[0].source_id = "evt-1";
  events[2].source_id = "evt-1";  // another source may reuse an id: both are found
  events[1].source_id = "evt-2";
  store_->add_events(events);
  EventQuery q;
  q.source_id = "evt-1";
  EXPECT_EQ(ids(*store_, q), (Ids{"a", "c"}));
  q.source_id = "evt";
  EXPECT_EQ(ids(*store_, q), Ids{});
  EXPECT_EQ(store_->event("b")->source_id, "evt-2");
}

TEST_P(EventStoreContract, ASessionFollowsCorrelationLinksAcrossImports) {
  // First import: only the session's own actions.
  const auto first = store_->add_events(std::vector<AuditEvent>{use("put", at(5), "S1"), use("get", at(6), "S1")});
  EXPECT_EQ(first.added, 2u);
  EXPECT_EQ(first.linked, 0u);
  // Second: whoever made S1, a role chained from it and what that did.
  const auto second = store_->add_events(std::vector<AuditEvent>{
      issue("assume", at(0), "AKIA", "S1"), issue("chained", at(7), "S1", "S2"), use("delete", at(8), "S2"),
      use("unrelated", at(9), "AKIA2")});
  EXPECT_EQ(second.added, 4u);
  EXPECT_EQ(second.linked, 4u);  // put, get, chained, delete
  EXPECT_EQ(store_->event("put")->parent_id, "assume");
  EXPECT_EQ(store_->event("chained")->parent_id, "assume");
  EXPECT_EQ(store_->event("delete")->parent_id, "chained");
  EXPECT_EQ(store_->event("assume")->parent_id, "");  // nothing issued a long-lived key
  EventQuery session;
  session.session = "S1";
  EXPECT_EQ(ids(*store_, session), (Ids{"put", "get", "chained", "delete"}));
  session.session = "AKIA";
  EXPECT_EQ(ids(*store_, session), (Ids{"assume", "put", "get", "chained", "delete"}));
  session.since = at(6);
  EXPECT_EQ(ids(*store_, session), (Ids{"get", "chained", "delete"}));
  session.session = "nobody";
  session.since.reset();
  EXPECT_EQ(ids(*store_, session), Ids{});
}

TEST_P(EventStoreContract, AReimportCountsDuplicatesAndAddsNothing) {
  const std::vector<AuditEvent> batch{issue("i", at(0), "K", "S"), use("u", at(1), "S"), event("x", at(2))};
  const auto first = store_->add_events(batch);
  EXPECT_EQ(first.added, 3u);
  EXPECT_EQ(first.duplicates, 0u);
  EXPECT_EQ(first.linked, 1u);
  const auto again = store_->add_events(batch);
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.duplicates, 3u);
  EXPECT_EQ(again.linked, 0u);
  EXPECT_EQ(store_->event_count(), 3u);
  // Twice in one batch: the first is kept, the second is a duplicate.
  AuditEvent changed = event("y", at(3));
  changed.action = "changed";
  const auto twice = store_->add_events(std::vector<AuditEvent>{event("y", at(3)), changed, event("x", at(2))});
  EXPECT_EQ(twice.added, 1u);
  EXPECT_EQ(twice.duplicates, 2u);
  EXPECT_EQ(store_->event("y")->action, "act");
  EXPECT_EQ(ids(*store_), (Ids{"i", "u", "x", "y"}));
}

TEST_P(EventStoreContract, LinksTheLatestIssuerAtOrBeforeTheUseElseTheEarliestAfter) {
  const auto issuers = store_->add_events(std::vector<AuditEvent>{
      issue("i10", at(10), "K", "C"), issue("i20", at(20), "K", "C"), issue("i20b", at(20), "K", "C"),
      issue("i40", at(40), "K", "C")});
  EXPECT_EQ(issuers.linked, 0u);  // K was issued by nothing stored
  AuditEvent given = use("given", at(25), "C");
  given.parent_id = "set-by-the-importer";
  const auto uses = store_->add_events(std::vector<AuditEvent>{
      use("before-all", at(5), "C"), use("at-20", at(20), "C"), use("at-25", at(25), "C"), use("at-45", at(45), "C"),
      given, event("no-credential", at(25)), use("own", at(50), "D")});
  EXPECT_EQ(uses.linked, 4u);
  EXPECT_EQ(store_->event("before-all")->parent_id, "i10");  // clock skew: the earliest after it
  EXPECT_EQ(store_->event("at-20")->parent_id, "i20");       // at the same instant counts; ties: stored first
  EXPECT_EQ(store_->event("at-25")->parent_id, "i20");
  EXPECT_EQ(store_->event("at-45")->parent_id, "i40");
  EXPECT_EQ(store_->event("given")->parent_id, "set-by-the-importer");
  EXPECT_EQ(store_->event("no-credential")->parent_id, "");
  // An event never issued its own credential.
  const auto own = store_->add_events(std::vector<AuditEvent>{issue("self", at(51), "D2", "D2")});
  EXPECT_EQ(own.linked, 0u);
  EXPECT_EQ(store_->event("self")->parent_id, "");
  // An issuer imported later links the use imported before it.
  EXPECT_EQ(store_->add_events(std::vector<AuditEvent>{issue("makes-d", at(49), "K", "D")}).linked, 1u);
  EXPECT_EQ(store_->event("own")->parent_id, "makes-d");
}

TEST_P(EventStoreContract, ABatchRefusedPartwayStoresAndLinksNothing) {
  store_->add_events(std::vector<AuditEvent>{use("earlier", at(1), "S")});
  // Longer than one statement's worth on PostgreSQL, the refused event last.
  std::vector<AuditEvent> batch{issue("issuer", at(0), "K", "S")};
  for (int i = 0; i < 1500; ++i) batch.push_back(event("filler" + std::to_string(i), at(2, i)));
  batch.push_back(event("poison", at(3)));
  place_->refuse_event("poison");
  EXPECT_THROW(store_->add_events(batch), Error);
  EXPECT_EQ(store_->event_count(), 1u);
  EXPECT_FALSE(store_->event("issuer"));
  EXPECT_FALSE(store_->event("filler0"));
  EXPECT_EQ(store_->event("earlier")->parent_id, "");
  batch.pop_back();
  const auto retried = store_->add_events(batch);
  EXPECT_EQ(retried.added, 1501u);
  EXPECT_EQ(retried.linked, 1u);
  EXPECT_EQ(store_->event("earlier")->parent_id, "issuer");
}

// Identifiers are bytes: NUL, invalid UTF-8 and values longer than any
// index entry are stored, found and linked like any other.
TEST_P(EventStoreContract, AnyBytesAreKeptFoundAndLinked) {
  std::mt19937 random(7);
  std::string long_credential(10000, '\0');
  for (char& c : long_credential) c = static_cast<char>(random());
  const std::string nul_actor("ali\0ce", 6);
  const std::string bad_utf8 = "\xff\xfe\xc3";
  AuditEvent issuer = issue(std::string(3000, 'i') + long_credential.substr(0, 100), at(1), "K", long_credential);
  issuer.actor.id = nul_actor;
  AuditEvent user = use("user", at(2), long_credential);
  user.resource = std::string("a\0b", 3);
  user.user_agent = bad_utf8;
  user.actor.name = bad_utf8;
  user.chain = {{core::Relation::assumed_by, {bad_utf8, PrincipalKind::human, {}}}};
  const auto added = store_->add_events(std::vector<AuditEvent>{issuer, user});
  EXPECT_EQ(added.added, 2u);
  EXPECT_EQ(added.linked, 1u);
  EXPECT_EQ(store_->event(issuer.id), issuer);
  const auto stored = store_->event("user");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->parent_id, issuer.id);
  EXPECT_EQ(stored->resource, user.resource);
  EXPECT_EQ(stored->user_agent, bad_utf8);
  EXPECT_EQ(stored->actor.name, bad_utf8);
  EXPECT_EQ(stored->chain.size(), 1u);  // the chain's JSON replaces what is not UTF-8, on both
  EventQuery by_actor;
  by_actor.actor = nul_actor;
  EXPECT_EQ(ids(*store_, by_actor), Ids{issuer.id});
  by_actor.actor = "ali";
  EXPECT_EQ(ids(*store_, by_actor), Ids{});
  EventQuery by_credential;
  by_credential.credential = long_credential;
  EXPECT_EQ(ids(*store_, by_credential), Ids{"user"});
  EventQuery session;
  session.session = "K";
  EXPECT_EQ(ids(*store_, session), (Ids{issuer.id, "user"}));
  EXPECT_EQ(store_->add_events(std::vector<AuditEvent>{issuer}).duplicates, 1u);
}

// The analyzer looks events up from inside its visitor; a visitor may also
// stop early, or fail, and the store goes on.
TEST_P(EventStoreContract, AVisitorMayReadTheStoreStopEarlyOrFail) {
  std::vector<AuditEvent> events;
  for (int i = 0; i < 2500; ++i) events.push_back(event("e" + std::to_string(i), at(i)));
  store_->add_events(events);
  std::size_t visited = 0;
  std::size_t looked_up = 0;
  store_->scan_events({}, [&](const AuditEvent& e) {
    ++visited;
    if (e.id == "e1") {
      looked_up += store_->event("e2000").has_value();
      looked_up += store_->event_count() == 2500;
      EventQuery inner;
      inner.since = at(2498);
      looked_up += ids(*store_, inner) == Ids{"e2498", "e2499"};
      std::size_t stopped = 0;
      store_->scan_events({}, [&](const AuditEvent&) { return ++stopped < 3; });
      looked_up += stopped == 3;
    }
    return true;
  });
  EXPECT_EQ(visited, 2500u);
  EXPECT_EQ(looked_up, 4u);
  visited = 0;
  store_->scan_events({}, [&](const AuditEvent&) { return ++visited < 1200; });
  EXPECT_EQ(visited, 1200u);
  EXPECT_THROW(store_->scan_events({}, [&](const AuditEvent& e) -> bool { fail(ErrorKind::internal, "visitor " + e.id); }),
               Error);
  EXPECT_EQ(store_->event_count(), 2500u);
  EXPECT_EQ(store_->add_events(std::vector<AuditEvent>{event("after", at(9999))}).added, 1u);
  EXPECT_EQ(ids(*store_).back(), "after");
}

// Two importers (processes, servers) import the same records at once: each
// record is stored once, and the two results add up.
TEST_P(EventStoreContract, TwoImportersOfTheSameRecordsStoreEachOnce) {
  std::vector<AuditEvent> records;
  for (int i = 0; i < 2500; ++i) {
    records.push_back(i % 2 == 0 ? issue("r" + std::to_string(i), at(i), "K", "S" + std::to_string(i))
                                 : use("r" + std::to_string(i), at(i), "S" + std::to_string(i - 1)));
  }
  std::vector<std::unique_ptr<EventStore>> importers;
  importers.push_back(place_->open());
  importers.push_back(place_->open());
  std::vector<AddResult> results(importers.size());
  std::barrier start(static_cast<std::ptrdiff_t>(importers.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < importers.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = importers[i]->add_events(records);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(results[0].added + results[1].added, records.size());
  EXPECT_EQ(results[0].duplicates + results[1].duplicates, records.size());
  EXPECT_EQ(results[0].linked + results[1].linked, records.size() / 2);
  EXPECT_EQ(store_->event_count(), records.size());
  const auto stored = ids(*store_);
  EXPECT_EQ(std::set<std::string>(stored.begin(), stored.end()).size(), records.size());
}

// One importer brings the AssumeRoles while another brings what the
// sessions did: whichever commits second links them.
TEST_P(EventStoreContract, ConcurrentImportsOfIssuersAndTheirSessionsLinkThem) {
  auto other = place_->open();
  std::size_t linked = 0;
  constexpr int kRounds = 10;
  constexpr int kSessions = 50;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<AuditEvent> issuers;
    std::vector<AuditEvent> uses;
    for (int s = 0; s < kSessions; ++s) {
      const std::string session = "S" + std::to_string(round) + "-" + std::to_string(s);
      issuers.push_back(issue("issue-" + session, at(round, 2 * s), "K", session));
      uses.push_back(use("use-" + session, at(round, 2 * s + 1), session));
    }
    std::barrier start(2);
    AddResult a;
    AddResult b;
    std::thread first([&] {
      start.arrive_and_wait();
      a = store_->add_events(issuers);
    });
    std::thread second([&] {
      start.arrive_and_wait();
      b = other->add_events(uses);
    });
    first.join();
    second.join();
    linked += a.linked + b.linked;
  }
  EXPECT_EQ(linked, static_cast<std::size_t>(kRounds * kSessions));
  for (const AuditEvent& e : scan(*store_)) {
    if (e.id.starts_with("use-")) {
      EXPECT_EQ(e.parent_id, "issue-" + e.id.substr(4)) << e.id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, EventStoreContract, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

// PostgreSQL's event tables come with schema version 2: a database made
// before them is migrated, never quietly extended.
TEST(PostgresEventStore, ADatabaseWithoutTheEventTablesIsMigratedFirst) {
  PostgresEventPlace place;
  {
    auto c = place.database().connect();
    mandate::testing::pg_exec(c.get(), "DROP TABLE observed_event; DELETE FROM mandate_schema_migration WHERE version >= 2; "
                              "DROP INDEX state_record_by_set_ref; CREATE INDEX state_record_by_ref ON state_record (kind, ref, id); "
                              "DROP FUNCTION mandate_expect_versions; DROP FUNCTION mandate_lock_head(bigint); "
                              "DROP FUNCTION mandate_lock_head(bigint, bytea);");
  }
  try {
    place.open();
    FAIL() << "opened a database at schema version 1";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("mandate store migrate"), std::string::npos) << e.what();
  }
  const MigrationReport report = migrate_postgresql_store(place.settings());
  EXPECT_EQ(report.from_version, 1);
  EXPECT_EQ(report.to_version, postgresql_schema_version());
  ASSERT_EQ(report.applied.size(), 5u);
  EXPECT_EQ(report.applied[0].description, "imported audit events");
  EXPECT_EQ(report.applied[1].description, "source record ids of imported events");
  EXPECT_EQ(report.applied[2].description, "records indexed by ref only where one is set");
  EXPECT_EQ(report.applied[3].description, "the head locked and record versions checked in the commit's round trip");
  EXPECT_EQ(report.applied[4].description, "the head locked after a batch still in flight, by its last leaf");
  auto events = place.open();
  EXPECT_EQ(events->add_events(std::vector<AuditEvent>{event("e1", at(1))}).added, 1u);
}

TEST(PostgresEventStore, EventsImportedBeforeSourceRecordIdsAreKeptByTheMigration) {
  PostgresEventPlace place;
  {
    auto c = place.database().connect();
    mandate::testing::pg_exec(c.get(),
                              "ALTER TABLE observed_event DROP COLUMN source_id; "
                              "DELETE FROM mandate_schema_migration WHERE version >= 3; "
                              "DROP INDEX state_record_by_set_ref; CREATE INDEX state_record_by_ref ON state_record (kind, ref, id); "
                              "DROP FUNCTION mandate_expect_versions; DROP FUNCTION mandate_lock_head(bigint); "
                              "DROP FUNCTION mandate_lock_head(bigint, bytea); "
                              "INSERT INTO observed_event (id, source, account, time, actor_id, actor_kind, actor_name, "
                              "credential, credential_kind, chain, category, action, resource, result, source_address, "
                              "user_agent, interactive, signals, issued_credential, reference, origin, parent_id, raw) "
                              "VALUES ('old', 'cloudtrail', '1', 5, 'alice', 'human', '', '', 'none', '[]', 'action', "
                              "'s3:GetObject', '', 'success', '', '', false, '[]', '', '', 't.json:1', '', '{}')");
  }
  EXPECT_THROW(place.open(), Error);  // version 2: migrate first
  const MigrationReport report = migrate_postgresql_store(place.settings());
  EXPECT_EQ(report.from_version, 2);
  EXPECT_EQ(report.to_version, postgresql_schema_version());
  auto events = place.open();
  ASSERT_TRUE(events->event("old"));
  EXPECT_EQ(events->event("old")->source_id, "");
}

TEST(PostgresEventStore, ADatabaseWithoutAStoreIsRefused) {
  const TestDatabase database = TestDatabase::create();
  ConnectionSettings settings;
  settings.url = database.url();
  try {
    open_postgresql_event_store(settings);
    FAIL() << "opened a database without a store";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
  }
}

}  // namespace
}  // namespace mandate::store
