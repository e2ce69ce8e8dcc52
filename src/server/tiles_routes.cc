// The ledger as a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles) under
// the [tiles] prefix: <prefix>/checkpoint, <prefix>/tile/<L>/<N>[.p/<W>]
// and <prefix>/tile/entries/<N>[.p/<W>], for standard tlog clients and
// monitors. Everything served lies within the newest stored checkpoint, so
// a client that read a checkpoint finds every tile up to its size, however
// the ledger grows meanwhile: tiles hold only completed subtrees, which
// never change, and stored checkpoints only ever get larger.
#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>

#include "core/error.h"
#include "home/home.h"
#include "ledger/ledger.h"
#include "ledger/tiles.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

namespace {

// A monitor polls the checkpoint; while the ledger grows, a new one is
// signed (and stored) at most this often, not on every poll.
constexpr auto kSigningInterval = std::chrono::seconds(1);

struct PublishedTree {
  std::mutex mu;
  std::uint64_t size = 0;  // the largest stored checkpoint seen: tiles within it are served
  std::chrono::steady_clock::time_point last_signed{};
};

// The newest stored checkpoint; a new one first when the ledger has grown
// past it and none was signed here in the last interval.
store::StoredCheckpoint current_checkpoint(Application& app, PublishedTree& tree) {
  auto& store = app.home().store();
  std::lock_guard lock(tree.mu);
  auto latest = store.latest_checkpoint();
  const auto now = std::chrono::steady_clock::now();
  if (!latest || (latest->size < app.home().ledger().size() && now - tree.last_signed >= kSigningInterval)) {
    app.home().sign_checkpoint();  // stores it
    tree.last_signed = now;
    latest = store.latest_checkpoint();
    if (!latest) fail(ErrorKind::io, "the checkpoint just signed is not in the store");
  }
  tree.size = std::max(tree.size, latest->size);
  return *latest;
}

// The published size, read again from the store only when `tile` lies
// beyond what this server has seen (another server may have published more).
bool published(Application& app, PublishedTree& tree, const ledger::TileId& tile, std::uint64_t& size) {
  std::lock_guard lock(tree.mu);
  if (!ledger::tile_within(tile, tree.size)) {
    if (auto latest = app.home().store().latest_checkpoint()) tree.size = std::max(tree.size, latest->size);
  }
  size = tree.size;
  return ledger::tile_within(tile, tree.size);
}

}  // namespace

void add_tiles_routes(Router& router, Application& app) {
  auto tree = std::make_shared<PublishedTree>();
  const std::string prefix = app.config().tiles_prefix;
  const bool open = app.config().tiles_public;
  // Caches may keep a tile for good (its bytes never change) but only for
  // this caller when it took a credential to read it.
  const std::string immutable = std::string(open ? "public" : "private") + ", max-age=31536000, immutable";
  const auto admit = [&app, open](const Request& request) {
    if (!open) app.authenticate(request, Access::authenticated);
  };

  router.add("GET", prefix + "/checkpoint", guarded([&app, tree, admit](Request& request, const PathParameters&) {
    admit(request);
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = current_checkpoint(app, *tree).note;
    // With witnesses configured, the checkpoint their quorum cosigned: a
    // client holding the witness policy accepts no other (docs/witnesses.md).
    // Its size is one this server stored, so every tile within it is served.
    if (app.witnessing() != nullptr) {
      if (auto witnessed = app.home().witnessed_checkpoint()) r.body = std::move(*witnessed);
    }
    r.headers.emplace_back("Cache-Control", "no-cache");  // mutable: the spec wants it fresh within seconds
    return r;
  }));
  router.add(
      "GET", prefix + "/tile/{path}",
      guarded([&app, tree, admit, immutable](Request& request, const PathParameters& p) {
        admit(request);
        const std::string& path = p.at("path");
        const auto tile = ledger::parse_tile_path(path);
        if (!tile) fail(ErrorKind::bad_input, "tile path tile/" + path + ": " + tile.error());
        std::uint64_t size = 0;
        if (!published(app, *tree, *tile, size)) {
          fail(ErrorKind::not_found, "tile/" + path + " lies beyond the published tree of " + std::to_string(size) +
                                         " entries (the newest checkpoint)");
        }
        auto& store = app.home().store();
        Response r;
        r.content_type = "application/octet-stream";
        r.body = tile->entries ? ledger::read_entry_bundle(store, *tile) : ledger::read_hash_tile(store, *tile);
        r.headers.emplace_back("Cache-Control", immutable);
        return r;
      }),
      LastParameter::rest_of_path);
}

}  // namespace mandate::server
