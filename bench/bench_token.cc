// Token benchmarks: issuing and verifying mandate tokens and verifying
// proofs, each against the raw OpenSSL operation it cannot avoid (one
// Ed25519 signature, or one signature verification over the same bytes),
// measured in the same run. Repetitions are interleaved at random so that
// drift on a shared machine hits measurement and reference alike; the
// summary uses the median of the repetitions.
//
//   bench_token [--benchmark_filter=...] [--benchmark_repetitions=N]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "crypto/ed25519.h"
#include "crypto/openssl_ptr.h"
#include "keys/signing_key.h"
#include "summary.h"
#include "token/jws.h"
#include "token/mandate_token.h"
#include "token/private_key.h"
#include "token/proof.h"

namespace mandate::bench {
namespace {

using namespace mandate::token;

constexpr double kIssueTarget = 0.90;  // of raw Ed25519 signing (issue 16)

core::Timestamp bench_now() { return core::Timestamp{std::chrono::seconds{1795896000}}; }

// A realistic mandate: one deployment detail with two actions, a resource
// and one type-specific member; an initiator and one delegating executor.
MandateClaims bench_claims(const PublicKey& executor) {
  MandateClaims c;
  c.issuer = "https://mandate.example.com";
  c.audience = {"https://deploy.example.com"};
  c.executor = "spiffe://example.com/ci/deployer";
  c.jti = "m-7f3c2a1e-54b1-4c1e-9d1b-2f0e6a9c8d71";
  c.issued_at = c.not_before = bench_now();
  c.expires_at = bench_now() + std::chrono::minutes(15);
  c.on_behalf_of = {"alice@example.com"};
  c.scope = {core::AuthorizationDetail{"deployment", {"deploy", "rollback"}, {}, {"https://k8s.example.com/ns/shop"},
                                       R"({"environment":"prod"})"}};
  c.key_binding = {core::KeyBindingKind::jkt, executor.thumbprint()};
  c.task_id = "t-42";
  c.approval_hash = std::string(64, 'a');
  return c;
}

using crypto::MdCtx;
using crypto::Pkey;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Pkey keygen(const char* type, const char* curve = nullptr) {
  EVP_PKEY* p = curve == nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type) : EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve);
  if (p == nullptr) throw std::runtime_error("keygen failed");
  return Pkey(p);
}

// The reference: OpenSSL's one-shot sign with a key already loaded and a
// context reused across calls — the least any Ed25519 signer must do.
std::string raw_sign(EVP_MD_CTX* ctx, EVP_PKEY* pkey, const EVP_MD* md, std::string_view message) {
  unsigned char sig[80];
  std::size_t len = sizeof sig;
  if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx, sig, &len, bytes(message), message.size()) != 1) {
    throw std::runtime_error("raw sign failed");
  }
  return std::string(reinterpret_cast<const char*>(sig), len);
}

bool raw_verify(EVP_MD_CTX* ctx, EVP_PKEY* pkey, const EVP_MD* md, std::string_view message, std::string_view sig) {
  return EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey) == 1 &&
         EVP_DigestVerify(ctx, bytes(sig), sig.size(), bytes(message), message.size()) == 1;
}

struct Fixture {
  keys::SigningKey issuer{crypto::Ed25519PrivateKey::generate()};
  PrivateKey ed_executor = PrivateKey::generate(Algorithm::EdDSA);
  PrivateKey es_executor = PrivateKey::generate(Algorithm::ES256);
  MandateClaims claims = bench_claims(ed_executor.public_key());
  std::string token = issue_mandate_token(claims, issuer);
  std::string signing_input = token.substr(0, token.rfind('.'));
  KeyLookup lookup = [key = PublicKey::from_signing_key(issuer)](std::string_view kid) -> std::optional<PublicKey> {
    if (kid == key.thumbprint()) return key;
    return std::nullopt;
  };
  VerifyOptions options{claims.issuer, claims.audience.front(), bench_now() + std::chrono::seconds(1)};
  std::string ed_proof = make_proof(ed_executor, token, "deploy", "https://k8s.example.com/ns/shop", bench_now());
  std::string es_proof = make_proof(es_executor, token, "deploy", "https://k8s.example.com/ns/shop", bench_now());
  ProofOptions proof_options{bench_now() + std::chrono::seconds(1)};
  // Raw OpenSSL keys of the same types for the references.
  Pkey raw_ed = keygen("ED25519");
  Pkey raw_es = keygen("EC", "P-256");
};

