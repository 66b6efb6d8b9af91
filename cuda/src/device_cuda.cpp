// cuda/src/device_cuda.cpp: device memory for Tensor<T, Cuda>. Allocation is stream-ordered
// (cudaMallocAsync / cudaFreeAsync on the legacy default stream, which orders after the work
// of every blocking stream, so a freed block is reused only after the kernels that read it)
// from the device's memory pool, told to keep what is freed: after warm-up, memory is
// recycled inside the pool and the driver allocates nothing. Copies are synchronous.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "check.hpp"
#include "mantissa/core/context.hpp"
#include "mantissa/core/device.hpp"

namespace mantissa {

namespace {

struct Registry {
  std::mutex mutex;
  std::unordered_map<void*, std::size_t> sizes;
  CudaAllocationStats stats;
  bool pool_configured = false;
};
Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: tensors may outlive static destructors
  return *r;
}

// The pool keeps freed memory instead of returning it to the driver at each synchronisation.
void configure_pool() {
  int device = 0;
  cuda::check_cuda(cudaGetDevice(&device), "cudaGetDevice");
  cudaMemPool_t pool = nullptr;
  cuda::check_cuda(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
  std::uint64_t keep = UINT64_MAX;
  cuda::check_cuda(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep),
                   "cudaMemPoolSetAttribute(release threshold)");
}

}  // namespace

void* Cuda::allocate(std::size_t bytes) {
  auto& r = registry();
  const std::scoped_lock lock(r.mutex);
  if (!r.pool_configured) {
    configure_pool();
    r.pool_configured = true;
  }
  void* p = nullptr;
  const std::size_t request = bytes ? bytes : 1;
  cudaError_t status = cudaMallocAsync(&p, request, nullptr);
  if (status == cudaErrorMemoryAllocation) {
    // Give the pool's cached blocks back to the driver and try once more.
    (void)cudaGetLastError();
    cuda::check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize (allocation retry)");
    int device = 0;
    cudaMemPool_t pool = nullptr;
    if (cudaGetDevice(&device) == cudaSuccess &&
        cudaDeviceGetDefaultMemPool(&pool, device) == cudaSuccess)
      (void)cudaMemPoolTrimTo(pool, 0);
    status = cudaMallocAsync(&p, request, nullptr);
  }
  cuda::check_cuda(status, ("cudaMallocAsync(" + std::to_string(bytes) + " bytes; " +
                            std::to_string(r.stats.live_bytes) + " bytes live)")
                               .c_str());
  r.sizes.emplace(p, request);
  ++r.stats.allocations;
  r.stats.live_bytes += request;
  if (r.stats.live_bytes > r.stats.peak_bytes) r.stats.peak_bytes = r.stats.live_bytes;
  return p;
}

void Cuda::deallocate(void* p) noexcept {
  if (!p) return;
  auto& r = registry();
  const std::scoped_lock lock(r.mutex);
  if (const auto it = r.sizes.find(p); it != r.sizes.end()) {
    r.stats.live_bytes -= it->second;
    r.sizes.erase(it);
  }
  ++r.stats.frees;
  (void)cudaFreeAsync(p, nullptr);  // destructors do not throw; a failure here leaks the block
}

CudaAllocationStats cuda_allocation_stats() noexcept {
  auto& r = registry();
  const std::scoped_lock lock(r.mutex);
  return r.stats;
}

void reset_cuda_peak_bytes() noexcept {
  auto& r = registry();
  const std::scoped_lock lock(r.mutex);
  r.stats.peak_bytes = r.stats.live_bytes;
}

void Cuda::zero_bytes(void* p, std::size_t bytes) {
  cuda::check_cuda(cudaMemset(p, 0, bytes), "cudaMemset");
}

bool Cuda::available() noexcept {
  int n = 0;
  const bool ok = cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
  if (!ok) (void)cudaGetLastError();
  return ok;
}

void Cuda::copy_from_host(void* dst, const void* src, std::size_t bytes) {
  cuda::check_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice),
                   "cudaMemcpy (host -> cuda)");
}
void Cuda::copy_to_host(void* dst, const void* src, std::size_t bytes) {
  cuda::check_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost),
                   "cudaMemcpy (cuda -> host)");
}
void Cuda::copy_within(void* dst, const void* src, std::size_t bytes) {
  cuda::check_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice),
                   "cudaMemcpy (cuda -> cuda)");
}

}  // namespace mantissa
