// Policy text from an attacker: parsing must end in a policy set or a
// SyntaxError, never a crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto policies = mandate::policy::parse_policies(text);
  // The same bytes as a lone expression reach the expression grammar
  // without first getting through a policy header.
  const auto expr = mandate::policy::parse_expression(text);
  (void)policies;
  (void)expr;
  return 0;
}
