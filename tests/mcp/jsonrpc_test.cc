#include "mcp/jsonrpc.h"

#include <gtest/gtest.h>

namespace mandate::mcp {
namespace {

using json = nlohmann::json;

struct Bad {
  std::string body;
  int code;
  std::string says;                   // a part of the message
  std::optional<RequestId> id = {};  // the id the error names, if readable
};

TEST(McpJsonRpc, RefusesEveryMalformedShapeWithItsCodeAndWhy) {
  const std::vector<Bad> cases = {
      {"", rpc_code::parse_error, "not JSON"},
      {"{\"jsonrpc\":\"2.0\",", rpc_code::parse_error, "not JSON"},
      {"{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"x\"}", rpc_code::parse_error, "not JSON"},  // duplicate member
      {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", rpc_code::invalid_request, "batch"},
      {"[]", rpc_code::invalid_request, "batch"},
      {"42", rpc_code::invalid_request, "must be a JSON object"},
      {"\"x\"", rpc_code::invalid_request, "must be a JSON object"},
      {"null", rpc_code::invalid_request, "must be a JSON object"},
      {R"({"id":1,"method":"ping"})", rpc_code::invalid_request, "\"jsonrpc\": \"2.0\" is missing", RequestId(1)},
      {R"({"jsonrpc":"1.0","id":"a","method":"ping"})", rpc_code::invalid_request, "must be \"2.0\"", RequestId("a")},
      {R"({"jsonrpc":2.0,"id":1,"method":"ping"})", rpc_code::invalid_request, "must be \"2.0\"", RequestId(1)},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", rpc_code::invalid_request, "\"id\" must be a string or an integer, not null"},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", rpc_code::invalid_request, "not a fractional number"},
      {R"({"jsonrpc":"2.0","id":true,"method":"ping"})", rpc_code::invalid_request, "\"id\" must be a string or an integer"},
      {R"({"jsonrpc":"2.0","id":{},"method":"ping"})", rpc_code::invalid_request, "\"id\" must be a string or an integer"},
      {R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})", rpc_code::invalid_request, "\"id\" must be"},
      {R"({"jsonrpc":"2.0","id":1,"method":7})", rpc_code::invalid_request, "\"method\" must be a non-empty string", RequestId(1)},
      {R"({"jsonrpc":"2.0","id":1,"method":""})", rpc_code::invalid_request, "\"method\" must be a non-empty string", RequestId(1)},
      {R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1,2]})", rpc_code::invalid_request, "\"params\" must be an object", RequestId(1)},
      {R"({"jsonrpc":"2.0","method":"x","params":"s"})", rpc_code::invalid_request, "\"params\" must be an object"},
      {R"({"jsonrpc":"2.0","id":1,"method":"x","result":{}})", rpc_code::invalid_request, "cannot carry", RequestId(1)},
      {R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})", rpc_code::invalid_request, "not both", RequestId(1)},
      {R"({"jsonrpc":"2.0","id":1})", rpc_code::invalid_request, "neither a request", RequestId(1)},
      {R"({"jsonrpc":"2.0","result":{}})", rpc_code::invalid_request, "needs the request's \"id\""},
      {R"({"jsonrpc":"2.0","id":null,"result":{}})", rpc_code::invalid_request, "\"id\" must be a string or an integer, not null"},
      {R"({"jsonrpc":"2.0","id":3,"result":[1]})", rpc_code::invalid_request, "\"result\" must be an object", RequestId(3)},
      {R"({"jsonrpc":"2.0","id":3,"error":"boom"})", rpc_code::invalid_request, "\"error\" must be an object", RequestId(3)},
      {R"({"jsonrpc":"2.0","id":3,"error":{"message":"m"}})", rpc_code::invalid_request, "\"code\" must be an integer", RequestId(3)},
      {R"({"jsonrpc":"2.0","id":3,"error":{"code":1.5,"message":"m"}})", rpc_code::invalid_request, "\"code\" must be an integer", RequestId(3)},
      {R"({"jsonrpc":"2.0","id":3,"error":{"code":1}})", rpc_code::invalid_request, "\"message\" must be a string", RequestId(3)},
  };
  for (const Bad& bad : cases) {
    SCOPED_TRACE(bad.body);
    const auto parsed = parse_message(bad.body);
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, bad.code);
    EXPECT_NE(parsed.error().message.find(bad.says), std::string::npos) << parsed.error().message;
    EXPECT_EQ(parsed.error().id, bad.id);
    if (bad.id) {
      EXPECT_NE(parsed.error().message.find("(id " + to_string(*bad.id) + ")"), std::string::npos) << parsed.error().message;
    }
  }
}

