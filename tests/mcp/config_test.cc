#include "mcp/config.h"

#include <gtest/gtest.h>

#include "support/files.h"

namespace mandate::mcp {
namespace {

using testing::TempDir;

class McpGatewayConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "secrets");
    std::filesystem::create_directories(dir_ / "servers");
    testing::write_file(dir_ / "secrets" / "everything.token", "Bearer s3cret-token-value\n", 0600);
  }
  std::expected<std::optional<GatewayConfig>, std::string> parse(std::string_view text) {
    return parse_gateway_config(text, "mandate.toml", dir_.path());
  }
  // The error for `text`, which must be refused.
  std::string refusal(std::string_view text) {
    auto parsed = parse(text);
    EXPECT_FALSE(parsed.has_value()) << text;
    return parsed ? "" : parsed.error();
  }
  TempDir dir_;
};

constexpr std::string_view kGood = R"([mcp]
address = "127.0.0.1"
port = 8444
public_url = "https://gw.example/mcp/"
hold_for = "20m"

[[mcp.servers]]
name = "filesystem"
command = ["node", "/path/server-filesystem/dist/index.js", "/srv/project"]
environment = { KEY = "v", OTHER = "w x" }
working_directory = "servers"
call_timeout = "90s"

[[mcp.servers]]
name = "everything"
url = "http://127.0.0.1:3001/mcp"
headers = { "X-Api-Version" = "1" }
header_files = { Authorization = "secrets/everything.token" }
)";

TEST_F(McpGatewayConfig, ReadsAGoodConfig) {
  auto parsed = parse(kGood);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  ASSERT_TRUE(parsed->has_value());
  const GatewayConfig& c = **parsed;
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.port, 8444);
  EXPECT_EQ(c.public_url, "https://gw.example/mcp");
  EXPECT_EQ(c.hold_for, std::chrono::minutes(20));
  ASSERT_EQ(c.servers.size(), 2u);
  const UpstreamServer& fs = c.servers[0];
  EXPECT_EQ(fs.name, "filesystem");
  EXPECT_EQ(fs.command, (std::vector<std::string>{"node", "/path/server-filesystem/dist/index.js", "/srv/project"}));
  EXPECT_EQ(fs.environment, (std::vector<std::pair<std::string, std::string>>{{"KEY", "v"}, {"OTHER", "w x"}}));
  EXPECT_EQ(fs.working_directory, dir_.path() / "servers");
  EXPECT_EQ(fs.call_timeout, std::chrono::seconds(90));
  EXPECT_TRUE(fs.url.empty());
  const UpstreamServer& ev = c.servers[1];
  EXPECT_EQ(ev.url, "http://127.0.0.1:3001/mcp");
  EXPECT_TRUE(ev.command.empty());
  EXPECT_EQ(ev.headers, (std::vector<std::pair<std::string, std::string>>{{"X-Api-Version", "1"},
                                                                          {"Authorization", "Bearer s3cret-token-value"}}));
  EXPECT_EQ(ev.call_timeout, std::chrono::seconds(60));
}

