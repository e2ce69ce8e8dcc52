// The witness's protocol logic (C2SP tlog-witness add-checkpoint and the
// monitoring checkpoint) against checkpoints and consistency proofs made by a
// real mandate ledger: every status the spec defines, the attacks of issue
// 18 (a forked store, a rollback, another root for a cosigned size), that a
// refusal changes nothing but the record of refusals, and that the check of
// the old size and the update are one transaction.
#include "witness/witness_service.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "ledger/checkpoint.h"
#include "support/files.h"
#include "witness/add_checkpoint_request.h"
#include "witness/witness_fixture.h"

namespace mandate::witness {
namespace {

using mandate::testing::TempDir;
using testing::TestLog;

constexpr std::uint64_t kNow = 1'700'000'000;
constexpr const char* kWitnessName = "witness.example/w1";

std::string origin_hash(std::string_view origin) { return encoding::hex_encode(crypto::Sha256().update(origin).finish()); }

class WitnessServiceTest : public ::testing::Test {
 protected:
  WitnessServiceTest()
      : log_key_(crypto::Ed25519PrivateKey::generate()),
        log_(tmp_ / "log.db", log_key_),
        state_(std::move(*WitnessState::create(tmp_ / "witness.db"))),
        service_(kWitnessName, crypto::Ed25519PrivateKey::generate(), {{log_.origin(), {log_.verifier()}}}, *state_,
                 [] { return kNow; }) {}

  // A cosignature answer's one line, verified against the checkpoint it was for.
  void expect_cosigned(const WitnessAnswer& answer, const std::string& checkpoint_note) {
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto note = ledger::parse_signed_note(checkpoint_note);
    ASSERT_TRUE(note);
    auto lines = ledger::parse_signed_note(note->text + "\n" + answer.body);
    ASSERT_TRUE(lines) << lines.error();
    ASSERT_EQ(lines->signatures.size(), 1u);
    auto timestamp = service_.cosigner().verify(note->text, lines->signatures[0]);
    ASSERT_TRUE(timestamp) << timestamp.error();
    EXPECT_EQ(*timestamp, kNow);
  }
  std::optional<std::uint64_t> latest_size() {
    auto latest = state_->latest(log_.origin());
    return latest ? std::optional(latest->size) : std::nullopt;
  }
  // Cosigns the log at `size` from whatever the witness holds now.
  void cosign_at(std::uint64_t size) {
    log_.grow_to(size);
    const std::uint64_t old = latest_size().value_or(0);
    const std::string body = log_.request_from(old);
    ASSERT_EQ(service_.add_checkpoint(body).status, 200) << service_.add_checkpoint(body).body;
  }
  std::string signed_by_log(const ledger::Checkpoint& cp) { return ledger::sign_checkpoint(cp, log_key_); }
  std::string body(std::uint64_t old, std::vector<ledger::Hash> proof, std::string checkpoint) {
    return format_add_checkpoint({old, std::move(proof), std::move(checkpoint)});
  }

