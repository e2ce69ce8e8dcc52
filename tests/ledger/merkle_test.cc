// RFC 6962 / RFC 9162 Merkle tree vectors, from transparency-dev/merkle
// (proof/verify_test.go), and its edge cases for the verifiers.
#include "ledger/merkle.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "ledger/units_support.h"

namespace mandate::ledger {
namespace {

using testing::bytes_from_hex;
using testing::flip_bit;
using testing::hash_from_hex;
using testing::MemoryNodes;
using testing::reference_mth;
using testing::to_hex;

constexpr std::string_view kLeafData[] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

constexpr std::string_view kRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

constexpr std::string_view kEmptyTreeHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kSomeHash = "abacaba000000000000000000000000000000000000000000060061e00123456";

struct InclusionVector {
  std::uint64_t index, size;  // index is 0-based
  std::vector<std::string_view> proof;
};

const std::vector<InclusionVector>& inclusion_vectors() {
  static const std::vector<InclusionVector> v = {
      {0, 8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5, 8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1, 5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
      {0, 1, {}},
  };
  return v;
}

struct ConsistencyVector {
  std::uint64_t first, second;
  std::vector<std::string_view> proof;
};

const std::vector<ConsistencyVector>& consistency_vectors() {
  static const std::vector<ConsistencyVector> v = {
      {1, 1, {}},
      {1, 8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6, 8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
      {6, 7,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
  };
  return v;
}

std::vector<Hash> hashes(const std::vector<std::string_view>& hex) {
  std::vector<Hash> out;
  for (const auto h : hex) out.push_back(hash_from_hex(h));
  return out;
}

std::vector<Hash> vector_leaves() {
  std::vector<Hash> leaves;
  for (const auto data : kLeafData) leaves.push_back(leaf_hash(bytes_from_hex(data)));
  return leaves;
}

Hash root_of(std::uint64_t size) { return size == 0 ? empty_root() : hash_from_hex(kRoots[size - 1]); }

TEST(MerkleHashing, LeafAndNodeDomainSeparation) {
  EXPECT_EQ(to_hex(empty_root()), kEmptyTreeHash);
  // leaf_hash("") = SHA-256(0x00), the root of a one-leaf tree of "".
  EXPECT_EQ(to_hex(leaf_hash({})), kRoots[0]);
  const auto leaves = vector_leaves();
  EXPECT_EQ(to_hex(leaves[1]), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  EXPECT_EQ(to_hex(node_hash(leaves[0], leaves[1])), kRoots[1]);
  // node_hash is SHA-256(0x01 || left || right).
  std::vector<std::uint8_t> buf = {0x01};
  buf.insert(buf.end(), leaves[0].begin(), leaves[0].end());
  buf.insert(buf.end(), leaves[1].begin(), leaves[1].end());
  EXPECT_EQ(node_hash(leaves[0], leaves[1]), crypto::sha256(buf));
  EXPECT_NE(node_hash(leaves[1], leaves[0]), node_hash(leaves[0], leaves[1]));
}

TEST(MerkleTree, RootsOfTheVectorTree) {
  MemoryNodes nodes(vector_leaves());
  EXPECT_EQ(tree_root(nodes, 0), empty_root());
  for (std::uint64_t size = 1; size <= 8; ++size) {
    SCOPED_TRACE(size);
    nodes.set_limit(size);
    EXPECT_EQ(to_hex(tree_root(nodes, size)), kRoots[size - 1]);
    EXPECT_EQ(to_hex(reference_mth(nodes.leaves(), 0, size)), kRoots[size - 1]);
    EXPECT_EQ(range_root(nodes, 0, size), tree_root(nodes, size));
  }
}

TEST(MerkleTree, RangeRootOfAlignedRanges) {
  MemoryNodes nodes(vector_leaves());
  for (std::uint64_t begin = 0; begin < 8; ++begin) {
    for (std::uint64_t end = begin + 1; end <= 8; ++end) {
      const std::uint64_t width = std::bit_floor(end - begin);
      if (begin % width != 0) continue;  // not a range proofs use
      EXPECT_EQ(range_root(nodes, begin, end), reference_mth(nodes.leaves(), begin, end)) << begin << ".." << end;
    }
  }
  EXPECT_THROW(range_root(nodes, 3, 3), Error);
  EXPECT_THROW(range_root(nodes, 4, 2), Error);
}

TEST(MerkleTree, InclusionProofVectors) {
  MemoryNodes nodes(vector_leaves());
  for (const auto& v : inclusion_vectors()) {
    SCOPED_TRACE(::testing::Message() << "index " << v.index << " size " << v.size);
    nodes.set_limit(v.size);
    const auto proof = inclusion_proof(nodes, v.index, v.size);
    EXPECT_EQ(proof, hashes(v.proof));
    EXPECT_TRUE(verify_inclusion(v.index, v.size, nodes.leaves()[v.index], proof, root_of(v.size)));
  }
}

TEST(MerkleTree, ConsistencyProofVectors) {
  MemoryNodes nodes(vector_leaves());
  for (const auto& v : consistency_vectors()) {
    SCOPED_TRACE(::testing::Message() << "sizes " << v.first << " -> " << v.second);
    nodes.set_limit(v.second);
    const auto proof = consistency_proof(nodes, v.first, v.second);
    EXPECT_EQ(proof, hashes(v.proof));
    EXPECT_TRUE(verify_consistency(v.first, v.second, root_of(v.first), root_of(v.second), proof));
  }
}

std::vector<Hash> with(std::vector<Hash> proof, std::initializer_list<Hash> back) {
  proof.insert(proof.end(), back);
  return proof;
}
std::vector<Hash> with_front(std::vector<Hash> proof, std::initializer_list<Hash> front) {
  proof.insert(proof.begin(), front);
  return proof;
}

// transparency-dev's corruptInclusionProof, plus every single-bit flip.
TEST(MerkleTree, CorruptedInclusionProofsFail) {
  const auto leaves = vector_leaves();
  const Hash some = hash_from_hex(kSomeHash);
  const Hash empty = hash_from_hex(kEmptyTreeHash);
  for (const auto& v : inclusion_vectors()) {
    SCOPED_TRACE(::testing::Message() << "index " << v.index << " size " << v.size);
    const auto proof = hashes(v.proof);
    const Hash root = root_of(v.size);
    const Hash leaf = leaves[v.index];
    ASSERT_TRUE(verify_inclusion(v.index, v.size, leaf, proof, root));
    EXPECT_FALSE(verify_inclusion(v.index - 1, v.size, leaf, proof, root));  // wraps for index 0
    EXPECT_FALSE(verify_inclusion(v.index + 1, v.size, leaf, proof, root));
    EXPECT_FALSE(verify_inclusion(v.index ^ 2, v.size, leaf, proof, root));
    EXPECT_FALSE(verify_inclusion(v.index, v.size * 2, leaf, proof, root));
    EXPECT_FALSE(verify_inclusion(v.index, v.size / 2, leaf, proof, root));
    EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf_hash({}) == leaf ? some : leaf_hash({}), proof, root));
    EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, proof, empty));
    EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, proof, some));
    EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, with(proof, {Hash{}}), root));
    EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, with(proof, {root}), root));
    EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, with_front(proof, {Hash{}}), root));
    EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, with_front(proof, {root}), root));
    if (!proof.empty()) {
      EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, std::vector<Hash>(proof.begin(), proof.end() - 1), root));
    }
    if (proof.size() > 1) {
      auto inserted = proof;
      inserted.insert(inserted.begin() + 1, some);
      EXPECT_FALSE(verify_inclusion(v.index, v.size, leaf, inserted, root));
    }
    for (std::size_t i = 0; i < proof.size(); ++i) {
      for (std::size_t bit = 0; bit < 256; ++bit) {
        auto bad = proof;
        bad[i] = flip_bit(bad[i], bit);
        ASSERT_FALSE(verify_inclusion(v.index, v.size, leaf, bad, root)) << "element " << i << " bit " << bit;
      }
    }
    for (std::size_t bit = 0; bit < 256; ++bit) {
      ASSERT_FALSE(verify_inclusion(v.index, v.size, leaf, proof, flip_bit(root, bit))) << "root bit " << bit;
      ASSERT_FALSE(verify_inclusion(v.index, v.size, flip_bit(leaf, bit), proof, root)) << "leaf bit " << bit;
    }
  }
}

