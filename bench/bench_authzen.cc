// The AuthZEN decision point in process: Service::evaluation on the general
// Cedar path (parse the request, 100 policies over registered entities and
// request properties, the durable ledger append, the answer), from one and
// two threads, beside the disk's raw fdatasync rate in the same run. With
// one thread every decision waits for its own fsync; with two, the ledger's
// group commit lets concurrent decisions share one.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "authzen/service.h"
#include "broker/broker.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"
#include "token/private_key.h"

namespace {

using namespace mandate;

constexpr int kMaxCallers = 2;
constexpr int kDecisionsPerCaller = 2000;
const char* const kGateway = "spiffe://bench.test/gateway";

struct World {
  testing::TempDir tmp;
  std::unique_ptr<store::Store> store = store::create_sqlite_store((tmp / "m.db").string());
  ledger::Ledger ledger{*store, "bench/authzen"};
  keys::SharedKeyring keyring{keys::Keyring::create(tmp / "keys").value()};
  std::unique_ptr<broker::Broker> broker;
  std::unique_ptr<authzen::Service> service;
  authzen::CallContext call{{kGateway, broker::CallerKind::workload, "spiffe-svid"}, std::nullopt, std::nullopt};
  std::string body;

  World() {
    broker = std::make_unique<broker::Broker>(*store, ledger, keyring,
                                              broker::Settings{"https://bench.test", "https://bench.test"});
    const broker::Caller op{"operator", broker::CallerKind::home_operator, "bench"};
    core::Actor owner;
    owner.id = "alice";
    broker->add_actor(op, owner, std::nullopt);
    core::Actor gateway;
    gateway.id = kGateway;
    gateway.kind = core::ActorKind::workload;
    gateway.owner = "alice";
    broker->add_actor(op, gateway, token::PrivateKey::generate(token::Algorithm::EdDSA).public_key().jwk_json());
    std::string policies;
    for (int i = 0; i < 99; ++i) {
      policies += "permit (principal in Role::\"team-" + std::to_string(i) + "\", action == Action::\"op-" + std::to_string(i) +
                  "\", resource is todo);\n";
    }
    policies += "permit (principal in Role::\"editor\", action == Action::\"can_update_todo\", resource is todo) "
                "when { resource has ownerID && resource.ownerID == principal.email };\n";
    broker->load_policies(op, policies, {"bench.cedar"});
    std::string entities = R"([{"uid": {"type": "Role", "id": "editor"}, "attrs": {}, "parents": []})";
    for (int i = 0; i < 1000; ++i) {
      const std::string email = "user" + std::to_string(i) + "@example.com";
      entities += R"(, {"uid": {"type": "user", "id": ")" + email + R"("}, "attrs": {"email": ")" + email +
                  R"("}, "parents": [{"type": "Role", "id": "editor"}]})";
    }
    broker->load_entities(op, entities + "]");
    service = std::make_unique<authzen::Service>(*broker, "https://bench.test");
    body = R"({"subject": {"type": "user", "id": "user7@example.com"},
               "action": {"name": "can_update_todo"},
               "resource": {"type": "todo", "id": "t-1", "properties": {"ownerID": "user7@example.com"}},
               "context": {"time": "2026-11-28T12:00:00Z"}})";
  }
};

void bm_evaluation(benchmark::State& state, World& world) {
  std::vector<double> latencies;
  latencies.reserve(kDecisionsPerCaller);
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    const nlohmann::json answer = world.service->evaluation(world.call, world.body);
    latencies.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
    if (answer["decision"] != true) {
      state.SkipWithError(("unexpected answer: " + answer.dump()).c_str());
      break;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    state.counters["p50_us"] = latencies[latencies.size() / 2];
    state.counters["p99_us"] = latencies[latencies.size() * 99 / 100];
  }
  state.SetItemsProcessed(state.iterations());
}

void bm_raw_fdatasync(benchmark::State& state, World& world) {
  const auto path = world.tmp / "fsync-probe.bin";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0600);
  const char record[256] = {};
  for (auto _ : state) {
    if (::write(fd, record, sizeof record) != static_cast<ssize_t>(sizeof record) || ::fdatasync(fd) != 0) {
      state.SkipWithError("write/fdatasync failed");
      break;
    }
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  World world;
  benchmark::RegisterBenchmark("raw_fdatasync_256B", [&](benchmark::State& s) { bm_raw_fdatasync(s, world); })
      ->Iterations(kDecisionsPerCaller)->UseRealTime();
  for (int callers = 1; callers <= kMaxCallers; ++callers) {
    benchmark::RegisterBenchmark("authzen_evaluation_100_policies", [&](benchmark::State& s) { bm_evaluation(s, world); })
        ->Threads(callers)->Iterations(kDecisionsPerCaller)->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
