#include <fstream>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/internal/remote.h"
#include "cli/internal/workflow_context.h"
#include "core/error.h"
#include "token/private_key.h"

namespace mandate::cli {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void write_private_file(const std::string& path, const std::string& content) {
  const mode_t old = ::umask(077);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ::umask(old);
  if (!out) fail(ErrorKind::io, "cannot write " + path);
  out << content;
  out.close();
  if (!out) fail(ErrorKind::io, "cannot write " + path);
  ::chmod(path.c_str(), 0600);
}

struct StateArgs {
  std::string id, reason = "by the operator";
};

RemoteCall actor_view(const std::string& id) { return RemoteCall::get("/v1/actors/" + segment(id)); }

// The server answers {actor, ledger_index}; the local command prints the
// whole actor, so the client reads it back.
nlohmann::json add_remotely(const GlobalOptions& options, const core::Actor& a, const std::optional<std::string>& key) {
  nlohmann::json body = {{"id", a.id}, {"kind", core::to_string(a.kind)}, {"groups", a.groups}, {"systems", a.systems}};
  if (a.owner) body["owner"] = *a.owner;
  if (a.display_name) body["display_name"] = *a.display_name;
  if (key) body["public_key"] = *key;
  const RemoteClient server(options.remote);
  const auto recorded = server.json(RemoteCall::post("/v1/actors", body));
  auto view = server.json(actor_view(a.id));
  view["ledger_index"] = recorded.at("ledger_index");
  return view;
}

RemoteCall state_call(const StateArgs& args, const std::string& verb) {
  return RemoteCall::post("/v1/actors/" + segment(args.id) + "/" + verb, {{"reason", args.reason}});
}

}  // namespace

void add_actor_commands(CLI::App& app, GlobalOptions& options) {
  auto* actor = app.add_subcommand("actor", "Humans, workloads and agents");
  actor->require_subcommand(1);

  struct AddArgs {
    std::string kind, id, owner, groups, systems, key, name;
  };
  auto add = std::make_shared<AddArgs>();
  auto* add_cmd = actor->add_subcommand("add", "Register an actor (workloads and agents need an accountable human owner)");
  add_cmd->add_option("--kind", add->kind, "human | workload | agent")->required();
  add_cmd->add_option("--id", add->id, "Actor id (workloads: a SPIFFE ID or other URI)")->required();
  add_cmd->add_option("--owner", add->owner, "The accountable human (workloads and agents)");
  add_cmd->add_option("--groups", add->groups, "Comma-separated groups");
  add_cmd->add_option("--systems", add->systems, "Comma-separated systems it works in");
  add_cmd->add_option("--key", add->key, "Public key (JWK or PEM; @file or -) that mandates are bound to");
  add_cmd->add_option("--name", add->name, "Display name");
  add_cmd->callback([&options, add] {
    core::Actor a;
    auto kind = core::parse_actor_kind(add->kind);
    if (!kind) fail(ErrorKind::bad_input, "--kind must be human, workload or agent");
    a.kind = *kind;
    a.id = add->id;
    if (!add->owner.empty()) a.owner = add->owner;
    a.groups = split_list(add->groups);
    a.systems = split_list(add->systems);
    if (!add->name.empty()) a.display_name = add->name;
    std::optional<std::string> key;
    if (!add->key.empty()) key = argument_value(add->key, "--key");
    if (options.is_remote()) return print_json(add_remotely(options, a, key));
    auto ws = open_workspace(options);
    const auto recorded = ws.broker->add_actor(operator_caller(), a, key);
    auto view = broker::to_json(ws.broker->actor(a.id));
    view["ledger_index"] = recorded.ledger_index;
    print_json(view);
  });

  actor->add_subcommand("list", "List actors")->callback([&options] {
    if (options.is_remote()) return print_remote(options, RemoteCall::get("/v1/actors"));
    auto ws = open_workspace(options);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : ws.broker->actors()) out.push_back(broker::to_json(a));
    print_json(out);
  });

  auto show_id = std::make_shared<std::string>();
  actor->add_subcommand("show", "Show one actor")->callback([&options, show_id] {
    if (options.is_remote()) return print_remote(options, actor_view(*show_id));
    print_json(broker::to_json(open_workspace(options).broker->actor(*show_id)));
  })->add_option("id", *show_id)->required();

  auto suspend = std::make_shared<StateArgs>();
  auto* suspend_cmd = actor->add_subcommand("suspend", "Suspend an actor: its mandates are denied until further notice");
  suspend_cmd->add_option("id", suspend->id)->required();
  suspend_cmd->add_option("--reason", suspend->reason);
  suspend_cmd->callback([&options, suspend] {
    if (options.is_remote()) return print_remote(options, state_call(*suspend, "suspend"));
    auto ws = open_workspace(options);
    print_json({{"actor", suspend->id}, {"state", "suspended"},
                {"ledger_index", ws.broker->suspend_actor(operator_caller(), suspend->id, suspend->reason).ledger_index}});
  });
  auto offboard = std::make_shared<StateArgs>();
  auto* offboard_cmd = actor->add_subcommand("offboard", "Offboard an actor: revokes its mandates and those of the machines it owns");
  offboard_cmd->add_option("id", offboard->id)->required();
  offboard_cmd->add_option("--reason", offboard->reason);
  offboard_cmd->callback([&options, offboard] {
    if (options.is_remote()) return print_remote(options, state_call(*offboard, "offboard"));
    auto ws = open_workspace(options);
    const auto done = ws.broker->offboard_actor(operator_caller(), offboard->id, offboard->reason);
    print_json({{"actor", offboard->id}, {"state", "offboarded"}, {"revoked_mandates", done.revoked_mandates},
                {"ledger_index", done.ledger_index}});
  });

  struct KeygenArgs {
    std::string out, alg = "EdDSA";
  };
  auto keygen = std::make_shared<KeygenArgs>();
  auto* keygen_cmd = actor->add_subcommand("keygen", "Make a key pair for a workload: private key to a file (0600), public JWK to stdout");
  keygen_cmd->add_option("--out", keygen->out, "Private key file (PKCS#8 PEM)")->required();
  keygen_cmd->add_option("--alg", keygen->alg, "EdDSA (default) or ES256");
  keygen_cmd->callback([keygen] {
    token::Algorithm alg;
    if (keygen->alg == "EdDSA") alg = token::Algorithm::EdDSA;
    else if (keygen->alg == "ES256") alg = token::Algorithm::ES256;
    else fail(ErrorKind::bad_input, "--alg must be EdDSA or ES256");
    const auto key = token::PrivateKey::generate(alg);
    write_private_file(keygen->out, key.to_pem());
    const auto pub = key.public_key();
    print_json({{"jwk", nlohmann::json::parse(pub.jwk_json())}, {"thumbprint", pub.thumbprint()}});
  });
}

}  // namespace mandate::cli
