// mistake: a home-made float64 policy for a numerically sensitive model
#include "mantissa/mantissa.hpp"
#include <string_view>
namespace mt = mantissa;
struct float64 {
  using compute = double;
  using param = float;
  static constexpr bool needs_loss_scaling = false;
  static constexpr std::string_view name = "float64";
};
int main() {
  mt::Sequential<float64> model({4}, mt::Dense(3));
  return 0;
}
