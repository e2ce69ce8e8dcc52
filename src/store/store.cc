#include "store/store.h"

#include <cstdio>

namespace mandate::store {

std::string entry_record_id(std::uint64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(index));
  return buf;
}

}  // namespace mandate::store
