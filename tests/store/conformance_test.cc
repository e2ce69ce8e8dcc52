// The store's contract (store/store.h), held by both backends: the same
// tests run on SQLite and on a real PostgreSQL (tests/support/postgres.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "core/error.h"
#include "store/postgresql/postgresql_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/postgres.h"
#include "support/process.h"

namespace mandate::store {
namespace {

using mandate::testing::TempDir;
using mandate::testing::TestDatabase;

LedgerRow row(std::uint64_t index, std::string body = "x") {
  LedgerRow r;
  r.index = index;
  r.type = "t";
  r.body = std::move(body);
  r.leaf_hash.fill(static_cast<std::uint8_t>(index));
  return r;
}

// One place a store lives: a file, or a database of its own.
class Place {
 public:
  virtual ~Place() = default;
  virtual std::unique_ptr<Store> create() = 0;
  virtual std::unique_ptr<Store> open() = 0;  // a second handle: another process or server
};

class SqlitePlace final : public Place {
 public:
  std::unique_ptr<Store> create() override { return create_sqlite_store(path()); }
  std::unique_ptr<Store> open() override { return open_sqlite_store(path()); }

 private:
  std::string path() const { return (dir_ / "m.db").string(); }
  TempDir dir_;
};

class PostgresPlace final : public Place {
 public:
  std::unique_ptr<Store> create() override { return create_postgresql_store(settings()); }
  std::unique_ptr<Store> open() override { return open_postgresql_store(settings()); }

  const TestDatabase& database() const { return database_; }

 private:
  ConnectionSettings settings() const {
    ConnectionSettings s;
    s.url = database_.url();
    return s;
  }
  TestDatabase database_ = TestDatabase::create();
};

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      place_ = std::make_unique<SqlitePlace>();
    } else {
      place_ = std::make_unique<PostgresPlace>();
    }
  }
  std::unique_ptr<Place> place_;
};

TEST_P(StoreContract, CreateRefusesAStoreThatExistsAndOpenRefusesOneThatDoesNot) {
  EXPECT_THROW(place_->open(), Error);
  place_->create();
  EXPECT_THROW(place_->create(), Error);
  EXPECT_NO_THROW(place_->open());
}

TEST_P(StoreContract, AppendsRowsAndReadsThemBack) {
  auto store = place_->create();
  EXPECT_EQ(store->ledger_size(), 0u);
  std::vector<LedgerRow> rows{row(0, "a"), row(1, std::string("b\0b", 3)), row(2, "c")};
  rows[1].nodes = std::string(32, '\x07');
  store->append_ledger_rows(rows);
  EXPECT_EQ(store->ledger_size(), 3u);
  EXPECT_EQ(store->ledger_row(1)->body, std::string("b\0b", 3));
  EXPECT_EQ(store->ledger_row(1)->nodes, std::string(32, '\x07'));
  EXPECT_EQ(store->ledger_row(2)->leaf_hash[5], 2);
  EXPECT_FALSE(store->ledger_row(3).has_value());
  EXPECT_EQ(store->ledger_node(0, 2)->at(0), 2);
  // Node (level 1, index 0) is stored with the entry that completes it: 1.
  EXPECT_EQ(store->ledger_node(1, 0)->at(0), 7);
  EXPECT_FALSE(store->ledger_node(1, 1).has_value());
  const std::vector<NodeId> ids{{0, 0}, {1, 0}, {0, 9}, {0, 2}};
  const auto nodes = store->ledger_nodes(ids);
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0]->at(0), 0);
  EXPECT_EQ(nodes[1]->at(0), 7);
  EXPECT_FALSE(nodes[2].has_value());
  EXPECT_EQ(nodes[3]->at(0), 2);
  std::vector<std::uint64_t> seen;
  store->scan_ledger(1, 3, [&](const LedgerRow& r) {
    seen.push_back(r.index);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
}

TEST_P(StoreContract, ABodyScanLeavesOutTheSkippedTypesOnly) {
  auto store = place_->create();
  std::vector<LedgerRow> rows;
  const std::vector<std::string> types{"evaluation", "task.requested", "search", "evaluation", "a\"b\\c", "decision"};
  for (std::size_t i = 0; i < types.size(); ++i) {
    rows.push_back(row(i, "body " + std::to_string(i)));
    rows.back().type = types[i];
  }
  store->append_ledger_rows(rows);
  const auto kept = [&](std::vector<std::string_view> skipped, std::uint64_t from, std::uint64_t to) {
    std::vector<std::string> seen;
    store->scan_ledger_bodies(from, to, skipped, [&](const LedgerRow& r) {
      EXPECT_EQ(r.body, "body " + std::to_string(r.index));
      seen.push_back(std::to_string(r.index) + " " + r.type);
      return true;
    });
    return seen;
  };
  EXPECT_EQ(kept({"evaluation", "search"}, 0, 6),
            (std::vector<std::string>{"1 task.requested", "4 a\"b\\c", "5 decision"}));
  EXPECT_EQ(kept({"a\"b\\c"}, 1, 5), (std::vector<std::string>{"1 task.requested", "2 search", "3 evaluation"}));
  EXPECT_EQ(kept({}, 4, 6), (std::vector<std::string>{"4 a\"b\\c", "5 decision"}));
}

TEST_P(StoreContract, AGapOrOverlapIsAConflictAndWritesNothing) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)});
  try {
    store->append_ledger_rows(std::vector<LedgerRow>{row(2)});
    FAIL() << "a gap was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  EXPECT_THROW(store->append_ledger_rows(std::vector<LedgerRow>{row(1), row(1)}), Error);
  EXPECT_EQ(store->ledger_size(), 1u);
}

