// witness.toml read strictly (file:line:column, unknown keys refused), the
// file `witness init` writes, and the [[log]] table `witness log add` appends.
#include "witness/witness_config.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"

namespace mandate::witness {
namespace {

const std::string kLogVkey =
    ledger::NoteVerifier::for_key("audit.example/log", crypto::Ed25519PrivateKey::generate().public_key()).to_string();

std::expected<WitnessConfig, std::string> parse(const std::string& text) {
  return parse_witness_config(text, "/etc/witness/witness.toml");
}

TEST(WitnessConfig, ReadsEverySetting) {
  auto config = parse("name = \"w.example/1\"\nprivate_key = \"k.pem\"\nstate = \"/var/lib/w.db\"\nprefix = \"/witness\"\n"
                      "[listen]\naddress = \"0.0.0.0\"\nport = 8080\n"
                      "[listen.tls]\ncertificate = \"c.pem\"\nprivate_key = \"t.pem\"\n"
                      "[[log]]\norigin = \"audit.example/log\"\nkeys = [\"" + kLogVkey + "\"]\n");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->name, "w.example/1");
  EXPECT_EQ(config->private_key, "/etc/witness/k.pem");
  EXPECT_EQ(config->state, "/var/lib/w.db");
  EXPECT_EQ(config->prefix, "/witness");
  EXPECT_EQ(config->address, "0.0.0.0");
  EXPECT_EQ(config->port, 8080);
  ASSERT_TRUE(config->tls);
  EXPECT_EQ(config->tls->certificate_chain, "/etc/witness/c.pem");
  ASSERT_EQ(config->logs.size(), 1u);
  ASSERT_NE(config->log("audit.example/log"), nullptr);
  EXPECT_EQ(config->logs[0].keys[0].to_string(), kLogVkey);
}

TEST(WitnessConfig, InitialFileAndAppendedLogReadBack) {
  std::string text = initial_witness_config("w.example/1", "127.0.0.1", 0);
  auto config = parse(text);
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->port, 0);
  EXPECT_TRUE(config->logs.empty());
  WitnessedLog log{"odd \"origin\" \\ ü", {*ledger::NoteVerifier::parse(kLogVkey)}};
  text += log_table(log);
  config = parse(text);
  ASSERT_TRUE(config) << config.error();
  ASSERT_EQ(config->logs.size(), 1u);
  EXPECT_EQ(config->logs[0].origin, log.origin);
}

TEST(WitnessConfig, MistakesAreRefusedWithTheirPlace) {
  const std::string name = "name = \"w.example/1\"\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {name + "nmae = 1\n", "witness.toml:2:8: unknown setting nmae"},
      {name + "[listen]\nport = 70000\n", "witness.toml:3:8: port must be an integer from 0 to 65535"},
      {name + "[listen]\nadress = \"x\"\n", "witness.toml:3:10: unknown setting listen.adress"},
      {name + "[[log]]\norigin = \"a\"\nkeys = [\"nonsense\"]\n", "witness.toml:4:9: not an Ed25519 checkpoint vkey"},
      {name + "[[log]]\norigin = \"a\"\n", "log.keys must be a list"},
      {name + "[[log]]\nkeys = [\"" + kLogVkey + "\"]\n", "log.origin is required"},
      {name + "[[log]]\norigin = \"a\"\nkeys = [\"" + kLogVkey + "\"]\n[[log]]\norigin = \"a\"\nkeys = [\"" + kLogVkey + "\"]\n",
       "listed twice"},
      {name + "[[log]]\norigin = \"a\"\nkeys = [\"" + kLogVkey + "\"]\nkey = 1\n", "unknown setting log.key"},
      {"name = \"has space\"\n", "name must be a key name"},
      {"", "name must be a key name"},
      {name + "prefix = \"witness/\"\n", "prefix must be empty or a path"},
      {name + "[listen.tls]\ncertificate = \"c.pem\"\n", "needs both certificate and private_key"},
      {name + "name = \"again\"\n", "witness.toml:2:8"},
  };
  for (const auto& [text, expected] : cases) {
    auto config = parse(text);
    ASSERT_FALSE(config) << text;
    EXPECT_NE(config.error().find(expected), std::string::npos) << config.error();
  }
}

}  // namespace
}  // namespace mandate::witness
