#pragma once
// The reference engine, @cedar-policy/cedar-wasm, run by Node on the files
// bench_policy writes (bench/cedar_wasm_bench.mjs), and its results.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/authorizer.h"

namespace mandate::bench {

struct Latency {
  std::size_t samples = 0;
  double p50_s = 0, p99_s = 0, mean_s = 0;
  double cpu_mean_s = 0;  // process CPU time per decision
};

struct ReferenceDecision {
  std::string decision;  // "allow" or "deny"
  std::set<std::string> reasons, errors;
};

struct ReferenceSet {
  std::size_t policies = 0;
  double load_s = 0;  // preparsePolicySet
  Latency slice;      // per decision, entities of the request passed with it
  std::vector<ReferenceDecision> decisions;
  std::string node_flags;  // "default flags", or "--no-opt" after a V8 abort
};

struct ReferenceRun {
  std::string cedar_version;
  std::vector<ReferenceSet> sets;
  std::optional<Latency> full_entities;  // every entity passed with every request
  std::size_t full_entities_policies = 0;
  const ReferenceSet* find(std::size_t policies) const;
};

struct ReferenceOptions {
  std::filesystem::path dir;  // entities.json, policies-N.cedar, requests-N.json
  std::vector<std::size_t> sizes;
  int rounds = 5;
  int budget_ms = 10'000;  // per size; at least one timed pass whatever it takes
  // Requests given to cedar-wasm at the largest size (it scans every policy).
  std::size_t large_set_requests = 100;
  std::size_t full_size = 0, full_requests = 0;
};

// Runs the Node script; nullopt (with the reason on stderr) when Node or
// the npm package is missing, so the C++ side still runs on its own.
std::optional<ReferenceRun> run_cedar_wasm(const ReferenceOptions& options);

// Mismatches between mandate's responses and the reference's, as lines
// naming the request; empty when both engines agree on every request.
std::vector<std::string> compare_decisions(const std::vector<policy::Response>& ours, const ReferenceSet& theirs);

}  // namespace mandate::bench
