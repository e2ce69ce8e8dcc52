// The runtime decision end to end, in process: mandate verified (signature
// once per token, cached by hash), revocation, uses, a fresh proof of
// possession, scope, 100 Cedar policies, and the durable ledger append with
// its state records, group-committed across concurrent callers. The
// reference is the disk's raw fdatasync rate in the same run: one decision
// per fsync would be the rate without group commit.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "broker/broker.h"
#include "broker/rules_file.h"
#include "crypto/ed25519.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"
#include "token/private_key.h"
#include "token/proof.h"

namespace {

using namespace mandate;

constexpr int kMaxCallers = 2;
constexpr int kDecisionsPerCaller = 1500;

struct World {
  testing::TempDir tmp;
  std::unique_ptr<store::Store> store = store::create_sqlite_store((tmp / "m.db").string());
  ledger::Ledger ledger{*store, "bench/broker"};
  keys::SharedKeyring keyring{keys::Keyring::create(tmp / "keys").value()};
  std::unique_ptr<broker::Broker> broker;
  token::PrivateKey key = token::PrivateKey::generate(token::Algorithm::EdDSA);
  std::vector<std::string> tokens;                 // one mandate per caller
  std::vector<std::vector<std::string>> proofs;    // fresh proofs per caller

  World() {
    broker = std::make_unique<broker::Broker>(*store, ledger, keyring,
                                              broker::Settings{"https://bench.test", "https://bench.test"});
    const broker::Caller op{"operator", broker::CallerKind::home_operator, "bench"};
    for (const char* id : {"alice", "bob"}) {
      core::Actor a;
      a.id = id;
      a.groups = {"sre"};
      broker->add_actor(op, a, std::nullopt);
    }
    core::Actor w;
    w.id = "spiffe://bench.test/deployer";
    w.kind = core::ActorKind::workload;
    w.owner = "alice";
    w.groups = {"deployers"};
    broker->add_actor(op, w, key.public_key().jwk_json());
    const std::string rules = "[[rule]]\nid = \"bench\"\nmax_task_duration = \"1h\"\nmax_mandate_lifetime = \"1h\"\nmax_uses = 1000000\n";
    broker->load_rules(op, broker::parse_rules_file(rules, "bench.toml"), rules);
    std::string policies;
    for (int i = 0; i < 99; ++i) {
      policies += "permit (principal in Group::\"team-" + std::to_string(i) + "\", action == Action::\"op-" +
                  std::to_string(i) + "\", resource) when { context.mandate.approvers.contains(\"bob\") };\n";
    }
    policies += "permit (principal in Group::\"deployers\", action == Action::\"deploy\", resource) "
                "when { context.mandate.approvers.contains(\"bob\") && context.mandate.depth == 0 };\n";
    broker->load_policies(op, policies, {"bench.cedar"});
    const core::Scope scope{core::AuthorizationDetail{"deploy", {"deploy"}, {}, {"prod/payments"}, ""}};
    for (int c = 0; c < kMaxCallers; ++c) {
      const auto task = broker->request_task({"alice", broker::CallerKind::human, "bench"}, {"bench", std::nullopt, w.id, scope, std::chrono::hours(1)});
      broker->approve({"bob", broker::CallerKind::human, "bench"}, task.task_id, "");
      tokens.push_back(broker->issue({w.id, broker::CallerKind::workload, "bench"}, task.task_id).token);
      proofs.emplace_back();
    }
    refill();
  }

  void refill() {
    const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    for (int c = 0; c < kMaxCallers; ++c) {
      proofs[c].clear();
      for (int i = 0; i < kDecisionsPerCaller; ++i) proofs[c].push_back(token::make_proof(key, tokens[c], "deploy", "prod/payments", now));
    }
  }
};

void bm_authorize(benchmark::State& state, World& world) {
  if (state.thread_index() == 0) world.refill();
  const int caller = state.thread_index();
  std::size_t next = 0;
  std::vector<double> latencies;
  latencies.reserve(kDecisionsPerCaller);
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    const auto d = world.broker->authorize({world.tokens[caller], world.proofs[caller][next++], "deploy", "prod/payments", "{}", std::nullopt, std::nullopt});
    latencies.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
    if (!d.allow) {
      state.SkipWithError(("denied: " + d.decided_by).c_str());
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

// The one cryptographic step no decision can skip: verifying the proof's
// Ed25519 signature (the token's is verified once and cached).
void bm_raw_ed25519_verify(benchmark::State& state) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const std::string message(300, 'p');
  const auto signature = key.sign(message);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::ed25519_verify(key.public_key(), message, signature));
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  World world;
  benchmark::RegisterBenchmark("raw_fdatasync_256B", [&](benchmark::State& s) { bm_raw_fdatasync(s, world); })
      ->Iterations(kDecisionsPerCaller)->UseRealTime();
  benchmark::RegisterBenchmark("raw_ed25519_verify", bm_raw_ed25519_verify);
  for (int callers = 1; callers <= kMaxCallers; ++callers) {
    benchmark::RegisterBenchmark("authorize_100_policies", [&](benchmark::State& s) { bm_authorize(s, world); })
        ->Threads(callers)->Iterations(kDecisionsPerCaller)->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
