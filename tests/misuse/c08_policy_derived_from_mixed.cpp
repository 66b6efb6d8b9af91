// mistake: customises a policy by deriving from mixed_float16 (renaming it), expecting it to just work
#include "mantissa/mantissa.hpp"
#include <string_view>
namespace mt = mantissa;
struct my_amp : mt::policy::mixed_float16 {
  static constexpr std::string_view name = "my_amp";
};
int main() {
  mt::Sequential<my_amp> model({4}, mt::Dense(3));
  return 0;
}
