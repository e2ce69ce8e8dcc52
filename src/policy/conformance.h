#pragma once
// Runs test files in the Cedar integration-test format (the format of
// ../shared/conformance/cedar; the reference harness is cedar-testing's
// integration_testing.rs): each request of each file is one case, compared
// with the expected decision, reasons and erroring policies as sets.
#include <filesystem>
#include <string>
#include <vector>

namespace mandate::policy {

struct ConformanceCase {
  std::string name;  // "<file relative to the root>#<index>: <description>"
  bool passed = false;
  std::string detail;  // why it failed
};

// One test file; paths inside it are relative to `root`. A file that cannot
// be read or parsed is one failed case naming the problem.
std::vector<ConformanceCase> run_conformance_file(const std::filesystem::path& root,
                                                  const std::filesystem::path& file);

// Every test file under `dir` (recursively, in path order): the .json files
// holding a JSON object with a "requests" array.
std::vector<std::filesystem::path> find_conformance_files(const std::filesystem::path& dir);

}  // namespace mandate::policy