  TempDir tmp_;
  crypto::Ed25519PrivateKey log_key_;
  TestLog log_;
  std::unique_ptr<WitnessState> state_;
  WitnessService service_;
};

TEST_F(WitnessServiceTest, FirstCheckpointWithOldSizeZeroIsCosigned) {
  log_.grow_to(5);
  const std::string checkpoint = log_.checkpoint();
  const WitnessAnswer answer = service_.add_checkpoint(body(0, {}, checkpoint));
  expect_cosigned(answer, checkpoint);
  EXPECT_TRUE(answer.body.starts_with("\xe2\x80\x94 witness.example/w1 "));
  EXPECT_EQ(latest_size(), 5u);
}

TEST_F(WitnessServiceTest, GrowthWithConsistencyProofsIsCosigned) {
  for (std::uint64_t size : {1, 2, 3, 7, 8, 9, 16, 17, 40}) {
    log_.grow_to(size);
    const std::uint64_t old = latest_size().value_or(0);
    const std::string checkpoint = log_.checkpoint();
    expect_cosigned(service_.add_checkpoint(body(old, old ? log_.proof(old, size) : std::vector<ledger::Hash>{}, checkpoint)),
                    checkpoint);
    EXPECT_EQ(latest_size(), size);
  }
}

TEST_F(WitnessServiceTest, SameCheckpointAgainIsCosignedAgain) {
  cosign_at(6);
  expect_cosigned(service_.add_checkpoint(log_.request_from(6)), log_.checkpoint());
  EXPECT_EQ(latest_size(), 6u);
}

TEST_F(WitnessServiceTest, WrongOldSizeIsAConflictThatTellsTheLatestSize) {
  cosign_at(5);
  log_.grow_to(9);
  const WitnessAnswer conflict = service_.add_checkpoint(log_.request_from(0));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.content_type, "text/x.tlog.size");
  EXPECT_EQ(conflict.body, "5\n");
  EXPECT_EQ(service_.add_checkpoint(log_.request_from(3)).body, "5\n");
  // The log retries from the size it was told.
  const std::string retry = log_.request_from(std::stoull(conflict.body));
  EXPECT_EQ(service_.add_checkpoint(retry).status, 200);
  EXPECT_EQ(latest_size(), 9u);
  // A benign conflict (a log that was behind) is not recorded as evidence.
  EXPECT_TRUE(state_->refusals("", 10).empty());
}

TEST_F(WitnessServiceTest, UnknownOriginIsNotFound) {
  TestLog other(tmp_ / "other.db", log_key_, "other", "another.example/log");
  other.grow_to(3);
  const WitnessAnswer answer = service_.add_checkpoint(other.request_from(0));
  EXPECT_EQ(answer.status, 404);
  EXPECT_NE(answer.body.find("another.example/log"), std::string::npos);
  EXPECT_TRUE(state_->all_latest().empty());
}

TEST_F(WitnessServiceTest, CheckpointWithoutATrustedSignatureIsForbidden) {
  const auto stranger = crypto::Ed25519PrivateKey::generate();
  TestLog impostor(tmp_ / "impostor.db", stranger, "impostor");  // same origin, another key
  impostor.grow_to(4);
  const WitnessAnswer answer = service_.add_checkpoint(impostor.request_from(0));
  EXPECT_EQ(answer.status, 403);
  EXPECT_NE(answer.body.find("no signature from a key this witness trusts"), std::string::npos);
  EXPECT_FALSE(latest_size());
  EXPECT_TRUE(state_->refusals("", 10).empty());  // anyone can send that: not the log's evidence
}

TEST_F(WitnessServiceTest, TrustedKeySignatureThatFailsIsForbidden) {
  log_.grow_to(4);
  auto note = *ledger::parse_signed_note(log_.checkpoint());
  note.signatures[0].signature[10] ^= 0x01;
  const WitnessAnswer answer = service_.add_checkpoint(body(0, {}, ledger::format_signed_note(note)));
  EXPECT_EQ(answer.status, 403);
  EXPECT_NE(answer.body.find("does not verify"), std::string::npos);
  EXPECT_FALSE(latest_size());
}

TEST_F(WitnessServiceTest, SignaturesFromUnknownKeysAreIgnored) {
  log_.grow_to(4);
  auto note = *ledger::parse_signed_note(log_.checkpoint());
  note.signatures.insert(note.signatures.begin(),
                         ledger::sign_note_text(note.text, "someone.else/key", crypto::Ed25519PrivateKey::generate()));
  const std::string checkpoint = ledger::format_signed_note(note);
  expect_cosigned(service_.add_checkpoint(body(0, {}, checkpoint)), checkpoint);
  // The monitoring checkpoint carries the log's verified signature, not the stranger's.
  const WitnessAnswer monitored = service_.latest_checkpoint(origin_hash(log_.origin()));
  EXPECT_EQ(monitored.body.find("someone.else/key"), std::string::npos);
}

TEST_F(WitnessServiceTest, OldSizeLargerThanTheCheckpointIsBadRequest) {
  cosign_at(8);
  log_.grow_to(10);
  const WitnessAnswer answer = service_.add_checkpoint(body(11, {}, log_.checkpoint()));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(latest_size(), 8u);
}

TEST_F(WitnessServiceTest, SizeZeroWithAnotherRootIsUnprocessable) {
  ledger::Checkpoint cp{log_.origin(), 0, crypto::Sha256().update(std::string_view("not empty")).finish(), {}};
  const WitnessAnswer answer = service_.add_checkpoint(body(0, {}, signed_by_log(cp)));
  EXPECT_EQ(answer.status, 422);
  EXPECT_FALSE(latest_size());
  // Size zero with the empty tree's root is fine.
  cp.root = ledger::empty_root();
  EXPECT_EQ(service_.add_checkpoint(body(0, {}, signed_by_log(cp))).status, 200);
  EXPECT_EQ(latest_size(), 0u);
}

TEST_F(WitnessServiceTest, ProofWithOldSizeZeroIsUnprocessable) {
  log_.grow_to(6);
  const WitnessAnswer answer = service_.add_checkpoint(body(0, log_.proof(3, 6), log_.checkpoint()));
  EXPECT_EQ(answer.status, 422);
  EXPECT_FALSE(latest_size());
}

TEST_F(WitnessServiceTest, BadConsistencyProofIsUnprocessable) {
  cosign_at(5);
  log_.grow_to(13);
  auto proof = log_.proof(5, 13);
  proof[1][0] ^= 0x80;
  EXPECT_EQ(service_.add_checkpoint(body(5, proof, log_.checkpoint())).status, 422);
  EXPECT_EQ(service_.add_checkpoint(body(5, {}, log_.checkpoint())).status, 422);
  EXPECT_EQ(latest_size(), 5u);
  EXPECT_EQ(state_->refusals(log_.origin(), 10).size(), 2u);
  EXPECT_EQ(service_.add_checkpoint(body(5, log_.proof(5, 13), log_.checkpoint())).status, 200);
}

// Issue 18 part 5: the operator rebuilds the store with the same key and
// origin but another history.
TEST_F(WitnessServiceTest, ForkedStoreIsRefusedAndNeverCosigned) {
  cosign_at(10);
  const auto cosigned = *state_->latest(log_.origin());
  TestLog fork(tmp_ / "fork.db", log_key_, "forged");
  fork.grow_to(10);
  ASSERT_NE(fork.root(10), cosigned.root);

  // Same size, other root: with the right old size it is unprocessable...
  EXPECT_EQ(service_.add_checkpoint(fork.request_from(10)).status, 422);
  // ...and from another old size a conflict that the refusals record.
  EXPECT_EQ(service_.add_checkpoint(fork.request_from(0)).status, 409);
  // Grown past the cosigned size, with the fork's own proof from 10.
  fork.grow_to(14);
  EXPECT_EQ(service_.add_checkpoint(fork.request_from(10)).status, 422);
  // Its proof from 10 combined with the real log's checkpoint at 14 does not help either.
  log_.grow_to(14);
  EXPECT_EQ(service_.add_checkpoint(body(10, fork.proof(10, 14), fork.checkpoint())).status, 422);

  const auto after = *state_->latest(log_.origin());
  EXPECT_EQ(after.size, 10u);
  EXPECT_EQ(after.root, cosigned.root);
  EXPECT_EQ(after.note, cosigned.note);
  const auto refusals = state_->refusals(log_.origin(), 10);
  ASSERT_EQ(refusals.size(), 4u);
  EXPECT_EQ(refusals[3].status, 422);
  EXPECT_EQ(refusals[2].status, 409);
  EXPECT_NE(refusals[2].reason.find("different root"), std::string::npos);
  EXPECT_NE(refusals[0].checkpoint.find(encoding::base64_encode(fork.root(14))), std::string::npos);
  EXPECT_FALSE(refusals[0].proof.empty());
  // The real log goes on.
  EXPECT_EQ(service_.add_checkpoint(log_.request_from(10)).status, 200);
}

TEST_F(WitnessServiceTest, RolledBackCheckpointIsRefused) {
  log_.grow_to(6);
  const std::string old_checkpoint = log_.checkpoint();
  cosign_at(12);
  // Old size the witness's latest, checkpoint smaller: 400.
  EXPECT_EQ(service_.add_checkpoint(body(12, {}, old_checkpoint)).status, 400);
  // Old size its own: a conflict telling 12.
  const WitnessAnswer conflict = service_.add_checkpoint(body(6, {}, old_checkpoint));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body, "12\n");
  EXPECT_EQ(service_.add_checkpoint(body(0, {}, old_checkpoint)).status, 409);
  EXPECT_EQ(latest_size(), 12u);
}

