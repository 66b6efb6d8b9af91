// cuda/emulation/cublas.cpp: a test double of cuBLAS and cuBLASLt for the emulation build.
// Handles are bookkeeping (a handle must be live and have a stream set by the engine); the
// compute calls apply cuBLAS's documented argument rules (operations, leading dimensions,
// the type combinations of cublasGemmEx) and compute the product on the host, so that the
// engine's cuBLAS argument arithmetic is what the parity suite checks.
#include <cublasLt.h>
#include <cublas_v2.h>

#include <cstdlib>
#include <mutex>
#include <set>

namespace {
struct Handles {
  std::mutex mutex;
  std::set<void*> live;
};
Handles& handles() {
  static Handles* h = new Handles;
  return *h;
}
}  // namespace

namespace mantissa::emulation {
bool cublas_handle_live(const void* h) {
  auto& s = handles();
  const std::scoped_lock lock(s.mutex);
  return s.live.count(const_cast<void*>(h)) != 0;
}
}  // namespace mantissa::emulation

extern "C" {

cublasStatus_t CUBLASWINAPI cublasCreate_v2(cublasHandle_t* handle) {
  auto& s = handles();
  const std::scoped_lock lock(s.mutex);
  void* h = std::malloc(64);
  s.live.insert(h);
  *handle = static_cast<cublasHandle_t>(h);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t CUBLASWINAPI cublasDestroy_v2(cublasHandle_t handle) {
  auto& s = handles();
  const std::scoped_lock lock(s.mutex);
  if (!s.live.erase(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
  std::free(handle);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t CUBLASWINAPI cublasSetStream_v2(cublasHandle_t handle, cudaStream_t) {
  return mantissa::emulation::cublas_handle_live(handle) ? CUBLAS_STATUS_SUCCESS
                                                         : CUBLAS_STATUS_NOT_INITIALIZED;
}
cublasStatus_t CUBLASWINAPI cublasSetMathMode(cublasHandle_t handle, cublasMath_t) {
  return mantissa::emulation::cublas_handle_live(handle) ? CUBLAS_STATUS_SUCCESS
                                                         : CUBLAS_STATUS_NOT_INITIALIZED;
}
const char* CUBLASWINAPI cublasGetStatusName(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "CUBLAS_STATUS_(emulated)";
  }
}
const char* CUBLASWINAPI cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized";
    case CUBLAS_STATUS_INVALID_VALUE: return "an unsupported value or parameter was passed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "the functionality requested is not supported";
    default: return "emulated cuBLAS error";
  }
}

cublasStatus_t CUBLASWINAPI cublasLtCreate(cublasLtHandle_t* handle) {
  *handle = reinterpret_cast<cublasLtHandle_t>(std::malloc(64));
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t CUBLASWINAPI cublasLtDestroy(cublasLtHandle_t handle) {
  std::free(handle);
  return CUBLAS_STATUS_SUCCESS;
}

}  // extern "C"
