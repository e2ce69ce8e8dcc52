#include "cli/internal/workflow_context.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "broker/records.h"
#include "core/error.h"
#include "home/home.h"
#include "store/store.h"

namespace mandate::cli {

Workspace open_workspace(const GlobalOptions& options) {
  Workspace ws;
  ws.home = open_home(options);
  broker::Settings settings;
  settings.issuer = "https://" + ws.home->config().origin;
  settings.audience = settings.issuer;
  ws.broker = std::make_unique<broker::Broker>(ws.home->store(), ws.home->ledger(), ws.home->keys(), settings);
  return ws;
}

std::string argument_value(const std::string& value, const std::string& what) {
  std::string text;
  if (value == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else if (!value.empty() && value.front() == '@') {
    std::ifstream in(value.substr(1), std::ios::binary);
    if (!in) fail(ErrorKind::bad_input, what + ": cannot read " + value.substr(1));
    text.assign(std::istreambuf_iterator<char>(in), {});
  } else {
    return value;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

broker::Caller asserted(const Workspace& ws, const std::string& actor_id) {
  broker::Caller caller{actor_id, broker::CallerKind::human, "local-operator"};
  if (auto record = ws.home->store().record(broker::kActorKind, actor_id)) {
    caller.kind = broker::caller_kind(broker::actor_from_json(nlohmann::json::parse(record->body)).actor.kind);
  }
  return caller;
}

void check_as(const GlobalOptions& options, const std::string& as, bool required_locally) {
  if (options.is_remote() && !as.empty()) {
    fail(ErrorKind::bad_input, "--as cannot be used with --server: the server knows who acts from the credential "
                               "(--token or --cert); drop --as");
  }
  if (!options.is_remote() && as.empty() && required_locally) fail(ErrorKind::bad_input, "--as is required");
}

broker::Caller operator_caller() { return {"operator", broker::CallerKind::home_operator, "local-operator"}; }

std::chrono::seconds duration_argument(const std::string& text, const std::string& what) {
  auto d = broker::parse_duration(text);
  if (!d) fail(ErrorKind::bad_input, what + ": \"" + text + "\" is not a duration (e.g. 30s, 15m, 2h, 1h30m)");
  return *d;
}

}  // namespace mandate::cli
