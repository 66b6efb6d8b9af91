// cuda/src/elementwise.cu: fill, binary ops, activations and casts on the GPU; and the
// compile-time proof that mantissa's 2-byte dtypes are layout-compatible with CUDA's.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/half.hpp"

static_assert(sizeof(mantissa::half) == sizeof(__half) && alignof(mantissa::half) == alignof(__half),
              "mantissa::half must be layout-compatible with __half");
static_assert(sizeof(mantissa::bfloat16) == sizeof(__nv_bfloat16) &&
                  alignof(mantissa::bfloat16) == alignof(__nv_bfloat16),
              "mantissa::bfloat16 must be layout-compatible with __nv_bfloat16");

namespace mantissa {

namespace cuda {
namespace {

template <class T>
struct Fill {
  T* x;
  T value;
  MANTISSA_HD void operator()(std::int64_t i) const { x[i] = value; }
};

}  // namespace
}  // namespace cuda

template <Dtype T>
void Backend<Cuda>::fill(Ctx& ctx, T* x, T value, std::int64_t n) {
  cuda::for_each(ctx, n, cuda::Fill<T>{x, value}, "fill");
}

#define MANTISSA_CUDA_FILL(T) template void Backend<Cuda>::fill<T>(Ctx&, T*, T, std::int64_t);
MANTISSA_CUDA_FILL(float)
MANTISSA_CUDA_FILL(half)
MANTISSA_CUDA_FILL(bfloat16)
MANTISSA_CUDA_FILL(std::int32_t)
MANTISSA_CUDA_FILL(std::uint8_t)
#undef MANTISSA_CUDA_FILL

}  // namespace mantissa
