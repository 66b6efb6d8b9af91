// mistake: cast<std::string> (a string is not a dtype)
// expect-first: static assertion failed: mantissa::cast<To>: To \(named in the note
// expect-head: is not a dtype
// expect: cast<To>: To \(named in the note below\) is not a dtype
// expect: is_dtype_v<std::(__cxx11::)?basic_string<char
#include <string>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<std::int32_t>& labels) {
  auto s = cast<std::string>(labels);
  (void)s;
}