TEST_P(StoreContract, ASecondHandleSeesCommittedRowsAndCannotOverwriteThem) {
  auto writer = place_->create();
  auto other = place_->open();
  writer->append_ledger_rows(std::vector<LedgerRow>{row(0), row(1)});
  EXPECT_EQ(other->ledger_size(), 2u);
  EXPECT_THROW(other->append_ledger_rows(std::vector<LedgerRow>{row(1)}), Error);
  EXPECT_EQ(other->ledger_row(1)->body, "x");
}

// The sequencer is given the committed size and reads the tree as it
// stands, and whatever it throws writes nothing.
TEST_P(StoreContract, TheSequencerIsGivenTheLockedSizeAndItsFailureWritesNothing) {
  auto store = place_->create();
  std::vector<LedgerRow> first{row(0), row(1)};
  first[1].nodes = std::string(32, '\x09');
  store->append_ledger_rows(first);
  std::optional<std::uint64_t> given;
  std::optional<Hash> node;
  store->append_sequenced([&](std::uint64_t size, const NodeReader& nodes) {
    given = size;
    const NodeId id{1, 0};
    node = nodes(std::span<const NodeId>(&id, 1)).front();
    return Sequenced{{row(size)}, {{"task", "t1", "", "{}", kAbsent}}};
  });
  EXPECT_EQ(given, 2u);
  ASSERT_TRUE(node);
  EXPECT_EQ(node->at(0), 9);
  EXPECT_EQ(store->ledger_size(), 3u);
  EXPECT_THROW(store->append_sequenced([&](std::uint64_t size, const NodeReader&) -> Sequenced {
    (void)size;
    fail(ErrorKind::bad_input, "the sequencer refused");
  }),
               Error);
  EXPECT_THROW(store->append_sequenced([&](std::uint64_t size, const NodeReader&) {
    return Sequenced{{row(size + 1)}, {}};  // a gap
  }),
               Error);
  EXPECT_EQ(store->ledger_size(), 3u);
  EXPECT_EQ(store->record_version("task", "t1"), 1);
}