void set_rate(benchmark::State& state, std::size_t bytes_per_item) {
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes_per_item);
}

void register_benchmarks(const Fixture& f) {
  benchmark::RegisterBenchmark("raw_ed25519_sign", [&f](benchmark::State& state) {
    MdCtx ctx(EVP_MD_CTX_new());
    for (auto _ : state) benchmark::DoNotOptimize(raw_sign(ctx.get(), f.raw_ed.get(), nullptr, f.signing_input));
    set_rate(state, f.signing_input.size());
  });
  // What issuing cannot avoid with the keyring's API (keys::SigningKey, a
  // fresh OpenSSL context per signature): separates the keyring's share of
  // the gap from the token module's.
  benchmark::RegisterBenchmark("keyring_sign", [&f](benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(f.issuer.sign(f.signing_input));
    set_rate(state, f.signing_input.size());
  });
  benchmark::RegisterBenchmark("issue_mandate_token", [&f](benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(issue_mandate_token(f.claims, f.issuer));
    set_rate(state, f.signing_input.size());
  });

  const std::string ed_sig = [&] {
    MdCtx ctx(EVP_MD_CTX_new());
    return raw_sign(ctx.get(), f.raw_ed.get(), nullptr, f.signing_input);
  }();
  benchmark::RegisterBenchmark("raw_ed25519_verify", [&f, ed_sig](benchmark::State& state) {
    MdCtx ctx(EVP_MD_CTX_new());
    for (auto _ : state) {
      if (!raw_verify(ctx.get(), f.raw_ed.get(), nullptr, f.signing_input, ed_sig)) state.SkipWithError("raw verify");
    }
    set_rate(state, f.signing_input.size());
  });
  benchmark::RegisterBenchmark("verify_mandate_token", [&f](benchmark::State& state) {
    for (auto _ : state) {
      if (!verify_mandate_token(f.token, f.lookup, f.options)) state.SkipWithError("token refused");
    }
    set_rate(state, f.signing_input.size());
  });

  for (const auto& [name, proof, raw, md] :
       {std::tuple{"eddsa", &f.ed_proof, f.raw_ed.get(), static_cast<const EVP_MD*>(nullptr)},
        std::tuple{"es256", &f.es_proof, f.raw_es.get(), EVP_sha256()}}) {
    const std::string input = proof->substr(0, proof->rfind('.'));
    const std::string sig = [&, raw_key = raw, digest = md] {
      MdCtx ctx(EVP_MD_CTX_new());
      return raw_sign(ctx.get(), raw_key, digest, input);
    }();
    benchmark::RegisterBenchmark((std::string("raw_verify_proof_") + name).c_str(),
                                 [input, sig, raw_key = raw, digest = md](benchmark::State& state) {
                                   MdCtx ctx(EVP_MD_CTX_new());
                                   for (auto _ : state) {
                                     if (!raw_verify(ctx.get(), raw_key, digest, input, sig)) state.SkipWithError("raw");
                                   }
                                   set_rate(state, input.size());
                                 });
    const PrivateKey& executor = std::string(name) == "eddsa" ? f.ed_executor : f.es_executor;
    for (const bool registered : {false, true}) {
      benchmark::RegisterBenchmark(
          (std::string("verify_proof_") + name + (registered ? "_registered" : "")).c_str(),
          [&f, &executor, registered, proof = *proof, input](benchmark::State& state) {
            ProofOptions options{f.proof_options.now};
            if (registered) options.registered_key.emplace(executor.public_key());
            const std::string jkt = executor.public_key().thumbprint();
            for (auto _ : state) {
              if (!verify_proof(proof, f.token, jkt, "deploy", "https://k8s.example.com/ns/shop", options)) {
                state.SkipWithError("proof refused");
              }
            }
            set_rate(state, input.size());
          });
    }
  }
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Rate ratios from alternating batches of the measured operation and its
// reference, timed in this thread's CPU time: on a loaded shared machine a
// ratio from neighbouring batches drifts far less than one from separate
// benchmark runs. The order within a round alternates too.
struct PairedRatio {
  double median = 0, low = 0, high = 0;  // median and interquartile range
};

PairedRatio paired_ratio(const std::function<void()>& measured, const std::function<void()>& reference,
                         int rounds = 41, int batch = 100) {
  const auto time_batch = [batch](const std::function<void()>& op) {
    const double start = thread_cpu_seconds();
    for (int i = 0; i < batch; ++i) op();
    return thread_cpu_seconds() - start;
  };
  std::vector<double> ratios;
  for (int r = 0; r < rounds; ++r) {
    double measured_time = 0, reference_time = 0;
    if (r % 2 == 0) {
      reference_time = time_batch(reference);
      measured_time = time_batch(measured);
    } else {
      measured_time = time_batch(measured);
      reference_time = time_batch(reference);
    }
    ratios.push_back(reference_time / measured_time);
  }
  std::sort(ratios.begin(), ratios.end());
  const std::size_t n = ratios.size();
  return {ratios[n / 2], ratios[n / 4], ratios[(3 * n) / 4]};
}

double median_rate(const Collector& collector, const std::string& name) {
  std::vector<double> rates;
  for (const Result& r : collector.results()) {
    if (r.name == name) rates.push_back(r.measurement.items_per_second);
  }
  if (rates.empty()) return 0;
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

SummaryRow ratio_row(const Collector& collector, const std::string& measurement, const std::string& name,
                     const std::string& reference, const PairedRatio& paired, const std::string& target_text,
                     double target) {
  const double value = median_rate(collector, name);
  const double ref = median_rate(collector, reference);
  std::string target_cell = target_text;
  if (target > 0) target_cell += paired.median >= target ? ": met" : ": **missed**";
  const auto rate = [](double r) { return r == 0 ? std::string("(not run)") : format_count(r) + "/s (" + format_micros(1 / r) + ")"; };
  return {measurement, rate(value), reference + ": " + rate(ref),
          format_fixed(100 * paired.median, 1) + " % (" + format_fixed(100 * paired.low, 0) + "–" +
              format_fixed(100 * paired.high, 0) + ")",
          target_cell};
}

int run_suite() {
  const Fixture fixture;
  std::cerr << "token " << fixture.token.size() << " B (signing input " << fixture.signing_input.size()
            << " B); EdDSA proof " << fixture.ed_proof.size() << " B; ES256 proof " << fixture.es_proof.size() << " B\n";
  register_benchmarks(fixture);
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  const Fixture& f = fixture;
  const std::string ed_input = f.ed_proof.substr(0, f.ed_proof.rfind('.'));
  const std::string es_input = f.es_proof.substr(0, f.es_proof.rfind('.'));
  // One OpenSSL context per reference, as in the benchmarks above: a context
  // is not reused across key types.
  const auto new_ctx = [] { return std::shared_ptr<EVP_MD_CTX>(MdCtx(EVP_MD_CTX_new())); };
  const auto sign_once = [&](EVP_PKEY* key, const EVP_MD* md, const std::string& input) {
    return raw_sign(new_ctx().get(), key, md, input);
  };
  const std::string token_sig = sign_once(f.raw_ed.get(), nullptr, f.signing_input);
  const std::string ed_sig = sign_once(f.raw_ed.get(), nullptr, ed_input);
  const std::string es_sig = sign_once(f.raw_es.get(), EVP_sha256(), es_input);
  const auto sign_ctx = new_ctx();
  const auto proof_check = [&](const std::string& proof, const PrivateKey& executor, bool registered) {
    ProofOptions options{f.proof_options.now};
    if (registered) options.registered_key.emplace(executor.public_key());
    return [&f, &proof, options, jkt = executor.public_key().thumbprint()] {
      benchmark::DoNotOptimize(verify_proof(proof, f.token, jkt, "deploy", "https://k8s.example.com/ns/shop", options));
    };
  };
  const auto raw_check = [&](const std::string& input, const std::string& sig, EVP_PKEY* key, const EVP_MD* md) {
    return [ctx = new_ctx(), &input, &sig, key, md] {
      benchmark::DoNotOptimize(raw_verify(ctx.get(), key, md, input, sig));
    };
  };
  std::cerr << "paired ratios\n";
  const auto issue = paired_ratio([&] { benchmark::DoNotOptimize(issue_mandate_token(f.claims, f.issuer)); },
                                  [&] { benchmark::DoNotOptimize(raw_sign(sign_ctx.get(), f.raw_ed.get(), nullptr, f.signing_input)); });
  const auto verify = paired_ratio([&] { benchmark::DoNotOptimize(verify_mandate_token(f.token, f.lookup, f.options)); },
                                   raw_check(f.signing_input, token_sig, f.raw_ed.get(), nullptr));
  const auto ed_raw = raw_check(ed_input, ed_sig, f.raw_ed.get(), nullptr);
  const auto es_raw = raw_check(es_input, es_sig, f.raw_es.get(), EVP_sha256());
  const auto ed_parsed = paired_ratio(proof_check(f.ed_proof, f.ed_executor, false), ed_raw);
  const auto ed_registered = paired_ratio(proof_check(f.ed_proof, f.ed_executor, true), ed_raw);
  const auto es_parsed = paired_ratio(proof_check(f.es_proof, f.es_executor, false), es_raw);
  const auto es_registered = paired_ratio(proof_check(f.es_proof, f.es_executor, true), es_raw);
  print_summary({
      ratio_row(collector, "issue_mandate_token", "issue_mandate_token", "raw_ed25519_sign", issue, "≥ 90 %",
                kIssueTarget),
      ratio_row(collector, "verify_mandate_token", "verify_mandate_token", "raw_ed25519_verify", verify, "–", 0),
      ratio_row(collector, "verify_proof (EdDSA, jwk parsed)", "verify_proof_eddsa", "raw_verify_proof_eddsa",
                ed_parsed, "–", 0),
      ratio_row(collector, "verify_proof (EdDSA, registered key)", "verify_proof_eddsa_registered",
                "raw_verify_proof_eddsa", ed_registered, "–", 0),
      ratio_row(collector, "verify_proof (ES256, jwk parsed)", "verify_proof_es256", "raw_verify_proof_es256",
                es_parsed, "–", 0),
      ratio_row(collector, "verify_proof (ES256, registered key)", "verify_proof_es256_registered",
                "raw_verify_proof_es256", es_registered, "–", 0),
  });
  std::cout << "\nValues: Google Benchmark, median of the interleaved repetitions (CPU time).\n"
               "Ratio: rate ÷ the raw OpenSSL rate over the same bytes, median (interquartile range) of 41 rounds\n"
               "of 100 operations each alternating with 100 reference operations, in thread CPU time.\n";
  return 0;
}

}  // namespace
}  // namespace mandate::bench

int main(int argc, char** argv) {
  // Defaults a caller can override: repetitions, interleaved at random.
  std::vector<char*> args(argv, argv + argc);
  std::string repetitions = "--benchmark_repetitions=5";
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  std::string report = "--benchmark_report_aggregates_only=false";
  args.insert(args.begin() + 1, {repetitions.data(), interleave.data(), report.data()});
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  int rc = 1;
  try {
    rc = mandate::bench::run_suite();
  } catch (const std::exception& e) {
    std::cerr << "bench_token: " << e.what() << '\n';
  }
  benchmark::Shutdown();
  return rc;
}
