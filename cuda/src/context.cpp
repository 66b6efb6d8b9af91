// cuda/src/context.cpp: Context<Cuda>: streams, library handles, scratch and the step
// status block; and the launch error of launch.hpp.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <string>
#include <utility>

#include "library_check.hpp"
#include "mantissa/core/context.hpp"

namespace mantissa {

namespace cuda {

void throw_launch_error(cudaError_t status, const char* kernel) {
  check_cuda(status, (std::string("kernel launch: ") + kernel).c_str());
}

}  // namespace cuda

using cuda::check_cuda;

Context<Cuda>::Context() {
  // Blocking streams (cudaStreamDefault): they order with the legacy default stream, which
  // the allocator and the synchronous copies use.
  check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamDefault), "cudaStreamCreate (compute)");
  try {
    check_cuda(cudaStreamCreateWithFlags(&upload_, cudaStreamDefault), "cudaStreamCreate (upload)");
    cudaEvent_t event = nullptr;
    check_cuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreate");
    upload_event_ = event;
    cuda::check_cublas(cublasCreate(&cublas_), "cublasCreate");
    cuda::check_cublas(cublasSetStream(cublas_, stream_), "cublasSetStream");
    cuda::check_cublas(cublasLtCreate(&cublaslt_), "cublasLtCreate");
    cuda::check_cudnn(cudnnCreate(&cudnn_), "cudnnCreate");
    cuda::check_cudnn(cudnnSetStream(cudnn_, stream_), "cudnnSetStream");
    status_ = static_cast<StepStatus*>(Cuda::allocate(sizeof(StepStatus)));
    reset_status();
  } catch (...) {
    release();
    throw;
  }
}

Context<Cuda>::~Context() { release(); }

void Context<Cuda>::release() noexcept {
  if (stream_) (void)cudaStreamSynchronize(stream_);
  if (upload_) (void)cudaStreamSynchronize(upload_);
  Cuda::deallocate(std::exchange(status_, nullptr));
  Cuda::deallocate(std::exchange(workspace_, nullptr));
  if (pinned_) (void)cudaFreeHost(std::exchange(pinned_, nullptr));
  if (cudnn_) (void)cudnnDestroy(std::exchange(cudnn_, nullptr));
  if (cublaslt_) (void)cublasLtDestroy(std::exchange(cublaslt_, nullptr));
  if (cublas_) (void)cublasDestroy(std::exchange(cublas_, nullptr));
  if (upload_event_)
    (void)cudaEventDestroy(static_cast<cudaEvent_t>(std::exchange(upload_event_, nullptr)));
  if (upload_) (void)cudaStreamDestroy(std::exchange(upload_, nullptr));
  if (stream_) (void)cudaStreamDestroy(std::exchange(stream_, nullptr));
}

void Context<Cuda>::reset_status() {
  static const StepStatus clean;
  check_cuda(cudaMemcpyAsync(status_, &clean, sizeof clean, cudaMemcpyHostToDevice, stream_),
             "cudaMemcpyAsync (reset the step status)");
}

StepStatus Context<Cuda>::read_status() const {
  StepStatus s;
  check_cuda(cudaMemcpyAsync(&s, status_, sizeof s, cudaMemcpyDeviceToHost, stream_),
             "cudaMemcpyAsync (read the step status)");
  check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (read the step status)");
  return s;
}

void Context<Cuda>::set_threads(int n) {
  if (n < 0)
    throw ValueError("Context::set_threads: need 0 (follow set_num_threads) or more, got " +
                     std::to_string(n));
  threads_ = n;
}

void* Context<Cuda>::workspace(std::size_t bytes) {
  if (bytes > workspace_bytes_) {
    Cuda::deallocate(std::exchange(workspace_, nullptr));  // stream-ordered: safe to reuse
    workspace_bytes_ = 0;
    workspace_ = Cuda::allocate(bytes);
    workspace_bytes_ = bytes;
  }
  return workspace_;
}

void* Context<Cuda>::pinned(std::size_t bytes) {
  check_cuda(cudaStreamSynchronize(upload_), "cudaStreamSynchronize (upload)");
  if (bytes > pinned_bytes_) {
    if (pinned_) (void)cudaFreeHost(std::exchange(pinned_, nullptr));
    pinned_bytes_ = 0;
    check_cuda(cudaMallocHost(&pinned_, bytes), "cudaMallocHost");
    pinned_bytes_ = bytes;
  }
  return pinned_;
}

void Context<Cuda>::upload(void* dst, const void* src, std::size_t bytes) {
  check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, upload_),
             "cudaMemcpyAsync (upload)");
  check_cuda(cudaEventRecord(static_cast<cudaEvent_t>(upload_event_), upload_),
             "cudaEventRecord (upload)");
}

void Context<Cuda>::wait_upload() {
  check_cuda(cudaStreamWaitEvent(stream_, static_cast<cudaEvent_t>(upload_event_), 0),
             "cudaStreamWaitEvent (compute waits for the upload)");
}

void Context<Cuda>::synchronize() const {
  check_cuda(cudaStreamSynchronize(upload_), "cudaStreamSynchronize (upload)");
  check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (compute)");
}

}  // namespace mantissa