// A store may number a batch from the size its own last commit left,
// before it holds the append lock (PostgreSQL does, when its last commit
// found no other writer's rows): when another writer has appended
// meanwhile, nothing of that numbering is written, and the batch is
// numbered again from the size the lock finds.
TEST_P(StoreContract, ABatchNumberedFromAStaleSizeIsNumberedAgainFromTheLockedSize) {
  auto mine = place_->create();
  auto other = place_->open();
  const auto append = [](Store& store, const std::string& body, std::vector<std::uint64_t>& given) {
    given.clear();
    store.append_sequenced([&](std::uint64_t size, const NodeReader&) {
      given.push_back(size);
      return Sequenced{{row(size, body + "@" + std::to_string(size))}, {{"uses", "m1", "", body, kAnyVersion}}};
    });
  };
  std::vector<std::uint64_t> given;
  for (int i = 0; i < 3; ++i) append(*mine, "mine", given);
  append(*other, "other", given);
  append(*mine, "again", given);
  const bool guesses = GetParam() == "postgresql";
  const std::vector<std::uint64_t> numbered = guesses ? std::vector<std::uint64_t>{3, 4} : std::vector<std::uint64_t>{4};
  EXPECT_EQ(given, numbered);
  append(*mine, "locked", given);  // its last lock found another's row
  EXPECT_EQ(given, std::vector<std::uint64_t>{5});
  append(*mine, "alone", given);
  EXPECT_EQ(given, std::vector<std::uint64_t>{6});
  std::vector<std::string> bodies;
  other->scan_ledger(0, 10, [&](const LedgerRow& r) {
    bodies.push_back(r.body);
    return true;
  });
  EXPECT_EQ(bodies, (std::vector<std::string>{"mine@0", "mine@1", "mine@2", "other@3", "again@4", "locked@5", "alone@6"}));
  EXPECT_EQ(other->record_version("uses", "m1"), 7);  // the numbering that missed wrote nothing
}

// A writer that need not wait for one batch before sending the next
// (PostgreSQL): the second is numbered after the first and sent behind it,
// and both land, in order. SQLite commits with no round trip to hide, and
// does not send.
TEST_P(StoreContract, ABatchSentBehindAnotherLandsAfterIt) {
  auto store = place_->create();
  const Sequenced first{{row(0, "a")}, {{"uses", "m1", "", "1", kAbsent}}};
  if (!store->sends_appends()) {
    EXPECT_EQ(store->send_append(first, {0, std::nullopt}), nullptr);
    return;
  }
  // Two commits of its own first: a writer guesses once it has appended alone.
  store->append_ledger_rows(std::vector<LedgerRow>{row(0, "a")}, std::vector<RecordPut>{{"uses", "m1", "", "1", kAbsent}});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1, "b")}, std::vector<RecordPut>{{"uses", "m1", "", "2", 1}});
  auto second = store->send_append({{row(2, "c")}, {{"uses", "m1", "", "3", 2}}}, {2, std::nullopt});
  ASSERT_NE(second, nullptr);
  auto third = store->send_append({{row(3, "d"), row(4, "e")}, {{"uses", "m1", "", "4", 3}}}, {3, row(2).leaf_hash});
  ASSERT_NE(third, nullptr);
  EXPECT_TRUE(second->landed());
  EXPECT_TRUE(third->landed());
  EXPECT_EQ(store->ledger_size(), 5u);
  EXPECT_EQ(store->record("uses", "m1")->body, "4");
  EXPECT_EQ(store->record_version("uses", "m1"), 4);
}

// What only a store that sends appends does (PostgreSQL).
class SentAppends : public ::testing::Test {
 protected:
  PostgresPlace place_;
};

// A batch sent behind one that fails lands nowhere, even when it is read
// first: the failed one releases the ledger in the database itself.
TEST_F(SentAppends, ABatchSentBehindOneThatFailsWritesNothing) {
  auto store = place_.create();
  ASSERT_TRUE(store->sends_appends());
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)}, std::vector<RecordPut>{{"uses", "m1", "", "1", kAbsent}});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)});
  auto stale = store->send_append({{row(2)}, {{"uses", "m1", "", "stale", 7}}}, {2, std::nullopt});
  ASSERT_NE(stale, nullptr);
  auto behind = store->send_append({{row(3)}, {{"uses", "m1", "", "behind", kAnyVersion}}}, {3, row(2).leaf_hash});
  ASSERT_NE(behind, nullptr);
  EXPECT_FALSE(behind->landed());
  try {
    stale->landed();
    FAIL() << "a put at the wrong version landed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict) << e.what();
  }
  EXPECT_EQ(store->ledger_size(), 2u);
  EXPECT_EQ(store->record("uses", "m1")->body, "1");
  // Missed: the next append locks first, and lands.
  EXPECT_EQ(store->send_append({{row(2)}, {}}, {2, std::nullopt}), nullptr);
  store->append_ledger_rows(std::vector<LedgerRow>{row(2, "again")});
  EXPECT_EQ(store->ledger_row(2)->body, "again");
}

