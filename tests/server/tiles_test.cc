// The ledger served as C2SP tlog-tiles, through Application::handle: the
// tiles' bytes against hashes computed here from the entries alone (not
// from mandate's Merkle code), partial tiles, entry bundles, what lies
// beyond the published checkpoint, malformed paths, access, the config.
#include <thread>

#include "crypto/sha256.h"
#include "home/home.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "server/config.h"
#include "server_app.h"

namespace mandate::server {
namespace {

using crypto::Hash;

// RFC 6962 §2.1, written out again for the test.
Hash leaf(const std::string& entry) { return crypto::Sha256().update(std::uint8_t{0}).update(entry).finish(); }
Hash node(const Hash& l, const Hash& r) {
  return crypto::Sha256().update(std::uint8_t{1}).update(std::span<const std::uint8_t>(l)).update(std::span<const std::uint8_t>(r)).finish();
}
// MTH of leaves [begin, end) whose count is a power of two.
Hash perfect(const std::vector<Hash>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return leaves[begin];
  const std::size_t mid = begin + (end - begin) / 2;
  return node(perfect(leaves, begin, mid), perfect(leaves, mid, end));
}
std::string bytes_of(const Hash& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

class Tiles : public ServerApp {
 protected:
  // Appends `count` entries in one group; `padding` bytes of data each.
  void append(std::size_t count, std::size_t padding = 0) {
    std::vector<ledger::EncodedEntry> entries;
    for (std::size_t i = 0; i < count; ++i) {
      ledger::EntryDraft d;
      d.type = "operator.record";
      d.actor = {"admin", "human", "local-operator"};
      d.data = {{"n", i}, {"pad", std::string(padding, 'p')}};
      entries.push_back(*ledger::encode_entry(d));
    }
    app->home().ledger().append_group(entries);
  }
  // Every entry's leaf hash, from its canonical bytes.
  std::vector<Hash> leaves() {
    std::vector<Hash> out;
    for (std::uint64_t i = 0; i < ledger_size(); ++i) out.push_back(leaf(app->home().ledger().entry_bytes(i)));
    return out;
  }
  ledger::Checkpoint checkpoint() {
    const Response r = call("GET", "/tlog/checkpoint", human("admin"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
    auto cp = ledger::open_checkpoint(r.body, mandate::testing::kOrigin, app->home().verifiers());
    EXPECT_TRUE(cp.has_value()) << (cp ? "" : cp.error());
    return cp.value_or(ledger::Checkpoint{});
  }
  Response get(const std::string& path) { return call("GET", "/tlog/" + path, human("admin")); }
};

TEST_F(Tiles, HashTilesAndBundlesAreTheTreeComputedFromTheEntries) {
  append(600 - ledger_size());
  const auto cp = checkpoint();
  ASSERT_EQ(cp.size, 600u);
  const auto l = leaves();
  // Level 0: leaf hashes; two full tiles, then a partial one of 88.
  for (const auto& [path, first, count] : {std::tuple{"tile/0/000", 0, 256}, {"tile/0/001", 256, 256},
                                           {"tile/0/002.p/88", 512, 88}, {"tile/0/002.p/5", 512, 5}}) {
    std::string want;
    for (int i = first; i < first + count; ++i) want += bytes_of(l[static_cast<std::size_t>(i)]);
    const Response r = get(path);
    ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/octet-stream");
    EXPECT_EQ(header(r, "Cache-Control"), "private, max-age=31536000, immutable");
    EXPECT_EQ(r.body, want) << path;
  }
  // Level 1: each hash is the root of a full level-0 tile; 600 entries make two.
  const Response level1 = get("tile/1/000.p/2");
  ASSERT_EQ(level1.status, 200) << level1.body;
  EXPECT_EQ(level1.body, bytes_of(perfect(l, 0, 256)) + bytes_of(perfect(l, 256, 512)));
  // Bundles: uint16 length and the exact bytes the leaf hash covers.
  const Response bundle = get("tile/entries/002.p/88");
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  std::string want;
  for (std::uint64_t i = 512; i < 600; ++i) {
    const std::string e = app->home().ledger().entry_bytes(i);
    want += static_cast<char>(e.size() >> 8);
    want += static_cast<char>(e.size() & 0xFF);
    want += e;
  }
  EXPECT_EQ(bundle.body, want);
  EXPECT_EQ(get("tile/entries/001").body.size(), [&] {
    std::size_t n = 0;
    for (std::uint64_t i = 256; i < 512; ++i) n += 2 + app->home().ledger().entry_bytes(i).size();
    return n;
  }());
}

TEST_F(Tiles, NothingBeyondThePublishedCheckpointIsServed) {
  append(300 - ledger_size());
  ASSERT_EQ(checkpoint().size, 300u);
  append(300);  // the ledger is now 600; the checkpoint may still say 300
  const auto cp = checkpoint();
  for (const std::string path : {"tile/0/002.p/89", "tile/0/003", "tile/entries/002.p/89", "tile/1/000.p/3",
                                 "tile/2/000.p/1", "tile/7/000.p/1", "tile/63/x018/x446/x744/x073/x709/x551/615"}) {
    const Response r = get(path);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_NE(r.body.find("beyond the published tree"), std::string::npos) << r.body;
  }
  if (cp.size == 300) {  // signed again once the interval has passed, not before
    EXPECT_EQ(get("tile/0/001").status, 404);
    EXPECT_EQ(get("tile/0/001.p/44").status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  ASSERT_EQ(checkpoint().size, 600u);
  // A client holding the older checkpoint still finds its partial tiles.
  EXPECT_EQ(get("tile/0/001.p/44").status, 200);
  EXPECT_EQ(get("tile/entries/001.p/44").status, 200);
  EXPECT_EQ(get("tile/0/001").status, 200);
  EXPECT_EQ(get("tile/1/000.p/2").status, 200);
}

TEST_F(Tiles, MalformedPathsAre400WithTheReasonAndChangeNothing) {
  append(10);
  checkpoint();
  const auto size = ledger_size();
  const auto stored = app->home().store().checkpoints().size();
  for (const auto& [path, why] : {std::pair{"tile/0/1", "index element \\\"1\\\" must be 3 digits"},
                                  {"tile/0/x000/001", "leading zero group"},
                                  {"tile/64/000", "level \\\"64\\\" exceeds 63"},
                                  {"tile/0/000.p/256", "width \\\"256\\\" exceeds 255"},
                                  {"tile/0/000.p/0", "width \\\"0\\\""},
                                  {"tile/data/000", "or \\\"entries\\\""},
                                  {"tile/0/000/", "index element"}}) {
    const Response r = get(path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_NE(r.body.find(std::string("tile path ") + path), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(why), std::string::npos) << r.body;
  }
  EXPECT_EQ(get("tile/0/000.p/10").status, 200);
  EXPECT_EQ(call("POST", "/tlog/tile/0/000.p/10", human("admin")).status, 405);
  EXPECT_EQ(ledger_size(), size);
  EXPECT_EQ(app->home().store().checkpoints().size(), stored);
}

TEST_F(Tiles, ByDefaultACallerAuthenticatesAsForTheLedgerApi) {
  append(3);
  EXPECT_EQ(call("GET", "/tlog/checkpoint", "").status, 401);
  EXPECT_EQ(call("GET", "/tlog/tile/0/000.p/1", "").status, 401);
  EXPECT_EQ(call("GET", "/tlog/tile/0/000.p/1", "not-a-token").status, 401);
  EXPECT_EQ(call("GET", "/tlog/checkpoint", human("admin")).status, 200);
}

TEST_F(Tiles, AnEntryTooLongForABundleIsNeverServedWrong) {
  append(2);
  append(1, 70000);  // more than a uint16 length can say
  const auto big = ledger_size() - 1;
  append(3);
  const auto cp = checkpoint();
  ASSERT_EQ(cp.size, ledger_size());
  const Response r = get("tile/entries/000.p/" + std::to_string(cp.size));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("entry " + std::to_string(big) + " is "), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("/v1/ledger/entries/" + std::to_string(big)), std::string::npos) << r.body;
  // The bundle before it, and the hash tiles that prove it, are served.
  EXPECT_EQ(get("tile/entries/000.p/" + std::to_string(big)).status, 200);
  const Response tile = get("tile/0/000.p/" + std::to_string(cp.size));
  ASSERT_EQ(tile.status, 200);
  EXPECT_EQ(tile.body.substr(big * 32, 32), bytes_of(leaf(app->home().ledger().entry_bytes(big))));
}

class PublicTiles : public Tiles {
 protected:
  void SetUp() override { start("[tiles]\nprefix = \"/logs/mandate\"\npublic = true\n"); }
};

TEST_F(PublicTiles, ServedToAnyoneUnderTheConfiguredPrefix) {
  append(300 - ledger_size());
  const Response cp = call("GET", "/logs/mandate/checkpoint", "");
  ASSERT_EQ(cp.status, 200) << cp.body;
  const Response tile = call("GET", "/logs/mandate/tile/0/000", "");
  ASSERT_EQ(tile.status, 200) << tile.body;
  EXPECT_EQ(header(tile, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(tile.body.substr(0, 32), bytes_of(leaves()[0]));
  EXPECT_EQ(call("GET", "/tlog/checkpoint", "").status, 404);
}

TEST(TilesConfig, APrefixIsAPathOfItsOwnAndTheErrorSaysWhere) {
  const auto parse = [](const std::string& tiles) {
    return parse_server_config("[tiles]\n" + tiles, "mandate.toml", ".");
  };
  auto ok = parse("prefix = \"/logs/mandate\"\npublic = true\n");
  ASSERT_TRUE(ok.has_value()) << ok.error();
  EXPECT_EQ(ok->tiles_prefix, "/logs/mandate");
  EXPECT_TRUE(ok->tiles_public);
  const auto defaults = parse_server_config("", "mandate.toml", ".");
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->tiles_prefix, "/tlog");
  EXPECT_FALSE(defaults->tiles_public);
  for (const auto& [text, why] : {std::pair{"prefix = \"tlog\"\n", "mandate.toml:2:10: prefix must start with /"},
                                  {"prefix = \"/tlog/\"\n", "mandate.toml:2:10: prefix must start with /"},
                                  {"prefix = \"/\"\n", "must start with /"},
                                  {"prefix = \"/v1/tiles\"\n", "a segment the API uses"},
                                  {"prefix = \"/a//b\"\n", "segment \"\""},
                                  {"prefix = \"/a/../b\"\n", "segment \"..\""},
                                  {"prefix = \"/a b\"\n", "segment \"a b\""},
                                  {"public = \"yes\"\n", "mandate.toml:2:10: public must be true or false"},
                                  {"size = 3\n", "size"}}) {
    const auto bad = parse(text);
    ASSERT_FALSE(bad.has_value()) << text;
    EXPECT_NE(bad.error().find(why), std::string::npos) << bad.error();
  }
}

}  // namespace
}  // namespace mandate::server
