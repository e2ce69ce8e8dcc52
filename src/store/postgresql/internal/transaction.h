#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// One transaction around a piece of work, committed or rolled back as the
// work returns or throws.
#include <string_view>
#include <type_traits>

#include "core/error.h"
#include "store/postgresql/internal/pg_connection.h"

namespace mandate::store::postgresql {

// The work's own error is what the caller must see; a connection that
// cannot even roll back is marked unusable and dropped by the pool.
inline void rollback_quietly(Connection& c) {
  if (!c.usable()) return;
  try {
    c.exec("ROLLBACK");
  } catch (const Error&) {
  }
}

// `begin` opens it: "BEGIN", or with an isolation level.
template <class Work>
auto in_transaction(Connection& c, std::string_view begin, Work&& work) {
  c.exec(begin);
  try {
    if constexpr (std::is_void_v<decltype(work())>) {
      work();
      c.exec("COMMIT");
    } else {
      auto out = work();
      c.exec("COMMIT");
      return out;
    }
  } catch (...) {
    rollback_quietly(c);
    throw;
  }
}

}  // namespace mandate::store::postgresql
