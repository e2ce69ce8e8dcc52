#include "crypto/random.h"
#include "core/error.h"

#include <stdexcept>

#include <openssl/rand.h>

namespace mandate::crypto {

std::vector<std::uint8_t> random_bytes(std::size_t count) {
  std::vector<std::uint8_t> out(count);
  if (count > 0 && RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    fail(ErrorKind::internal, "the random number generator failed");
  }
  return out;
}

}  // namespace mandate::crypto
