// The browser console's routes: sign-in with the configured OpenID provider
// (authorization code flow with PKCE), the session, sign-out, and the pages.
// Registered only when [console] is configured; the API the pages call is
// the ordinary API, which a session cookie authenticates (Application).
#include <nlohmann/json.hpp>

#include "console/cross_site.h"
#include "core/error.h"
#include "core/time.h"
#include "server/internal/application.h"
#include "server/internal/console_state.h"
#include "server/internal/route_support.h"

namespace mandate::server {
namespace {

// No inline script or style, nothing from elsewhere, never in a frame.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

Response& with_console_headers(Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

Response redirect(const std::string& location) {
  Response r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", location);
  return r;
}

std::string html_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// A failed sign-in, where a person reads it: a short page when the browser
// asks for HTML, the usual {"error": …} otherwise.
Response sign_in_failed(const Request& request, int status, const std::string& why) {
  const auto accept = request.header("accept");
  if (!accept || accept->find("text/html") == std::string_view::npos) return error_response(status, why);
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in failed</title></head>\n"
           "<body><h1>Sign-in failed</h1><p>" + html_escaped(why) +
           "</p><p><a href=\"/console/login\">Sign in again</a></p></body></html>\n";
  return r;
}

// Runs a console handler: errors answered as guarded() answers them, and
// the console's headers on every answer.
RouteHandler console_route(RouteHandler handler) {
  return [inner = guarded(std::move(handler))](Request& request, const PathParameters& p) {
    Response r = inner(request, p);
    return with_console_headers(r);
  };
}

std::string timestamp(std::chrono::system_clock::time_point t) {
  return core::format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(t));
}

Response login(Application& app, Request& request) {
  ConsoleState& console = *app.console();
  const std::string return_to = console::safe_return_to(request.query_parameter("return_to"));
  const auto header = request.header("cookie");
  const auto held = header ? console::cookie_value(*header, console.cookies.login.name) : std::nullopt;
  auto started = console.sessions.begin_login(return_to, held);
  Response r = redirect(console.relying_party.authorization_url(started.state, started.login.nonce, started.login.code_verifier));
  r.headers.emplace_back("Set-Cookie", console::set_cookie(console.cookies.login, started.browser_cookie,
                                                           console::SessionStore::kLoginLifetime));
  return r;
}

// What the provider said when it sent the browser back with an error
// (RFC 6749 §4.1.2.1), fit to quote.
std::string provider_error(const Request& request) {
  std::string why = request.query_parameter("error").value_or("");
  if (auto description = request.query_parameter("error_description")) why += ": " + *description;
  if (why.size() > 200) why = why.substr(0, 200) + "…";
  for (char& c : why) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return why;
}

Response callback(Application& app, Request& request) {
  ConsoleState& console = *app.console();
  try {
    if (request.query_parameter("error")) {
      fail(ErrorKind::bad_input, "the identity provider did not sign you in (" + provider_error(request) + ")");
    }
    const auto code = request.query_parameter("code");
    const auto state = request.query_parameter("state");
    if (!code || code->empty() || !state) fail(ErrorKind::bad_input, "the callback needs code and state");
    const auto header = request.header("cookie");
    const auto held = header ? console::cookie_value(*header, console.cookies.login.name) : std::nullopt;
    const auto pending = console.sessions.take_login(*state, held);
    if (!pending) fail(ErrorKind::bad_input, "sign-in refused: " + pending.error());
    const std::string id_token = console.relying_party.redeem(*code, pending->code_verifier);
    const auto opened = app.open_console_session(id_token, pending->nonce);
    Response r = redirect(pending->return_to);
    r.headers.emplace_back("Set-Cookie", console::set_cookie(console.cookies.session, opened.id, console.config.session_ttl));
    r.headers.emplace_back("Set-Cookie", console::clear_cookie(console.cookies.login));
    r.caller = opened.session.who.actor_id;
    return r;
  } catch (const Error& e) {
    return sign_in_failed(request, http_status(e.kind()), e.what());
  }
}

nlohmann::json session_json(const Application& app, const Application::ConsoleSession& s) {
  const auto& c = app.config();
  const auto& who = s.session.who;
  const bool administrator = app.is_administrator(who.actor_id);
  const std::string& url_template = c.change_url_template;
  return {{"actor", who.actor_id},
          {"kind", "human"},
          {"administrator", administrator},
          {"csrf_token", s.session.csrf_token},
          {"expires_at", timestamp(s.session.expires_at)},
          {"issuer", who.issuer},
          {"subject", who.subject},
          {"change_url_template", url_template.empty() ? nlohmann::json(nullptr) : nlohmann::json(url_template)}};
}

Application::ConsoleSession require_session(const Application& app, const Request& request) {
  auto session = app.console_session(request);
  if (!session) fail(ErrorKind::unauthenticated, "not signed in to the console (or the session has ended)");
  return std::move(*session);
}

Response page(const ConsoleState& console, std::string_view relative) {
  auto file = console.assets.page(relative);
  if (!file) fail(ErrorKind::not_found, "the console has no file " + std::string(relative));
  Response r;
  r.content_type = file->content_type;
  r.body = std::move(file->body);
  r.headers.emplace_back("Cache-Control", file->cache_control);
  return r;
}

}  // namespace

void add_console_routes(Router& router, Application& app) {
  router.add("GET", "/console", console_route([](Request&, const PathParameters&) { return redirect("/console/"); }));
  router.add("GET", "/console/login", console_route([&app](Request& request, const PathParameters&) {
    return login(app, request);
  }));
  router.add("GET", "/console/callback", [&app](Request& request, const PathParameters&) {
    Response r = callback(app, request);
    return with_console_headers(r);
  });
  router.add("GET", "/console/session", console_route([&app](Request& request, const PathParameters&) {
    const auto session = require_session(app, request);
    const auto who = app.authenticate_session(request, session, Access::human);
    Response r = json_ok(session_json(app, session));
    r.caller = who.caller.actor_id;
    return r;
  }));
  router.add("POST", "/console/logout", console_route([&app](Request& request, const PathParameters&) {
    const auto session = require_session(app, request);
    // Signing out changes something too: the same cross-site checks. No
    // admission: a human suspended meanwhile may still end the session.
    app.refuse_cross_site(request, session);
    app.console()->sessions.close(session.id);
    Response r;
    r.status = 204;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Set-Cookie", console::clear_cookie(app.console()->cookies.session));
    r.caller = session.session.who.actor_id;
    return r;
  }));
  router.add("GET", "/console/", console_route([&app](Request&, const PathParameters&) {
    return page(*app.console(), "");
  }));
  router.add("GET", "/console/{path}", console_route([&app](Request&, const PathParameters& p) {
    return page(*app.console(), p.at("path"));
  }), LastParameter::rest_of_path);
}

}  // namespace mandate::server
