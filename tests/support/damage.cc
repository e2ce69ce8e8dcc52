#include "support/damage.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mandate::testing {

std::size_t damage_page_containing(const std::filesystem::path& file, const std::string& marker, std::size_t page_size) {
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    bytes = buffer.str();
  }
  const auto at = bytes.find(marker);
  if (at == std::string::npos) throw std::runtime_error(marker + " is not in " + file.string());
  const std::size_t page = at / page_size;
  std::fstream out(file, std::ios::binary | std::ios::in | std::ios::out);
  out.seekp(static_cast<std::streamoff>(page * page_size));
  const std::string garbage(page_size, '\xff');
  out.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
  return page;
}

}  // namespace mandate::testing