TEST_F(McpGatewayConfig, DefaultsAndNoSection) {
  auto none = parse("[listen]\nport = 1\n");
  ASSERT_TRUE(none.has_value()) << none.error();
  EXPECT_FALSE(none->has_value());

  auto parsed = parse("[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  const GatewayConfig& c = **parsed;
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.port, 8444);
  EXPECT_EQ(c.public_url, "http://127.0.0.1:8444/mcp");
  EXPECT_EQ(c.hold_for, std::chrono::minutes(15));

  parsed = parse("[mcp]\naddress = \"::1\"\nport = 0\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ((*parsed)->public_url, "");  // known once bound
  parsed = parse("[mcp]\naddress = \"::1\"\nport = 9\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ((*parsed)->public_url, "http://[::1]:9/mcp");
}

TEST_F(McpGatewayConfig, EachRefusalNamesFileLineAndColumn) {
  struct Case {
    std::string text;
    std::string place;  // "mandate.toml:line:column"
    std::string says;
  };
  const std::string server = "[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\n";
  const std::vector<Case> cases = {
      {"[mcp]\nlisten = 1\n" + server, "mandate.toml:2:10", "unknown setting mcp.listen"},
      {"[mcp]\nport = 70000\n" + server, "mandate.toml:2:8", "port must be an integer from 0 to 65535"},
      {"[mcp]\nport = \"80\"\n" + server, "mandate.toml:2:8", "port must be an integer"},
      {"[mcp]\nhold_for = \"soon\"\n" + server, "mandate.toml:2:12", "hold_for must be a duration"},
      {"[mcp]\npublic_url = \"ftp://x/mcp\"\n" + server, "mandate.toml:2:14", "must be an http:// or https:// URL"},
      {"[mcp]\n", "mandate.toml:1:1", "needs at least one [[mcp.servers]]"},
      {"mcp = 3\n", "mandate.toml:1:7", "mcp must be a table"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\nport = 3\n", "mandate.toml:5:8", "unknown setting mcp.servers.port"},
      {"[mcp]\n[[mcp.servers]]\ncommand = [\"x\"]\n", "mandate.toml:2:1", "needs a name"},
      {"[mcp]\n[[mcp.servers]]\nname = \"Files\"\ncommand = [\"x\"]\n", "mandate.toml:3:8", "name must be 1 to 64 of a-z"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a.b\"\ncommand = [\"x\"]\n", "mandate.toml:3:8", "name must be 1 to 64 of a-z"},
      {"[mcp]\n[[mcp.servers]]\nname = \"" + std::string(65, 'a') + "\"\ncommand = [\"x\"]\n", "mandate.toml:3:8", "name must be 1 to 64"},
      {"[mcp]\n" + server + "[[mcp.servers]]\nname = \"a\"\nurl = \"http://localhost/mcp\"\n", "mandate.toml:5:1",
       "a second MCP server named a"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\nurl = \"http://localhost/mcp\"\n", "mandate.toml:2:1",
       "needs exactly one of command"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\n", "mandate.toml:2:1", "needs exactly one of command"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = []\n", "mandate.toml:4:11", "command must be a non-empty array"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = \"node x.js\"\n", "mandate.toml:4:11", "command must be a non-empty array"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\", 3]\n", "mandate.toml:4:17", "command must be a non-empty array"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"ws://localhost/mcp\"\n", "mandate.toml:4:7", "must be an http:// or https:// URL, not ws://"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"not a url\"\n", "mandate.toml:4:7", "absolute http:// or https:// URL"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://u:p@h/mcp\"\n", "mandate.toml:4:7", "no user:password@"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://h/mcp\"\nheader_files = { Authorization = \"secrets/missing.token\" }\n",
       "mandate.toml:5:34", "cannot read the header file " + (dir_.path() / "secrets/missing.token").string()},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"http://mcp.example/mcp\"\nheader_files = { Authorization = \"secrets/everything.token\" }\n",
       "mandate.toml:5:16", "header_files needs an https:// url"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://h/mcp\"\nheaders = { Authorization = \"x\" }\n"
       "header_files = { authorization = \"secrets/everything.token\" }\n",
       "mandate.toml:6:34", "given twice"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://h/mcp\"\nheaders = { \"Mcp-Session-Id\" = \"x\" }\n", "mandate.toml:5:32",
       "set by the MCP transport itself"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://h/mcp\"\nheaders = { \"Bad Name\" = \"x\" }\n", "mandate.toml:5:26",
       "not an HTTP header name"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://h/mcp\"\nheaders = { X = 1 }\n", "mandate.toml:5:17", "headers: X must be a string"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://h/mcp\"\nenvironment = { A = \"1\" }\n", "mandate.toml:5:15",
       "environment is for a server with a command"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\nheaders = { A = \"1\" }\n", "mandate.toml:5:11",
       "headers is for a server with a url"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\nenvironment = { A = 1 }\n", "mandate.toml:5:21", "environment: A must be a string"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\nworking_directory = \"nowhere\"\n", "mandate.toml:5:21", "is not a directory"},
      {"[mcp]\n[[mcp.servers]]\nname = \"a\"\ncommand = [\"x\"]\ncall_timeout = 60\n", "mandate.toml:5:16", "call_timeout must be a duration"},
      {"[mcp]\nservers = 3\n", "mandate.toml:2:11", "servers must be tables"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string error = refusal(c.text);
    EXPECT_TRUE(error.starts_with(c.place + ": ")) << error;
    EXPECT_NE(error.find(c.says), std::string::npos) << error;
  }
}

TEST_F(McpGatewayConfig, NeverQuotesAHeaderFile) {
  testing::write_file(dir_ / "secrets" / "bad.token", "Bearer line-one\nline-two-secret", 0600);
  const std::string error = refusal(
      "[mcp]\n[[mcp.servers]]\nname = \"a\"\nurl = \"https://h/mcp\"\nheader_files = { Authorization = \"secrets/bad.token\" }\n");
  EXPECT_NE(error.find("holds a line break"), std::string::npos) << error;
  EXPECT_EQ(error.find("line-two-secret"), std::string::npos) << error;
  EXPECT_EQ(error.find("line-one"), std::string::npos) << error;
}

TEST_F(McpGatewayConfig, TomlSyntaxErrorsNameTheirPlace) {
  const std::string error = refusal("[mcp\n");
  EXPECT_TRUE(error.starts_with("mandate.toml:1:")) << error;
}

}  // namespace
}  // namespace mandate::mcp
