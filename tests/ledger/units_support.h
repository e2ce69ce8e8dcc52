#pragma once
// Helpers for the ledger unit tests: hashes from hex and an in-memory
// NodeSource over a vector of leaf hashes, computed from the definitions
// (RFC 9162 §2.1.1) independently of the code under test.
#include <bit>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "encoding/hex.h"
#include "ledger/merkle.h"

namespace mandate::ledger::testing {

inline Hash hash_from_hex(std::string_view hex) {
  const auto bytes = encoding::hex_decode(hex);
  if (!bytes || bytes->size() != 32) throw std::invalid_argument("not a 32-byte hex hash: " + std::string(hex));
  Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

inline std::vector<std::uint8_t> bytes_from_hex(std::string_view hex) {
  const auto bytes = encoding::hex_decode(hex);
  if (!bytes) throw std::invalid_argument("not hex: " + std::string(hex));
  return *bytes;
}

inline std::string to_hex(const Hash& h) { return encoding::hex_encode(h); }

// MTH(D[begin:end]) straight from the recursive definition.
inline Hash reference_mth(const std::vector<Hash>& leaves, std::uint64_t begin, std::uint64_t end) {
  const std::uint64_t n = end - begin;
  if (n == 0) return empty_root();
  if (n == 1) return leaves[begin];
  const std::uint64_t k = std::bit_floor(n - 1);
  return node_hash(reference_mth(leaves, begin, begin + k), reference_mth(leaves, begin + k, end));
}

// PATH(m, D[lo:hi]) and SUBPROOF(m, D[lo:hi], b) straight from RFC 9162.
inline void reference_path(const std::vector<Hash>& leaves, std::uint64_t m, std::uint64_t lo, std::uint64_t hi,
                           std::vector<Hash>& out) {
  const std::uint64_t n = hi - lo;
  if (n <= 1) return;
  const std::uint64_t k = std::bit_floor(n - 1);
  if (m < k) {
    reference_path(leaves, m, lo, lo + k, out);
    out.push_back(reference_mth(leaves, lo + k, hi));
  } else {
    reference_path(leaves, m - k, lo + k, hi, out);
    out.push_back(reference_mth(leaves, lo, lo + k));
  }
}

inline void reference_subproof(const std::vector<Hash>& leaves, std::uint64_t m, std::uint64_t lo, std::uint64_t hi,
                               bool b, std::vector<Hash>& out) {
  const std::uint64_t n = hi - lo;
  if (m == n) {
    if (!b) out.push_back(reference_mth(leaves, lo, hi));
    return;
  }
  const std::uint64_t k = std::bit_floor(n - 1);
  if (m <= k) {
    reference_subproof(leaves, m, lo, lo + k, b, out);
    out.push_back(reference_mth(leaves, lo + k, hi));
  } else {
    reference_subproof(leaves, m - k, lo + k, hi, false, out);
    out.push_back(reference_mth(leaves, lo, lo + k));
  }
}

// Stores every perfect subtree of the leaves given, level by level. Asking
// for a node that is not a complete perfect subtree of the first `limit`
// leaves is a test failure: a real store would not have it.
class MemoryNodes final : public NodeSource {
 public:
  explicit MemoryNodes(std::vector<Hash> leaves) : limit_(leaves.size()) {
    levels_.push_back(std::move(leaves));
    while (levels_.back().size() >= 2) {
      const auto& below = levels_.back();
      std::vector<Hash> above;
      for (std::size_t i = 0; i + 1 < below.size(); i += 2) above.push_back(node_hash(below[i], below[i + 1]));
      levels_.push_back(std::move(above));
    }
  }

  // Restricts reads to the first `limit` leaves, as for a smaller tree.
  void set_limit(std::uint64_t limit) { limit_ = limit; }
  std::uint64_t reads() const { return reads_; }

  Hash node(unsigned level, std::uint64_t index) override {
    ++reads_;
    const bool exists = level < levels_.size() && index < levels_[level].size() &&
                        ((index + 1) << level) <= limit_;
    if (!exists) {
      ADD_FAILURE() << "read of node (" << level << ", " << index << ") beyond " << limit_ << " leaves";
      return Hash{};
    }
    return levels_[level][index];
  }

  const std::vector<Hash>& leaves() const { return levels_[0]; }
  Hash stored(unsigned level, std::uint64_t index) const { return levels_.at(level).at(index); }

 private:
  std::vector<std::vector<Hash>> levels_;
  std::uint64_t limit_;
  std::uint64_t reads_ = 0;
};

inline Hash flip_bit(Hash h, std::size_t bit) {
  h[bit / 8] = static_cast<std::uint8_t>(h[bit / 8] ^ (1u << (bit % 8)));
  return h;
}

}  // namespace mandate::ledger::testing
