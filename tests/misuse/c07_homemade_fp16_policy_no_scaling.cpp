// mistake: a home-made "pure fp16" policy without loss scaling
#include "mantissa/mantissa.hpp"
#include <string_view>
namespace mt = mantissa;
struct fp16_fast {
  using compute = mt::half;
  using param = float;
  static constexpr bool needs_loss_scaling = false;
  static constexpr std::string_view name = "fp16_fast";
};
int main() {
  mt::Sequential<fp16_fast> model({4}, mt::Dense(3));
  return 0;
}