// The batch in flight does not land, and another writer fills the ledger
// to the very size the batch behind it was numbered for: that one must not
// land either, or its tree would be built on rows that are not there.
TEST_F(SentAppends, ABatchNumberedAfterOneThatDidNotLandMissesAnotherWritersRowsOfTheSameSize) {
  auto store = place_.create();
  ASSERT_TRUE(store->sends_appends());
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)});
  const auto& database = place_.database();
  auto other = database.connect();
  // The other writer holds the head while both batches are sent.
  mandate::testing::pg_exec(other.get(), "BEGIN; SELECT size FROM ledger_head WHERE id = 1 FOR UPDATE");
  auto first = store->send_append({{row(2, "mine")}, {}}, {2, std::nullopt});
  ASSERT_NE(first, nullptr);
  auto behind = store->send_append({{row(3, "behind")}, {}}, {3, row(2).leaf_hash});
  ASSERT_NE(behind, nullptr);
  mandate::testing::pg_exec(other.get(), "INSERT INTO ledger_entry (idx, leaf_hash, nodes, type, body) "
                                         "VALUES (2, '\\x" + std::string(64, 'e') + "', '', 't', 'theirs'); "
                                         "UPDATE ledger_head SET size = 3 WHERE id = 1; COMMIT");
  EXPECT_FALSE(first->landed());
  EXPECT_FALSE(behind->landed());
  EXPECT_EQ(store->ledger_size(), 3u);
  EXPECT_EQ(store->ledger_row(2)->body, "theirs");
}

// Decisions read state while another decision's commit is in flight (its
// fsync, its network round trip): a read neither waits for that commit nor
// sees its writes before they are durable.
TEST_P(StoreContract, AReadDoesNotWaitForTheAppendInFlight) {
  auto store = place_->create();
  store->append_sequenced([&](std::uint64_t size, const NodeReader&) {
    return Sequenced{{row(size)}, {{"task", "t1", "", "{\"v\":1}", kAbsent}}};
  });
  std::future<std::optional<Record>> read;
  bool answered_meanwhile = false;
  store->append_sequenced([&](std::uint64_t size, const NodeReader&) {
    read = std::async(std::launch::async, [&] { return store->record("task", "t1"); });
    answered_meanwhile = read.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    return Sequenced{{row(size)}, {{"task", "t1", "", "{\"v\":2}", 1}}};
  });
  EXPECT_TRUE(answered_meanwhile) << "the read waited for the commit";
  // Taken after the append, so a read that waits fails the test, not hangs it.
  const std::optional<Record> read_meanwhile = read.get();
  ASSERT_TRUE(read_meanwhile);
  EXPECT_EQ(read_meanwhile->version, 1);
  EXPECT_EQ(store->record("task", "t1")->version, 2);
}

