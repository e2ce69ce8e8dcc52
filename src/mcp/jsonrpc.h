#pragma once
// JSON-RPC 2.0 messages as the Model Context Protocol (revision 2025-11-25)
// uses them: one message per body or line, never a batch (MCP dropped
// batches in 2025-06-18), request ids that are strings or integers (never
// null), params and results that are objects. Parsing is strict: every
// refusal is an RpcError with the standard code and a message naming what
// was wrong, and the offending message's id when it could be read.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace mandate::mcp {

// The standard JSON-RPC 2.0 error codes.
namespace rpc_code {
inline constexpr int parse_error = -32700;       // not JSON
inline constexpr int invalid_request = -32600;   // JSON, but not a valid message
inline constexpr int method_not_found = -32601;  // no such method here
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
}  // namespace rpc_code

// A request id: an integer or a string.
using RequestId = std::variant<std::int64_t, std::string>;
nlohmann::json to_json(const RequestId& id);
// For messages: 7 or "abc" (a string id quoted, as in JSON).
std::string to_string(const RequestId& id);

struct RpcError {
  int code = rpc_code::internal_error;
  std::string message;
  nlohmann::json data;  // null: none
  // parse_message's refusals: the offending message's id when it could be
  // read (an error response to it carries that id). Unused elsewhere.
  std::optional<RequestId> id;
};

struct Request {
  RequestId id;
  std::string method;
  std::optional<nlohmann::json> params;  // an object when present
};
struct Notification {
  std::string method;
  std::optional<nlohmann::json> params;  // an object when present
};
struct Response {
  RequestId id;
  nlohmann::json result;  // an object
};
struct ErrorResponse {
  std::optional<RequestId> id;  // none: the peer could not read the request's id (id null or absent)
  RpcError error;
};
using Message = std::variant<Request, Notification, Response, ErrorResponse>;

// One message from its text. Refuses with parse_error when the text is not
// (strict, RFC 7493) JSON, invalid_request for any JSON that is not one
// well-formed message: an array (a batch), a non-object, "jsonrpc" missing
// or not "2.0", an id that is null, fractional or neither string nor
// integer, a method that is not a non-empty string, params or result not an
// object, result together with error, error without an integer code and a
// string message, both or neither of method and result/error.
std::expected<Message, RpcError> parse_message(std::string_view body);
// The same for a value already parsed (its own name: a std::string would
// convert to both string_view and json).
std::expected<Message, RpcError> to_message(const nlohmann::json& value);

// Builders. Params are left out when null (or absent).
nlohmann::json make_request(const RequestId& id, std::string_view method, const nlohmann::json& params = nullptr);
nlohmann::json make_notification(std::string_view method, const nlohmann::json& params = nullptr);
nlohmann::json make_response(const RequestId& id, const nlohmann::json& result);
// id none: "id": null (the request's id could not be read). data null: left out.
nlohmann::json error_response(const std::optional<RequestId>& id, int code, std::string_view message,
                              const nlohmann::json& data = nullptr);
nlohmann::json error_response(const std::optional<RequestId>& id, const RpcError& error);

}  // namespace mandate::mcp
