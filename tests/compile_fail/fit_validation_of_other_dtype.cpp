// mistake: a validation set whose loader yields another dtype than the model computes in
// expect-first: the validation set.s samples are not in the model.s compute dtype
// expect-head: ImageLoader<typename P::compute>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_bfloat16>& model, Adam<policy::mixed_bfloat16>& opt,
       const data::ImageDataset& a, const data::ImageDataset& b) {
  data::ImageLoader<bfloat16> train(a, {.batch = 32});
  data::ImageLoader<float> test(b, {.batch = 256});  // fix: data::ImageLoader<bfloat16> test(b, {.batch = 256});
  (void)fit(model, opt, SoftmaxCrossEntropy{}, train, test, {.epochs = 2});
}
