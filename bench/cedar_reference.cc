#include "cedar_reference.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace mandate::bench {
namespace {

using Json = nlohmann::json;

Latency latency(const Json& j) {
  return {j.at("n").get<std::size_t>(), j.at("p50_ns").get<double>() * 1e-9, j.at("p99_ns").get<double>() * 1e-9,
          j.at("mean_ns").get<double>() * 1e-9, j.at("cpu_mean_ns").get<double>() * 1e-9};
}

ReferenceSet reference_set(const Json& j) {
  ReferenceSet set;
  set.policies = j.at("policies").get<std::size_t>();
  set.load_s = j.at("load_ns").get<double>() * 1e-9;
  set.slice = latency(j.at("slice"));
  for (const Json& d : j.at("decisions")) {
    set.decisions.push_back({d.at("decision").get<std::string>(), d.at("reasons").get<std::set<std::string>>(),
                             d.at("errors").get<std::set<std::string>>()});
  }
  return set;
}

std::string describe(const std::string& decision, const std::set<std::string>& reasons,
                     const std::set<std::string>& errors) {
  std::string out = decision + " reasons {";
  for (const auto& r : reasons) out += r + " ";
  out += "} errors {";
  for (const auto& e : errors) out += e + " ";
  return out + "}";
}

}  // namespace

const ReferenceSet* ReferenceRun::find(std::size_t policies) const {
  for (const ReferenceSet& set : sets) {
    if (set.policies == policies) return &set;
  }
  return nullptr;
}

namespace {

// One Node process for one policy-set size. Node's optimising compiler
// first, as a user would run it; Node 20 aborts now and then with a V8
// "unreachable code" error in long cedar-wasm loops, and then the size is
// run again with --no-opt (interpreter and baseline compiler only).
std::optional<Json> run_size(const ReferenceOptions& options, std::size_t size, std::string& flags) {
  const std::string script = std::string(MANDATE_SOURCE_DIR) + "/bench/cedar_wasm_bench.mjs";
  const bool full = size == options.full_size;
  const std::vector<std::string> args{script,
                                      options.dir.string(),
                                      "--sizes",
                                      std::to_string(size),
                                      "--rounds",
                                      std::to_string(options.rounds),
                                      "--budget-ms",
                                      std::to_string(options.budget_ms),
                                      "--full-size",
                                      std::to_string(full ? size : 0),
                                      "--full-requests",
                                      std::to_string(full ? options.full_requests : 0),
                                      "--max-requests",
                                      size == options.sizes.back() ? std::to_string(options.large_set_requests)
                                                                   : std::string("Infinity")};
  for (const char* extra : {"", "--no-opt"}) {
    std::vector<std::string> argv{"node"};
    if (*extra != '\0') argv.push_back(extra);
    argv.insert(argv.end(), args.begin(), args.end());
    const testing::RunResult result = testing::run(argv);
    flags = *extra != '\0' ? extra : "default flags";
    if (result.exit_code == 0) {
      try {
        return Json::parse(result.out);
      } catch (const Json::exception& e) {
        std::cerr << "cedar-wasm printed something unexpected: " << e.what() << '\n';
        return std::nullopt;
      }
    }
    std::cerr << "node (" << flags << ", " << size << " policies) exited " << result.exit_code << ": "
              << result.err.substr(0, 200) << '\n';
  }
  return std::nullopt;
}

}  // namespace

std::optional<ReferenceRun> run_cedar_wasm(const ReferenceOptions& options) {
  ReferenceRun run;
  for (std::size_t size : options.sizes) {
    std::string flags;
    const auto j = run_size(options, size, flags);
    if (!j) {
      std::cerr << "cedar-wasm reference not run (`npm ci` installs it)\n";
      return std::nullopt;
    }
    try {
      run.cedar_version = j->at("cedar_version").get<std::string>();
      for (const Json& set : j->at("sets")) {
        run.sets.push_back(reference_set(set));
        run.sets.back().node_flags = flags;
      }
      if (j->contains("full_entities")) {
        run.full_entities = latency(j->at("full_entities"));
        run.full_entities_policies = j->at("full_entities").at("policies").get<std::size_t>();
      }
    } catch (const Json::exception& e) {
      std::cerr << "cedar-wasm printed something unexpected: " << e.what() << '\n';
      return std::nullopt;
    }
  }
  return run;
}

std::vector<std::string> compare_decisions(const std::vector<policy::Response>& ours, const ReferenceSet& theirs) {
  std::vector<std::string> mismatches;
  // The reference may have been given only the first requests.
  if (ours.size() < theirs.decisions.size() || theirs.decisions.empty()) {
    mismatches.push_back("request counts differ: " + std::to_string(ours.size()) + " against " +
                         std::to_string(theirs.decisions.size()));
    return mismatches;
  }
  for (std::size_t i = 0; i < theirs.decisions.size(); ++i) {
    const policy::Response& r = ours[i];
    const std::string decision = r.decision == policy::Decision::Allow ? "allow" : "deny";
    const std::set<std::string> reasons(r.reasons.begin(), r.reasons.end());
    std::set<std::string> errors;
    for (const auto& e : r.errors) errors.insert(e.policy_id);
    const ReferenceDecision& want = theirs.decisions[i];
    if (decision != want.decision || reasons != want.reasons || errors != want.errors) {
      mismatches.push_back("policies " + std::to_string(theirs.policies) + " request " + std::to_string(i) +
                           ": mandate " + describe(decision, reasons, errors) + ", cedar-wasm " +
                           describe(want.decision, want.reasons, want.errors));
    }
  }
  return mismatches;
}

}  // namespace mandate::bench