// Several writers on several handles (processes, servers) append at once:
// every row lands exactly once, gap-free, numbered by the store.
TEST_P(StoreContract, WritersOnSeveralHandlesNeverLeaveAGapOrNumberTwice) {
  auto first = place_->create();
  std::vector<std::unique_ptr<Store>> handles;
  handles.push_back(std::move(first));
  handles.push_back(place_->open());
  handles.push_back(place_->open());
  constexpr int kPerWriter = 40;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (std::size_t w = 0; w < handles.size(); ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        try {
          handles[w]->append_sequenced([&](std::uint64_t size, const NodeReader&) {
            return Sequenced{{row(size, "w" + std::to_string(w) + "-" + std::to_string(i))}, {}};
          });
        } catch (const Error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(handles[0]->ledger_size(), handles.size() * kPerWriter);
  std::set<std::string> bodies;
  std::uint64_t expected = 0;
  handles[1]->scan_ledger(0, handles.size() * kPerWriter, [&](const LedgerRow& r) {
    EXPECT_EQ(r.index, expected++);
    bodies.insert(r.body);
    return true;
  });
  EXPECT_EQ(bodies.size(), handles.size() * kPerWriter);
}

TEST_P(StoreContract, CheckpointsAndMeta) {
  auto store = place_->create();
  store->add_checkpoint({5, "five"});
  store->add_checkpoint({2, "two"});
  store->add_checkpoint({5, "five again"});
  const auto cps = store->checkpoints();
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_EQ(cps[0].size, 2u);
  EXPECT_EQ(cps[1].note, "five again");
  EXPECT_EQ(store->meta("format"), std::string(kStoreFormat));
  store->set_meta("origin", "o");
  store->set_meta("origin", "p");
  EXPECT_EQ(store->meta("origin"), "p");
  EXPECT_FALSE(store->meta("nothing").has_value());
}

TEST_P(StoreContract, TheLatestCheckpointIsTheLargest) {
  auto store = place_->create();
  EXPECT_FALSE(store->latest_checkpoint().has_value());
  store->add_checkpoint({5, "five"});
  store->add_checkpoint({2, "two"});
  ASSERT_TRUE(store->latest_checkpoint().has_value());
  EXPECT_EQ(store->latest_checkpoint()->size, 5u);
  EXPECT_EQ(store->latest_checkpoint()->note, "five");
}

// A tile's nodes in one range read are the nodes keyed reads give, at every
// level, with the ones no row holds yet absent.
TEST_P(StoreContract, ANodeRangeIsTheNodesReadOneByOne) {
  auto store = place_->create();
  std::vector<LedgerRow> rows;
  for (std::uint64_t i = 0; i < 600; ++i) {
    LedgerRow r = row(i);
    r.leaf_hash.fill(static_cast<std::uint8_t>(i * 7));
    // Row i completes levels 1..k, k = trailing zeros of i + 1; distinct bytes per node.
    for (unsigned level = 1; ((i + 1) >> level << level) == i + 1; ++level) {
      r.nodes += std::string(32, static_cast<char>(i * 3 + level));
    }
    rows.push_back(std::move(r));
  }
  store->append_ledger_rows(rows);
  for (const auto& [level, first, count] : {std::tuple{0u, 0ull, 256ull}, {0u, 512ull, 100ull}, {1u, 0ull, 300ull},
                                            {8u, 0ull, 3ull}, {9u, 0ull, 2ull}, {4u, 30ull, 10ull}}) {
    std::vector<NodeId> ids;
    for (std::uint64_t j = first; j < first + count; ++j) ids.push_back({level, j});
    const auto keyed = store->ledger_nodes(ids);
    const auto ranged = store->ledger_node_range(level, first, count);
    EXPECT_EQ(ranged, keyed) << "level " << level << " from " << first;
    EXPECT_EQ(ranged.size(), count);
  }
  EXPECT_TRUE(store->ledger_node_range(8, 0, 2)[0].has_value());
  EXPECT_FALSE(store->ledger_node_range(8, 0, 3)[2].has_value());  // 768 > 600 rows
  EXPECT_THROW(store->ledger_node_range(62, 1, 2), Error);         // beyond any row number
}

TEST_P(StoreContract, PutsCommitWithTheirRowsAndCountVersions) {
  auto store = place_->create();
  EXPECT_EQ(store->record_version("task", "t1"), kAbsent);
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)},
                            std::vector<RecordPut>{{"task", "t1", "", R"({"s":1})", kAbsent}});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                            std::vector<RecordPut>{{"task", "t1", "alice", R"({"s":2})", 1},
                                                   {"mandate", "m1", "t1", "{}", kAnyVersion},
                                                   {"task", "t1", "alice", R"({"s":3})", 2}});
  auto task = store->record("task", "t1");
  ASSERT_TRUE(task);
  EXPECT_EQ(task->version, 3);
  EXPECT_EQ(task->body, R"({"s":3})");
  EXPECT_EQ(task->ref, "alice");
  EXPECT_EQ(store->records("mandate", std::string("t1")).size(), 1u);
  EXPECT_TRUE(store->records("mandate", std::string("t2")).empty());
  EXPECT_EQ(store->records("task").size(), 1u);
}

