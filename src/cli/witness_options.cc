#include "cli/internal/witness_options.h"

#include <CLI/CLI.hpp>

#include "core/error.h"

namespace mandate::cli {

void add_witness_options(CLI::App& command, WitnessOptions& options) {
  command.add_option("--witness", options.witnesses,
                     "A witness's cosigner key (C2SP vkey, type 0x04) whose cosignature counts; repeatable");
  command.add_option("--quorum", options.quorum, "How many of the --witness keys must have cosigned (default: all)");
  command.add_option("--policy", options.policy_file,
                     "A C2SP tlog-policy file naming the witnesses and the quorum (instead of --witness/--quorum)");
}

std::optional<witness::WitnessPolicy> witness_policy(const WitnessOptions& options) {
  if (!options.policy_file.empty()) {
    if (!options.witnesses.empty() || options.quorum) {
      fail(ErrorKind::bad_input, "give --policy or --witness/--quorum, not both");
    }
    auto policy = witness::WitnessPolicy::load(options.policy_file);
    if (!policy) fail(ErrorKind::bad_input, "--policy: " + policy.error());
    return std::move(*policy);
  }
  if (options.witnesses.empty()) {
    if (options.quorum) fail(ErrorKind::bad_input, "--quorum needs the --witness keys it counts");
    return std::nullopt;
  }
  std::vector<witness::Cosigner> cosigners;
  for (const auto& vkey : options.witnesses) {
    auto cosigner = witness::Cosigner::parse(vkey);
    if (!cosigner) fail(ErrorKind::bad_input, "--witness " + vkey + ": " + cosigner.error());
    cosigners.push_back(*cosigner);
  }
  auto policy = witness::WitnessPolicy::k_of_n(cosigners, options.quorum.value_or(cosigners.size()));
  if (!policy) fail(ErrorKind::bad_input, "--quorum: " + policy.error());
  return std::move(*policy);
}

}  // namespace mandate::cli
