#pragma once
// Reading an audit log into memory: plain or gzip, a file or stdin ("-").
#include <cstddef>
#include <string>
#include <string_view>

namespace mandate::ingest {

// The bytes of one input, followed by kPadding readable bytes that are not
// part of it: the JSON parser reads ahead in wide blocks and must never read
// past the allocation.
class SourceText {
 public:
  static constexpr std::size_t kPadding = 64;

  SourceText() : bytes_(kPadding, '\0') {}
  explicit SourceText(std::string content);

  std::string_view text() const { return {bytes_.data(), size_}; }
  const char* data() const { return bytes_.data(); }
  std::size_t size() const { return size_; }

 private:
  std::string bytes_;
  std::size_t size_ = 0;
};

// Reads `path` ("-" is stdin) and inflates it when it starts with the gzip
// magic. Throws Error{bad_input} naming the path when it cannot be read or
// is not valid gzip.
SourceText read_source(const std::string& path);

// Inflates a gzip stream (all members, as `zcat` does).
std::string gunzip(std::string_view compressed, const std::string& name);

}  // namespace mandate::ingest
