#pragma once
// The attribution report: for each machine identity, how many of its actions
// reach a human initiator, an approval, both, or neither. What mandate
// proves for its own mandates, measured on the logs that exist today.
#include <cstddef>
#include <map>
#include <string>

namespace mandate::analyze {

struct AttributionCounts {
  std::size_t actions = 0;
  std::size_t initiator_and_approval = 0;
  std::size_t initiator_only = 0;
  std::size_t approval_only = 0;
  std::size_t neither = 0;

  void add(bool initiator, bool approval);
  // Share of actions in a bucket, 0 when there are no actions.
  double share(std::size_t bucket) const { return actions == 0 ? 0.0 : static_cast<double>(bucket) / static_cast<double>(actions); }
};

struct AttributionReport {
  std::map<std::string, AttributionCounts> identities;  // machine identity id -> counts
  AttributionCounts total;
};

}  // namespace mandate::analyze
