// mistake: passes CSV features (float32) to a mixed_bfloat16 model
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto ds = mt::data::read_csv<std::int32_t>("data.csv", {.label = "class"});
  mt::Sequential<mt::policy::mixed_bfloat16> model({30}, mt::Dense(2));
  auto out = model.forward(ds.features, mt::Mode::train);
  return out.rank();
}