TEST(McpJsonRpc, ReadsTheFourKinds) {
  auto m = parse_message(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}})");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const auto& request = std::get<Request>(*m);
  EXPECT_EQ(request.id, RequestId(7));
  EXPECT_EQ(request.method, "tools/call");
  EXPECT_EQ(request.params, json({{"name", "echo"}}));

  m = parse_message(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::get<Request>(*m).id, RequestId("abc"));
  EXPECT_FALSE(std::get<Request>(*m).params.has_value());

  m = parse_message(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::get<Notification>(*m).method, "notifications/initialized");

  m = parse_message(R"({"jsonrpc":"2.0","id":-4,"result":{"tools":[]}})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::get<Response>(*m).id, RequestId(-4));
  EXPECT_EQ(std::get<Response>(*m).result, json({{"tools", json::array()}}));

  m = parse_message(R"({"jsonrpc":"2.0","id":"q","error":{"code":-32601,"message":"Method not found","data":{"m":"x"}}})");
  ASSERT_TRUE(m.has_value());
  const auto& error = std::get<ErrorResponse>(*m);
  EXPECT_EQ(error.id, RequestId("q"));
  EXPECT_EQ(error.error.code, rpc_code::method_not_found);
  EXPECT_EQ(error.error.message, "Method not found");
  EXPECT_EQ(error.error.data, json({{"m", "x"}}));

  // An error to a request whose id could not be read: id null (or absent).
  m = parse_message(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(std::get<ErrorResponse>(*m).id.has_value());
  m = parse_message(R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}})");
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(std::get<ErrorResponse>(*m).id.has_value());
}

TEST(McpJsonRpc, BuildsMessagesThatParseBack) {
  const json request = make_request(RequestId(5), "tools/list", json::object());
  EXPECT_EQ(request, json::parse(R"({"jsonrpc":"2.0","id":5,"method":"tools/list","params":{}})"));
  EXPECT_EQ(make_request(RequestId("s"), "ping"), json::parse(R"({"jsonrpc":"2.0","id":"s","method":"ping"})"));
  EXPECT_EQ(make_notification("notifications/initialized"), json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_EQ(make_response(RequestId(1), json::object()), json::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
  EXPECT_EQ(error_response(RequestId("x"), rpc_code::invalid_params, "bad", {{"why", 1}}),
            json::parse(R"({"jsonrpc":"2.0","id":"x","error":{"code":-32602,"message":"bad","data":{"why":1}}})"));
  EXPECT_EQ(error_response(std::nullopt, rpc_code::parse_error, "Parse error"),
            json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})"));
  for (const json& m : {request, make_notification("x", {{"a", 1}}), make_response(RequestId(2), {{"ok", true}}),
                        error_response(RequestId(3), rpc_code::internal_error, "oops")}) {
    EXPECT_TRUE(parse_message(m.dump()).has_value()) << m.dump();
  }
  EXPECT_EQ(to_string(RequestId("a\"b")), R"("a\"b")");
  EXPECT_EQ(to_string(RequestId(12)), "12");
}

}  // namespace
}  // namespace mandate::mcp
