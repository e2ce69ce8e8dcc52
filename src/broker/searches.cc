// What auditors and requesters look for: tasks by who, what and when, and
// recorded decisions read back from the ledger. Reads only.
#include <algorithm>
#include <map>
#include <set>

#include "broker/broker.h"
#include "broker/lookups.h"
#include "core/error.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace mandate::broker {
namespace {

bool names(const core::Scope& scope, const std::string& resource) {
  return std::any_of(scope.begin(), scope.end(), [&](const core::AuthorizationDetail& d) {
    return std::find(d.resources.begin(), d.resources.end(), resource) != d.resources.end() ||
           std::find(d.locations.begin(), d.locations.end(), resource) != d.locations.end();
  });
}

bool matches(const TaskFilter& f, const TaskRecord& record, const std::set<std::string>& decided_by_approver) {
  const core::Task& t = record.task;
  return (!f.initiator || t.initiator == *f.initiator) && (!f.executor || t.executor == *f.executor) &&
         (f.states.empty() || std::find(f.states.begin(), f.states.end(), t.state) != f.states.end()) &&
         (!f.resource || names(t.requested_scope, *f.resource)) && (!f.since || t.created_at >= *f.since) &&
         (!f.until || t.created_at < *f.until) && (!f.approver || decided_by_approver.contains(t.id));
}

// Decisions are recorded in time order up to the few milliseconds a group
// commit spans: a backward read may stop this much before `since`.
constexpr std::chrono::minutes kClockOrderMargin{5};
constexpr std::uint64_t kReadWindow = 512;

// Reads the ledger's decision entries newest first for one query.
class DecisionReader {
 public:
  DecisionReader(store::Store& store, const DecisionQuery& query) : store_(store), query_(query) {}

  // False once the search is over (enough found, or older than `since`).
  bool consider(const store::LedgerRow& row) {
    if (row.type != kDecisionEntry) return true;
    auto entry = nlohmann::json::parse(row.body);
    const auto time = core::parse_timestamp(entry.value("time", ""));
    if (time && query_.since && *time < *query_.since - kClockOrderMargin) return false;
    if (time && ((query_.since && *time < *query_.since) || (query_.until && *time >= *query_.until))) return true;
    const auto& refs = entry.value("refs", nlohmann::json::object());
    const std::string task = refs.value("task", "");
    if (query_.task && task != *query_.task) return true;
    if (query_.resource && entry["data"].value("resource", "") != *query_.resource) return true;
    const std::string executor = executor_of(refs.value("mandate", ""));
    if (query_.executor && executor != *query_.executor) return true;
    found_.push_back({row.index, executor, std::move(entry)});
    return found_.size() < query_.limit;
  }
  std::vector<FoundDecision> found() && { return std::move(found_); }

 private:
  std::string executor_of(const std::string& jti) {
    if (jti.empty()) return "";
    auto [it, added] = executors_.try_emplace(jti);
    if (added) {
      if (auto mandate = find_mandate(store_, jti)) it->second = mandate->value.mandate.executor;
    }
    return it->second;
  }

  store::Store& store_;
  const DecisionQuery& query_;
  std::map<std::string, std::string> executors_;  // by mandate jti
  std::vector<FoundDecision> found_;
};

}  // namespace

std::vector<TaskRecord> Broker::tasks(const TaskFilter& filter) {
  std::set<std::string> decided;
  if (filter.approver) {
    for (const store::Record& r : store_.records(kApprovalKind)) {
      const core::Approval a = approval_from_json(nlohmann::json::parse(r.body));
      if (a.approver == *filter.approver) decided.insert(a.task_id);
    }
  }
  std::vector<TaskRecord> out = tasks();
  std::erase_if(out, [&](const TaskRecord& t) { return !matches(filter, t, decided); });
  return out;
}

std::vector<FoundDecision> Broker::decisions(const DecisionQuery& query) {
  DecisionReader reader(store_, query);
  if (query.limit == 0) return {};
  if (query.task) {
    const auto indices = task_entries(*query.task);
    for (auto it = indices.rbegin(); it != indices.rend(); ++it) {
      const auto row = store_.ledger_row(*it);
      if (row && !reader.consider(*row)) break;
    }
    return std::move(reader).found();
  }
  std::vector<store::LedgerRow> window;
  for (std::uint64_t to = ledger_.size(); to > 0;) {
    const std::uint64_t from = to > kReadWindow ? to - kReadWindow : 0;
    window.clear();
    store_.scan_ledger(from, to, [&](const store::LedgerRow& row) {
      window.push_back(row);
      return true;
    });
    for (auto it = window.rbegin(); it != window.rend(); ++it) {
      if (!reader.consider(*it)) return std::move(reader).found();
    }
    to = from;
  }
  return std::move(reader).found();
}

}  // namespace mandate::broker
