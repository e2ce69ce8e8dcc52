#pragma once
#include <chrono>
#include <functional>

namespace mandate::identity {

// Where "now" comes from: the system clock in production, a hand-moved one
// in tests (token lifetimes, certificate validity, refresh intervals).
using Clock = std::function<std::chrono::system_clock::time_point()>;

}  // namespace mandate::identity
