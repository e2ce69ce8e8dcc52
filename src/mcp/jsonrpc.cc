// parse_message: one JSON-RPC 2.0 message, strictly, as MCP 2025-11-25
// defines it (schema.ts: JSONRPCRequest, JSONRPCNotification,
// JSONRPCResultResponse, JSONRPCErrorResponse).
#include "mcp/jsonrpc.h"

#include <limits>

#include "encoding/json.h"

namespace mandate::mcp {
namespace {

using json = nlohmann::json;

std::unexpected<RpcError> refuse(int code, std::string message, std::optional<RequestId> id = std::nullopt) {
  if (id) message += " (id " + to_string(*id) + ")";
  return std::unexpected(RpcError{code, std::move(message), nullptr, std::move(id)});
}

// The id as a RequestId; nothing when it is neither a string nor an
// integer that fits (null, fractional, boolean, object, ...).
std::optional<RequestId> id_of(const json& id) {
  if (id.is_string()) return RequestId(id.get<std::string>());
  if (id.is_number_integer()) {
    if (id.is_number_unsigned() && id.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return RequestId(id.get<std::int64_t>());
  }
  return std::nullopt;
}

std::string type_name(const json& value) {
  if (value.is_number_float()) return "a fractional number";
  if (value.is_number()) return "a number";
  return std::string("a JSON ") + value.type_name();
}

}  // namespace

json to_json(const RequestId& id) {
  if (const auto* n = std::get_if<std::int64_t>(&id)) return *n;
  return std::get<std::string>(id);
}

std::string to_string(const RequestId& id) { return to_json(id).dump(-1, ' ', false, json::error_handler_t::replace); }

std::expected<Message, RpcError> parse_message(std::string_view body) {
  auto value = encoding::parse_json_strict(body);
  if (!value) return refuse(rpc_code::parse_error, "Parse error: the message is not JSON: " + value.error());
  return to_message(*value);
}

std::expected<Message, RpcError> to_message(const json& m) {
  if (m.is_array()) {
    return refuse(rpc_code::invalid_request, "Invalid Request: a batch (JSON array) is not allowed; MCP sends one message at a time");
  }
  if (!m.is_object()) return refuse(rpc_code::invalid_request, "Invalid Request: a message must be a JSON object, not " + type_name(m));

  // The id first, so every later refusal can name it.
  std::optional<RequestId> id;
  const auto id_it = m.find("id");
  const bool has_id = id_it != m.end();
  if (has_id) id = id_of(*id_it);
  const bool has_method = m.contains("method");
  const bool has_result = m.contains("result");
  const bool has_error = m.contains("error");

  const auto version = m.find("jsonrpc");
  if (version == m.end()) return refuse(rpc_code::invalid_request, "Invalid Request: \"jsonrpc\": \"2.0\" is missing", id);
  if (!version->is_string() || version->get<std::string>() != "2.0") {
    return refuse(rpc_code::invalid_request, "Invalid Request: \"jsonrpc\" must be \"2.0\", not " + version->dump(-1, ' ', false, json::error_handler_t::replace), id);
  }

  if (has_method && (has_result || has_error)) {
    return refuse(rpc_code::invalid_request, "Invalid Request: a message with \"method\" cannot carry \"result\" or \"error\"", id);
  }
  if (has_method) {
    const json& method = m.at("method");
    if (!method.is_string() || method.get_ref<const std::string&>().empty()) {
      return refuse(rpc_code::invalid_request, "Invalid Request: \"method\" must be a non-empty string", id);
    }
    std::optional<json> params;
    if (const auto p = m.find("params"); p != m.end()) {
      if (!p->is_object()) {
        return refuse(rpc_code::invalid_request, "Invalid Request: \"params\" must be an object (MCP uses named params), not " + type_name(*p), id);
      }
      params = *p;
    }
    if (!has_id) return Notification{method.get<std::string>(), std::move(params)};
    if (!id) {
      return refuse(rpc_code::invalid_request, "Invalid Request: \"id\" must be a string or an integer, not " +
                                                   (id_it->is_null() ? std::string("null") : type_name(*id_it)));
    }
    return Request{std::move(*id), method.get<std::string>(), std::move(params)};
  }

  if (has_result && has_error) {
    return refuse(rpc_code::invalid_request, "Invalid Request: a response carries \"result\" or \"error\", not both", id);
  }
  if (!has_result && !has_error) {
    return refuse(rpc_code::invalid_request, "Invalid Request: neither a request (\"method\") nor a response (\"result\" or \"error\")", id);
  }
  if (has_id && !id && !(has_error && id_it->is_null())) {
    return refuse(rpc_code::invalid_request, "Invalid Request: \"id\" must be a string or an integer, not " +
                                                 (id_it->is_null() ? std::string("null") : type_name(*id_it)));
  }
  if (has_result) {
    if (!has_id) return refuse(rpc_code::invalid_request, "Invalid Request: a response with \"result\" needs the request's \"id\"");
    const json& result = m.at("result");
    if (!result.is_object()) return refuse(rpc_code::invalid_request, "Invalid Request: \"result\" must be an object, not " + type_name(result), id);
    return Response{std::move(*id), result};
  }
  const json& error = m.at("error");
  if (!error.is_object()) return refuse(rpc_code::invalid_request, "Invalid Request: \"error\" must be an object, not " + type_name(error), id);
  const auto code = error.find("code");
  if (code == error.end() || !code->is_number_integer() || !id_of(*code) ||
      std::get<std::int64_t>(*id_of(*code)) < std::numeric_limits<int>::min() ||
      std::get<std::int64_t>(*id_of(*code)) > std::numeric_limits<int>::max()) {
    return refuse(rpc_code::invalid_request, "Invalid Request: \"error\".\"code\" must be an integer", id);
  }
  const auto message = error.find("message");
  if (message == error.end() || !message->is_string()) {
    return refuse(rpc_code::invalid_request, "Invalid Request: \"error\".\"message\" must be a string", id);
  }
  RpcError e{static_cast<int>(code->get<std::int64_t>()), message->get<std::string>(), nullptr, std::nullopt};
  if (const auto data = error.find("data"); data != error.end()) e.data = *data;
  return ErrorResponse{std::move(id), std::move(e)};
}

json make_request(const RequestId& id, std::string_view method, const json& params) {
  json m = {{"jsonrpc", "2.0"}, {"id", to_json(id)}, {"method", method}};
  if (!params.is_null()) m["params"] = params;
  return m;
}

json make_notification(std::string_view method, const json& params) {
  json m = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) m["params"] = params;
  return m;
}

json make_response(const RequestId& id, const json& result) { return {{"jsonrpc", "2.0"}, {"id", to_json(id)}, {"result", result}}; }

json error_response(const std::optional<RequestId>& id, int code, std::string_view message, const json& data) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return {{"jsonrpc", "2.0"}, {"id", id ? to_json(*id) : json(nullptr)}, {"error", std::move(error)}};
}

json error_response(const std::optional<RequestId>& id, const RpcError& error) {
  return error_response(id, error.code, error.message, error.data);
}

}  // namespace mandate::mcp
