#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"
#include "core/error.h"
#include "policy/conformance.h"

namespace mandate::cli {
namespace {

void add_policy_test(CLI::App& policy, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = policy.add_subcommand(
      "test", "Run every Cedar integration-test file under DIR; prints failing cases and `N passed, N failed`");
  cmd->add_option("DIR", *dir, "Folder of test files; the paths they name are relative to it")->required();
  cmd->callback([dir, &exit_code] {
    const std::filesystem::path root(*dir);
    if (!std::filesystem::is_directory(root)) fail(ErrorKind::bad_input, *dir + " is not a directory");
    std::size_t passed = 0, failed = 0;
    for (const auto& file : policy::find_conformance_files(root)) {
      for (const auto& result : policy::run_conformance_file(root, file)) {
        if (result.passed) {
          ++passed;
          continue;
        }
        ++failed;
        std::cout << "FAIL " << result.name << "\n  " << result.detail << "\n";
      }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    if (failed > 0 || passed == 0) exit_code = kExitCheckFailed;
  });
}

}  // namespace

void add_policy_commands(CLI::App& app, int& exit_code) {
  auto* policy = app.add_subcommand("policy", "Cedar policies");
  policy->require_subcommand(1);
  add_policy_test(*policy, exit_code);
}

}  // namespace mandate::cli
