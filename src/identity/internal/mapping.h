#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// Mapping a verified workload credential to a registered actor: the rules of
// one [[identity.workload]] entry, in order; the first that matches wins.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "identity/config.h"

namespace mandate::identity {

// '*' matches any run of characters (none included); every other character
// matches itself. No escapes, no classes: patterns stay readable in config.
bool glob_match(std::string_view pattern, std::string_view text);

// What rules can match: the subject and the named attributes (claims of a
// GitHub or Kubernetes token, flattened).
struct VerifiedSubject {
  std::string subject;
  std::map<std::string, std::string> attributes;
};

// The claim names a rule may match for each kind of credential: GitHub
// Actions: repository, repository_owner, ref, ref_type, workflow,
// job_workflow_ref, environment, event_name; Kubernetes: namespace,
// serviceaccount, pod (read from the "kubernetes.io" claim). SVIDs have none:
// their rules match the SPIFFE ID.
const std::vector<std::string>& rule_attributes(CredentialKind kind);

// nullptr when no rule matches. A rule naming an attribute the credential
// does not carry does not match.
const MappingRule* first_match(const std::vector<MappingRule>& rules, const VerifiedSubject& subject);

}  // namespace mandate::identity
