// mistake: a home-made loader yields uint8 labels (as stored in IDX files); evaluate() on it
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
struct RawLoader {
  struct Batch {
    mt::TensorView<const float> x;
    mt::TensorView<const std::uint8_t> y;
  };
  mt::Tensor<float> xs = mt::zeros<float>({8, 4});
  mt::Tensor<std::uint8_t> ys = mt::zeros<std::uint8_t>({8});
  std::int64_t size() const { return 8; }
  std::int64_t batches() const { return 1; }
  void set_epoch(std::int64_t) {}
  Batch batch(std::int64_t) { return {xs.view(), ys.view()}; }
};
int main() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Dense(3));
  mt::SoftmaxCrossEntropy loss_fn;
  RawLoader data;
  auto ev = mt::evaluate(model, loss_fn, data);
  return ev.accuracy > 0.5 ? 0 : 1;
}
