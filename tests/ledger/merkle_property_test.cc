// Randomized checks of proof generation, verification and the frontier
// against the recursive definitions of RFC 9162. The seed is printed with
// every failure; set MANDATE_TEST_SEED to replay one.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ledger/merkle.h"
#include "ledger/units_support.h"

namespace mandate::ledger {
namespace {

using testing::flip_bit;
using testing::MemoryNodes;
using testing::reference_mth;
using testing::reference_path;
using testing::reference_subproof;

std::uint64_t test_seed() {
  if (const char* env = std::getenv("MANDATE_TEST_SEED")) return std::strtoull(env, nullptr, 0);
  return std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
}

std::vector<Hash> random_leaves(std::mt19937_64& rng, std::size_t count) {
  std::vector<Hash> leaves;
  for (std::size_t i = 0; i < count; ++i) {
    // Distinct leaves, as in the ledger (each entry holds its index): two
    // equal neighbours would make one proof valid for both positions.
    std::vector<std::uint8_t> data(8 + rng() % 40);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    for (int k = 0; k < 8; ++k) data[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(i >> (8 * k));
    leaves.push_back(leaf_hash(data));
  }
  return leaves;
}

std::vector<Hash> reference_inclusion(const std::vector<Hash>& leaves, std::uint64_t index, std::uint64_t size) {
  std::vector<Hash> out;
  reference_path(leaves, index, 0, size, out);
  return out;
}

std::vector<Hash> reference_consistency(const std::vector<Hash>& leaves, std::uint64_t first, std::uint64_t second) {
  std::vector<Hash> out;
  if (first > 0 && first < second) reference_subproof(leaves, first, 0, second, true, out);
  return out;
}

class MerkleProperty : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = test_seed();
    rng_.seed(seed_);
  }
  std::string trace() const { return "MANDATE_TEST_SEED=" + std::to_string(seed_); }

