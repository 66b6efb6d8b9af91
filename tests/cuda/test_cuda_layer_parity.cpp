// tests/cuda/test_cuda_layer_parity.cpp: every built-in layer on Cuda against the same layer
// on the CPU, under every policy: built from the same seed (so the same initial weights),
// forward(train) on the same batch, backward from the same dy; y, dx and every parameter's
// float32 gradient compared, and BatchNorm's running statistics after the step.
#include <memory>
#include <string>
#include <vector>

#include "parity.hpp"

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;

namespace {

// The gradients of a 16-bit policy: float32 sums of 16-bit products in another order.
template <class P>
mt_cuda::Tolerance grad_tolerance() {
  if constexpr (std::same_as<typename P::compute, float>) return {1e-5f, 1e-4f};
  else return {2e-3f, 2e-3f};
}

template <class P, class Spec>
void expect_layer_parity(const char* name, const Spec& spec, const Shape& input,
                         std::int64_t batch = 5) {
  SCOPED_TRACE(name);
  using T = typename P::compute;
  auto cpu = spec.template make<P, Cpu>();
  auto gpu = spec.template make<P, Cuda>();
  mt::Generator g1(11), g2(11);
  const Shape out = cpu->build(input, g1);
  ASSERT_EQ(gpu->build(input, g2), out);
  auto& cc = mt_cuda::cpu_ctx();
  auto& gc = mt_cuda::gpu_ctx();
  cpu->reserve(cc, batch);
  gpu->reserve(gc, batch);
  const auto x = mt_cuda::random<T>(input.prepend(batch), 21);
  const auto dy = mt_cuda::random<T>(out.prepend(batch), 22, -1.0f, 1.0f);
  const auto gx = mt::to<Cuda>(x), gdy = mt::to<Cuda>(dy);
  mt::Tensor<T, Cpu> y(out.prepend(batch)), dx(x.shape());
  mt::Tensor<T, Cuda> gy(y.shape()), gdx(x.shape());
  cpu->forward(cc, y.view(), x.view(), mt::Mode::train);
  gpu->forward(gc, gy.view(), gx.view(), mt::Mode::train);
  EXPECT_TRUE(mt_cuda::near(y, gy, mt_cuda::tolerance_for<T>())) << "y";
  cpu->backward(cc, dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  gpu->backward(gc, gdx.view(), gdy.view(), gx.view(), gy.view(), mt::Accumulate::overwrite);
  // dx in T: one more rounding of T than y on each side at most.
  const auto t = mt_cuda::tolerance_for<T>();
  EXPECT_TRUE(mt_cuda::near(dx, gdx, {2 * t.abs, 2 * t.rel})) << "dx";
  const auto pc = cpu->parameters(), pg = gpu->parameters();
  ASSERT_EQ(pc.size(), pg.size());
  for (std::size_t i = 0; i < pc.size(); ++i) {
    EXPECT_EQ(pc[i]->name, pg[i]->name);
    EXPECT_TRUE(mt_cuda::near(mt::to<Cpu>(pc[i]->master), mt::to<Cuda>(mt::to<Cpu>(pg[i]->master)),
                              {0.0f, 0.0f}))
        << pc[i]->name << ": the same initial weights";
    EXPECT_TRUE(mt_cuda::near(mt::to<Cpu>(pc[i]->grad), mt::to<Cuda>(mt::to<Cpu>(pg[i]->grad)),
                              grad_tolerance<P>()))
        << pc[i]->name << " gradient";
  }
  const auto bc = cpu->buffers(), bg = gpu->buffers();
  ASSERT_EQ(bc.size(), bg.size());
  for (std::size_t i = 0; i < bc.size(); ++i)
    EXPECT_TRUE(mt_cuda::near(mt::to<Cpu>(*bc[i].second), *bg[i].second, {1e-5f, 1e-4f}))
        << bc[i].first;
}

template <class P>
class CudaLayerParity : public ::testing::Test {};
using Policies =
    ::testing::Types<mt::policy::float32, mt::policy::mixed_float16, mt::policy::mixed_bfloat16>;
TYPED_TEST_SUITE(CudaLayerParity, Policies);

TYPED_TEST(CudaLayerParity, Dense) {
  MANTISSA_REQUIRE_GPU();
  expect_layer_parity<TypeParam>("Dense(16)", mt::Dense(16), Shape{24});
}
TYPED_TEST(CudaLayerParity, Conv2D) {
  MANTISSA_REQUIRE_GPU();
  expect_layer_parity<TypeParam>("Conv2D(8, 3, same)", mt::Conv2D(8, 3, mt::same), Shape{9, 7, 3});
  expect_layer_parity<TypeParam>("Conv2D(4, 3, same, stride 2)",
                                 mt::Conv2D(4, 3, mt::same, {.strides = 2}), Shape{10, 10, 2});
  expect_layer_parity<TypeParam>("Conv2D(6, {2, 3}, valid, no bias)",
                                 mt::Conv2D(6, {2, 3}, mt::valid, {.bias = false}), Shape{8, 9, 4});
}
TYPED_TEST(CudaLayerParity, MaxPool2DAndFlatten) {
  MANTISSA_REQUIRE_GPU();
  expect_layer_parity<TypeParam>("MaxPool2D(2)", mt::MaxPool2D(2), Shape{8, 6, 3});
  expect_layer_parity<TypeParam>("MaxPool2D(3, stride 2, same)", mt::MaxPool2D(3, 2, mt::same),
                                 Shape{9, 7, 2});
  expect_layer_parity<TypeParam>("Flatten", mt::Flatten(), Shape{4, 3, 2});
}
TYPED_TEST(CudaLayerParity, BatchNormAndDropout) {
  MANTISSA_REQUIRE_GPU();
  expect_layer_parity<TypeParam>("BatchNorm on images", mt::BatchNorm(), Shape{5, 4, 6}, 7);
  mt::BatchNorm faster;
  faster.momentum = 0.9f;
  expect_layer_parity<TypeParam>("BatchNorm on features, momentum 0.9", faster, Shape{13});
  expect_layer_parity<TypeParam>("Dropout(0.3)", mt::Dropout(0.3f, 7), Shape{50});
}
TYPED_TEST(CudaLayerParity, Activations) {
  MANTISSA_REQUIRE_GPU();
  expect_layer_parity<TypeParam>("ReLU", mt::ReLU(), Shape{6, 5});
  expect_layer_parity<TypeParam>("Sigmoid", mt::Sigmoid(), Shape{30});
  expect_layer_parity<TypeParam>("Tanh", mt::Tanh(), Shape{30});
  expect_layer_parity<TypeParam>("Softmax", mt::Softmax(), Shape{10});
}

}  // namespace