// Records with no ref are not in the ref index but are still listed by
// an empty ref; a record keeps being found by its ref after updates, and
// moves when its ref changes.
TEST_P(StoreContract, RecordsAreListedByTheirRefEmptyOrSetAcrossUpdates) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)},
                            std::vector<RecordPut>{{"uses", "m1", "t1", "{}", kAbsent},
                                                   {"uses", "m2", "", "{}", kAbsent},
                                                   {"uses", "m3", "", "{}", kAbsent}});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                            std::vector<RecordPut>{{"uses", "m1", "t1", R"({"n":2})", 1},
                                                   {"uses", "m3", "t1", R"({"n":2})", 1}});
  const auto ids = [&](const std::optional<std::string>& ref) {
    std::vector<std::string> out;
    for (const Record& r : store->records("uses", ref)) out.push_back(r.id + "@" + r.ref + ":" + std::to_string(r.version));
    return out;
  };
  EXPECT_EQ(ids(std::string("t1")), (std::vector<std::string>{"m1@t1:2", "m3@t1:2"}));
  EXPECT_EQ(ids(std::string("")), (std::vector<std::string>{"m2@:1"}));
  EXPECT_EQ(ids(std::nullopt), (std::vector<std::string>{"m1@t1:2", "m2@:1", "m3@t1:2"}));
  store->append_ledger_rows(std::vector<LedgerRow>{row(2)}, std::vector<RecordPut>{{"uses", "m1", "", "{}", 2}});
  EXPECT_EQ(ids(std::string("t1")), (std::vector<std::string>{"m3@t1:2"}));
  EXPECT_EQ(ids(std::string("")), (std::vector<std::string>{"m1@:3", "m2@:1"}));
  EXPECT_EQ(store->record("uses", "m1")->body, "{}");
}

TEST_P(StoreContract, RecordsAreOrderedByTheirIdsBytes) {
  auto store = place_->create();
  std::vector<RecordPut> puts;
  for (const char* id : {"b", "B", "a-1", "a_1", "a", "\xc3\xa9", "Z"}) puts.push_back({"actor", id, "", "{}", kAbsent});
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)}, puts);
  std::vector<std::string> ids;
  for (const Record& r : store->records("actor")) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"B", "Z", "a", "a-1", "a_1", "b", "\xc3\xa9"}));
}

TEST_P(StoreContract, AStaleVersionWritesNeitherRowsNorPuts) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)}, std::vector<RecordPut>{{"proof", "j1", "", "{}", kAbsent}});
  try {
    store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                              std::vector<RecordPut>{{"mandate", "m1", "", "{}", kAnyVersion},
                                                     {"proof", "j1", "", "{}", kAbsent}});
    FAIL() << "a replayed jti was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  EXPECT_EQ(store->ledger_size(), 1u);
  EXPECT_FALSE(store->record("mandate", "m1"));
}

// A condition holds the record at the version it names and leaves it as it
// is; a moved record fails the whole commit.
TEST_P(StoreContract, ACheckOnlyConditionWritesNothingAndFailsWhenTheRecordMoved) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)}, std::vector<RecordPut>{{"mandate", "m1", "t", "{}", kAbsent}});
  RecordPut holds{"mandate", "m1", "", "", 1};
  holds.check_only = true;
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                            std::vector<RecordPut>{holds, {"uses", "m1", "t", R"({"uses":1})", kAbsent}});
  EXPECT_EQ(store->record_version("mandate", "m1"), 1);
  EXPECT_EQ(store->record("mandate", "m1")->body, "{}");
  store->append_ledger_rows(std::vector<LedgerRow>{row(2)},
                            std::vector<RecordPut>{{"mandate", "m1", "t", R"({"revoked":true})", 1}});
  try {
    store->append_ledger_rows(std::vector<LedgerRow>{row(3)},
                              std::vector<RecordPut>{holds, {"uses", "m1", "t", R"({"uses":2})", 1}});
    FAIL() << "an allow committed over a revocation";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  EXPECT_EQ(store->ledger_size(), 3u);
  EXPECT_EQ(store->record_version("uses", "m1"), 1);
}

