#include "analyze/aws_sequences.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace mandate::analyze {
namespace {

bool has_signal(const core::AuditEvent& e, std::string_view signal) {
  return std::find(e.signals.begin(), e.signals.end(), signal) != e.signals.end();
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What programs on an instance call AWS with: the SDKs and CLI (every SDK's
// agent names "aws-sdk-…", Boto3/botocore or aws-cli), AWS's own agents, and
// AWS itself. Anything else holding an instance's credentials (a custom
// tool, curl, an attack framework's own agent, the CLI on a Mac) is not the
// instance's.
bool instance_agent(std::string_view agent) {
  static constexpr std::array<std::string_view, 14> kKnown{"aws-sdk",
                                                           "aws-cli",
                                                           "boto3",
                                                           "botocore",
                                                           "aws internal",
                                                           "aws-internal",
                                                           "amazonaws.com",
                                                           "amazon-ssm-agent",
                                                           "cwagent",
                                                           "amazon-cloudwatch-agent",
                                                           "ec2-instance-connect",
                                                           "awspowershell",
                                                           "aws-powershell",
                                                           "amazon-ecs-agent"};
  const std::string text = lower(agent);
  // The SDKs name the platform they run on; macOS is a laptop's (EC2 Mac
  // instances exist, but are rare enough to be worth a look).
  if (text.find("darwin/") != std::string::npos || text.find("macos") != std::string::npos) return false;
  return std::any_of(kKnown.begin(), kKnown.end(),
                     [&](std::string_view k) { return text.find(k) != std::string::npos; });
}

// Addresses that say nothing about where a caller sits: AWS services
// ("ec2.amazonaws.com", "AWS Internal") and private addresses, which an
// instance shows when it calls through a VPC endpoint.
bool comparable_address(std::string_view address) {
  if (address.empty() || address.ends_with(".amazonaws.com") || address == "AWS Internal") return false;
  if (address.starts_with("10.") || address.starts_with("192.168.")) return false;
  if (address.starts_with("172.")) {
    const int second = std::atoi(std::string(address.substr(4, 3)).c_str());
    if (second >= 16 && second <= 31) return false;
  }
  const std::string text = lower(address);
  return !(text.starts_with("fc") || text.starts_with("fd"));
}

}  // namespace

// An instance's role session is the instance's alone: its first public
// address is taken for the instance's own, and a second one, or a program
// no instance runs, means the credentials left it (GuardDuty's
// InstanceCredentialExfiltration, Stratus ec2-steal-instance-credentials).
bool AwsSequences::instance_credentials_outside(const core::AuditEvent& e) {
  if (!has_signal(e, "instance_session")) return false;
  bool outside = !e.user_agent.empty() && !instance_agent(e.user_agent);
  if (comparable_address(e.source_address)) {
    const auto [known, first] = session_addresses_.emplace(e.actor.name, e.source_address);
    outside = outside || (!first && known->second != e.source_address);
  }
  return outside;
}

std::vector<std::string_view> AwsSequences::observe(const core::AuditEvent& e) {
  std::vector<std::string_view> out;
  if (e.source != "cloudtrail") return out;
  if (instance_credentials_outside(e)) out.emplace_back("instance_credentials_outside");
  if (e.resource.empty()) return out;
  // Whichever of the two comes second completes the technique.
  if (has_signal(e, "iam_user_created") && created_users_.insert(e.resource).second &&
      admin_users_.contains(e.resource)) {
    out.emplace_back("admin_user_created");
  }
  if ((has_signal(e, "admin_policy_attached") || has_signal(e, "wildcard_action")) &&
      admin_users_.insert(e.resource).second && created_users_.contains(e.resource)) {
    out.emplace_back("admin_user_created");
  }
  return out;
}

}  // namespace mandate::analyze
