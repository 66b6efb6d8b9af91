// mistake: none: `os << h` prints a half or bfloat16 value as a float would print
// expect-success
#include <iostream>
#include <sstream>
#include <string>

#include "mantissa/core/core.hpp"

using namespace mantissa;

std::string show(half h, bfloat16 b, const Tensor<half>& x) {
  std::ostringstream os;
  os << h << ' ' << b << ' ' << x(0) << '\n' << x;
  std::wostringstream wide;
  wide << h;
  std::cout << h << '\n';
  return os.str();
}
