#include "ledger/merkle.h"
#include "core/error.h"

#include <bit>
#include <stdexcept>

namespace mandate::ledger {
namespace {

// Largest power of two strictly below n (n >= 2).
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

void path(NodeSource& nodes, std::uint64_t m, std::uint64_t lo, std::uint64_t hi, std::vector<Hash>& out) {
  const std::uint64_t n = hi - lo;
  if (n <= 1) return;
  const std::uint64_t k = split_point(n);
  if (m < k) {
    path(nodes, m, lo, lo + k, out);
    out.push_back(range_root(nodes, lo + k, hi));
  } else {
    path(nodes, m - k, lo + k, hi, out);
    out.push_back(range_root(nodes, lo, lo + k));
  }
}

void subproof(NodeSource& nodes, std::uint64_t m, std::uint64_t lo, std::uint64_t hi, bool whole,
              std::vector<Hash>& out) {
  const std::uint64_t n = hi - lo;
  if (m == n) {
    if (!whole) out.push_back(range_root(nodes, lo, hi));
    return;
  }
  const std::uint64_t k = split_point(n);
  if (m <= k) {
    subproof(nodes, m, lo, lo + k, whole, out);
    out.push_back(range_root(nodes, lo + k, hi));
  } else {
    subproof(nodes, m - k, lo + k, hi, false, out);
    out.push_back(range_root(nodes, lo, lo + k));
  }
}

}  // namespace

Hash leaf_hash(std::span<const std::uint8_t> entry) {
  crypto::Sha256 h;
  return h.update(std::uint8_t{0x00}).update(entry).finish();
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::uint8_t buf[65];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  return crypto::sha256(std::span<const std::uint8_t>(buf, sizeof buf));
}

Hash empty_root() { return crypto::sha256(std::string_view{}); }

Hash range_root(NodeSource& nodes, std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) fail(ErrorKind::internal, "empty Merkle range");
  // Binary decomposition into perfect subtrees, largest first, then folded
  // from the right: that is exactly RFC 9162's recursive MTH.
  std::vector<Hash> parts;
  std::uint64_t pos = begin;
  while (pos < end) {
    std::uint64_t width = std::bit_floor(end - pos);
    while (pos % width != 0) width >>= 1;
    const auto level = static_cast<unsigned>(std::countr_zero(width));
    parts.push_back(nodes.node(level, pos >> level));
    pos += width;
  }
  Hash acc = parts.back();
  for (auto it = parts.rbegin() + 1; it != parts.rend(); ++it) acc = node_hash(*it, acc);
  return acc;
}

Hash tree_root(NodeSource& nodes, std::uint64_t size) {
  return size == 0 ? empty_root() : range_root(nodes, 0, size);
}

std::vector<Hash> inclusion_proof(NodeSource& nodes, std::uint64_t index, std::uint64_t size) {
  if (index >= size) fail(ErrorKind::internal, "leaf index beyond tree size");
  std::vector<Hash> out;
  path(nodes, index, 0, size, out);
  return out;
}

std::vector<Hash> consistency_proof(NodeSource& nodes, std::uint64_t first, std::uint64_t second) {
  if (first > second) fail(ErrorKind::internal, "first tree size exceeds second");
  std::vector<Hash> out;
  if (first == 0 || first == second) return out;
  subproof(nodes, first, 0, second, true, out);
  return out;
}

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf, std::span<const Hash> proof,
                      const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                        const Hash& second_root, std::span<const Hash> proof) {
  if (first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  if (first == 0) return proof.empty();
  if (proof.empty()) return false;

  std::vector<Hash> path(proof.begin(), proof.end());
  if (std::has_single_bit(first)) path.insert(path.begin(), first_root);
  std::uint64_t fn = first - 1;
  std::uint64_t sn = second - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path.front();
  Hash sr = path.front();
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == first_root && sr == second_root;
}

Frontier Frontier::load(NodeSource& nodes, std::uint64_t size) {
  Frontier f;
  f.size_ = size;
  std::uint64_t pos = 0;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if ((size & width) != 0) {
      f.subtrees_.push_back(nodes.node(static_cast<unsigned>(level), pos >> level));
      pos += width;
    }
  }
  return f;
}

void Frontier::append(const Hash& leaf, std::vector<CompletedNode>& completed) {
  Hash carry = leaf;
  unsigned level = 0;
  // Each trailing one bit of the old size is a subtree the new leaf merges into.
  for (std::uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    carry = node_hash(subtrees_.back(), carry);
    subtrees_.pop_back();
    ++level;
    completed.push_back({level, size_ >> level, carry});
  }
  subtrees_.push_back(carry);
  ++size_;
}

Hash Frontier::root() const {
  if (subtrees_.empty()) return empty_root();
  Hash acc = subtrees_.back();
  for (auto it = subtrees_.rbegin() + 1; it != subtrees_.rend(); ++it) acc = node_hash(*it, acc);
  return acc;
}

}  // namespace mandate::ledger
