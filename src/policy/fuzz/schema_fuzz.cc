// Schema text (human-readable form) from an attacker.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto schema = mandate::policy::parse_schema(text);
  (void)schema;
  return 0;
}
