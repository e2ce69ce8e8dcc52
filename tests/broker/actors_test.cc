// Actor registration: one public key belongs to one actor, because a
// mandate's cnf.jkt (and every decision entry's proof-of-possession:jkt=…)
// names the key, and through it the one actor that holds it.
#include "broker/records.h"
#include "broker_fixture.h"

namespace mandate::broker {
namespace {

class ActorKeyTest : public BrokerTest {
 protected:
  const Caller op{"operator", broker::CallerKind::home_operator, "test"};

  core::Actor machine(const std::string& id, core::ActorKind kind = core::ActorKind::workload) {
    core::Actor a;
    a.id = id;
    a.kind = kind;
    a.owner = "alice";
    return a;
  }

  // The error add_actor raises, with the ledger and the actors unchanged.
  Error refused(const core::Actor& actor, const std::string& key) {
    const std::uint64_t before = ledger->size();
    const std::size_t actors_before = broker->actors().size();
    try {
      broker->add_actor(op, actor, key);
    } catch (const Error& e) {
      EXPECT_EQ(ledger->size(), before) << "a refused registration must write nothing";
      EXPECT_EQ(broker->actors().size(), actors_before);
      return e;
    }
    ADD_FAILURE() << actor.id << " was registered with a key another actor holds";
    return Error(ErrorKind::bad_input, "");
  }
};

TEST_F(ActorKeyTest, AKeyAlreadyRegisteredForAnotherActorIsRefused) {
  const std::string expected = std::string("this key is already registered for workload ") + kWorkload;

  const Error same_jwk = refused(machine("spiffe://example.org/ci/deployer-2"), executor_key.public_key().jwk_json());
  EXPECT_EQ(same_jwk.kind(), ErrorKind::conflict);
  EXPECT_NE(std::string(same_jwk.what()).find(expected), std::string::npos) << same_jwk.what();

  // The same key written as PEM has the same RFC 7638 thumbprint.
  const Error same_pem = refused(machine("spiffe://example.org/ci/deployer-3"), executor_key.public_key().to_pem());
  EXPECT_EQ(same_pem.kind(), ErrorKind::conflict);
  EXPECT_NE(std::string(same_pem.what()).find(expected), std::string::npos) << same_pem.what();

  // An agent is no different from a workload.
  const Error agent = refused(machine("agent-1", core::ActorKind::agent), executor_key.public_key().jwk_json());
  EXPECT_EQ(agent.kind(), ErrorKind::conflict);

  // Another key is fine, and then that key is taken too.
  const auto other = token::PrivateKey::generate(token::Algorithm::ES256);
  broker->add_actor(op, machine("spiffe://example.org/ci/deployer-2"), other.public_key().jwk_json());
  EXPECT_EQ(broker->actor("spiffe://example.org/ci/deployer-2").key_thumbprint, other.public_key().thumbprint());
  const Error taken = refused(machine("agent-2", core::ActorKind::agent), other.public_key().to_pem());
  EXPECT_EQ(taken.kind(), ErrorKind::conflict);
  EXPECT_NE(std::string(taken.what()).find("this key is already registered for workload spiffe://example.org/ci/deployer-2"),
            std::string::npos)
      << taken.what();
}

// Old decision entries name the key: it keeps naming the actor it named,
// so an offboarded actor's key is not free for someone else.
TEST_F(ActorKeyTest, AnOffboardedActorKeepsItsKey) {
  broker->offboard_actor(as("bob"), kWorkload, "decommissioned");
  const Error e = refused(machine("spiffe://example.org/ci/deployer-2"), executor_key.public_key().jwk_json());
  EXPECT_EQ(e.kind(), ErrorKind::conflict);
  EXPECT_NE(std::string(e.what()).find(std::string("this key is already registered for workload ") + kWorkload +
                                       " (offboarded)"),
            std::string::npos)
      << e.what();
}

// A caller's kind reaches the ledger as the text it always had: the home's
// operator and a presenter whose possession was not proven are both "system".
TEST(CallerKindTest, TheLedgerRecordsEachKindAsBefore) {
  EXPECT_EQ(to_string(CallerKind::human), "human");
  EXPECT_EQ(to_string(CallerKind::workload), "workload");
  EXPECT_EQ(to_string(CallerKind::agent), "agent");
  EXPECT_EQ(to_string(CallerKind::home_operator), "system");
  EXPECT_EQ(to_string(CallerKind::unauthenticated), "system");
  EXPECT_EQ(caller_kind(core::ActorKind::human), CallerKind::human);
  EXPECT_EQ(caller_kind(core::ActorKind::workload), CallerKind::workload);
  EXPECT_EQ(caller_kind(core::ActorKind::agent), CallerKind::agent);
}

}  // namespace
}  // namespace mandate::broker
