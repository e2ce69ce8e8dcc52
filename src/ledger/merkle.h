#pragma once
// RFC 9162 §2.1 Merkle tree hashing and proofs. Proof generation reads only
// the O(log n) perfect-subtree nodes it needs through a NodeSource, so a
// tree of any size is never loaded whole.
#include <cstdint>
#include <span>
#include <vector>

#include "crypto/sha256.h"

namespace mandate::ledger {

using crypto::Hash;

Hash leaf_hash(std::span<const std::uint8_t> entry);
Hash node_hash(const Hash& left, const Hash& right);
Hash empty_root();  // SHA-256 of the empty string

// Perfect subtrees are addressed by (level, index): the node over leaves
// [index << level, (index + 1) << level). Level 0 is a leaf hash.
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  virtual Hash node(unsigned level, std::uint64_t index) = 0;
};

// MTH(D[begin:end]) for a range that proofs use: begin is a multiple of the
// largest power of two not above end - begin.
Hash range_root(NodeSource& nodes, std::uint64_t begin, std::uint64_t end);
Hash tree_root(NodeSource& nodes, std::uint64_t size);
std::vector<Hash> inclusion_proof(NodeSource& nodes, std::uint64_t index, std::uint64_t size);
std::vector<Hash> consistency_proof(NodeSource& nodes, std::uint64_t first, std::uint64_t second);

// Client-side checks (RFC 9162 §2.1.3.2 and §2.1.4.2).
bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                      std::span<const Hash> proof, const Hash& root);
bool verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                        const Hash& second_root, std::span<const Hash> proof);

// The perfect subtrees that make up a tree of the current size, largest
// first: enough to append and to compute the root, in O(log n) memory.
class Frontier {
 public:
  struct CompletedNode {
    unsigned level;
    std::uint64_t index;
    Hash hash;
  };

  Frontier() = default;
  // Rebuilds the frontier of a tree of `size` leaves from stored nodes.
  static Frontier load(NodeSource& nodes, std::uint64_t size);

  // Adds a leaf; `completed` receives the interior nodes (level >= 1) that
  // this leaf completes, lowest level first.
  void append(const Hash& leaf, std::vector<CompletedNode>& completed);
  std::uint64_t size() const { return size_; }
  Hash root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> subtrees_;  // one per set bit of size_, largest first
};

}  // namespace mandate::ledger