// Puts that name no version move a record from wherever it stands; puts
// that do are held to it after the batch's own writes before them, and
// two that cannot both hold fail the commit before anything is written.
TEST_P(StoreContract, VersionsCountEachWriteOfABatchAndContradictionsAreConflicts) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)},
                            std::vector<RecordPut>{{"uses", "m1", "", "{}", kAbsent}, {"uses", "m1", "", "{}", 1}});
  EXPECT_EQ(store->record_version("uses", "m1"), 2);
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                            std::vector<RecordPut>{{"uses", "m1", "", R"({"n":3})", kAnyVersion},
                                                   {"uses", "m2", "", "{}", kAnyVersion},
                                                   {"uses", "m1", "", R"({"n":4})", kAnyVersion},
                                                   {"uses", "m1", "", R"({"n":5})", 4}});
  EXPECT_EQ(store->record_version("uses", "m1"), 5);
  EXPECT_EQ(store->record("uses", "m1")->body, R"({"n":5})");
  EXPECT_EQ(store->record_version("uses", "m2"), 1);
  RecordPut holds{"uses", "m1", "", "", 6};
  holds.check_only = true;
  store->append_ledger_rows(std::vector<LedgerRow>{row(2)},
                            std::vector<RecordPut>{{"uses", "m1", "", R"({"n":6})", 5}, holds});
  EXPECT_EQ(store->record_version("uses", "m1"), 6);
  for (const auto& puts : {std::vector<RecordPut>{{"uses", "m1", "", "{}", 6}, {"uses", "m1", "", "{}", 6}},
                           std::vector<RecordPut>{{"uses", "m2", "", "{}", kAnyVersion}, {"uses", "m2", "", "{}", kAbsent}},
                           std::vector<RecordPut>{{"uses", "m3", "", "{}", kAbsent}, {"uses", "m1", "", "{}", 5}}}) {
    try {
      store->append_ledger_rows(std::vector<LedgerRow>{row(3)}, puts);
      FAIL() << "a commit whose puts cannot all hold was written";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::conflict);
    }
  }
  EXPECT_EQ(store->ledger_size(), 3u);
  EXPECT_EQ(store->record_version("uses", "m1"), 6);
  EXPECT_EQ(store->record_version("uses", "m2"), 1);
  EXPECT_EQ(store->record_version("uses", "m3"), kAbsent);
}

// A copy of a whole store (`mandate store copy`): every record read back in
// key order, more than a page of them, and written with its exact version.
TEST_P(StoreContract, ScanRecordsVisitsEveryRecordInKeyOrder) {
  auto store = place_->create();
  std::vector<RecordPut> puts;
  for (int i = 0; i < 1500; ++i) puts.push_back({"index", entry_record_id(static_cast<std::uint64_t>(i)), "t1", "{}", kAbsent});
  puts.push_back({"actor", "bob", "", "{}", kAbsent});
  puts.push_back({"task", "t1", "alice", R"({"s":1})", kAbsent});
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)}, puts);
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                            std::vector<RecordPut>{{"task", "t1", "alice", R"({"s":2})", 1}});
  std::vector<Record> seen;
  store->scan_records([&](const Record& r) {
    seen.push_back(r);
    return true;
  });
  ASSERT_EQ(seen.size(), 1502u);
  EXPECT_EQ(seen.front().kind, "actor");
  EXPECT_EQ(seen[1].id, entry_record_id(0));
  EXPECT_EQ(seen[1500].id, entry_record_id(1499));
  EXPECT_EQ(seen.back().kind, "task");
  EXPECT_EQ(seen.back().version, 2);
  EXPECT_EQ(seen.back().ref, "alice");
  EXPECT_EQ(seen.back().body, R"({"s":2})");
  std::size_t visits = 0;
  store->scan_records([&](const Record&) { return ++visits < 3; });
  EXPECT_EQ(visits, 3u);
}

TEST_P(StoreContract, CopyRecordsKeepsVersionsAndOnlyGoesIntoAStoreWithoutRecords) {
  auto store = place_->create();
  const std::vector<Record> records{{"mandate", "m1", "t1", 1, "{}"}, {"task", "t1", "alice", 7, R"({"s":7})"}};
  store->copy_records(records);
  EXPECT_EQ(store->record_version("task", "t1"), 7);
  EXPECT_EQ(store->record("task", "t1")->body, R"({"s":7})");
  EXPECT_EQ(store->records("mandate", std::string("t1")).size(), 1u);
  // A writer that read version 7 before the copy writes on after it.
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)},
                            std::vector<RecordPut>{{"task", "t1", "alice", R"({"s":8})", 7}});
  EXPECT_EQ(store->record_version("task", "t1"), 8);
  try {
    store->copy_records(std::vector<Record>{{"actor", "bob", "", 1, "{}"}});
    FAIL() << "a copy overwrote or joined records already there";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  EXPECT_FALSE(store->record("actor", "bob"));
}

