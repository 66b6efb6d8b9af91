// mistake: fills a uint8 image with 300
// run-time: ValueError naming the value and uint8 range (test_ops FillChecksIntegerValuesAgainstTheDtypesRange)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  try {
    auto img = mt::full<std::uint8_t>({2, 2}, 300);
    std::cout << int(img[0]) << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
