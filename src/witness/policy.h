#pragma once
// Which witnesses make a checkpoint trusted: the C2SP transparency log
// policy (https://c2sp.org/tlog-policy), so that the same file serves mandate
// and other tlog tools (Sigsum's verifiers read this format).
//
//   log <vkey> [<url>]
//   witness <name> <vkey> [<url>]
//   group <name> all|any|<k> <member>...
//   quorum <name>|none
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/note.h"
#include "witness/cosignature.h"

namespace mandate::witness {

struct PolicyWitness {
  std::string name;  // the policy's own name for it, not its key name
  Cosigner cosigner;
  std::string url;   // its submission prefix, if given
};

struct PolicyGroup {
  std::string name;
  std::size_t threshold = 0;  // at least this many members must have witnessed
  std::vector<std::string> members;
};

// What the cosignatures on one checkpoint established.
struct QuorumCheck {
  bool reached = false;
  std::vector<std::string> cosigned_by;  // policy names of witnesses whose cosignature verified
  std::map<std::string, std::uint64_t> timestamps;  // by witness name
  std::vector<std::string> problems;     // signature lines from configured witnesses that failed, and why
};

class WitnessPolicy {
 public:
  // Errors name the line: "policy line 7: group X-and-Y: unknown member Z".
  static std::expected<WitnessPolicy, std::string> parse(std::string_view text);
  // The policy in `file`: "cannot read the witness policy FILE", or parse()'s
  // error after "FILE: ".
  static std::expected<WitnessPolicy, std::string> load(const std::filesystem::path& file);
  // "--witness VKEY ... --quorum K": k of these witnesses (k = 0: quorum none).
  static std::expected<WitnessPolicy, std::string> k_of_n(const std::vector<Cosigner>& witnesses, std::size_t k);

  const std::vector<ledger::NoteVerifier>& logs() const { return logs_; }
  const std::vector<PolicyWitness>& witnesses() const { return witnesses_; }
  const std::vector<PolicyGroup>& groups() const { return groups_; }
  const std::string& quorum() const { return quorum_; }  // "none", a witness or a group
  bool requires_cosignatures() const { return quorum_ != "none"; }

  // Whether the witnesses named have, together, witnessed (the quorum rule).
  bool satisfied_by(const std::set<std::string>& witnessed) const;
  // Verifies the cosignatures on `note_text` (a checkpoint's text) among
  // `signatures`, ignoring lines from keys the policy does not know.
  QuorumCheck check(std::string_view note_text, const std::vector<ledger::NoteSignature>& signatures) const;

  // The policy file, as parse() reads it.
  std::string to_string() const;

 private:
  bool witnessed(const std::string& name, const std::set<std::string>& witnessed, int depth) const;

  std::vector<ledger::NoteVerifier> logs_;
  std::vector<std::string> log_urls_;
  std::vector<PolicyWitness> witnesses_;
  std::vector<PolicyGroup> groups_;
  std::string quorum_;
};

}  // namespace mandate::witness
