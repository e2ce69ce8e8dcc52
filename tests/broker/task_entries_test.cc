// The entries about a task: allows found through the chain of the task's
// uses, everything else filed under it, and both in the trace.
#include <algorithm>

#include "broker/lookups.h"
#include "broker/step.h"
#include "broker/trace.h"
#include "broker_fixture.h"

namespace mandate::broker {
namespace {

std::vector<std::uint64_t> indices(const std::vector<TaskEntry>& entries) {
  std::vector<std::uint64_t> out;
  for (const TaskEntry& e : entries) out.push_back(e.index);
  return out;
}

std::vector<std::uint64_t> filed_under(store::Store& store, const std::string& task) {
  std::vector<std::uint64_t> out;
  for (const store::Record& r : store.records(kTaskEntryKind, task)) out.push_back(std::stoull(r.id));
  return out;
}

bool contains(const std::vector<std::uint64_t>& list, std::uint64_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

TEST_F(BrokerTest, AllowsAreChainedThroughTheTasksUsesAndEveryEntryIsListed) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  const std::uint64_t first = use(m.token).ledger_index;
  const std::uint64_t denied = use(m.token, "deploy", "prod/ledger").ledger_index;
  const std::uint64_t second = use(m.token).ledger_index;
  const std::uint64_t third = use(m.token).ledger_index;

  // No allow is filed under the task; the deny is.
  const auto filed = filed_under(*store, task);
  for (std::uint64_t allow : {first, second, third}) EXPECT_FALSE(contains(filed, allow)) << allow;
  EXPECT_TRUE(contains(filed, denied));

  const auto entries = entries_about_task(*store, *ledger, task);
  const auto listed = indices(entries);
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  for (std::uint64_t index : {first, denied, second, third}) EXPECT_TRUE(contains(listed, index)) << index;
  for (std::uint64_t index : filed) EXPECT_TRUE(contains(listed, index)) << index;
  EXPECT_EQ(listed.size(), filed.size() + 3);

  const auto data_of = [&](std::uint64_t index) {
    return nlohmann::json::parse(ledger->entry_bytes(index)).at("data");
  };
  EXPECT_FALSE(data_of(first).contains("previous_use"));
  EXPECT_EQ(data_of(second).at("previous_use"), first);  // the deny used nothing
  EXPECT_EQ(data_of(third).at("previous_use"), second);
  EXPECT_EQ(nlohmann::json::parse(store->record(kTaskUsesKind, task)->body).at("entry"), third);

  const Trace trace = build_trace(*store, *ledger, task);
  std::vector<std::uint64_t> traced;
  for (const TraceStep& s : trace.steps) traced.push_back(s.index);
  EXPECT_EQ(traced, listed);
  EXPECT_EQ(broker->task_entries(task), listed);
}

// A home whose allows were filed under the task (before 2026-12-06) and
// whose use count names no entry: the old allows are listed from the
// index, the new ones from the chain that starts after them.
TEST_F(BrokerTest, AllowsFiledUnderTheTaskBeforeChainingAreListedWithTheChainedOnes) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  const std::int64_t uses = store->record_version(kTaskUsesKind, task);
  Step old_allow("decision", as(kWorkload, CallerKind::workload), clock_now);
  old_allow.about_task(task).data("decision", "allow").put(kTaskUsesKind, task, task, {{"uses", uses + 1}}, uses);
  const std::uint64_t old_index = old_allow.commit(*ledger);
  const std::uint64_t new_index = use(m.token).ledger_index;
  EXPECT_FALSE(nlohmann::json::parse(ledger->entry_bytes(new_index)).at("data").contains("previous_use"));
  const auto listed = indices(entries_about_task(*store, *ledger, task));
  EXPECT_TRUE(contains(listed, old_index));
  EXPECT_TRUE(contains(listed, new_index));
}

TEST_F(BrokerTest, AUseCountNamingAnEntryThatIsNotOneOfTheTasksDecisionsIsReported) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  ASSERT_TRUE(use(m.token).allow);
  const std::int64_t uses = store->record_version(kTaskUsesKind, task);
  Step edit("edit", as("alice"), clock_now);
  edit.put(kTaskUsesKind, task, task, {{"entry", 0}, {"uses", uses}}, uses);  // entry 0 is no decision
  edit.commit(*ledger);
  try {
    entries_about_task(*store, *ledger, task);
    FAIL() << "a broken chain was followed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::check_failed);
    EXPECT_NE(std::string(e.what()).find("is not one of its decisions"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mandate::broker
