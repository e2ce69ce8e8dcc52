#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// The schema's history: each version is one step, applied in order and
// never edited once released (a new step changes what an old one made).
#include <span>
#include <string_view>

#include "store/postgresql/internal/pg_connection.h"

namespace mandate::store::postgresql {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> migrations();
// The version the database's schema is at: 0 when it has none.
int schema_version(Connection& connection);

}  // namespace mandate::store::postgresql
