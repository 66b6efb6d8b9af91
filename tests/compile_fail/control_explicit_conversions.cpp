// mistake: none: the legitimate, explicit version of every case here; this file MUST compile
// expect-success
//
// Positive control. If the include path or a header is broken this fails first, and the
// compile-fail cases (which require it as a test fixture) are reported as not run instead of
// "passing" for the wrong reason.
#include <cstdint>
#include <string>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void layer_forward(TensorView<half> activations);
void consume(Tensor<float> t);

// Scalars: half(1.0f) narrows, static_cast<float>(h) widens, 16-bit <-> 16-bit via float.
half scalars(half a, bfloat16 b) {
  half h = half(1.0f);
  half h2{2.0f};
  float f = static_cast<float>(h);
  float g = float(a);
  half from_bf = half(static_cast<float>(b));
  (void)from_bf;
  return half(f + g + static_cast<float>(h2));  // arithmetic in float, narrowed once
}

void tensors(const Tensor<float>& a, const Tensor<half>& h, const Tensor<bfloat16>& bf,
             const Tensor<float, Cuda>& on_gpu, const Tensor<std::int32_t>& labels,
             Tensor<float>& y, Tensor<half>& out_h, Tensor<float>& out_f) {
  // a + Tensor<half>: cast one side.
  auto s = a + cast<float>(h);
  auto s16 = cast<half>(a) + h;
  // bfloat16 with half: pick one dtype.
  auto mixed16 = cast<half>(bf) * h;
  // matmul of two dtypes: cast first.
  auto m = matmul(a, cast<float>(bf));
  // Cpu with Cuda: move one side.
  auto d = a + to<Cpu>(on_gpu);
  auto m2 = matmul(to<Cpu>(on_gpu), a);
  // Host read of a device tensor: copy it to the host first.
  float first = to<Cpu>(on_gpu)(0, 0);
  (void)first;
  // Assign / construct from another dtype: cast<T>.
  y = cast<float>(h);
  Tensor<float> z = cast<float>(h);
  Tensor<float, Cpu> from_gpu = to<Cpu>(on_gpu);
  // Copies are explicit.
  Tensor<float> c1 = a.clone();
  y = a.clone();
  y = std::move(z);
  consume(a.clone());
  // Casts to dtypes; to<> to devices.
  auto as_int = cast<std::int32_t>(a);
  auto as_bf = cast<bfloat16>(a);
  auto as_u8 = cast<std::uint8_t>(labels);
  auto same_place = to<Cpu>(a);
  // Integer labels: arithmetic after cast<float>.
  auto lf = cast<float>(labels) + cast<float>(labels);
  auto total = sum(cast<float>(labels), 0);
  // Out-parameter forms: output of the operands' dtype; gemm may write float32 from halves.
  auto& ctx = default_context<Cpu>();
  ops::add(ctx, out_f, a, a);
  ops::add(ctx, out_h.view(), h, h);
  ops::gemm(ctx, out_f, h, h);
  ops::gemm(ctx, out_h, h, h);
  ops::fill(ctx, out_f, 0.5f);
  // Views: a mutable view or tensor where a mutable view is needed; mutable -> const is fine.
  auto hb = cast<half>(bf);
  layer_forward(hb);
  layer_forward(hb.view());
  TensorView<float> w = y.view();
  TensorView<const float> ro = w;
  TensorView<const float> ro2 = a.view();
  float e = y(0, 0) + a[0];
  (void)s; (void)s16; (void)mixed16; (void)m; (void)d; (void)m2; (void)from_gpu; (void)c1;
  (void)as_int; (void)as_bf; (void)as_u8; (void)same_place; (void)lf; (void)total; (void)ro;
  (void)ro2; (void)e;
}