TEST_F(WitnessServiceTest, MalformedRequestsAreBadRequestsAndChangeNothing) {
  cosign_at(4);
  log_.grow_to(9);
  const std::string checkpoint = log_.checkpoint();
  const std::string proof_line = encoding::base64_encode(log_.proof(4, 9)[0]) + "\n";
  std::string sixty_four = "old 4\n";
  for (int i = 0; i < 64; ++i) sixty_four += proof_line;
  sixty_four += "\n" + checkpoint;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"old 4\nnot*base64\n\n" + checkpoint, "base64"},
      {sixty_four, "more than 63"},
      {"old 4\n" + checkpoint, "empty line"},
      {"old 04\n\n" + checkpoint, "leading zero"},
      {"old -1\n\n" + checkpoint, "decimal"},
      {"new 4\n\n" + checkpoint, "old <size>"},
      {"old 4\n\n", "no checkpoint"},
      {"old 4\n\n" + checkpoint.substr(0, checkpoint.find("\n\n") + 1), "signed note"},
      {"old 4", "newline"},
      {"", "newline"},
  };
  for (const auto& [request, why] : cases) {
    const WitnessAnswer answer = service_.add_checkpoint(request);
    EXPECT_EQ(answer.status, 400) << why << ": " << answer.body;
    EXPECT_FALSE(answer.body.empty());
  }
  EXPECT_EQ(latest_size(), 4u);
  EXPECT_TRUE(state_->refusals("", 10).empty());
}

