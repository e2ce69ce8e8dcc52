// Azure Activity log records in every shape from an attacker, through the same parse the importer runs.
#include "ingest/fuzz/ingest_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mandate::ingest::fuzz::run(mandate::ingest::SourceKind::azure, data, size);
}
