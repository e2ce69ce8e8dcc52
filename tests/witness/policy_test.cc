// C2SP tlog-policy: parsing with line-numbered errors, k-of-n groups, and
// the quorum over cosignatures actually present on a checkpoint.
#include "witness/policy.h"

#include <gtest/gtest.h>

namespace mandate::witness {
namespace {

constexpr std::string_view kCheckpoint = "log.example/mandate\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

struct Witnesses {
  std::vector<crypto::Ed25519PrivateKey> keys;
  std::vector<Cosigner> cosigners;
  explicit Witnesses(int n) {
    for (int i = 0; i < n; ++i) {
      keys.push_back(crypto::Ed25519PrivateKey::generate());
      cosigners.push_back(Cosigner::for_key("w.example/" + std::to_string(i), keys.back().public_key()));
    }
  }
  ledger::NoteSignature cosign_by(int i, std::string_view text = kCheckpoint) const {
    return cosign(text, cosigners[i].name, keys[i], 1700000000 + i);
  }
};

TEST(WitnessPolicy, TheSpecsTwoLevelExampleNeedsTwoXAndOneY) {
  const Witnesses w(6);
  const auto log = crypto::Ed25519PrivateKey::generate();
  std::string text = "# the example of tlog-policy.md\nlog " +
                     ledger::NoteVerifier::for_key("log.example/mandate", log.public_key()).to_string() + "\n\n";
  for (int i = 0; i < 3; ++i) text += "witness X" + std::to_string(i + 1) + " " + w.cosigners[i].to_string() + "\n";
  text += "group X-witnesses 2 X1 X2 X3\n";
  for (int i = 3; i < 6; ++i) {
    text += "  witness\tY" + std::to_string(i - 2) + " " + w.cosigners[i].to_string() + " https://y.example/\n";
  }
  text += "group Y-witnesses any Y1 Y2 Y3\ngroup X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n";
  const auto policy = WitnessPolicy::parse(text);
  ASSERT_TRUE(policy) << policy.error();
  EXPECT_EQ(policy->logs().size(), 1u);
  EXPECT_EQ(policy->witnesses().size(), 6u);
  EXPECT_EQ(policy->witnesses()[3].url, "https://y.example/");

  EXPECT_FALSE(policy->satisfied_by({"X1", "X2"}));
  EXPECT_FALSE(policy->satisfied_by({"X1", "Y1", "Y2", "Y3"}));
  EXPECT_TRUE(policy->satisfied_by({"X1", "X3", "Y2"}));

  const auto enough = policy->check(kCheckpoint, {w.cosign_by(0), w.cosign_by(2), w.cosign_by(4)});
  EXPECT_TRUE(enough.reached);
  EXPECT_EQ(enough.cosigned_by, (std::vector<std::string>{"X1", "X3", "Y2"}));
  EXPECT_EQ(enough.timestamps.at("Y2"), 1700000004u);

  // A cosignature over another root counts for nothing, and is reported.
  std::string fork(kCheckpoint);
  fork[fork.size() - 3] = 'B';
  const auto forked = policy->check(kCheckpoint, {w.cosign_by(0), w.cosign_by(2, fork), w.cosign_by(4)});
  EXPECT_FALSE(forked.reached);
  ASSERT_EQ(forked.problems.size(), 1u);
  EXPECT_NE(forked.problems[0].find("X3"), std::string::npos);

  // Round trip through its own text.
  const auto again = WitnessPolicy::parse(policy->to_string());
  ASSERT_TRUE(again) << again.error();
  EXPECT_TRUE(again->satisfied_by({"X1", "X3", "Y2"}));
  EXPECT_FALSE(again->satisfied_by({"X1", "Y2"}));
}

TEST(WitnessPolicy, KOfNFromCommandLineKeys) {
  const Witnesses w(3);
  const auto two = WitnessPolicy::k_of_n(w.cosigners, 2);
  ASSERT_TRUE(two) << two.error();
  EXPECT_FALSE(two->check(kCheckpoint, {w.cosign_by(1)}).reached);
  EXPECT_FALSE(two->check(kCheckpoint, {w.cosign_by(1), w.cosign_by(1)}).reached);  // one witness twice is one
  EXPECT_TRUE(two->check(kCheckpoint, {w.cosign_by(1), w.cosign_by(2)}).reached);

  const auto none = WitnessPolicy::k_of_n(w.cosigners, 0);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->requires_cosignatures());
  EXPECT_TRUE(none->check(kCheckpoint, {}).reached);

