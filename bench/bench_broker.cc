// The runtime decision end to end, in process: mandate verified (signature
// once per token, cached by hash), revocation, uses, a fresh proof of
// possession, scope, 100 Cedar policies, and the durable ledger append with
// its state records, group-committed across concurrent callers. The
// references are the disk's raw fdatasync rate in the same run (one decision
// per fsync would be the rate without group commit) and the raw Ed25519
// verify rate of every core (each decision must verify one fresh proof):
// OpenSSL's, the issue's reference, and libsodium's, the verifier mandate uses.
// Gateways ask with many requests in flight; 8 and 32 callers show what
// group commit makes of that, and 32 in flight from two threads that never
// wait for a commit what the server's network threads make of it.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/rules_file.h"
#include "crypto/ed25519.h"
#include "crypto/openssl_ptr.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"
#include "token/private_key.h"
#include "token/proof.h"

namespace {

using namespace mandate;

constexpr int kMaxCallers = 32;
constexpr int kDecisionsPerRun = 6000;
constexpr int kCallerCounts[] = {1, 2, 8, 32};

int decisions_per_caller(int callers) { return std::max(kDecisionsPerRun / callers, 200); }

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
  }

  // Fresh proofs, `per_caller` for each of the first `callers` mandates.
  void refill(int callers, int per_caller) {
    const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    for (int c = 0; c < callers; ++c) {
      proofs[c].clear();
      for (int i = 0; i < per_caller; ++i) proofs[c].push_back(token::make_proof(key, tokens[c], "deploy", "prod/payments", now));
    }
  }
};

void bm_authorize(benchmark::State& state, World& world) {
  // Proofs are made before timing, by the first caller; the others wait
  // for it at the benchmark's start barrier.
  if (state.thread_index() == 0) world.refill(state.threads(), decisions_per_caller(state.threads()));
  const int caller = state.thread_index();
  std::size_t next = 0;
  std::vector<double> latencies;
  latencies.reserve(static_cast<std::size_t>(decisions_per_caller(state.threads())));
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
    // Each caller's own percentiles, averaged over the callers.
    state.counters["p50_us"] = benchmark::Counter(latencies[latencies.size() / 2], benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(latencies[latencies.size() * 99 / 100], benchmark::Counter::kAvgThreads);
  }
  state.SetItemsProcessed(state.iterations());
}

// As `mandate serve` decides POST /v1/decisions: two deciding threads (the
// network threads), each keeping a decision in flight on each of its 16
// mandates, none waiting for its commit (Broker::authorize_without_waiting);
// the ledger's thread commits and tells. A decision the broker leaves to
// authorize() (two tasks sharing a turn's stripe) is decided blocking, as
// the server's handler pool would.
constexpr int kDeciders = 2;
constexpr int kInFlightPerDecider = kMaxCallers / kDeciders;
constexpr int kDecisionsPerDecider = 4000;

struct InFlight {
  std::mutex mu;
  std::condition_variable told;
  std::array<bool, kInFlightPerDecider> busy{};
  int outstanding = 0;
  std::string failure;
};

void bm_authorize_without_waiting(benchmark::State& state, World& world) {
  if (state.thread_index() == 0) world.refill(kMaxCallers, 2 * kDecisionsPerDecider / kInFlightPerDecider);
  const int first = state.thread_index() * kInFlightPerDecider;
  InFlight flight;
  std::array<std::size_t, kInFlightPerDecider> next{};
  int cursor = -1;
  const auto request = [&](int slot) {
    const int caller = first + slot;
    return broker::DecisionRequest{world.tokens[caller], world.proofs[caller][next[slot]++], "deploy", "prod/payments", "{}",
                                   std::nullopt, std::nullopt};
  };
  for (auto _ : state) {
    int slot = -1;
    {
      std::unique_lock lock(flight.mu);
      flight.told.wait(lock, [&] { return flight.outstanding < kInFlightPerDecider; });
      // In turn from the last one taken, so each mandate gets its share.
      do cursor = (cursor + 1) % kInFlightPerDecider;
      while (flight.busy[cursor]);
      slot = cursor;
      flight.busy[slot] = true;
      ++flight.outstanding;
    }
    const auto done = [&flight, slot](const broker::DecisionResult* result, std::exception_ptr error) {
      std::lock_guard lock(flight.mu);
      if (error || !result->allow) flight.failure = error ? "error" : "denied: " + result->decided_by;
      flight.busy[slot] = false;
      --flight.outstanding;
      flight.told.notify_all();
    };
    if (next[slot] >= world.proofs[first + slot].size()) {
      state.SkipWithError("out of fresh proofs");
      break;
    }
    const broker::DecisionRequest r = request(slot);
    if (!world.broker->authorize_without_waiting(r, std::nullopt, done)) {
      const auto d = world.broker->authorize(r);
      done(&d, nullptr);
    }
  }
  std::unique_lock lock(flight.mu);
  flight.told.wait(lock, [&] { return flight.outstanding == 0; });
  if (!flight.failure.empty()) state.SkipWithError(flight.failure.c_str());
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
// The issue's reference: OpenSSL's raw verify as `openssl speed ed25519`
// runs it (one context, initialised once, no allocation per verify).
void bm_raw_openssl_ed25519_verify(benchmark::State& state) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const std::string message(300, 'p');
  const auto signature = key.sign(message);
  const crypto::Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.public_key().data(), 32));
  const crypto::MdCtx ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    state.SkipWithError("OpenSSL cannot verify Ed25519");
    return;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
  for (auto _ : state) {
    benchmark::DoNotOptimize(EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), bytes, message.size()));
  }
  state.SetItemsProcessed(state.iterations());
}

// The verifier mandate uses (crypto::ed25519_verify, libsodium), raw.
void bm_raw_libsodium_ed25519_verify(benchmark::State& state) {
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
      ->Iterations(1500)->UseRealTime();
  benchmark::RegisterBenchmark("raw_ed25519_verify_openssl", bm_raw_openssl_ed25519_verify)->Threads(1)->Threads(2)->UseRealTime();
  benchmark::RegisterBenchmark("raw_ed25519_verify_libsodium", bm_raw_libsodium_ed25519_verify)->Threads(1)->Threads(2)->UseRealTime();
  for (const int callers : kCallerCounts) {
    benchmark::RegisterBenchmark("authorize_100_policies", [&](benchmark::State& s) { bm_authorize(s, world); })
        ->Threads(callers)->Iterations(decisions_per_caller(callers))->UseRealTime();
  }
  benchmark::RegisterBenchmark("authorize_without_waiting_100_policies/in_flight:32",
                               [&](benchmark::State& s) { bm_authorize_without_waiting(s, world); })
      ->Threads(kDeciders)->Iterations(kDecisionsPerDecider)->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
