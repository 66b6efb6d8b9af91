// cuda/emulation/runtime.cpp: a test double of the CUDA runtime for the emulation build
// (MANTISSA_CUDA_EMULATE). One "device" whose memory is host memory; streams and events are
// bookkeeping, and every call completes before it returns (so any order the real streams
// allow gives the same result here). It applies the runtime's rules that the engine's code
// depends on, so that a mistake fails here as it would on a GPU:
//   - device memory: a copy or memset must stay inside one live allocation (from
//     cudaMalloc / cudaMallocAsync) on its device side; a free must name a live one;
//   - host memory for cudaMallocHost is tracked the same way;
//   - streams and events must be live when used; destroying one twice is an error;
//   - errors are sticky for cudaGetLastError as on the GPU.
// Kernel launches do not come here: in this build launch.hpp runs functors as host loops.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

namespace {

struct State {
  std::mutex mutex;
  std::map<std::uintptr_t, std::size_t> device;  // base -> bytes
  std::map<std::uintptr_t, std::size_t> pinned;
  std::set<void*> streams, events;
  cudaError_t last = cudaSuccess;
};
State& state() {
  static State* s = new State;
  return *s;
}

cudaError_t fail(State& s, cudaError_t e) {
  s.last = e;
  return e;
}

// Whether [p, p + bytes) lies inside one allocation of `m`.
bool inside(const std::map<std::uintptr_t, std::size_t>& m, const void* p, std::size_t bytes) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  auto it = m.upper_bound(a);
  if (it == m.begin()) return false;
  --it;
  return a >= it->first && a + bytes <= it->first + it->second;
}

void* allocate(std::size_t bytes) {
  const std::size_t rounded = (bytes + 255) / 256 * 256;
  return std::aligned_alloc(256, rounded ? rounded : 256);
}

bool known_stream(State& s, cudaStream_t st) { return st == nullptr || s.streams.count(st) != 0; }

// Checks a copy's device sides by its kind.
cudaError_t check_copy(State& s, void* dst, const void* src, std::size_t n, cudaMemcpyKind kind) {
  if (n == 0) return cudaSuccess;
  const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if (kind == cudaMemcpyDefault) {
    if (!inside(s.device, dst, n) && !inside(s.device, src, n)) return cudaErrorInvalidValue;
    return cudaSuccess;
  }
  if (dst_device && !inside(s.device, dst, n)) return cudaErrorInvalidValue;
  if (src_device && !inside(s.device, src, n)) return cudaErrorInvalidValue;
  if (!dst_device && inside(s.device, dst, n)) return cudaErrorInvalidValue;  // wrong kind
  if (!src_device && inside(s.device, src, n)) return cudaErrorInvalidValue;
  return cudaSuccess;
}

}  // namespace

extern "C" {

cudaError_t CUDARTAPI cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaSetDevice(int device) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  return device == 0 ? cudaSuccess : fail(s, cudaErrorInvalidDevice);
}
cudaError_t CUDARTAPI cudaGetLastError(void) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  const cudaError_t e = s.last;
  s.last = cudaSuccess;
  return e;
}
cudaError_t CUDARTAPI cudaPeekAtLastError(void) { return state().last; }
const char* CUDARTAPI cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    default: return "cudaError (emulated)";
  }
}
const char* CUDARTAPI cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    default: return "emulated CUDA runtime error";
  }
}
cudaError_t CUDARTAPI cudaDeviceSynchronize(void) { return cudaSuccess; }

