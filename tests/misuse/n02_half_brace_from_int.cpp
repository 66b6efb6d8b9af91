// mistake: half{1} meaning the value one (or half{0x3c00} meaning bits)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::half one{1};
  return static_cast<float>(one) == 1.0f ? 0 : 1;
}
