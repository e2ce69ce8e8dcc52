#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// The HTTP exchange lives in its own module (src/http/, shared with the
// witness server); the server's code names its types as its own.
#include "http/message.h"

namespace mandate::server {

using http::answer_of;
using http::BodyStream;
using http::DeferredResponse;
using http::error_body;
using http::media_type_matches;
using http::parse_form;
using http::percent_decode;
using http::Request;
using http::request_from_head;
using http::Response;

}  // namespace mandate::server
