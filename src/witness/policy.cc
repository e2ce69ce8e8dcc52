#include "witness/policy.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace mandate::witness {
namespace {

constexpr std::size_t kMaxEntries = 256;  // of each kind; the spec asks for at least 32

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool allowed_octet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x09 || u == 0x0a || (u >= 0x20 && u != 0x7f);
}

// Builds a policy line by line, remembering which names are defined and
// which have already been given to a group.
struct PolicyReader {
  std::set<std::string, std::less<>> defined;
  std::set<std::string, std::less<>> used_as_member;
  bool has_quorum = false;
};

}  // namespace

std::expected<WitnessPolicy, std::string> WitnessPolicy::parse(std::string_view text) {
  WitnessPolicy policy;
  PolicyReader reader;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    const auto fail = [&](const std::string& why) {
      return std::unexpected("policy line " + std::to_string(line_no) + ": " + why);
    };
    if (!std::all_of(line.begin(), line.end(), allowed_octet)) return fail("holds a control character");
    const auto f = fields(line);
    if (f.empty() || f[0].starts_with('#')) continue;
    const std::string_view keyword = f[0];
    if (keyword == "log") {
      if (f.size() != 2 && f.size() != 3) return fail("log takes a vkey and an optional URL");
      auto log = ledger::NoteVerifier::parse(f[1]);
      if (!log) return fail("log key: " + log.error());
      for (const auto& known : policy.logs_) {
        if (known.key == log->key) return fail("log key listed twice");
      }
      if (policy.logs_.size() == kMaxEntries) return fail("too many logs");
      policy.logs_.push_back(*log);
      policy.log_urls_.emplace_back(f.size() == 3 ? f[2] : std::string_view());
    } else if (keyword == "witness") {
      if (f.size() != 3 && f.size() != 4) return fail("witness takes a name, a vkey and an optional URL");
      const std::string name(f[1]);
      if (name == "none" || reader.defined.contains(name)) return fail("name " + name + " is already defined");
      auto cosigner = Cosigner::parse(f[2]);
      if (!cosigner) return fail("witness " + name + ": " + cosigner.error());
      for (const auto& known : policy.witnesses_) {
        if (known.cosigner.key == cosigner->key) return fail("witness " + name + ": key listed twice");
      }
      if (policy.witnesses_.size() == kMaxEntries) return fail("too many witnesses");
      reader.defined.insert(name);
      policy.witnesses_.push_back({name, *cosigner, f.size() == 4 ? std::string(f[3]) : std::string()});
    } else if (keyword == "group") {
      if (f.size() < 4) return fail("group takes a name, a threshold (all, any or a number) and members");
      PolicyGroup group{std::string(f[1]), 0, {}};
      if (group.name == "none" || reader.defined.contains(group.name)) {
        return fail("name " + group.name + " is already defined");
      }
      for (std::size_t i = 3; i < f.size(); ++i) {
        const std::string member(f[i]);
        if (!reader.defined.contains(member)) return fail("group " + group.name + ": " + member + " is not defined above");
        if (reader.used_as_member.contains(member)) return fail("group " + group.name + ": " + member + " is already a member");
        if (std::find(group.members.begin(), group.members.end(), member) != group.members.end()) {
          return fail("group " + group.name + ": " + member + " listed twice");
        }
        group.members.push_back(member);
      }
      const std::string_view k = f[2];
      if (k == "all") {
        group.threshold = group.members.size();
      } else if (k == "any") {
        group.threshold = 1;
      } else {
        const auto [ptr, ec] = std::from_chars(k.data(), k.data() + k.size(), group.threshold);
        if (ec != std::errc() || ptr != k.data() + k.size() || k.starts_with('0')) {
          return fail("group " + group.name + ": threshold must be all, any or a decimal number");
        }
        if (group.threshold < 1 || group.threshold > group.members.size()) {
          return fail("group " + group.name + ": threshold must be between 1 and the number of members");
        }
      }
      if (policy.groups_.size() == kMaxEntries) return fail("too many groups");
      for (const auto& m : group.members) reader.used_as_member.insert(m);
      reader.defined.insert(group.name);
      policy.groups_.push_back(std::move(group));
    } else if (keyword == "quorum") {
      if (f.size() != 2) return fail("quorum takes one name");
      if (reader.has_quorum) return fail("a second quorum line");
      const std::string name(f[1]);
      if (name != "none" && !reader.defined.contains(name)) return fail("quorum " + name + " is not defined above");
      reader.has_quorum = true;
      policy.quorum_ = name;
    } else {
      return fail("unknown keyword " + std::string(keyword) + " (log, witness, group, quorum)");
    }
  }
  if (!reader.has_quorum) return std::unexpected("policy: no quorum line (write \"quorum none\" to require no witness)");
  return policy;
}

