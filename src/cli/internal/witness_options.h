#pragma once
// Private to the cli module: the build defines MANDATE_INSIDE_CLI only for src/cli/ and tests/cli/.
#ifndef MANDATE_INSIDE_CLI
#error "this header is internal to the cli module; include a public cli/ header instead"
#endif
// The witnesses a verification requires: `--witness VKEY ... --quorum K`
// (k of the keys given; all of them without --quorum) or `--policy FILE`
// (a C2SP tlog-policy, the same file `mandate serve` reads).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "witness/policy.h"

namespace CLI {
class App;
}

namespace mandate::cli {

struct WitnessOptions {
  std::vector<std::string> witnesses;
  std::optional<std::size_t> quorum;
  std::string policy_file;
};

void add_witness_options(CLI::App& command, WitnessOptions& options);
// None when no witness option was given. Throws Error{bad_input} naming the
// option or the policy file's line.
std::optional<witness::WitnessPolicy> witness_policy(const WitnessOptions& options);

}  // namespace mandate::cli