// transparency-dev's corruptConsistencyProof, plus every single-bit flip.
TEST(MerkleTree, CorruptedConsistencyProofsFail) {
  const Hash wrong = hash_from_hex(kSomeHash);
  for (const auto& v : consistency_vectors()) {
    const auto proof = hashes(v.proof);
    if (proof.empty()) continue;
    SCOPED_TRACE(::testing::Message() << "sizes " << v.first << " -> " << v.second);
    const Hash r1 = root_of(v.first), r2 = root_of(v.second);
    ASSERT_TRUE(verify_consistency(v.first, v.second, r1, r2, proof));
    EXPECT_FALSE(verify_consistency(v.first - 1, v.second, r1, r2, proof));
    EXPECT_FALSE(verify_consistency(v.first + 1, v.second, r1, r2, proof));
    EXPECT_FALSE(verify_consistency(v.first ^ 2, v.second, r1, r2, proof));
    EXPECT_FALSE(verify_consistency(v.first, v.second * 2, r1, r2, proof));
    EXPECT_FALSE(verify_consistency(v.first, v.second / 2, r1, r2, proof));
    EXPECT_FALSE(verify_consistency(v.first, v.second, wrong, r2, proof));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, wrong, proof));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r2, r1, proof));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, std::vector<Hash>{}));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, with(proof, {Hash{}})));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, with(proof, {r1})));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, with(proof, {r2})));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, with_front(proof, {Hash{}})));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, with_front(proof, {r1})));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, with_front(proof, {r2})));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, with_front(proof, {proof[0]})));
    EXPECT_FALSE(verify_consistency(v.first, v.second, r1, r2, std::vector<Hash>(proof.begin(), proof.end() - 1)));
    for (std::size_t i = 0; i < proof.size(); ++i) {
      for (std::size_t bit = 0; bit < 256; ++bit) {
        auto bad = proof;
        bad[i] = flip_bit(bad[i], bit);
        ASSERT_FALSE(verify_consistency(v.first, v.second, r1, r2, bad)) << "element " << i << " bit " << bit;
      }
    }
    for (std::size_t bit = 0; bit < 256; ++bit) {
      ASSERT_FALSE(verify_consistency(v.first, v.second, flip_bit(r1, bit), r2, proof)) << "root1 bit " << bit;
      ASSERT_FALSE(verify_consistency(v.first, v.second, r1, flip_bit(r2, bit), proof)) << "root2 bit " << bit;
    }
  }
}

