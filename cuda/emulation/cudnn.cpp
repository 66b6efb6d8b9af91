// cuda/emulation/cudnn.cpp: interposes the cuDNN calls that need a GPU, for the emulation
// build. The descriptors stay the real cuDNN's (their set-up and shape queries run without a
// GPU); the handle calls are bookkeeping, and the compute calls read the descriptors back
// through cuDNN's own getters and compute on the host.
#include <cudnn.h>

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
bool cudnn_handle_live(const void* h) {
  auto& s = handles();
  const std::scoped_lock lock(s.mutex);
  return s.live.count(const_cast<void*>(h)) != 0;
}
}  // namespace mantissa::emulation

extern "C" {

cudnnStatus_t CUDNNWINAPI cudnnCreate(cudnnHandle_t* handle) {
  auto& s = handles();
  const std::scoped_lock lock(s.mutex);
  void* h = std::malloc(64);
  s.live.insert(h);
  *handle = static_cast<cudnnHandle_t>(h);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t CUDNNWINAPI cudnnDestroy(cudnnHandle_t handle) {
  auto& s = handles();
  const std::scoped_lock lock(s.mutex);
  if (!s.live.erase(handle)) return CUDNN_STATUS_BAD_PARAM;
  std::free(handle);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t CUDNNWINAPI cudnnSetStream(cudnnHandle_t handle, cudaStream_t) {
  return mantissa::emulation::cudnn_handle_live(handle) ? CUDNN_STATUS_SUCCESS
                                                        : CUDNN_STATUS_BAD_PARAM;
}

}  // extern "C"
