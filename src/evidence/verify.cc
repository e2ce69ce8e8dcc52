#include <algorithm>
#include <optional>
#include <set>

#include "broker/trace.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "encoding/json.h"
#include "evidence/bundle.h"
#include "ledger/checkpoint.h"
#include "witness/policy.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "token/public_key.h"

namespace mandate::evidence {
namespace {

using nlohmann::json;

struct Checked {
  std::uint64_t index = 0;
  json entry;
};

bool string_field(const json& j, const char* name) { return j.contains(name) && j.at(name).is_string(); }

std::optional<ledger::Checkpoint> check_checkpoint(const json& bundle, const std::optional<std::string>& trusted_key,
                                                   const witness::WitnessPolicy* witnesses, VerifyReport& report) {
  std::vector<ledger::NoteVerifier> verifiers;
  if (!trusted_key && witnesses != nullptr && !witnesses->logs().empty()) {
    verifiers = witnesses->logs();  // the policy names the logs it trusts
  } else {
    const std::string vkey = trusted_key.value_or(bundle.at("verifier_key").get<std::string>());
    auto verifier = ledger::NoteVerifier::parse(vkey);
    if (!verifier) {
      report.problems.push_back("verifier key: " + verifier.error());
      return std::nullopt;
    }
    verifiers.push_back(*verifier);
  }
  auto checkpoint = ledger::open_checkpoint(bundle.at("checkpoint").get<std::string>(), bundle.at("origin").get<std::string>(), verifiers);
  if (!checkpoint) {
    report.problems.push_back("checkpoint: " + checkpoint.error());
    return std::nullopt;
  }
  return *checkpoint;
}

// A proof hash in its one spelling: standard padded base64 of 32 bytes, as
// the checkpoint's root and the ledger's proof endpoints spell Merkle hashes.
// The strict decoder admits one encoding per value, so no byte of the bundle
// is free to change. Hex (the mandate-evidence/1 spelling) is named as such,
// so an old or hand-made bundle gets a clear refusal, not a failing proof.
std::optional<ledger::Hash> proof_hash(const json& h, std::string& problem) {
  if (!h.is_string()) {
    problem = "is not a string";
    return std::nullopt;
  }
  const std::string& text = h.get_ref<const std::string&>();
  if (auto raw = encoding::base64_decode(text); raw && raw->size() == 32) {
    ledger::Hash hash{};
    std::copy(raw->begin(), raw->end(), hash.begin());
    return hash;
  }
  if (text.size() == 64 && encoding::hex_decode(text)) {
    problem = "is hex; proof hashes are standard padded base64 (RFC 9162 / C2SP), as `mandate ledger proof` prints them";
  } else {
    problem = "is not standard padded base64 of 32 bytes";
  }
  return std::nullopt;
}

std::vector<Checked> check_entries(const json& bundle, const ledger::Checkpoint& cp, VerifyReport& report) {
  std::vector<Checked> out;
  std::uint64_t previous = 0;
  bool first = true;
  for (const json& e : bundle.at("entries")) {
    if (!e.is_object() || !e.contains("index") || !e.at("index").is_number_unsigned() || !string_field(e, "entry") ||
        !e.contains("proof") || !e.at("proof").is_array()) {
      report.problems.push_back("an entry lacks index, entry or proof");
      continue;
    }
    const auto index = e.at("index").get<std::uint64_t>();
    const std::string where = "entry #" + std::to_string(index);
    if (!first && index <= previous) report.problems.push_back(where + ": entries are not in ascending index order");
    first = false;
    previous = index;
    const std::string bytes = e.at("entry").get<std::string>();
    std::vector<ledger::Hash> proof;
    std::string bad_hash;
    for (const json& h : e.at("proof")) {
      auto hash = proof_hash(h, bad_hash);
      if (!hash) break;
      proof.push_back(*hash);
    }
    if (!bad_hash.empty()) {
      report.problems.push_back(where + ": proof hash " + std::to_string(proof.size()) + " " + bad_hash);
      continue;
    }
    const auto leaf = ledger::leaf_hash({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    if (index >= cp.size || !ledger::verify_inclusion(index, cp.size, leaf, proof, cp.root)) {
      report.problems.push_back(where + ": not included in the signed checkpoint (inclusion proof fails)");
      continue;
    }
    auto parsed = encoding::parse_json_strict(bytes);
    if (!parsed || ledger::entry_index(bytes) != index) {
      report.problems.push_back(where + ": the entry bytes are not a ledger entry with this index");
      continue;
    }
    out.push_back({index, *parsed});
  }
  return out;
}

// The JWKS is tamper-evident on its own terms: each kid is the RFC 7638
// thumbprint of its key, the members are exactly those mandate publishes, and
// every mandate in the bundle names a kid that is present.
void check_jwks(const json& bundle, const std::vector<Checked>& entries, VerifyReport& report) {
  if (!bundle.contains("jwks") || !bundle.at("jwks").is_object() || !bundle.at("jwks").contains("keys") ||
      !bundle.at("jwks").at("keys").is_array() || bundle.at("jwks").size() != 1) {
    report.problems.push_back("jwks: not a JWK Set");
    return;
  }
  std::set<std::string> kids;
  for (const json& jwk : bundle.at("jwks").at("keys")) {
    const std::set<std::string> members{"alg", "crv", "kid", "kty", "use", "x"};
    std::set<std::string> present;
    if (jwk.is_object()) {
      for (const auto& [k, v] : jwk.items()) present.insert(k);
    }
    auto key = token::PublicKey::from_jwk(jwk);
    if (present != members || !key || jwk.at("alg") != "EdDSA" || jwk.at("use") != "sig" ||
        !jwk.at("kid").is_string() || key->thumbprint() != jwk.at("kid").get<std::string>()) {
      report.problems.push_back("jwks: a key is malformed or its kid is not its thumbprint");
      continue;
    }
    kids.insert(jwk.at("kid").get<std::string>());
  }
  for (const Checked& c : entries) {
    const std::string type = c.entry.at("type");
    if (type != "mandate.issued" && type != "mandate.attenuated") continue;
    const auto& d = c.entry.at("data");
    if (!d.contains("kid") || !kids.contains(d.at("kid").get<std::string>())) {
      report.problems.push_back("entry #" + std::to_string(c.index) + ": the signing key of the mandate is not in the jwks");
    }
  }
}

void check_policy_sets(const std::vector<Checked>& entries, VerifyReport& report) {
  std::set<std::string> loaded;
  for (const Checked& c : entries) {
    if (c.entry.at("type") != "policy.loaded") continue;
    const auto& set = c.entry.at("data").at("policy_set");
    const std::string text = set.at("text");
    if (encoding::hex_encode(crypto::sha256(text)) != set.at("hash").get<std::string>()) {
      report.problems.push_back("entry #" + std::to_string(c.index) + ": policy text does not match its hash");
      continue;
    }
    loaded.insert(set.at("hash").get<std::string>());
  }
  for (const Checked& c : entries) {
    if (c.entry.at("type") != "decision") continue;
    const std::string hash = c.entry.at("data").at("policy_set");
    if (!hash.empty() && !loaded.contains(hash)) {
      report.problems.push_back("decision #" + std::to_string(c.index) + " names policy set " + hash.substr(0, 12) +
                                " whose text is not in the bundle");
    }
  }
}

// A tool call's decision in words: which tool, which arguments by digest.
std::string tool_call_words(const json& d) {
  if (!d.contains("tool_call")) return "";
  const json& c = d.at("tool_call");
  std::string out = ", tool " + c.at("tool").get<std::string>() + " on MCP server " + c.at("server").get<std::string>() +
                    " with arguments " + c.at("argument_names").dump() + " sha256 " + c.at("arguments_sha256").get<std::string>();
  if (c.contains("held_task")) out += ", held for approval in " + c.at("held_task").get<std::string>();
  if (d.contains("approval_task")) out += ", run on the approval of " + d.at("approval_task").get<std::string>();
  return out;
}

void state_what_it_proves(const json& bundle, const std::vector<Checked>& entries, VerifyReport& report) {
  const std::string task = bundle.at("task");
  std::vector<broker::TraceStep> steps;
  bool requested = false;
  // The calls the task's agent had held for a person: their request and
  // approvals belong in its bundle.
  std::set<std::string> held;
  for (const Checked& c : entries) {
    const json& refs = c.entry.at("refs");
    if (refs.value("task", "") != task) continue;
    for (const char* name : {"held_task", "approval_task"}) {
      if (refs.contains(name)) held.insert(refs.at(name).get<std::string>());
    }
  }
  for (const Checked& c : entries) {
    const json& e = c.entry;
    if (e.at("type") == "policy.loaded") continue;
    const std::string about = e.at("refs").value("task", "");
    if (about != task && held.contains(about)) {
      steps.push_back({c.index, e, about});
      const auto& actor = e.at("actor");
      report.proves.push_back("held call " + about + ": " + e.at("type").get<std::string>() + " by " +
                              actor.at("id").get<std::string>() + " (" + actor.at("kind").get<std::string>() + ") at " +
                              e.at("time").get<std::string>() + " [#" + std::to_string(c.index) + "]");
      continue;
    }
    const json& refs = e.at("refs");
    if (about != task && (refs.value("held_task", "") == task || refs.value("approval_task", "") == task)) {
      // A held call's bundle: the agent's decisions that held it or ran on it.
      steps.push_back({c.index, e, about});
      report.proves.push_back("the agent's task " + about + ": " + e.at("type").get<std::string>() + " " +
                              e.at("data").value("decision", e.at("data").value("result", "")) + tool_call_words(e.at("data")) +
                              " at " + e.at("time").get<std::string>() + " [#" + std::to_string(c.index) + "]");
      continue;
    }
    if (about != task) {
      report.problems.push_back("entry #" + std::to_string(c.index) + " is not about task " + task);
      continue;
    }
    steps.push_back({c.index, e, {}});
    const auto& actor = e.at("actor");
    const std::string who = actor.at("id").get<std::string>() + " (" + actor.at("kind").get<std::string>() + ", " +
                            actor.value("authenticated_by", "unattributed") + ")";
    const std::string type = e.at("type");
    const std::string at = " at " + e.at("time").get<std::string>() + " [#" + std::to_string(c.index) + "]";
    const json& d = e.at("data");
    if (type == "task.requested" || type == "task.break_glass") {
      requested = true;
      report.proves.push_back(who + (type == "task.break_glass" ? " opened break-glass task " : " requested task ") + task +
                              ": \"" + d.at("task").at("intent").get<std::string>() + "\" for " +
                              d.at("task").at("executor").get<std::string>() + at);
    } else if (type == "task.approval") {
      report.proves.push_back(who + " approved it" + at);
    } else if (type == "task.denial") {
      report.proves.push_back(who + " denied it" + at);
    } else if (type == "mandate.issued" || type == "mandate.attenuated") {
      const json& m = d.at("mandate");
      report.proves.push_back("mandate " + m.at("jti").get<std::string>() + " (token sha256 " +
                              m.at("token_hash").get<std::string>().substr(0, 16) + "…) was issued to " +
                              m.at("executor").get<std::string>() + ", valid until " + m.at("expires_at").get<std::string>() + at);
    } else if (type == "decision") {
      report.proves.push_back("decision: " + d.at("decision").get<std::string>() + " " + d.at("action").get<std::string>() +
                              " on " + d.at("resource").get<std::string>() + " for " + who + " under policy set " +
                              d.at("policy_set").get<std::string>().substr(0, 12) + " (" + d.at("decided_by").get<std::string>() +
                              ": " + d.at("reasons").dump() + ")" + tool_call_words(d) + at);
    } else if (type == "tool.result") {
      report.proves.push_back(who + " got result " + d.at("result").get<std::string>() + " (sha256 " +
                              d.at("result_sha256").get<std::string>().substr(0, 16) + "…) for decision #" +
                              std::to_string(d.at("decision_index").get<std::uint64_t>()) + at);
    } else if (type == "task.completed") {
      report.proves.push_back(who + " reported outcome " + d.at("outcome").at("result").get<std::string>() +
                              "; mandates ended " + d.at("revoked_mandates").dump() + at);
    } else if (type == "mandate.revoked") {
      report.proves.push_back(who + " revoked mandate " + e.at("refs").at("mandate").get<std::string>() + at);
    } else if (type == "task.reviewed") {
      report.proves.push_back(who + " reviewed the break-glass task" + at);
    }
  }
  if (!requested) report.problems.push_back("the bundle does not contain the task's request");
  json attribution = json::array();
  for (const broker::Attribution& a : broker::attribute(steps)) {
    report.proves.push_back("decision #" + std::to_string(a.decision_index) + " attribution proven: " + a.depth());
    attribution.push_back({{"decision_index", a.decision_index}, {"allowed", a.allowed}, {"depth", a.depth()}});
  }
  report.summary["attribution"] = attribution;
}

// The witnesses' quorum on the checkpoint: without it the operator alone
// vouches for this history, and could have shown another one to others.
void check_witnesses(const json& bundle, const witness::WitnessPolicy& witnesses, VerifyReport& report) {
  const auto note = ledger::parse_signed_note(bundle.at("checkpoint").get<std::string>());
  if (!note) return;  // check_checkpoint has said why
  const witness::QuorumCheck quorum = witnesses.check(note->text, note->signatures);
  json cosigned = json::object();
  for (const auto& [name, timestamp] : quorum.timestamps) cosigned[name] = timestamp;
  report.summary["witnesses"] = {{"quorum_reached", quorum.reached}, {"cosigned_by", cosigned}};
  for (const auto& why : quorum.problems) report.problems.push_back("cosignature: " + why);
  if (!quorum.reached) {
    std::string who = quorum.cosigned_by.empty() ? "no witness of the policy" : "";
    for (const auto& name : quorum.cosigned_by) who += (who.empty() ? "" : ", ") + name;
    report.problems.push_back("the checkpoint lacks the witnesses' quorum (" + witnesses.quorum() + "): cosigned by " + who);
    return;
  }
  if (witnesses.requires_cosignatures()) {
    std::string who;
    for (const auto& name : quorum.cosigned_by) who += (who.empty() ? "" : ", ") + name;
    report.proves.push_back("the checkpoint was cosigned by witnesses " + who +
                            ", reaching the policy's quorum: they saw no other history of this ledger up to it");
  }
}

}  // namespace

VerifyReport verify_bundle(std::string_view bundle_text, const std::optional<std::string>& trusted_key,
                           const witness::WitnessPolicy* witnesses) {
  VerifyReport report;
  auto parsed = encoding::parse_json_strict(bundle_text);
  if (!parsed || !parsed->is_object()) {
    report.problems.push_back("not a JSON object: " + (parsed ? std::string("wrong type") : parsed.error()));
    return report;
  }
  const json& bundle = *parsed;
  for (const char* field : {"format", "origin", "task", "checkpoint", "verifier_key"}) {
    if (!string_field(bundle, field)) report.problems.push_back(std::string("missing string field \"") + field + "\"");
  }
  if (!bundle.contains("entries") || !bundle.at("entries").is_array()) report.problems.push_back("missing array \"entries\"");
  if (!report.problems.empty()) return report;
  if (bundle.at("format") == "mandate-evidence/1") {
    report.problems.push_back("format mandate-evidence/1 carries its proofs in hex and is no longer read; export the "
                              "bundle again (" + std::string(kBundleFormat) + " carries them in base64)");
    return report;
  }
  if (bundle.at("format") != kBundleFormat) {
    report.problems.push_back("format is not " + std::string(kBundleFormat));
    return report;
  }
  auto checkpoint = check_checkpoint(bundle, trusted_key, witnesses, report);
  if (!checkpoint) return report;
  if (witnesses != nullptr) check_witnesses(bundle, *witnesses, report);
  const auto entries = check_entries(bundle, *checkpoint, report);
  try {
    check_jwks(bundle, entries, report);
    check_policy_sets(entries, report);
    state_what_it_proves(bundle, entries, report);
  } catch (const json::exception& e) {
    report.problems.push_back(std::string("an entry lacks a field the workflow writes: ") + e.what());
  }
  report.summary["task"] = bundle.at("task");
  report.summary["checkpoint_size"] = checkpoint->size;
  report.summary["entries"] = entries.size();
  report.summary["signer"] = trusted_key ? "trusted key given by the verifier"
                             : witnesses != nullptr && !witnesses->logs().empty()
                                 ? "a log key of the witness policy"
                                 : "the bundle's own key: compare it with the operator's published key";
  report.valid = report.problems.empty();
  return report;
}

}  // namespace mandate::evidence