// transparency-dev TestVerifyConsistency's table of edge cases.
TEST(MerkleTree, VerifyConsistencyEdgeCases) {
  const Hash root1 = crypto::sha256(std::string_view("don't care 1"));
  const Hash root2 = crypto::sha256(std::string_view("don't care 2"));
  const Hash empty = hash_from_hex(kEmptyTreeHash);
  const std::vector<Hash> proof1;
  const std::vector<Hash> proof2 = {empty};
  struct Case {
    std::uint64_t first, second;
    Hash r1, r2;
    const std::vector<Hash>* proof;
    bool ok;
  };
  const Case cases[] = {
      {0, 0, root1, root2, &proof1, false},
      {1, 1, root1, root2, &proof1, false},
      // Sizes that are always consistent.
      {0, 0, root1, root1, &proof1, true},
      {0, 1, root1, root2, &proof1, true},
      {1, 1, root2, root2, &proof1, true},
      // Time travel to the past.
      {1, 0, root1, root2, &proof1, false},
      {2, 1, root1, root2, &proof1, false},
      // Empty proof.
      {1, 2, root1, root2, &proof1, false},
      // Roots don't match.
      {0, 0, empty, root2, &proof1, false},
      {1, 1, empty, root2, &proof1, false},
      // Roots match but the proof is not empty.
      {0, 0, empty, empty, &proof2, false},
      {0, 1, empty, empty, &proof2, false},
      {1, 1, empty, empty, &proof2, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(verify_consistency(c.first, c.second, c.r1, c.r2, *c.proof), c.ok)
        << c.first << " -> " << c.second << " proof size " << c.proof->size();
  }
}

TEST(MerkleTree, VerifyInclusionEdgeCases) {
  const Hash some = hash_from_hex(kSomeHash);
  const Hash empty = hash_from_hex(kEmptyTreeHash);
  // Index not below size never verifies, whatever the hashes.
  for (const auto& [index, size] : {std::pair<std::uint64_t, std::uint64_t>{0, 0}, {1, 0}, {2, 1}, {1, 1}, {8, 8}}) {
    EXPECT_FALSE(verify_inclusion(index, size, some, {}, some)) << index << "/" << size;
    EXPECT_FALSE(verify_inclusion(index, size, empty, {}, empty)) << index << "/" << size;
    EXPECT_FALSE(verify_inclusion(index, size, some, {}, empty)) << index << "/" << size;
  }
  EXPECT_FALSE(verify_inclusion(0, 1, some, {}, empty));
  EXPECT_FALSE(verify_inclusion(UINT64_MAX, UINT64_MAX, some, {}, some));
}

TEST(MerkleTree, VerifyInclusionSingleEntry) {
  // In a one-entry tree the root is the leaf hash and the proof is empty.
  const Hash hash = leaf_hash(std::vector<std::uint8_t>{'d', 'a', 't', 'a'});
  const Hash other = leaf_hash(std::vector<std::uint8_t>{'d', 'a', 't', 'b'});
  EXPECT_TRUE(verify_inclusion(0, 1, hash, {}, hash));
  EXPECT_FALSE(verify_inclusion(0, 1, hash, {}, other));
  EXPECT_FALSE(verify_inclusion(0, 1, other, {}, hash));
  const std::vector<Hash> extra = {hash};
  EXPECT_FALSE(verify_inclusion(0, 1, hash, extra, hash));
  EXPECT_FALSE(verify_inclusion(0, 1, hash, extra, node_hash(hash, hash)));
  MemoryNodes nodes({hash});
  EXPECT_TRUE(inclusion_proof(nodes, 0, 1).empty());
  EXPECT_EQ(tree_root(nodes, 1), hash);
}

TEST(MerkleTree, ProofArgumentsOutOfRangeThrow) {
  MemoryNodes nodes(vector_leaves());
  EXPECT_THROW(inclusion_proof(nodes, 0, 0), Error);
  EXPECT_THROW(inclusion_proof(nodes, 8, 8), Error);
  EXPECT_THROW(consistency_proof(nodes, 3, 2), Error);
  EXPECT_TRUE(consistency_proof(nodes, 0, 8).empty());
  EXPECT_TRUE(consistency_proof(nodes, 5, 5).empty());
  EXPECT_TRUE(consistency_proof(nodes, 0, 0).empty());
}

TEST(MerkleTree, ProofsReadFewNodesOfALargeTree) {
  // 2^17 + 12345 leaves: a proof must not walk the leaves.
  const std::uint64_t size = (std::uint64_t{1} << 17) + 12345;
  std::vector<Hash> leaves(size);
  for (std::uint64_t i = 0; i < size; ++i) {
    leaves[i] = leaf_hash(std::vector<std::uint8_t>{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8),
                                                    static_cast<std::uint8_t>(i >> 16)});
  }
  MemoryNodes nodes(std::move(leaves));
  const Hash root = tree_root(nodes, size);
  for (const std::uint64_t index : {std::uint64_t{0}, std::uint64_t{77777}, size - 1, size / 2}) {
    const std::uint64_t before = nodes.reads();
    const auto proof = inclusion_proof(nodes, index, size);
    EXPECT_LE(nodes.reads() - before, 18u * 18u);
    EXPECT_LE(proof.size(), 18u);
    EXPECT_TRUE(verify_inclusion(index, size, nodes.leaves()[index], proof, root));
  }
  for (const std::uint64_t first : {std::uint64_t{1}, std::uint64_t{12345}, std::uint64_t{1} << 17, size - 1}) {
    const std::uint64_t before = nodes.reads();
    nodes.set_limit(size);
    const auto proof = consistency_proof(nodes, first, size);
    EXPECT_LE(nodes.reads() - before, 18u * 18u);
    nodes.set_limit(first);
    const Hash first_root = tree_root(nodes, first);
    EXPECT_TRUE(verify_consistency(first, size, first_root, root, proof)) << first;
  }
}

}  // namespace
}  // namespace mandate::ledger
