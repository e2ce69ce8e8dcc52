#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// The HTTP/1.1 listener lives in its own module (src/http/, shared with the
// witness server); the server's code names its types as its own.
#include "http/server.h"
#include "server/internal/http_message.h"

namespace mandate::server {

using http::Handler;
using http::HttpServer;
using http::Limits;
using http::ListenSettings;
using http::Observer;
using http::TlsSettings;

}  // namespace mandate::server
