// Runs the Cedar integration-test cases (../shared/conformance/cedar) through
// parser, entity loader and authorizer, comparing decision, reasons and
// erroring policies as sets, and strict validation against the test's schema
// with `shouldValidate`. Entities and context are read with the schema.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policy/conformance.h"

namespace mandate::policy {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(MANDATE_SHARED_DIR) / "conformance" / "cedar";

std::vector<ConformanceCase> run_test_file(const fs::path& file) { return run_conformance_file(kRoot, file); }
std::vector<fs::path> test_files(const fs::path& dir) { return find_conformance_files(dir); }

TEST(CedarConformance, HandWrittenCases) {
  int passed = 0, total = 0, failed = 0;
  for (const char* folder : {"example_use_cases", "multi", "ip", "decimal"}) {
    for (const auto& file : test_files(kRoot / "tests" / folder)) {
      for (const auto& result : run_test_file(file)) {
        ++total;
        if (result.passed) {
          ++passed;
          continue;
        }
        ++failed;
        ADD_FAILURE() << result.name << "\n  " << result.detail;
      }
    }
  }
  std::cout << "hand-written cedar cases: " << passed << " passed, " << (total - passed) << " failed\n";
  EXPECT_EQ(failed, 0);
}

// The generated corpus: every request must match the reference's decision,
// reasons and errors. MANDATE_CEDAR_VERBOSE lists every failing case.
void check_folder(const char* folder) {
  int passed = 0, total = 0, shown = 0;
  for (const auto& file : test_files(kRoot / folder)) {
    for (const auto& result : run_test_file(file)) {
      ++total;
      if (result.passed) {
        ++passed;
      } else if (shown++ < 20 || std::getenv("MANDATE_CEDAR_VERBOSE") != nullptr) {
        ADD_FAILURE() << result.name << "\n  " << result.detail;
      }
    }
  }
  std::cout << folder << ": " << passed << " passed, " << (total - passed) << " failed\n";
  EXPECT_EQ(passed, total);
  EXPECT_GT(total, 0) << "no cases found under " << folder;
}

TEST(CedarConformance, CorpusCases) { check_folder("corpus-tests"); }

// datetime/duration, entity tags and isEmpty.
TEST(CedarConformance, ExtendedCorpusCases) { check_folder("corpus-tests-extended"); }

}  // namespace
}  // namespace mandate::policy
