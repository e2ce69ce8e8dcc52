#pragma once
// Private to the mcp module: the build defines MANDATE_INSIDE_MCP only for src/mcp/ and tests/mcp/.
#ifndef MANDATE_INSIDE_MCP
#error "this header is internal to the mcp module; include a public mcp/ header instead"
#endif
// What both transports share: the initialize handshake's request and the
// check of its answer, and the answers to requests a server sends.
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/jsonrpc.h"
#include "mcp/upstream.h"

namespace mandate::mcp {

// initialize's params: kProtocolVersion, no capabilities, clientInfo.
nlohmann::json initialize_params();

// Checks initialize's outcome; the protocol revision the server chose.
// Throws Error{io} "mcp server \"name\": ..." naming what was wrong.
std::string check_initialize(const std::string& server, const RpcOutcome& outcome);

// The answer to a request the server sent: {} to ping, method not found to
// anything else (the gateway declares no client capabilities).
nlohmann::json answer_server_request(const Request& request);

// The message as sent on the wire (compact JSON, no newline). Throws
// Error{bad_input} when a string in it is not UTF-8.
std::string wire(const nlohmann::json& message);

// "mcp server \"name\"": how every message names the server.
std::string describe(const std::string& server);

}  // namespace mandate::mcp
