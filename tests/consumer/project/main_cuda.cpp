// A user's program with mantissa's CUDA backend (find_package(mantissa COMPONENTS cuda),
// mantissa::cuda): it trains on the GPU where one is present and says so where none is.
#include <iostream>
#include <mantissa/mantissa.hpp>

namespace mt = mantissa;

int main() {
  static_assert(mt::model_is_built<mt::policy::mixed_float16, mt::Cuda>,
                "linking mantissa::cuda makes the Cuda models available");
  if (!mt::Cuda::available()) {
    std::cout << "cuda consumer ok: linked mantissa::cuda, no GPU here\n";
    return 0;
  }
  mt::Sequential<mt::policy::mixed_float16, mt::Cuda> model({4}, mt::Dense(3));
  const auto host = mt::arange<float>(8);
  auto x = mt::to<mt::Cuda>(mt::cast<mt::half>(host.reshape({2, 4})));
  auto logits = mt::to<mt::Cpu>(model.forward(x));
  std::cout << "cuda consumer ok: linked mantissa::cuda, forward on the GPU gave "
            << logits.shape().str() << '\n';
}
