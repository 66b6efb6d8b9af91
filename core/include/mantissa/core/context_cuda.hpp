// mantissa/core/context_cuda.hpp: Context<Cuda>, where CUDA work goes: one compute stream
// (plus one for uploads), the cuBLAS, cuBLASLt and cuDNN handles, the scratch workspace and
// the step status block in device memory. Declared here on opaque handle types so that core/
// names it without the CUDA headers; defined by the cuda/ library (in a build without CUDA,
// constructing one throws CudaError naming the build option).
//
// Device memory for tensors comes from a stream-ordered caching allocator (cudaMallocAsync
// from the device's pool, which keeps freed memory): cuda_allocation_stats() counts what
// reaches it, so a test can prove a reserved training step allocates nothing.
//
// Ordering: both streams are blocking streams, so the synchronous copies of Cuda's device
// functions (to<Cpu>, the host read of read_status) see all work before them. The compute
// stream runs the ops in order; the upload stream carries the next batch's host -> device
// copy while the compute stream still runs the current step (wait_upload() orders them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "mantissa/core/context.hpp"
#include "mantissa/core/device.hpp"

// The CUDA libraries' handle types, as their headers declare them (opaque pointers).
struct CUstream_st;
struct cublasContext;
struct cublasLtContext;
struct cudnnContext;

namespace mantissa {

template <>
class Context<Cuda> {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // ---- the step status block (device memory) ----
  StepStatus* status() noexcept { return status_; }
  void reset_status();               // ordered on the compute stream
  StepStatus read_status() const;    // one device -> host copy; waits for the stream

  // ---- the CPU-side API every context has (CUDA kernels ignore it) ----
  int threads() const noexcept { return threads_; }
  void set_threads(int n);

  // ---- scratch: at least `bytes` bytes of device memory, until the next call ----
  void* workspace(std::size_t bytes);

  // ---- CUDA ----
  CUstream_st* stream() const noexcept { return stream_; }
  CUstream_st* upload_stream() const noexcept { return upload_; }
  cublasContext* cublas() const noexcept { return cublas_; }
  cublasLtContext* cublaslt() const noexcept { return cublaslt_; }
  cudnnContext* cudnn() const noexcept { return cudnn_; }
  // Host memory that the copy engine reads directly (pinned): the staging buffer of
  // upload(), grown on demand and kept. Waits until the uploads already queued from it are
  // done, so the caller may overwrite it. Valid until the next call.
  void* pinned(std::size_t bytes);
  // Queue a copy of `bytes` from host memory (pinned() for it to be asynchronous) to `dst`
  // on the upload stream, where it overlaps the compute stream's work. `dst` must not be in
  // use by queued compute work (double-buffer it). wait_upload() makes the compute stream's
  // later work wait for the uploads queued so far.
  void upload(void* dst, const void* src, std::size_t bytes);
  void wait_upload();
  void synchronize() const;  // wait for both streams

 private:
  void release() noexcept;

  StepStatus* status_ = nullptr;
  int threads_ = 0;
  CUstream_st* stream_ = nullptr;
  CUstream_st* upload_ = nullptr;
  cublasContext* cublas_ = nullptr;
  cublasLtContext* cublaslt_ = nullptr;
  cudnnContext* cudnn_ = nullptr;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = 0;
  void* pinned_ = nullptr;
  std::size_t pinned_bytes_ = 0;
  void* upload_event_ = nullptr;  // cudaEvent_t
};

// What reached the CUDA allocator since the process started: tensor allocations and frees
// (Cuda::allocate / deallocate), the bytes live now and at most, and the calls to
// cudaMallocAsync / cudaFreeAsync (each allocation is one; the pool keeps freed memory, so
// after warm-up these do not reach the driver).
struct CudaAllocationStats {
  std::size_t allocations = 0;
  std::size_t frees = 0;
  std::size_t live_bytes = 0;
  std::size_t peak_bytes = 0;
};
CudaAllocationStats cuda_allocation_stats() noexcept;
void reset_cuda_peak_bytes() noexcept;

}  // namespace mantissa
