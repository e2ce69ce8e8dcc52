// The MCP gateway end to end, with real parts only: `mandate mcp` on a home
// made through the CLI, the MCP servers server-filesystem (stdio, started by
// the gateway) and server-everything (Streamable HTTP, started here), and an
// agent written with @modelcontextprotocol/sdk (tests/mcp/agent_client.mjs)
// proving possession of its mandate with DPoP on every request.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"
#include "support/files.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kAgent = "spiffe://example.org/agents/coder";

std::string node_module(const std::string& path) { return std::string(MANDATE_SOURCE_DIR) + "/node_modules/" + path; }

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A port nobody listens on now (the kernel's pick for a socket bound to 0).
std::uint16_t free_port();

class GatewayTest : public CliTest {
 protected:
  void SetUp() override {
    init();
    for (auto [id, groups] : {std::pair{"alice", "dev"}, {"bob", "sre"}, {"carol", "sre"}}) {
      ASSERT_EQ(mandate({"actor", "add", "--kind", "human", "--id", id, "--groups", groups}).exit_code, 0);
    }
    const auto pub = mandate_json({"actor", "keygen", "--out", (tmp / "agent.pem").string()});
    write_file(tmp / "agent.jwk", pub["jwk"].dump());
    const auto added = mandate({"actor", "add", "--kind", "agent", "--id", kAgent, "--owner", "alice", "--key",
                                "@" + (tmp / "agent.jwk").string()});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    write_file(tmp / "rules.toml", R"([[rule]]
id = "agent-work"
detail_types = ["mcp"]
approvals = 1
approver_groups = ["sre"]
max_task_duration = "1h"
max_uses = 100

[[rule]]
id = "held-calls"
detail_types = ["mcp_call"]
approvals = 1
approver_groups = ["sre"]
max_task_duration = "1h"
)");
    ASSERT_EQ(mandate({"rules", "load", (tmp / "rules.toml").string()}).exit_code, 0);
    fs::create_directories(project);
    write_file(project / "README.md", "the project\n");
    write_file(tmp / "policies.cedar", R"(@id("agents-call-their-tools")
permit (principal is Agent, action == Action::"mcp:call", resource);

@id("writes-stay-in-the-project")
forbid (principal, action == Action::"mcp:call", resource == Resource::"mcp:filesystem/write_file")
unless { context.arguments has path && context.arguments.path like ")" + project.string() + R"(/*" &&
         !(context.arguments.path like "*..*") };

@id("moves-need-a-person")
@approval("a person approves every move")
forbid (principal, action == Action::"mcp:call", resource == Resource::"mcp:filesystem/move_file")
unless { context has approval };
)");
    const auto loaded = mandate({"policy", "load", (tmp / "policies.cedar").string()});
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;

    everything_port = free_port();
    everything = std::make_unique<Child>(
        std::vector<std::string>{"/usr/bin/env", "PORT=" + std::to_string(everything_port), MANDATE_NODE,
                                 node_module("@modelcontextprotocol/server-everything/dist/index.js"), "streamableHttp"},
        tmp / "everything.err");
    write_file(tmp / "mandate.toml", R"(home = ")" + home + R"("
log = { access = "off" }

[mandates]
issuer = "https://test.example/mandate"
audience = "https://test.example/mandate"

[mcp]
address = "127.0.0.1"
port = 0
hold_for = "10m"

[[mcp.servers]]
name = "filesystem"
command = [")" + std::string(MANDATE_NODE) + R"(", ")" +
                                              node_module("@modelcontextprotocol/server-filesystem/dist/index.js") +
                                              R"(", ")" + tmp.path().string() + R"("]

[[mcp.servers]]
name = "everything"
url = "http://127.0.0.1:)" + std::to_string(everything_port) + R"(/mcp"
)");
    gateway = std::make_unique<Child>(std::vector<std::string>{MANDATE_BINARY, "mcp", "--config", (tmp / "mandate.toml").string()},
                                      tmp / "gateway.err");
    const auto line = gateway->read_line(std::chrono::seconds(20));
    ASSERT_TRUE(line) << read_text(tmp / "gateway.err");
    url = json::parse(*line)["mcp"];
    wait_for_everything();
  }

  void wait_for_everything() {
    for (int i = 0; i < 100; ++i) {
      if (read_text(tmp / "everything.err").find("listening") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "server-everything did not start: " << read_text(tmp / "everything.err");
  }

  // A task for the agent, approved by bob, and its mandate in a file.
  std::string agent_task(const json& scope) {
    const auto requested = mandate({"task", "request", "--as", "alice", "--intent", "Tidy the project docs", "--executor",
                                    kAgent, "--scope", scope.dump(), "--duration", "30m"});
    EXPECT_EQ(requested.exit_code, 0) << requested.err;
    const std::string task = json::parse(requested.out)["task"];
    EXPECT_EQ(mandate({"approve", task, "--as", "bob"}).exit_code, 0);
    const auto issued = mandate_json({"token", "issue", task});
    write_file(tmp / "mandate.jwt", issued["token"].get<std::string>());
    jti = issued["jti"].get<std::string>();
    return task;
  }
  json default_scope() const {
    return json::array({{{"type", "mcp"}, {"locations", {"filesystem"}},
                         {"actions", {"read_text_file", "write_file", "move_file", "list_directory"}}},
                        {{"type", "mcp"}, {"locations", {"everything"}}, {"actions", {"echo"}}}});
  }

  // The agent, as a child whose lines are read as they come.
  std::unique_ptr<Child> agent(const json& steps, bool with_token = true) {
    std::vector<std::string> argv{MANDATE_NODE, std::string(MANDATE_SOURCE_DIR) + "/tests/mcp/agent_client.mjs",
                                  "--url", url, "--steps", steps.dump()};
    if (with_token) {
      for (const std::string& a : {std::string("--token-file"), (tmp / "mandate.jwt").string(), std::string("--key-file"),
                                   (tmp / "agent.pem").string()}) {
        argv.push_back(a);
      }
    }
    return std::make_unique<Child>(argv, tmp / "agent.err");
  }
  json next(Child& c) {
    const auto line = c.read_line(std::chrono::seconds(30));
    EXPECT_TRUE(line) << read_text(tmp / "agent.err");
    return line ? json::parse(*line) : json();
  }
  // Runs the steps and returns each step's line.
  std::vector<json> session(const json& steps) {
    auto c = agent(steps);
    EXPECT_TRUE(next(*c).contains("session"));
    std::vector<json> out;
    for (std::size_t i = 0; i < steps.size(); ++i) out.push_back(next(*c));
    return out;
  }
  std::uint64_t ledger_size() { return mandate_json({"ledger", "info"})["size"]; }
  // The tool results are recorded just after the agent has its answer.
  std::string trace_once_recorded(const std::string& task, std::size_t results) {
    std::string text;
    for (int i = 0; i < 100; ++i) {
      text = mandate({"trace", task}).out;
      std::size_t found = 0;
      for (auto at = text.find("tool.result"); at != std::string::npos; at = text.find("tool.result", at + 1)) ++found;
      if (found >= results) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return text;
  }

  fs::path project = tmp / "project";
  std::uint16_t everything_port = 0;
  std::unique_ptr<Child> everything;
  std::unique_ptr<Child> gateway;
  std::string url;
  std::string jti;
};

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

json call(const std::string& name, const json& arguments) { return {{"op", "call"}, {"name", name}, {"arguments", arguments}}; }

TEST_F(GatewayTest, AnAgentCallsOnlyWhatItsMandateAndThePoliciesAllow) {
  const std::string task = agent_task(default_scope());
  const auto r = session(json::array({
      {{"op", "list_tools"}},
      call("everything__echo", {{"message", "hi"}}),
      call("filesystem__write_file", {{"path", (project / "notes.md").string()}, {"content", "inside"}}),
      call("filesystem__write_file", {{"path", (tmp / "outside.md").string()}, {"content", "outside"}}),
      // A tool the server has and the task never asked for, as a prompt-injected instruction would name it.
      call("filesystem__directory_tree", {{"path", tmp.path().string()}}),
      call("everything__get-env", json::object()),
  }));
  const auto names = r[0]["result"]["names"];
  EXPECT_EQ(names, json::array({"filesystem__read_text_file", "filesystem__write_file", "filesystem__list_directory",
                                "filesystem__move_file", "everything__echo"}))
      << r[0].dump();
  ASSERT_TRUE(r[1]["ok"]) << r[1].dump();
  EXPECT_EQ(r[1]["result"]["content"][0]["text"], "Echo: hi");
  ASSERT_TRUE(r[2]["ok"]) << r[2].dump();
  EXPECT_EQ(read_text(project / "notes.md"), "inside");
  EXPECT_FALSE(r[3]["ok"]);
  EXPECT_EQ(r[3]["error"]["code"], -32001) << r[3].dump();
  EXPECT_EQ(r[3]["error"]["data"]["decided_by"], "policy");
  EXPECT_FALSE(fs::exists(tmp / "outside.md")) << "a denied call never reaches the server";
  EXPECT_EQ(r[4]["error"]["code"], -32001) << r[4].dump();
  EXPECT_EQ(r[4]["error"]["data"]["decided_by"], "scope");
  EXPECT_EQ(r[5]["error"]["data"]["decided_by"], "scope") << r[5].dump();

  const std::string trace = trace_once_recorded(task, 2);
  // The ledger keeps the arguments' digest, which whoever holds the arguments can recompute.
  const json traced = mandate_json({"trace", task, "--format", "json"});
  std::string recorded;
  for (const json& step : traced["steps"]) {
    const json& d = step["entry"]["data"];
    if (d.contains("tool_call") && d["tool_call"]["tool"] == "write_file" && d["decision"] == "allow") {
      recorded = d["tool_call"]["arguments_sha256"];
    }
  }
  const json digest = mandate_json({"mcp", "digest", json{{"path", (project / "notes.md").string()}, {"content", "inside"}}.dump()});
  EXPECT_EQ(digest["arguments_sha256"], recorded);
  EXPECT_EQ(traced.dump().find("\"inside\""), std::string::npos) << "argument values never reach the ledger";

  EXPECT_NE(trace.find("tool write_file on MCP server filesystem"), std::string::npos) << trace;
  EXPECT_NE(trace.find("tool.result"), std::string::npos) << trace;
  EXPECT_NE(trace.find("attribution proven: initiation+approval+execution"), std::string::npos) << trace;
}

TEST_F(GatewayTest, MalformedJsonRpcIsAnsweredWithAJsonRpcErrorAndNothingIsRecorded) {
  agent_task(default_scope());
  auto c = agent(json::array({{{"op", "raw"}, {"body", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"}},
                              {{"op", "raw"}, {"body", R"({"jsonrpc":"1.0","id":2,"method":"tools/call"})"}},
                              {{"op", "raw"}, {"body", R"([{"jsonrpc":"2.0","id":3,"method":"ping"}])"}},
                              {{"op", "raw"}, {"body", R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":7}})"}},
                              {{"op", "wait_file"}, {"path", (tmp / "go").string()}}}));
  ASSERT_TRUE(next(*c).contains("session"));
  const std::uint64_t before = ledger_size();
  const int expected[] = {-32700, -32600, -32600, -32602};
  for (int code : expected) {
    const json step = next(*c);
    ASSERT_EQ(step["result"]["messages"].size(), 1u) << step.dump();
    EXPECT_EQ(step["result"]["messages"][0]["error"]["code"], code) << step.dump();
  }
  EXPECT_EQ(ledger_size(), before);
  write_file(tmp / "go", "");
  next(*c);
}

TEST_F(GatewayTest, AHeldCallRunsOnceAfterAPersonApprovesThoseArguments) {
  const std::string task = agent_task(default_scope());
  write_file(project / "draft.md", "draft");
  const json move = call("filesystem__move_file", {{"source", (project / "draft.md").string()},
                                                    {"destination", (project / "final.md").string()}});
  const json other = call("filesystem__move_file", {{"source", (project / "README.md").string()},
                                                     {"destination", (project / "gone.md").string()}});
  auto c = agent(json::array({move, {{"op", "wait_file"}, {"path", (tmp / "approved").string()}}, other, move, move}));
  ASSERT_TRUE(next(*c).contains("session"));
  const json held = next(*c);
  ASSERT_EQ(held["error"]["code"], -32002) << held.dump();
  const std::string held_task = held["error"]["data"]["held_task"];
  EXPECT_TRUE(fs::exists(project / "draft.md"));
  EXPECT_NE(mandate({"approve", held_task, "--as", "alice"}).exit_code, 0) << "alice is in no approver group of held calls";
  const auto approved = mandate({"approve", held_task, "--as", "carol", "--comment", "rename the draft"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  write_file(tmp / "approved", "");
  next(*c);
  const json changed = next(*c);
  EXPECT_EQ(changed["error"]["code"], -32002) << "other arguments are not approved: " << changed.dump();
  EXPECT_NE(changed["error"]["data"]["held_task"], held_task);
  EXPECT_TRUE(fs::exists(project / "README.md"));
  const json ran = next(*c);
  ASSERT_TRUE(ran["ok"]) << ran.dump();
  EXPECT_TRUE(fs::exists(project / "final.md"));
  const json replayed = next(*c);
  EXPECT_EQ(replayed["error"]["code"], -32002) << "an approval runs its call once: " << replayed.dump();
  EXPECT_NE(replayed["error"]["data"]["held_task"], held_task);

  const std::string trace = trace_once_recorded(task, 1);
  const auto shown = mandate_json({"task", "show", held_task});
  EXPECT_EQ(shown["state"], "completed") << shown.dump();
  EXPECT_NE(trace.find("[task " + held_task + "]"), std::string::npos) << trace;
  const auto bundle = mandate({"evidence", "export", task});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  write_file(tmp / "bundle.json", bundle.out);
  const auto verified = mandate({"evidence", "verify", (tmp / "bundle.json").string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("held call " + held_task), std::string::npos) << verified.out;
}

TEST_F(GatewayTest, ThePrivilegeEndsMidSession) {
  const std::string task = agent_task(default_scope());
  const json echo = call("everything__echo", {{"message", "still here?"}});
  auto c = agent(json::array({echo, {{"op", "wait_file"}, {"path", (tmp / "revoked").string()}}, echo}));
  ASSERT_TRUE(next(*c).contains("session"));
  ASSERT_TRUE(next(*c)["ok"]);
  ASSERT_EQ(mandate({"token", "revoke", jti, "--as", "alice", "--reason", "the agent went off course"}).exit_code, 0);
  write_file(tmp / "revoked", "");
  next(*c);
  const json after = next(*c);
  EXPECT_EQ(after["error"]["code"], -32001) << after.dump();
  EXPECT_EQ(after["error"]["data"]["decided_by"], "revocation");

  // The agent's owner offboarded: a new mandate of the agent is refused too.
  agent_task(default_scope());
  ASSERT_EQ(mandate({"actor", "offboard", "alice", "--reason", "left the company"}).exit_code, 0);
  const auto r = agent(json::array({echo}));
  EXPECT_FALSE(r->read_line(std::chrono::seconds(20)).has_value()) << "the session itself is refused";
  EXPECT_EQ(r->terminate(), 2);
  const std::string refused = read_text(tmp / "agent.err");
  EXPECT_NE(refused.find("401"), std::string::npos) << refused;
  EXPECT_NE(refused.find("revocation: the mandate was revoked"), std::string::npos) << refused;
}

TEST_F(GatewayTest, AnAgentWithoutAMandateIsRefused) {
  agent_task(default_scope());
  auto c = agent(json::array({{{"op", "list_tools"}}}), false);
  EXPECT_FALSE(c->read_line(std::chrono::seconds(20)).has_value());
  EXPECT_EQ(c->terminate(), 2) << read_text(tmp / "agent.err");
  EXPECT_NE(read_text(tmp / "agent.err").find("401"), std::string::npos) << read_text(tmp / "agent.err");
}

}  // namespace
}  // namespace mandate::testing
