// mistake: builds a half from a double literal
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::half lr(0.1);
  return static_cast<float>(lr) > 0.0f ? 0 : 1;
}
