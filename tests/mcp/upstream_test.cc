// Upstream against real MCP servers on node: server-everything over stdio
// and Streamable HTTP, server-filesystem over stdio, and test_server.mjs
// (the MCP SDK's own server) for server-initiated requests and sessions
// that expire.
#include "mcp/upstream.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mcp/internal/http_upstream.h"
#include "mcp/internal/stdio_upstream.h"
#include "servers.h"

namespace mandate::mcp {
namespace {

using json = nlohmann::json;
using namespace test;

std::set<std::string> tool_names(Upstream& upstream) {
  std::set<std::string> names;
  for (const json& tool : upstream.list_tools()) names.insert(tool.at("name").get<std::string>());
  return names;
}

RpcOutcome call_tool(Upstream& upstream, const std::string& tool, const json& arguments) {
  return upstream.request("tools/call", {{"name", tool}, {"arguments", arguments}});
}

// The message of the Error{io} `f` throws (fails the test otherwise).
template <typename F>
std::string io_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no Error was thrown";
  return "";
}

// 16 threads x 10 echo calls at once; each must get its own text back.
void hammer(Upstream& upstream) {
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string text = "t" + std::to_string(t) + "-" + std::to_string(i);
        try {
          const RpcOutcome o = call_tool(upstream, "echo", {{"message", text}});
          if (!o.error && first_text(o.result) == "Echo: " + text) ++right;
        } catch (const std::exception&) {
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), 160);
}

// How many fds this process has open.
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool process_gone(pid_t pid) {
  // Reaped by its parent (this process): waitpid knows it no more.
  return waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD && kill(pid, 0) != 0;
}

