#include "identity/internal/mapping.h"

namespace mandate::identity {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matching with one backtrack point: linear in practice, and no
  // recursion an attacker-chosen subject could deepen.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const std::vector<std::string>& rule_attributes(CredentialKind kind) {
  // GitHub's own "actor" claim is left out: in a rule, actor names mandate's
  // registered actor.
  static const std::vector<std::string> kGithub{"repository", "repository_owner", "ref", "ref_type",
                                                "workflow", "job_workflow_ref", "environment", "event_name"};
  static const std::vector<std::string> kKubernetes{"namespace", "serviceaccount", "pod"};
  static const std::vector<std::string> kNone;
  if (kind == CredentialKind::github_actions) return kGithub;
  if (kind == CredentialKind::kubernetes) return kKubernetes;
  return kNone;
}

const MappingRule* first_match(const std::vector<MappingRule>& rules, const VerifiedSubject& subject) {
  for (const auto& rule : rules) {
    if (rule.subject && !glob_match(*rule.subject, subject.subject)) continue;
    bool all = true;
    for (const auto& [name, pattern] : rule.claims) {
      const auto it = subject.attributes.find(name);
      if (it == subject.attributes.end() || !glob_match(pattern, it->second)) {
        all = false;
        break;
      }
    }
    if (all) return &rule;
  }
  return nullptr;
}

}  // namespace mandate::identity
