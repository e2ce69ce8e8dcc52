// The replay window (internal/replay_window.h).
#include "broker/internal/replay_window.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "broker/broker.h"
#include "crypto/sha256.h"
#include "encoding/json.h"

namespace mandate::broker {

namespace {

// How much earlier than its last entry a window starts reading a home:
// entries are numbered in commit order, which may run a little behind
// their decisions' times (a commit's wait, another server's clock).
constexpr std::chrono::seconds kReadMargin{30};

std::optional<core::Timestamp> entry_time(std::string_view body) {
  const auto text = encoding::string_at_pointer(body, "/time");
  return text ? core::parse_timestamp(*text) : std::nullopt;
}

}  // namespace

std::string claim_body(core::Timestamp until) { return std::to_string(until.time_since_epoch().count()); }

ReplayWindow::ReplayWindow(store::Store& store, std::chrono::microseconds lifetime,
                           std::function<core::Timestamp()> clock)
    : store_(store), lifetime_(lifetime), clock_(std::move(clock)) {}

std::size_t ReplayWindow::KeyHash::operator()(const Key& key) const {
  std::size_t h = 0;
  std::memcpy(&h, key.data(), sizeof h);  // the key is a digest: any bytes of it are uniform
  return h;
}

ReplayWindow::Key ReplayWindow::key_of(const std::string& kind, const std::string& id) {
  // 128 bits of SHA-256: a fixed size whatever the jti's length, and no
  // one can choose a jti that lands on another's.
  std::string text = kind;
  text.push_back('\0');
  text += id;
  const crypto::Hash digest = crypto::sha256(text);
  Key key{};
  std::copy_n(digest.begin(), key.size(), key.begin());
  return key;
}

void ReplayWindow::catch_up(std::uint64_t size) {
  std::lock_guard lock(mu_);
  load_locked();
  if (through_ < size) learn_locked(through_, size);
  through_ = std::max(through_, size);
}

bool ReplayWindow::held(const std::string& kind, const std::string& id) {
  const Key key = key_of(kind, id);
  std::lock_guard lock(mu_);
  load_locked();
  return held_.contains(key);
}

void ReplayWindow::committed(std::uint64_t from, std::uint64_t to, std::span<const store::RecordPut> claims) {
  std::lock_guard lock(mu_);
  if (!loaded_) return;  // it reads the ledger when first asked
  for (const store::RecordPut& claim : claims) {
    // Committed already, so nothing may throw here: a body that is not an
    // end (claim_body writes every one) is held for a whole lifetime.
    long long micros = 0;
    const char* end = claim.body.data() + claim.body.size();
    const auto parsed = std::from_chars(claim.body.data(), end, micros);
    const bool read = parsed.ec == std::errc{} && parsed.ptr == end;
    hold_locked(key_of(claim.kind, claim.id),
                read ? core::Timestamp(std::chrono::microseconds(micros)) : clock_() + lifetime_);
  }
  if (through_ >= from) through_ = std::max(through_, to);
}

bool ReplayWindow::answers_from_memory() {
  std::lock_guard lock(mu_);
  return loaded_;
}

std::size_t ReplayWindow::held_count() {
  std::lock_guard lock(mu_);
  return held_.size();
}

void ReplayWindow::load_locked() {
  if (loaded_) return;
  const std::uint64_t size = store_.ledger_size();
  std::uint64_t start = size;
  if (size > 0) {
    const auto last = store_.ledger_row(size - 1);
    const auto last_time = last ? entry_time(last->body) : std::nullopt;
    start = last_time ? first_row_since(std::min(*last_time, clock_()) - lifetime_ - kReadMargin, size) : 0;
  }
  learn_locked(start, size);
  through_ = size;
  loaded_ = true;
}

std::uint64_t ReplayWindow::first_row_since(core::Timestamp cutoff, std::uint64_t size) {
  // Entries are about in time order: a binary search by their times, the
  // margin covering what is out of order.
  std::uint64_t low = 0;
  std::uint64_t high = size;
  while (low < high) {
    const std::uint64_t middle = low + (high - low) / 2;
    const auto row = store_.ledger_row(middle);
    const auto time = row ? entry_time(row->body) : std::nullopt;
    if (time && *time < cutoff) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

void ReplayWindow::learn_locked(std::uint64_t from, std::uint64_t to) {
  store_.scan_ledger_bodies(from, to, kEntryTypesAboutNoTask, [&](const store::LedgerRow& row) {
    if (row.type != kDecisionEntry || row.body.find("\"proof_jti\":") == std::string::npos) return true;
    const auto jti = encoding::string_at_pointer(row.body, "/data/proof_jti");
    const auto time = entry_time(row.body);
    // A decision entry is checked when it is appended; one without a
    // readable time or jti here was not written by a decision.
    if (jti && time) hold_locked(key_of(kProofClaimKind, *jti), *time + lifetime_);
    return true;
  });
}

void ReplayWindow::hold_locked(const Key& key, core::Timestamp until) {
  const core::Timestamp now = clock_();
  while (!by_expiry_.empty() && by_expiry_.front().first < now) {
    held_.erase(by_expiry_.front().second);
    by_expiry_.pop_front();
  }
  if (until < now) return;  // could no longer be presented
  if (held_.insert(key).second) by_expiry_.emplace_back(until, key);
}

}  // namespace mandate::broker