TEST_P(StoreContract, CopyRecordsRefusesWhatPutsCouldNotHaveWrittenAndWritesNothing) {
  auto store = place_->create();
  try {
    store->copy_records(std::vector<Record>{{"actor", "bob", "", 1, "{}"}, {"actor", "carol", "", 0, "{}"}});
    FAIL() << "a version 0 was copied";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
  }
  EXPECT_THROW(store->copy_records(std::vector<Record>{{"actor", "bob", "", 1, "{}"}, {"actor", "bob", "", 2, "{}"}}), Error);
  EXPECT_FALSE(store->record("actor", "bob"));
  store->copy_records(std::vector<Record>{{"actor", "bob", "", 3, "{}"}});
  EXPECT_EQ(store->record_version("actor", "bob"), 3);
}

TEST_P(StoreContract, AllMetaListsEveryKeyInOrder) {
  auto store = place_->create();
  store->set_meta("origin", "o");
  store->set_meta("notify.state", "{}");
  const auto meta = store->all_meta();
  ASSERT_EQ(meta.size(), 3u);
  EXPECT_EQ(meta[0], (std::pair<std::string, std::string>{"format", kStoreFormat}));
  EXPECT_EQ(meta[1].first, "notify.state");
  EXPECT_EQ(meta[2], (std::pair<std::string, std::string>{"origin", "o"}));
}

TEST_P(StoreContract, ManyVersionsAreReadInTheOrderAsked) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)},
                            std::vector<RecordPut>{{"task", "t1", "", "{}", kAbsent}, {"uses", "m1", "t1", "{}", kAbsent}});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)}, std::vector<RecordPut>{{"uses", "m1", "t1", "{}", 1}});
  const std::vector<std::pair<std::string, std::string>> keys{{"uses", "m1"}, {"task", "nope"}, {"task", "t1"}, {"uses", "m1"}};
  EXPECT_EQ(store->record_versions(keys), (std::vector<std::int64_t>{2, kAbsent, 1, 2}));
  EXPECT_TRUE(store->record_versions({}).empty());
}

TEST_P(StoreContract, ManyRecordsAreReadInTheOrderAsked) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)},
                            std::vector<RecordPut>{{"task", "t1", "", R"({"a":1})", kAbsent}, {"uses", "m1", "t1", "{}", kAbsent}});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)}, std::vector<RecordPut>{{"uses", "m1", "t1", R"({"uses":2})", 1}});
  const std::vector<std::pair<std::string, std::string>> keys{{"uses", "m1"}, {"task", "nope"}, {"task", "t1"}, {"uses", "m1"}};
  const auto records = store->records_at(keys);
  ASSERT_EQ(records.size(), 4u);
  ASSERT_TRUE(records[0] && records[2] && records[3]);
  EXPECT_FALSE(records[1]);
  EXPECT_EQ(records[0]->version, 2);
  EXPECT_EQ(records[0]->ref, "t1");
  EXPECT_EQ(records[0]->body, R"({"uses":2})");
  EXPECT_EQ(records[3]->body, records[0]->body);
  EXPECT_EQ(records[2]->kind, "task");
  EXPECT_EQ(records[2]->id, "t1");
  EXPECT_EQ(records[2]->version, 1);
  EXPECT_EQ(records[2]->body, R"({"a":1})");
  EXPECT_TRUE(store->records_at({}).empty());
}

TEST_P(StoreContract, HealthSaysReachableAndCountsCommits) {
  auto store = place_->create();
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)});
  const StoreHealth h = store->health();
  EXPECT_EQ(h.backend, GetParam());
  EXPECT_TRUE(h.reachable) << h.why_not;
  EXPECT_EQ(h.commits, 2u);
  ASSERT_FALSE(h.commit_buckets.empty());
  EXPECT_EQ(h.commit_buckets.back().second, 2u);  // both took less than the last bound
  EXPECT_EQ(h.log_copies.has_value(), GetParam() == "sqlite");  // only SQLite copies a log of its own
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace mandate::store
