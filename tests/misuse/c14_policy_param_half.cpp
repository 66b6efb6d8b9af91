// mistake: a home-made policy that keeps master weights in half to save memory
#include "mantissa/mantissa.hpp"
#include <string_view>
namespace mt = mantissa;
struct half_masters {
  using compute = mt::half;
  using param = mt::half;
  static constexpr bool needs_loss_scaling = true;
  static constexpr std::string_view name = "half_masters";
};
int main() {
  mt::Sequential<half_masters> model({4}, mt::Dense(3));
  return 0;
}
