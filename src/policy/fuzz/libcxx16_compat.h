#pragma once
// Force-included in the fuzz build only (MANDATE_FUZZ, clang-16 + libc++ 16).
// libc++ 16 lacks two C++20 library pieces the engine uses and libstdc++ has:
// std::lexicographical_compare_three_way (libc++ 17) and operator<=> for
// std::array (libc++ 17). They are supplied here, in namespace std where the
// engine's code and defaulted comparisons look for them, rather than bending
// the engine's code to an old standard library.
#include <version>
#if defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 170000
#include <array>
#include <compare>
#include <cstddef>

namespace std {

template <class I1, class I2, class Cmp>
constexpr auto lexicographical_compare_three_way(I1 first1, I1 last1, I2 first2, I2 last2, Cmp comp)
    -> decltype(comp(*first1, *first2)) {
  for (; first1 != last1 && first2 != last2; ++first1, ++first2) {
    if (auto c = comp(*first1, *first2); c != 0) return c;
  }
  return first1 != last1 ? strong_ordering::greater
         : first2 != last2 ? strong_ordering::less
                           : strong_ordering::equal;
}

template <class T, size_t N>
constexpr auto operator<=>(const array<T, N>& a, const array<T, N>& b) {
  return lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end(),
                                           [](const T& x, const T& y) { return x <=> y; });
}

}  // namespace std
#endif