TEST(McpStdioUpstream, EverythingInitializesListsAndEchoes) {
  auto upstream = Upstream::open(stdio_server("everything", {kEverything.string(), "stdio"}));
  EXPECT_EQ(upstream->name(), "everything");
  const json& init = upstream->initialize_result();
  EXPECT_EQ(init["serverInfo"]["name"], "mcp-servers/everything");
  EXPECT_EQ(init["protocolVersion"], "2025-11-25");
  const auto names = tool_names(*upstream);
  EXPECT_TRUE(names.contains("echo"));
  EXPECT_TRUE(names.contains("get-sum"));
  const RpcOutcome echo = call_tool(*upstream, "echo", {{"message", "hello upstream"}});
  ASSERT_FALSE(echo.error);
  EXPECT_EQ(first_text(echo.result), "Echo: hello upstream");
  // An unknown method: the server's own JSON-RPC error, as it sent it.
  const RpcOutcome unknown = upstream->request("no/such/method", json::object());
  ASSERT_TRUE(unknown.error);
  EXPECT_EQ(unknown.error->code, rpc_code::method_not_found);
  EXPECT_NO_THROW(upstream->notify("notifications/roots/list_changed", json::object()));
  // Text that is not UTF-8 is refused before anything is sent.
  try {
    upstream->request("tools/call", {{"name", "echo"}, {"arguments", {{"message", std::string("\xff")}}}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input) << e.what();
  }
  EXPECT_EQ(first_text(call_tool(*upstream, "echo", {{"message", "after"}}).result), "Echo: after");
}

TEST(McpStdioUpstream, ServerGetsTheConfiguredEnvironmentAndNotTheGatewaysOwn) {
  ASSERT_EQ(setenv("MANDATE_TEST_GATEWAY_SECRET", "must-not-leak", 1), 0);
  UpstreamServer s = stdio_server("everything", {kEverything.string(), "stdio"});
  s.environment = {{"MANDATE_TEST_SERVER_VAR", "given"}};
  auto upstream = Upstream::open(s);
  const RpcOutcome env = call_tool(*upstream, "get-env", json::object());
  unsetenv("MANDATE_TEST_GATEWAY_SECRET");
  ASSERT_FALSE(env.error);
  const std::string text = first_text(env.result);
  EXPECT_NE(text.find("MANDATE_TEST_SERVER_VAR"), std::string::npos) << text;
  EXPECT_NE(text.find("\"given\""), std::string::npos) << text;
  EXPECT_NE(text.find("PATH"), std::string::npos);
  EXPECT_EQ(text.find("must-not-leak"), std::string::npos);
}

TEST(McpStdioUpstream, FilesystemWritesAndReadsInsideItsRootAndRefusesOutside) {
  testing::TempDir root, outside;
  auto upstream = Upstream::open(stdio_server("filesystem", {kFilesystem.string(), root.path().string()}));
  EXPECT_EQ(upstream->initialize_result()["serverInfo"]["name"], "secure-filesystem-server");
  const auto names = tool_names(*upstream);
  for (const char* n : {"read_text_file", "write_file", "list_directory", "edit_file", "directory_tree"}) EXPECT_TRUE(names.contains(n)) << n;

  // The server resolves symlinks: give it the canonical path.
  const std::string file = (std::filesystem::canonical(root.path()) / "note.txt").string();
  const RpcOutcome wrote = call_tool(*upstream, "write_file", {{"path", file}, {"content", "written through the gateway"}});
  ASSERT_FALSE(wrote.error) << wrote.error->message;
  EXPECT_FALSE(wrote.result.value("isError", false)) << wrote.result.dump();
  EXPECT_EQ(testing::read_file(file), "written through the gateway");
  const RpcOutcome read = call_tool(*upstream, "read_text_file", {{"path", file}});
  ASSERT_FALSE(read.error);
  EXPECT_EQ(first_text(read.result), "written through the gateway");

  // Outside its root: a tool result with isError (not a JSON-RPC error), and nothing written.
  const std::string escape = (std::filesystem::canonical(outside.path()) / "escape.txt").string();
  const RpcOutcome refused = call_tool(*upstream, "write_file", {{"path", escape}, {"content", "x"}});
  ASSERT_FALSE(refused.error) << refused.error->message;
  EXPECT_TRUE(refused.result.value("isError", false)) << refused.result.dump();
  EXPECT_NE(first_text(refused.result).find("Access denied"), std::string::npos) << refused.result.dump();
  EXPECT_FALSE(std::filesystem::exists(escape));
}

TEST(McpStdioUpstream, SixteenThreadsAtOnceEachGetTheirOwnAnswers) {
  auto upstream = Upstream::open(stdio_server("everything", {kEverything.string(), "stdio"}));
  hammer(*upstream);
}

TEST(McpStdioUpstream, AKilledServerFailsItsPendingCallAndTheNextRestartsIt) {
  const std::size_t fds_before = open_fds();
  auto upstream = Upstream::open(stdio_server("everything", {kEverything.string(), "stdio"}));
  auto& stdio = dynamic_cast<StdioUpstream&>(*upstream);
  const pid_t first = stdio.pid();
  ASSERT_GT(first, 0);
  auto pending = std::async(std::launch::async, [&] {
    return io_error([&] { call_tool(*upstream, "trigger-long-running-operation", {{"duration", 10}, {"steps", 2}}); });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const std::string why = pending.get();
  EXPECT_NE(why.find("mcp server \"everything\" was killed by signal 9"), std::string::npos) << why;
  EXPECT_NE(why.find("tools/call"), std::string::npos) << why;

  const RpcOutcome echo = call_tool(*upstream, "echo", {{"message", "again"}});
  ASSERT_FALSE(echo.error);
  EXPECT_EQ(first_text(echo.result), "Echo: again");
  const pid_t second = stdio.pid();
  EXPECT_GT(second, 0);
  EXPECT_NE(second, first);
  EXPECT_TRUE(process_gone(first));  // the dead one was reaped, not left a zombie

  upstream.reset();
  EXPECT_TRUE(process_gone(second));
  EXPECT_EQ(open_fds(), fds_before);  // no pipe of either process left open
}

TEST(McpStdioUpstream, NoFdOfTheGatewayReachesTheServer) {
  testing::TempDir dir;
  // An fd the test leaves inheritable (no O_CLOEXEC): it must not reach the server either.
  const auto marker = dir / "leak-marker";
  testing::write_file(marker, "");
  const int leaky = open(marker.c_str(), O_RDONLY);
  ASSERT_GE(leaky, 3);
  const auto listing = dir / "fds.txt";
  UpstreamServer s;
  s.name = "fds";
  // The shell lists where its fds lead, then becomes the server.
  s.command = {"/bin/sh", "-c", "readlink /proc/$$/fd/* > \"$0\"; exec \"$1\" \"$2\" stdio", listing.string(), kNode,
               kTestServer.string()};
  auto upstream = Upstream::open(s);
  close(leaky);
  const std::string fds = testing::read_file(listing);
  EXPECT_NE(fds.find("pipe:"), std::string::npos) << fds;  // stdin, stdout, stderr
  EXPECT_EQ(fds.find("leak-marker"), std::string::npos) << fds;
  EXPECT_EQ(first_text(call_tool(*upstream, "echo", {{"text", "ok"}}).result), "ok");
}

TEST(McpStdioUpstream, ACallThatTakesTooLongFailsAndTheServerGoesOn) {
  UpstreamServer s = stdio_server("everything", {kEverything.string(), "stdio"});
  // Long enough for Node to start and answer initialize on a loaded
  // machine (initialize has the same limit), far shorter than the call.
  s.call_timeout = std::chrono::milliseconds(2000);
  auto upstream = Upstream::open(s);
  const auto start = std::chrono::steady_clock::now();
  const std::string why = io_error([&] { call_tool(*upstream, "trigger-long-running-operation", {{"duration", 8}, {"steps", 1}}); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(why.find("did not answer tools/call within 2000 ms"), std::string::npos) << why;
  EXPECT_EQ(first_text(call_tool(*upstream, "echo", {{"message", "still here"}}).result), "Echo: still here");
}

TEST(McpStdioUpstream, ServerRequestsAreAnsweredMethodNotFoundExceptPing) {
  auto upstream = Upstream::open(stdio_server("sdk", {kTestServer.string(), "stdio"}));
  EXPECT_EQ(first_text(call_tool(*upstream, "ask", {{"method", "roots/list"}}).result), "error -32601");
  EXPECT_EQ(first_text(call_tool(*upstream, "ask", {{"method", "sampling/createMessage"}}).result), "error -32601");
  EXPECT_EQ(first_text(call_tool(*upstream, "ask", {{"method", "ping"}}).result), "result {}");
}

TEST(McpStdioUpstream, AServerThatCannotStartOrDiesAtOnceIsAnIoErrorNamingIt) {
  UpstreamServer missing;
  missing.name = "ghost";
  missing.command = {"/nonexistent/mcp-server"};
  std::string why = io_error([&] { Upstream::open(missing); });
  EXPECT_NE(why.find("mcp server \"ghost\""), std::string::npos) << why;
  EXPECT_NE(why.find("No such file or directory"), std::string::npos) << why;

  UpstreamServer dies = stdio_server("quitter", {"-e", "process.exit(3)"});
  why = io_error([&] { Upstream::open(dies); });
  EXPECT_NE(why.find("mcp server \"quitter\" exited with status 3"), std::string::npos) << why;

  UpstreamServer neither;
  neither.name = "neither";
  try {
    Upstream::open(neither);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
  }
}

TEST(McpHttpUpstream, EverythingInitializesListsEchoesAndTakesSixteenThreads) {
  testing::TempDir dir;
  HttpServer server(dir, {kEverything.string(), "streamableHttp"});
  const std::size_t fds_before = open_fds();
  auto upstream = Upstream::open(http_server("everything", server.url()));
  EXPECT_EQ(upstream->initialize_result()["serverInfo"]["name"], "mcp-servers/everything");
  EXPECT_FALSE(dynamic_cast<HttpUpstream&>(*upstream).session_id().empty());
  EXPECT_TRUE(tool_names(*upstream).contains("echo"));
  const RpcOutcome echo = call_tool(*upstream, "echo", {{"message", "over http"}});
  ASSERT_FALSE(echo.error);
  EXPECT_EQ(first_text(echo.result), "Echo: over http");
  const RpcOutcome unknown = upstream->request("no/such/method", json::object());
  ASSERT_TRUE(unknown.error);
  EXPECT_EQ(unknown.error->code, rpc_code::method_not_found);
  hammer(*upstream);
  upstream.reset();
  EXPECT_EQ(open_fds(), fds_before);  // every connection closed with the upstream
}

TEST(McpHttpUpstream, ACallThatTakesTooLongFails) {
  testing::TempDir dir;
  HttpServer server(dir, {kEverything.string(), "streamableHttp"});
  UpstreamServer s = http_server("everything", server.url());
  s.call_timeout = std::chrono::milliseconds(2000);  // initialize too, on a loaded machine
  auto upstream = Upstream::open(s);
  const std::string why = io_error([&] { call_tool(*upstream, "trigger-long-running-operation", {{"duration", 8}, {"steps", 1}}); });
  EXPECT_NE(why.find("did not answer tools/call within 2000 ms"), std::string::npos) << why;
  EXPECT_EQ(first_text(call_tool(*upstream, "echo", {{"message", "still here"}}).result), "Echo: still here");
}

TEST(McpHttpUpstream, AnUnreachableServerIsAnIoErrorNamingIt) {
  const std::uint16_t port = free_port();
  UpstreamServer s = http_server("nobody", "http://127.0.0.1:" + std::to_string(port) + "/mcp?key=hidden");
  const std::string why = io_error([&] { Upstream::open(s); });
  EXPECT_NE(why.find("mcp server \"nobody\" (http://127.0.0.1:" + std::to_string(port) + ")"), std::string::npos) << why;
  EXPECT_EQ(why.find("hidden"), std::string::npos) << why;
}

TEST(McpHttpUpstream, ServerRequestsOnTheStreamAreAnswered) {
  testing::TempDir dir;
  HttpServer server(dir, {kTestServer.string(), "http", "{port}"});
  auto upstream = Upstream::open(http_server("sdk", server.url()));
  EXPECT_EQ(first_text(call_tool(*upstream, "ask", {{"method", "roots/list"}}).result), "error -32601");
  EXPECT_EQ(first_text(call_tool(*upstream, "ask", {{"method", "ping"}}).result), "result {}");
}

TEST(McpHttpUpstream, AStreamClosedBeforeTheAnswerIsResumedWithLastEventId) {
  testing::TempDir dir;
  HttpServer server(dir, {kTestServer.string(), "http", "{port}"});
  ASSERT_EQ(server.child().read_line(std::chrono::seconds(5)), "listening " + std::to_string(server.port()));
  auto upstream = Upstream::open(http_server("sdk", server.url()));
  ASSERT_TRUE(server.child().read_line(std::chrono::seconds(5))->starts_with("session "));
  const RpcOutcome polled = call_tool(*upstream, "poll", {{"text", "came back"}});
  ASSERT_FALSE(polled.error);
  EXPECT_EQ(first_text(polled.result), "came back");
  EXPECT_EQ(server.child().read_line(std::chrono::seconds(5)), "closed stream");
  const auto resumed = server.child().read_line(std::chrono::seconds(5));
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(resumed->starts_with("resumed after ")) << *resumed;
}

TEST(McpHttpUpstream, AnExpiredSessionIsRenewedOnceAndTheSessionIsDeletedAtTheEnd) {
  testing::TempDir dir;
  auto server = std::make_unique<HttpServer>(dir, std::vector<std::string>{kTestServer.string(), "http", "{port}"});
  const std::uint16_t port = server->port();
  ASSERT_EQ(server->child().read_line(std::chrono::seconds(5)), "listening " + std::to_string(port));
  auto upstream = Upstream::open(http_server("sdk", server->url()));
  auto& http = dynamic_cast<HttpUpstream&>(*upstream);
  const std::string first = http.session_id();
  ASSERT_EQ(server->child().read_line(std::chrono::seconds(5)), "session " + first);
  EXPECT_EQ(first_text(call_tool(*upstream, "echo", {{"text", "one"}}).result), "one");

  // The server restarts on the same port: it knows the session no more (404).
  server.reset();
  server = std::make_unique<HttpServer>(dir, std::vector<std::string>{kTestServer.string(), "http", "{port}"}, port);
  ASSERT_EQ(server->child().read_line(std::chrono::seconds(5)), "listening " + std::to_string(port));
  EXPECT_EQ(first_text(call_tool(*upstream, "echo", {{"text", "two"}}).result), "two");
  const std::string second = http.session_id();
  EXPECT_NE(second, first);
  ASSERT_EQ(server->child().read_line(std::chrono::seconds(5)), "session " + second);

  upstream.reset();
  EXPECT_EQ(server->child().read_line(std::chrono::seconds(5)), "deleted " + second);
}

}  // namespace
}  // namespace mandate::mcp