  std::uint64_t seed_ = 0;
  std::mt19937_64 rng_;
};

// Checks one inclusion proof and a set of corruptions of it.
void check_inclusion(MemoryNodes& nodes, const std::vector<Hash>& roots, std::uint64_t index, std::uint64_t size,
                     std::mt19937_64& rng, bool every_bit) {
  SCOPED_TRACE(::testing::Message() << "inclusion index " << index << " size " << size);
  nodes.set_limit(size);
  const auto proof = inclusion_proof(nodes, index, size);
  ASSERT_EQ(proof, reference_inclusion(nodes.leaves(), index, size));
  const Hash& leaf = nodes.leaves()[index];
  const Hash& root = roots[size];
  ASSERT_TRUE(verify_inclusion(index, size, leaf, proof, root));

  for (std::size_t i = 0; i < proof.size(); ++i) {
    if (every_bit) {
      for (std::size_t bit = 0; bit < 256; ++bit) {
        auto bad = proof;
        bad[i] = flip_bit(bad[i], bit);
        ASSERT_FALSE(verify_inclusion(index, size, leaf, bad, root)) << "element " << i << " bit " << bit;
      }
    } else {
      auto bad = proof;
      const std::size_t bit = rng() % 256;
      bad[i] = flip_bit(bad[i], bit);
      ASSERT_FALSE(verify_inclusion(index, size, leaf, bad, root)) << "element " << i << " bit " << bit;
    }
  }
  const std::size_t bit = rng() % 256;
  ASSERT_FALSE(verify_inclusion(index, size, leaf, proof, flip_bit(root, bit))) << "root bit " << bit;
  ASSERT_FALSE(verify_inclusion(index, size, flip_bit(leaf, bit), proof, root)) << "leaf bit " << bit;
  // The same proof for another leaf position of the same tree.
  for (const std::uint64_t other : {index - 1, index + 1, index ^ 1, index ^ 2, index ^ 4, size - 1, std::uint64_t{0}}) {
    if (other == index) continue;
    ASSERT_FALSE(verify_inclusion(other, size, leaf, proof, root)) << "as index " << other;
  }
  // The same proof against another tree size, with that tree's root.
  for (const std::uint64_t other : {size - 1, size + 1, size * 2, size / 2}) {
    if (other == size || other >= roots.size() || other <= index) continue;
    ASSERT_FALSE(verify_inclusion(index, other, leaf, proof, roots[other])) << "as size " << other;
  }
  // Extra or missing elements.
  auto longer = proof;
  longer.push_back(root);
  ASSERT_FALSE(verify_inclusion(index, size, leaf, longer, root));
  if (!proof.empty()) {
    ASSERT_FALSE(verify_inclusion(index, size, leaf, std::span(proof).first(proof.size() - 1), root));
  }
}

void check_consistency(MemoryNodes& nodes, const std::vector<Hash>& roots, std::uint64_t first,
                       std::uint64_t second, std::mt19937_64& rng, bool every_bit) {
  SCOPED_TRACE(::testing::Message() << "consistency " << first << " -> " << second);
  nodes.set_limit(second);
  const auto proof = consistency_proof(nodes, first, second);
  ASSERT_EQ(proof, reference_consistency(nodes.leaves(), first, second));
  const Hash& r1 = roots[first];
  const Hash& r2 = roots[second];
  ASSERT_TRUE(verify_consistency(first, second, r1, r2, proof));
  if (first == 0) return;  // anything is consistent with the empty tree

  const std::size_t bit = rng() % 256;
  ASSERT_FALSE(verify_consistency(first, second, flip_bit(r1, bit), r2, proof)) << "root1 bit " << bit;
  if (first == second) return;
  ASSERT_FALSE(verify_consistency(first, second, r1, flip_bit(r2, bit), proof)) << "root2 bit " << bit;
  ASSERT_FALSE(verify_consistency(first, second, r2, r1, proof));
  for (std::size_t i = 0; i < proof.size(); ++i) {
    if (every_bit) {
      for (std::size_t b = 0; b < 256; ++b) {
        auto bad = proof;
        bad[i] = flip_bit(bad[i], b);
        ASSERT_FALSE(verify_consistency(first, second, r1, r2, bad)) << "element " << i << " bit " << b;
      }
    } else {
      auto bad = proof;
      const std::size_t b = rng() % 256;
      bad[i] = flip_bit(bad[i], b);
      ASSERT_FALSE(verify_consistency(first, second, r1, r2, bad)) << "element " << i << " bit " << b;
    }
  }
  // The same proof for other sizes, with the roots of those trees.
  for (const std::uint64_t other : {first - 1, first + 1, first ^ 2, first * 2, first / 2}) {
    if (other == first || other == 0 || other >= second) continue;
    ASSERT_FALSE(verify_consistency(other, second, roots[other], r2, proof)) << "as first " << other;
  }
  for (const std::uint64_t other : {second - 1, second + 1, second * 2, second / 2}) {
    if (other == second || other <= first || other >= roots.size()) continue;
    ASSERT_FALSE(verify_consistency(first, other, r1, roots[other], proof)) << "as second " << other;
  }
  auto longer = proof;
  longer.push_back(r2);
  ASSERT_FALSE(verify_consistency(first, second, r1, r2, longer));
  ASSERT_FALSE(verify_consistency(first, second, r1, r2, std::span(proof).first(proof.size() - 1)));
}

std::vector<Hash> all_roots(MemoryNodes& nodes, std::uint64_t max_size) {
  std::vector<Hash> roots;
  for (std::uint64_t size = 0; size <= max_size; ++size) roots.push_back(reference_mth(nodes.leaves(), 0, size));
  return roots;
}

TEST_F(MerkleProperty, EveryProofOfSmallTreesVerifiesAndNoBitFlipDoes) {
  SCOPED_TRACE(trace());
  constexpr std::uint64_t kMax = 17;
  MemoryNodes nodes(random_leaves(rng_, kMax + 2));
  const auto roots = all_roots(nodes, kMax + 1);
  for (std::uint64_t size = 1; size <= kMax; ++size) {
    nodes.set_limit(size);
    ASSERT_EQ(tree_root(nodes, size), roots[size]) << size;
    for (std::uint64_t index = 0; index < size; ++index) check_inclusion(nodes, roots, index, size, rng_, true);
    for (std::uint64_t first = 0; first <= size; ++first) check_consistency(nodes, roots, first, size, rng_, true);
    if (HasFatalFailure()) return;
  }
}

TEST_F(MerkleProperty, EveryProofOfTreesUpTo64Verifies) {
  SCOPED_TRACE(trace());
  constexpr std::uint64_t kMax = 64;
  MemoryNodes nodes(random_leaves(rng_, kMax + 1));
  const auto roots = all_roots(nodes, kMax + 1);
  for (std::uint64_t size = 1; size <= kMax; ++size) {
    for (std::uint64_t index = 0; index < size; ++index) check_inclusion(nodes, roots, index, size, rng_, false);
    for (std::uint64_t first = 0; first <= size; ++first) check_consistency(nodes, roots, first, size, rng_, false);
    if (HasFatalFailure()) return;
  }
}

TEST_F(MerkleProperty, RandomTreesUpTo300) {
  SCOPED_TRACE(trace());
  constexpr std::uint64_t kMax = 300;
  MemoryNodes nodes(random_leaves(rng_, kMax + 1));
  const auto roots = all_roots(nodes, kMax + 1);
  for (int round = 0; round < 12; ++round) {
    const std::uint64_t size = 1 + rng_() % kMax;
    nodes.set_limit(size);
    ASSERT_EQ(tree_root(nodes, size), roots[size]) << size;
    for (std::uint64_t index = 0; index < size; ++index) check_inclusion(nodes, roots, index, size, rng_, false);
    for (int sample = 0; sample < 60; ++sample) {
      const std::uint64_t first = rng_() % (size + 1);
      check_consistency(nodes, roots, first, size, rng_, false);
    }
    if (HasFatalFailure()) return;
  }
}

// Every perfect subtree (level >= 1) that ends exactly at `size`, lowest first:
// what appending leaf size-1 must report as completed.
std::vector<Frontier::CompletedNode> completed_at(const MemoryNodes& nodes, std::uint64_t size) {
  std::vector<Frontier::CompletedNode> out;
  for (unsigned level = 1; level < 64 && size % (std::uint64_t{1} << level) == 0; ++level) {
    const std::uint64_t index = (size >> level) - 1;
    out.push_back({level, index, nodes.stored(level, index)});
  }
  return out;
}

TEST_F(MerkleProperty, FrontierMatchesTheTreeAtEverySize) {
  SCOPED_TRACE(trace());
  constexpr std::uint64_t kMax = 300;
  MemoryNodes nodes(random_leaves(rng_, kMax));
  Frontier frontier;
  EXPECT_EQ(frontier.size(), 0u);
  EXPECT_EQ(frontier.root(), empty_root());
  for (std::uint64_t size = 1; size <= kMax; ++size) {
    SCOPED_TRACE(size);
    std::vector<Frontier::CompletedNode> completed;
    frontier.append(nodes.leaves()[size - 1], completed);
    ASSERT_EQ(frontier.size(), size);
    nodes.set_limit(size);
    ASSERT_EQ(frontier.root(), tree_root(nodes, size));
    ASSERT_EQ(frontier.root(), reference_mth(nodes.leaves(), 0, size));

    const auto expected = completed_at(nodes, size);
    ASSERT_EQ(completed.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(completed[i].level, expected[i].level);
      EXPECT_EQ(completed[i].index, expected[i].index);
      EXPECT_EQ(completed[i].hash, expected[i].hash);
    }
  }
}

TEST_F(MerkleProperty, FrontierLoadContinuesLikeTheOriginal) {
  SCOPED_TRACE(trace());
  constexpr std::uint64_t kMax = 300;
  MemoryNodes nodes(random_leaves(rng_, kMax + 1));
  Frontier built;
  std::vector<Frontier::CompletedNode> sink;
  for (std::uint64_t size = 0; size <= kMax; ++size) {
    SCOPED_TRACE(size);
    nodes.set_limit(size);
    Frontier loaded = Frontier::load(nodes, size);
    ASSERT_EQ(loaded.size(), size);
    ASSERT_EQ(loaded.root(), built.root());
    // Both continue identically with the next leaf.
    nodes.set_limit(size + 1);
    std::vector<Frontier::CompletedNode> from_loaded, from_built;
    loaded.append(nodes.leaves()[size], from_loaded);
    Frontier copy = built;
    copy.append(nodes.leaves()[size], from_built);
    ASSERT_EQ(loaded.root(), copy.root());
    ASSERT_EQ(from_loaded.size(), from_built.size());
    for (std::size_t i = 0; i < from_built.size(); ++i) {
      EXPECT_EQ(from_loaded[i].level, from_built[i].level);
      EXPECT_EQ(from_loaded[i].index, from_built[i].index);
      EXPECT_EQ(from_loaded[i].hash, from_built[i].hash);
    }
    // And keep doing so for a few more.
    for (std::uint64_t extra = size + 1; extra < std::min(size + 5, kMax + 1); ++extra) {
      std::vector<Frontier::CompletedNode> a, b;
      loaded.append(nodes.leaves()[extra], a);
      copy.append(nodes.leaves()[extra], b);
      ASSERT_EQ(loaded.root(), copy.root());
      ASSERT_EQ(a.size(), b.size());
    }
    built.append(nodes.leaves()[size], sink);
  }
}

}  // namespace
}  // namespace mandate::ledger