std::expected<WitnessPolicy, std::string> WitnessPolicy::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot read the witness policy " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  auto policy = parse(text.str());
  if (!policy) return std::unexpected(file.string() + ": " + policy.error());
  return policy;
}

std::expected<WitnessPolicy, std::string> WitnessPolicy::k_of_n(const std::vector<Cosigner>& witnesses,
                                                                std::size_t k) {
  if (k > witnesses.size()) {
    return std::unexpected("a quorum of " + std::to_string(k) + " needs at least that many witnesses (" +
                           std::to_string(witnesses.size()) + " given)");
  }
  std::string text;
  for (std::size_t i = 0; i < witnesses.size(); ++i) {
    text += "witness w" + std::to_string(i + 1) + " " + witnesses[i].to_string() + "\n";
  }
  if (k == 0) {
    text += "quorum none\n";
  } else {
    text += "group given " + std::to_string(k);
    for (std::size_t i = 0; i < witnesses.size(); ++i) text += " w" + std::to_string(i + 1);
    text += "\nquorum given\n";
  }
  return parse(text);
}

bool WitnessPolicy::witnessed(const std::string& name, const std::set<std::string>& done, int depth) const {
  if (depth > static_cast<int>(kMaxEntries)) return false;  // groups only name earlier lines: cannot loop
  if (done.contains(name)) return true;
  for (const auto& group : groups_) {
    if (group.name != name) continue;
    std::size_t count = 0;
    for (const auto& member : group.members) count += witnessed(member, done, depth + 1) ? 1 : 0;
    return count >= group.threshold;
  }
  return false;
}

bool WitnessPolicy::satisfied_by(const std::set<std::string>& witnessed_by) const {
  if (quorum_ == "none") return true;
  return witnessed(quorum_, witnessed_by, 0);
}

QuorumCheck WitnessPolicy::check(std::string_view note_text, const std::vector<ledger::NoteSignature>& signatures) const {
  QuorumCheck out;
  std::set<std::string> witnessed_by;
  for (const auto& w : witnesses_) {
    for (const auto& sig : signatures) {
      if (!w.cosigner.matches(sig)) continue;
      auto timestamp = w.cosigner.verify(note_text, sig);
      if (!timestamp) {
        out.problems.push_back("witness " + w.name + " (" + w.cosigner.name + "): " + timestamp.error());
        continue;
      }
      if (witnessed_by.insert(w.name).second) {
        out.cosigned_by.push_back(w.name);
        out.timestamps[w.name] = *timestamp;
      }
    }
  }
  out.reached = satisfied_by(witnessed_by);
  return out;
}

std::string WitnessPolicy::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < logs_.size(); ++i) {
    out += "log " + logs_[i].to_string() + (log_urls_[i].empty() ? "" : " " + log_urls_[i]) + "\n";
  }
  for (const auto& w : witnesses_) {
    out += "witness " + w.name + " " + w.cosigner.to_string() + (w.url.empty() ? "" : " " + w.url) + "\n";
  }
  for (const auto& g : groups_) {
    out += "group " + g.name + " " + std::to_string(g.threshold);
    for (const auto& m : g.members) out += " " + m;
    out += "\n";
  }
  out += "quorum " + quorum_ + "\n";
  return out;
}

}  // namespace mandate::witness
