#pragma once
// Memory BIOs, the way PEM text goes into and out of OpenSSL: one reads a
// string, the other returns what was written into a BIO_s_mem(). Like
// openssl_ptr.h, needs only OpenSSL's forward declarations.
#include <string>
#include <string_view>

#include "crypto/openssl_ptr.h"

namespace mandate::crypto {

// A read-only memory BIO over `text` (not copied: `text` must outlive it).
// Null when OpenSSL cannot allocate it (the PEM_read_bio_* given it fail).
Bio memory_bio(std::string_view text);

// Everything written so far into the memory BIO `bio`, as a string.
std::string drain(BIO* bio);

}  // namespace mandate::crypto