// ---- memory ----
cudaError_t CUDARTAPI cudaMalloc(void** p, size_t bytes) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  *p = allocate(bytes);
  if (!*p) return fail(s, cudaErrorMemoryAllocation);
  s.device.emplace(reinterpret_cast<std::uintptr_t>(*p), bytes ? bytes : 1);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMallocAsync(void** p, size_t bytes, cudaStream_t stream) {
  {
    auto& s = state();
    const std::scoped_lock lock(s.mutex);
    if (!known_stream(s, stream)) return fail(s, cudaErrorInvalidResourceHandle);
  }
  return cudaMalloc(p, bytes);
}
cudaError_t CUDARTAPI cudaFree(void* p) {
  if (!p) return cudaSuccess;
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (s.device.erase(reinterpret_cast<std::uintptr_t>(p)) == 0) return fail(s, cudaErrorInvalidValue);
  std::free(p);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaFreeAsync(void* p, cudaStream_t stream) {
  {
    auto& s = state();
    const std::scoped_lock lock(s.mutex);
    if (!known_stream(s, stream)) return fail(s, cudaErrorInvalidResourceHandle);
  }
  return cudaFree(p);
}
cudaError_t CUDARTAPI cudaMallocHost(void** p, size_t bytes) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  *p = allocate(bytes);
  if (!*p) return fail(s, cudaErrorMemoryAllocation);
  s.pinned.emplace(reinterpret_cast<std::uintptr_t>(*p), bytes ? bytes : 1);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaFreeHost(void* p) {
  if (!p) return cudaSuccess;
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (s.pinned.erase(reinterpret_cast<std::uintptr_t>(p)) == 0) return fail(s, cudaErrorInvalidValue);
  std::free(p);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaDeviceGetDefaultMemPool(cudaMemPool_t* pool, int device) {
  static int the_pool;
  if (device != 0) return cudaErrorInvalidDevice;
  *pool = reinterpret_cast<cudaMemPool_t>(&the_pool);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemPoolSetAttribute(cudaMemPool_t, enum cudaMemPoolAttr, void*) {
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemPoolTrimTo(cudaMemPool_t, size_t) { return cudaSuccess; }

cudaError_t CUDARTAPI cudaMemcpy(void* dst, const void* src, size_t n, enum cudaMemcpyKind kind) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (const cudaError_t e = check_copy(s, dst, src, n, kind); e != cudaSuccess) return fail(s, e);
  if (n) std::memmove(dst, src, n);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemcpyAsync(void* dst, const void* src, size_t n,
                                      enum cudaMemcpyKind kind, cudaStream_t stream) {
  {
    auto& s = state();
    const std::scoped_lock lock(s.mutex);
    if (!known_stream(s, stream)) return fail(s, cudaErrorInvalidResourceHandle);
  }
  return cudaMemcpy(dst, src, n, kind);
}
cudaError_t CUDARTAPI cudaMemset(void* p, int value, size_t n) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (n && !inside(s.device, p, n)) return fail(s, cudaErrorInvalidValue);
  if (n) std::memset(p, value, n);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemsetAsync(void* p, int value, size_t n, cudaStream_t stream) {
  {
    auto& s = state();
    const std::scoped_lock lock(s.mutex);
    if (!known_stream(s, stream)) return fail(s, cudaErrorInvalidResourceHandle);
  }
  return cudaMemset(p, value, n);
}

// ---- streams and events ----
cudaError_t CUDARTAPI cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  void* handle = std::malloc(1);
  s.streams.insert(handle);
  *stream = static_cast<cudaStream_t>(handle);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamCreate(cudaStream_t* stream) {
  return cudaStreamCreateWithFlags(stream, 0);
}
cudaError_t CUDARTAPI cudaStreamDestroy(cudaStream_t stream) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (!stream || s.streams.erase(stream) == 0) return fail(s, cudaErrorInvalidResourceHandle);
  std::free(stream);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamSynchronize(cudaStream_t stream) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  return known_stream(s, stream) ? cudaSuccess : fail(s, cudaErrorInvalidResourceHandle);
}
cudaError_t CUDARTAPI cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  void* handle = std::malloc(1);
  s.events.insert(handle);
  *event = static_cast<cudaEvent_t>(handle);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, 0); }
cudaError_t CUDARTAPI cudaEventDestroy(cudaEvent_t event) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (!event || s.events.erase(event) == 0) return fail(s, cudaErrorInvalidResourceHandle);
  std::free(event);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (!s.events.count(event) || !known_stream(s, stream))
    return fail(s, cudaErrorInvalidResourceHandle);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  if (!s.events.count(event) || !known_stream(s, stream))
    return fail(s, cudaErrorInvalidResourceHandle);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventSynchronize(cudaEvent_t event) {
  auto& s = state();
  const std::scoped_lock lock(s.mutex);
  return s.events.count(event) ? cudaSuccess : fail(s, cudaErrorInvalidResourceHandle);
}
cudaError_t CUDARTAPI cudaEventElapsedTime(float* ms, cudaEvent_t, cudaEvent_t) {
  *ms = 0.0f;
  return cudaSuccess;
}

}  // extern "C"
