// The ledger as a transparency log serves it: the latest signed checkpoint
// (C2SP signed note), entries by index, and RFC 9162 proofs. Clients verify;
// the server only serves.
#include <charconv>
#include <mutex>

#include "encoding/base64.h"
#include "home/home.h"
#include "ledger/ledger.h"
#include "ledger/proof_json.h"
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

namespace {

std::uint64_t number(const std::optional<std::string>& text, const std::string& name) {
  std::uint64_t value = 0;
  if (!text) fail(ErrorKind::bad_input, "query parameter " + name + " is required");
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    fail(ErrorKind::bad_input, "query parameter " + name + " must be a non-negative integer");
  }
  return value;
}

// Signing on every read would add a checkpoint row per request; one per
// ledger size is enough.
struct CheckpointCache {
  std::mutex mu;
  std::uint64_t size = 0;
  std::string note;
};

}  // namespace

void add_ledger_routes(Router& router, Application& app) {
  auto cache = std::make_shared<CheckpointCache>();
  // What a status page shows: how big the ledger is, its root, and the
  // newest checkpoint stored (signed notes verify offline; this does not).
  router.add("GET", "/v1/ledger", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    auto& ledger = app.home().ledger();
    const auto size = ledger.size();
    const auto root = ledger.root(size);
    const auto checkpoints = app.home().store().checkpoints();
    nlohmann::json latest = nullptr;
    if (!checkpoints.empty()) latest = {{"size", checkpoints.back().size}, {"note", checkpoints.back().note}};
    return json_ok({{"origin", ledger.origin()},
                    {"size", size},
                    {"root_hash", encoding::base64_encode(std::span<const std::uint8_t>(root))},
                    {"latest_checkpoint", latest}});
  }));
  router.add("GET", "/v1/ledger/checkpoint", guarded([&app, cache](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    std::lock_guard lock(cache->mu);
    const auto size = app.home().ledger().size();
    if (cache->note.empty() || cache->size != size) {
      cache->note = app.home().sign_checkpoint();
      cache->size = size;
    }
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = cache->note;
    return r;
  }));
  // The newest checkpoint the witnesses' quorum cosigned (docs/witnesses.md).
  router.add("GET", "/v1/ledger/checkpoint/witnessed", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    auto note = app.home().witnessed_checkpoint();
    if (!note) fail(ErrorKind::not_found, "no checkpoint has reached the witnesses' quorum yet");
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(*note);
    return r;
  }));
  router.add("GET", "/v1/ledger/entries/{index}", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::authenticated);
    const auto index = number(p.at("index"), "index");
    if (index >= app.home().ledger().size()) fail(ErrorKind::not_found, "no entry " + p.at("index"));
    Response r;
    r.content_type = "application/json";
    r.body = app.home().ledger().entry_bytes(index);  // the exact canonical bytes the leaf hashes
    return r;
  }));
  router.add("GET", "/v1/ledger/proofs/inclusion", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    const auto index = number(request.query_parameter("index"), "index");
    const auto size = request.query_parameter("tree_size") ? number(request.query_parameter("tree_size"), "tree_size")
                                                            : app.home().ledger().size();
    if (index >= size || size > app.home().ledger().size()) fail(ErrorKind::bad_input, "need index < tree_size <= the ledger's size");
    return json_ok(ledger::inclusion_json(app.home().ledger(), index, size));
  }));
  router.add("GET", "/v1/ledger/proofs/consistency", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    const auto first = number(request.query_parameter("first"), "first");
    const auto second = number(request.query_parameter("second"), "second");
    if (first == 0 || first > second || second > app.home().ledger().size()) {
      fail(ErrorKind::bad_input, "need 0 < first <= second <= the ledger's size");
    }
    return json_ok(ledger::consistency_json(app.home().ledger(), first, second));
  }));
}

}  // namespace mandate::server
