// mistake: a resume helper takes the scaler as const& and passes it to load_checkpoint
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
template <class M, class O>
mt::TrainingPosition resume(M& model, O& opt, const mt::LossScaler& scaler) {
  return mt::load_checkpoint("/tmp/misuse_c04.safetensors", model, opt, scaler);
}
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(model);
  mt::LossScaler scaler;
  return static_cast<int>(resume(model, opt, scaler).epoch);
}
