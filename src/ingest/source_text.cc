#include "ingest/source_text.h"

#include <zlib.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "core/error.h"

namespace mandate::ingest {

SourceText::SourceText(std::string content) : bytes_(std::move(content)), size_(bytes_.size()) {
  bytes_.append(kPadding, '\0');
}

namespace {

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string slurp(std::istream& in) {
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

// RAII for a zlib inflate stream.
class Inflater {
 public:
  Inflater() {
    // 16 + MAX_WBITS: expect a gzip header and trailer.
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) fail(ErrorKind::io, "zlib: cannot initialise");
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  z_stream& stream() { return stream_; }
  void restart() { inflateReset(&stream_); }

 private:
  z_stream stream_{};
};

}  // namespace

std::string gunzip(std::string_view compressed, const std::string& name) {
  Inflater inflater;
  z_stream& z = inflater.stream();
  // zlib's API takes a non-const pointer but never writes through next_in.
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[65536];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
    if (rc == Z_STREAM_END) {
      // Concatenated members (what `cat a.gz b.gz` makes) are one stream.
      if (z.avail_in == 0) return out;
      inflater.restart();
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      fail(ErrorKind::bad_input, name + ": gzip stream is truncated");
    }
    fail(ErrorKind::bad_input, name + ": not valid gzip (" + (z.msg != nullptr ? z.msg : "inflate failed") + ")");
  }
}

SourceText read_source(const std::string& path) {
  std::string bytes;
  if (path == "-") {
    bytes = slurp(std::cin);
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(ErrorKind::bad_input, path + ": cannot read");
    bytes = slurp(in);
    if (in.bad()) fail(ErrorKind::bad_input, path + ": read failed");
  }
  const std::string name = path == "-" ? "<stdin>" : path;
  if (is_gzip(bytes)) bytes = gunzip(bytes, name);
  return SourceText(std::move(bytes));
}

}  // namespace mandate::ingest