TEST_F(WitnessServiceTest, MonitoringCheckpointCarriesTheLogSignatureAndTheCosignature) {
  EXPECT_EQ(service_.latest_checkpoint(origin_hash(log_.origin())).status, 404);  // nothing cosigned yet
  EXPECT_EQ(service_.latest_checkpoint(origin_hash("another.example/log")).status, 404);
  cosign_at(7);
  const WitnessAnswer answer = service_.latest_checkpoint(origin_hash(log_.origin()));
  ASSERT_EQ(answer.status, 200);
  const std::vector<ledger::NoteVerifier> trusted = {log_.verifier()};
  auto checkpoint = ledger::open_checkpoint(answer.body, log_.origin(), trusted);
  ASSERT_TRUE(checkpoint) << checkpoint.error();
  EXPECT_EQ(checkpoint->size, 7u);
  const auto note = *ledger::parse_signed_note(answer.body);
  ASSERT_EQ(note.signatures.size(), 2u);
  EXPECT_TRUE(service_.cosigner().verify(note.text, note.signatures[1]));
}

TEST_F(WitnessServiceTest, StateSurvivesReopening) {
  cosign_at(3);
  state_.reset();
  auto reopened = WitnessState::open(tmp_ / "witness.db");
  ASSERT_TRUE(reopened) << reopened.error();
  auto latest = (*reopened)->latest(log_.origin());
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->size, 3u);
  EXPECT_EQ(latest->root, log_.root(3));
  EXPECT_FALSE(WitnessState::create(tmp_ / "witness.db"));  // never over an existing state
  mandate::testing::write_file(tmp_ / "not-a-state.db", "hello");
  EXPECT_FALSE(WitnessState::open(tmp_ / "not-a-state.db"));
  EXPECT_FALSE(WitnessState::open(tmp_ / "missing.db"));
}

// The tlog-witness race: requests built on the same old size, racing, from
// two connections to one state file (two witness processes would be the
// same). Exactly one may win each round, or the witness could roll back.
TEST_F(WitnessServiceTest, CheckingTheOldSizeAndUpdatingAreAtomic) {
  auto second_state = std::move(*WitnessState::open(tmp_ / "witness.db"));
  WitnessService second(kWitnessName, crypto::Ed25519PrivateKey::generate(), {{log_.origin(), {log_.verifier()}}},
                        *second_state, [] { return kNow; });
  cosign_at(1);
  for (std::uint64_t round = 0; round < 5; ++round) {
    const std::uint64_t old = *latest_size();
    std::vector<std::string> bodies;
    log_.grow_to(old + 6);
    for (std::uint64_t size = old + 1; size <= old + 6; ++size) bodies.push_back(log_.request(old, size));
    std::atomic<int> cosigned{0}, conflicts{0};
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 0; i < bodies.size(); ++i) {
        threads.emplace_back([&, i] {
          WitnessService& s = i % 2 ? second : service_;
          const int status = s.add_checkpoint(bodies[i]).status;
          (status == 200 ? cosigned : conflicts)++;
          EXPECT_TRUE(status == 200 || status == 409) << status;
        });
      }
    }
    EXPECT_EQ(cosigned.load(), 1);
    EXPECT_EQ(conflicts.load(), 5);
    EXPECT_GT(*latest_size(), old);
  }
}

}  // namespace
}  // namespace mandate::witness
