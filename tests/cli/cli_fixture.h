#pragma once
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.h"

namespace mandate::testing {

// A fresh home in a temp dir, driven through the real `mandate` binary.
class CliTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string home = (tmp / "home").string();

  RunResult mandate(std::vector<std::string> args) {
    args.insert(args.begin(), {MANDATE_BINARY, "--home", home});
    return run(args);
  }
  nlohmann::json mandate_json(std::vector<std::string> args) {
    const RunResult r = mandate(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  void init() { ASSERT_EQ(mandate({"init", "--origin", "test.example/mandate"}).exit_code, 0); }
  void append_n(int n) {
    for (int i = 0; i < n; ++i) {
      const RunResult r = mandate({"ledger", "append", "--type", "operator.record", "--actor", "alice",
                                   "--ref", "change=CHG-" + std::to_string(i),
                                   "--data", "{\"n\":" + std::to_string(i) + "}"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  std::string read_entry_body(int index) { return mandate({"ledger", "entry", std::to_string(index)}).out; }
  std::string db_path() const { return home + "/mandate.db"; }
  // Runs SQL directly against the store, as an administrator with write
  // access to the database could.
  void sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  nlohmann::json verify(std::vector<std::string> extra = {}, int expected_exit = 0) {
    std::vector<std::string> args{"ledger", "verify"};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult r = mandate(args);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    return nlohmann::json::parse(r.out);
  }
};

}  // namespace mandate::testing