  EXPECT_FALSE(WitnessPolicy::k_of_n(w.cosigners, 4));
}

TEST(WitnessPolicy, UnknownSignatureLinesAreIgnored) {
  const Witnesses w(2);
  const Witnesses strangers(2);
  const auto policy = WitnessPolicy::k_of_n({w.cosigners[0]}, 1);
  ASSERT_TRUE(policy);
  const auto check = policy->check(kCheckpoint, {strangers.cosign_by(0), strangers.cosign_by(1)});
  EXPECT_FALSE(check.reached);
  EXPECT_TRUE(check.problems.empty());
}

void expect_refused(const std::string& text, std::string_view why) {
  const auto policy = WitnessPolicy::parse(text);
  ASSERT_FALSE(policy) << text;
  EXPECT_NE(policy.error().find(why), std::string::npos) << policy.error();
}

TEST(WitnessPolicy, MalformedPoliciesAreRefusedNamingTheLine) {
  const Witnesses w(3);
  const std::string a = "witness A " + w.cosigners[0].to_string() + "\n";
  const std::string b = "witness B " + w.cosigners[1].to_string() + "\n";
  expect_refused(a, "no quorum line");
  expect_refused(a + "quorum B\n", "policy line 2: quorum B is not defined above");
  expect_refused("quorum A\n" + a, "policy line 1");
  expect_refused(a + "witness A " + w.cosigners[1].to_string() + "\nquorum A\n", "line 2: name A is already defined");
  expect_refused(a + "witness B " + w.cosigners[0].to_string() + "\nquorum A\n", "key listed twice");
  expect_refused(a + b + "group G 3 A B\nquorum G\n", "between 1 and the number of members");
  expect_refused(a + b + "group G 0 A B\nquorum G\n", "threshold");
  expect_refused(a + b + "group G 01 A B\nquorum G\n", "decimal");
  expect_refused(a + b + "group G any A A\nquorum G\n", "listed twice");
  expect_refused(a + b + "group G any A\ngroup H any A B\nquorum H\n", "A is already a member");
  expect_refused(a + b + "group G any A C\nquorum G\n", "C is not defined above");
  expect_refused(a + "quorum A\nquorum A\n", "a second quorum line");
  expect_refused(a + "quorum none extra\n", "quorum takes one name");
  expect_refused(a + "witnesses A\nquorum A\n", "unknown keyword witnesses");
  expect_refused("witness none " + w.cosigners[0].to_string() + "\nquorum none\n", "name none");
  expect_refused("witness A " + ledger::NoteVerifier::for_key("x", w.cosigners[0].key).to_string() + "\nquorum A\n",
                 "0x04");
  expect_refused(a + "quorum A\r\n", "control character");
  expect_refused("log " + w.cosigners[0].to_string() + "\nquorum none\n", "line 1: log key");
}

TEST(WitnessPolicy, CommentsBlankLinesAndNoFinalNewlineAreFine) {
  const Witnesses w(1);
  const auto policy = WitnessPolicy::parse("\n   # a comment\n\t\nwitness A " + w.cosigners[0].to_string() +
                                           "\nquorum A");
  ASSERT_TRUE(policy) << policy.error();
  EXPECT_TRUE(policy->requires_cosignatures());
  EXPECT_TRUE(policy->check(kCheckpoint, {w.cosign_by(0)}).reached);
}

}  // namespace
}  // namespace mandate::witness
