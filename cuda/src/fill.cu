// cuda/src/fill.cu: fill a device buffer with one value; and the compile-time proof that
// mantissa's 2-byte dtypes are layout-compatible with CUDA's __half and __nv_bfloat16.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/half.hpp"

static_assert(sizeof(mantissa::half) == sizeof(__half) && alignof(mantissa::half) == alignof(__half),
              "mantissa::half must be layout-compatible with __half");
static_assert(sizeof(mantissa::bfloat16) == sizeof(__nv_bfloat16) &&
                  alignof(mantissa::bfloat16) == alignof(__nv_bfloat16),
              "mantissa::bfloat16 must be layout-compatible with __nv_bfloat16");

namespace mantissa::cuda {

namespace {
template <class U>
__global__ void fill_kernel(U* dst, U value, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < n;
       i += std::int64_t{gridDim.x} * blockDim.x)
    dst[i] = value;
}

template <class U>
void launch(void* dst, const void* value, std::int64_t n) {
  U v;
  std::memcpy(&v, value, sizeof v);
  const int threads = 256;
  const auto blocks = static_cast<unsigned>(std::min<std::int64_t>((n + threads - 1) / threads, 65535));
  fill_kernel<U><<<blocks, threads>>>(static_cast<U*>(dst), v, n);
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess)
    throw CudaError(std::string("cuda::fill: ") + cudaGetErrorString(status));
}
}  // namespace

void fill(void* dst, const void* value, std::size_t elem_size, std::int64_t n) {
  if (n == 0) return;
  switch (elem_size) {
    case 1: launch<std::uint8_t>(dst, value, n); break;
    case 2: launch<std::uint16_t>(dst, value, n); break;
    case 4: launch<std::uint32_t>(dst, value, n); break;
    default: throw CudaError("cuda::fill: element size " + std::to_string(elem_size) +
                             " is not 1, 2 or 4 bytes");
  }
}

}  // namespace mantissa::cuda
