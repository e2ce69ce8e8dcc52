// mandate's tlog-tiles read by an independent implementation: Go's
// golang.org/x/mod/sumdb/tlog and sumdb/note (the Go checksum database's
// client packages, Debian's golang-golang-x-mod-dev), in the checker at
// tests/server/tiles/checker.go, built here in GOPATH mode with no network.
// `mandate serve` runs as operators run it, on a free loopback port; the
// checker verifies the signed checkpoint, rebuilds the tree from the entry
// bundles, compares every tile, proves every entry's inclusion from the
// tiles, and the consistency of an earlier checkpoint after the ledger grew.
// A tampered entry must make it fail.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "home/home.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "support/jwt_signer.h"
#include "support/process.h"
#include "support/server_setup.h"

namespace mandate::testing {
namespace {

class TilesInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(cli({"init", "--origin", "mandate.test/tlog"}).exit_code, 0);
    ASSERT_EQ(cli({"actor", "add", "--kind", "human", "--id", "admin"}).exit_code, 0);
    write_file(tmp / "idp.jwks", idp.jwks());
    const RunResult key = cli({"ledger", "public-key"});
    ASSERT_EQ(key.exit_code, 0) << key.err;
    vkey = key.out.substr(0, key.out.find_last_not_of("\n") + 1);
    const RunResult built = run({"/usr/bin/env", "GO111MODULE=off", "GOPROXY=off", "GOFLAGS=", "GOPATH=" MANDATE_GOPATH,
                                 "GOCACHE=" + (tmp / "gocache").string(), "HOME=" + tmp.path().string(), MANDATE_GO,
                                 "build", "-o", checker.string(), TILES_CHECKER_SOURCE});
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  }

  void TearDown() override {
    if (server) {
      EXPECT_EQ(server->terminate(), 0) << read_file(tmp / "server.err");
    }
  }

  RunResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {MANDATE_BINARY, "--home", home});
    return run(args);
  }

  // Entries appended as another process on the same home would (the
  // server reads them from the store), of varied lengths.
  void append(std::size_t count) {
    auto h = home::Home::open(home);
    std::vector<ledger::EncodedEntry> entries;
    for (std::size_t i = 0; i < count; ++i) {
      ledger::EntryDraft d;
      d.type = "operator.record";
      d.actor = {"admin", "human", "local-operator"};
      d.data = {{"n", i}, {"note", std::string(i % 97 * 13, 'x')}};
      entries.push_back(*ledger::encode_entry(d));
    }
    h->ledger().append_group(entries);
  }

  void start() {
    write_file(tmp / "mandate.toml",
               "home = \"" + home + "\"\n[listen]\naddress = \"127.0.0.1\"\nport = 0\n"
               "[log]\naccess = \"off\"\n[identity]\naudience = \"" + std::string(kAudience) + "\"\n"
               "[[identity.oidc]]\nissuer = \"" + kIdp + "\"\njwks_file = \"idp.jwks\"\n");
    server = std::make_unique<Child>(
        std::vector<std::string>{MANDATE_BINARY, "serve", "--config", (tmp / "mandate.toml").string()}, tmp / "server.err");
    const auto line = server->read_line(std::chrono::seconds(30));
    ASSERT_TRUE(line) << read_file(tmp / "server.err");
    const std::string listening = nlohmann::json::parse(*line)["listening"];
    url = "http://127.0.0.1:" + listening.substr(listening.rfind(':') + 1) + "/tlog";
  }

  RunResult check(std::vector<std::string> extra = {}) const {
    const std::string token = idp.sign({{"iss", kIdp}, {"aud", kAudience}, {"sub", "admin"}});
    std::vector<std::string> argv = {checker.string(), "-url", url, "-vkey", vkey, "-token", token};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  }

  TempDir tmp;
  std::string home = (tmp / "home").string();
  std::filesystem::path checker = tmp / "tiles-checker";
  JwtSigner idp{.kid = "idp-1"};
  std::string vkey;
  std::unique_ptr<Child> server;
  std::string url;
};

TEST_F(TilesInterop, GosTlogClientVerifiesCheckpointTilesBundlesAndProofs) {
  append(700);  // two full level-0 tiles, a partial one, and level 1 with two hashes
  start();
  const RunResult first = check();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto before = nlohmann::json::parse(first.out);
  EXPECT_EQ(before["size"], 701);  // with the entry that registered admin
  EXPECT_EQ(before["entries"], 701);
  EXPECT_GT(before["tiles"].get<int>(), 3);

  // The ledger grows while the server runs; the next checkpoint is signed
  // once a second at most. The checker proves the old one a prefix of it.
  append(300);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const RunResult second = check({"-old-size", "701", "-old-root", before["root"]});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(nlohmann::json::parse(second.out)["size"], 1001);

  // A wrong bundle: one stored entry altered behind the ledger's back.
  const auto db = std::filesystem::path(home) / "mandate.db";
  ASSERT_TRUE(std::filesystem::exists(db)) << "where is the home's SQLite store?";
  const RunResult tampered = run({"/usr/bin/env", "sqlite3", db.string(),
                                  "UPDATE ledger_entry SET body = CAST(REPLACE(CAST(body AS TEXT), 'admin', 'adnim') "
                                  "AS BLOB) WHERE idx = 300"});
  ASSERT_EQ(tampered.exit_code, 0) << tampered.err;
  const RunResult refused = check();
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find("tree hash"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace mandate::testing
