#pragma once
// Private to the console module: the build defines MANDATE_INSIDE_CONSOLE only for src/console/ and tests/console/.
#ifndef MANDATE_INSIDE_CONSOLE
#error "this header is internal to the console module; include a public console/ header instead"
#endif
// The files of web/dist as the build embedded them (embed_assets.cmake
// writes the definition of embedded_files() into the build directory).
#include <cstddef>
#include <span>
#include <string_view>

namespace mandate::console {

struct EmbeddedFile {
  std::string_view path;   // relative to web/dist, '/'-separated
  std::string_view bytes;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace mandate::console
