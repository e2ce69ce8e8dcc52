#pragma once
// Damages a database file the way a failing disk or a stray write would, so
// tests can see how mandate reports a store it can no longer read.
#include <filesystem>
#include <string>

namespace mandate::testing {

// Overwrites with 0xFF the whole `page_size` page of `file` that holds the
// first occurrence of `marker`. Throws when the marker is not in the file
// (e.g. still in the WAL: close every writer first). Returns the page number.
std::size_t damage_page_containing(const std::filesystem::path& file, const std::string& marker,
                                   std::size_t page_size = 4096);

}  // namespace mandate::testing
