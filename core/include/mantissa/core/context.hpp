// mantissa/core/context.hpp: Context<D>, the execution state every op runs in.
//
// What this object represents: where a device's work goes and what it may use on the way:
//   - a scratch workspace on the device, grown on demand and kept (kernels that need
//     temporary memory take it from here instead of allocating per call);
//   - the step status block: a few counters on the device that kernels write (non-finite
//     gradients, a label out of range) and the host reads once per training step, in one
//     copy (read_status). That read is the one host sync of a step.
//   - for the CPU backend, the number of threads its kernels run on (threads(); 0, the
//     default, follows set_num_threads), so that two contexts can run with different teams.
// A CUDA context adds its stream, library handles and allocator (issue 11) by specialising
// Context<Cuda>. A device with no state of its own uses this template as it is.
//
// Ops take the context explicitly (ops::gemm(ctx, c, a, b)). The value-returning forms for
// user code (a + b, matmul(a, b)) and models that were not handed one use the calling
// thread's default context for the device: default_context<D>() (PyTorch's "current
// stream").
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>

#include "mantissa/core/device.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/threads.hpp"

namespace mantissa {

// Written by kernels on the device, read by the host once per step.
struct StepStatus {
  std::int64_t nonfinite = 0;         // gradient values that were inf or NaN after unscaling
  std::int64_t first_nonfinite = -1;  // the lowest such index in the gradient arena
  std::int64_t bad_label_row = -1;    // the first row of the last loss whose label was out of range
  std::int64_t bad_label = 0;         // that label
  std::int64_t classes = 0;           // and the number of classes it had to be below;
  float bad_target = 0.0f;            // or that target (BinaryCrossEntropy: NaN or outside [0, 1])
  bool binary_target = false;         // which of the two the row names: true for a BCE target
  friend bool operator==(const StepStatus&, const StepStatus&) = default;
};

template <Device D>
class Context {
 public:
  Context() {
    status_ = static_cast<StepStatus*>(allocate(sizeof(StepStatus)));
    reset_status();
  }
  ~Context() {
    deallocate(status_);
    deallocate(workspace_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // ---- the step status block ----
  StepStatus* status() noexcept { return status_; }  // device memory: for kernels
  void reset_status() {
    const StepStatus clean;
    copy_bytes<D, Cpu>(status_, &clean, sizeof clean);
  }
  // One device -> host copy.
  StepStatus read_status() const {
    StepStatus s;
    copy_bytes<Cpu, D>(&s, status_, sizeof s);
    return s;
  }

  // ---- threads (CPU kernels) ----
  int threads() const noexcept { return threads_; }
  void set_threads(int n) {
    check_thread_count("Context::set_threads (0: follow set_num_threads)", n, true);
    threads_ = n;
  }

  // ---- scratch ----
  // At least `bytes` bytes of device memory, valid until the next call; grows, never shrinks.
  void* workspace(std::size_t bytes) {
    if (bytes > workspace_bytes_) {
      deallocate(std::exchange(workspace_, nullptr));
      workspace_ = allocate(bytes);
      workspace_bytes_ = bytes;
    }
    return workspace_;
  }

 private:
  // The context's own memory. On the host it is plain heap memory, so that the tensor
  // counters (cpu_allocation_stats) count tensors only; elsewhere the device's.
  static void* allocate(std::size_t bytes) {
    if constexpr (std::same_as<D, Cpu>) {
      void* p = std::aligned_alloc(Cpu::alignment,
                                   (bytes + Cpu::alignment - 1) / Cpu::alignment * Cpu::alignment);
      if (!p)
        throw Error("Context: out of host memory allocating " + std::to_string(bytes) +
                    " bytes of scratch");
      return p;
    } else {
      return D::allocate(bytes);
    }
  }
  static void deallocate(void* p) noexcept {
    if constexpr (std::same_as<D, Cpu>) std::free(p);
    else D::deallocate(p);
  }

  StepStatus* status_ = nullptr;
  int threads_ = 0;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = 0;
};

// The calling thread's context for device D, made on first use.
template <Device D>
Context<D>& default_context() {
  thread_local Context<D> ctx;
  return ctx;
}

}  // namespace mantissa

// Context<Cuda> specialises the template above; it is declared wherever Context is, so that
// no translation unit instantiates the generic one for Cuda.
#include "mantissa/core/context_cuda.hpp"
