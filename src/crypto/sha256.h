#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace mandate::crypto {

using Hash = std::array<std::uint8_t, 32>;

// Incremental SHA-256 over OpenSSL's EVP interface. Reusable: finish() resets
// the context, so hot loops pay the context allocation once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(std::span<const std::uint8_t> data);
  Sha256& update(std::string_view data) {
    return update({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  }
  Sha256& update(std::uint8_t byte) { return update(std::span<const std::uint8_t>(&byte, 1)); }
  Hash finish();

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

Hash sha256(std::span<const std::uint8_t> data);
inline Hash sha256(std::string_view data) {
  return sha256({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}

}  // namespace mandate::crypto
