// mantissa/core/backend.hpp: the seam between ops and devices.
//
//   layer / loss / optimizer      written once, for any device
//     -> ops::xxx(ctx, ...)       checks dtypes, devices and shapes once (ops.hpp, ...)
//       -> Backend<D>::xxx(ctx, ...)   plain pointers and sizes, per-op state; no checks
//
// A device D plugs in by defining Backend<D> (a struct of static functions and per-op state
// types, named as the ops are) and by saying, per op and dtype, which kernels it has:
// has_kernel<op::gemm, D, half>. An op whose kernel a device lacks does not compile; the
// compiler's note names the op, the device and the dtype:
//   note: 'mantissa::has_kernel<mantissa::op::gemm, mantissa::Cuda, mantissa::half>'
//         evaluates to false
// The CPU backend (cpu/backend.hpp) has every kernel for every dtype it is asked with; any
// device whose memory the host can address may reuse it (cpu::HostKernels<D>).
#pragma once

#include "mantissa/core/context.hpp"
#include "mantissa/core/device.hpp"

namespace mantissa {

// A device's kernels. Each device specialises it; there is no generic definition.
template <Device D>
struct Backend;

// The ops, as tags for has_kernel (one per entry point in ops, linalg, nn_ops, conv_ops).
namespace op {
struct fill;
struct binary;
struct activation;  // forward and backward
struct reduce;      // sum, max, argmax
struct softmax_float32;  // softmax and log-sum-exp into float32
struct cast;
struct transpose;  // of a matrix, any dtype
struct gemm;
struct bias;  // bias_add, bias_grad
struct dropout;
struct batchnorm;
struct conv2d;
struct maxpool2d;
struct loss;      // softmax cross-entropy, binary cross-entropy, mean squared error
struct metrics;   // accuracy counts, loss sums
struct numerics;  // non-finite counts, unscale + check, scaled narrowing
struct optimizer; // SGD, Adam, AdamW updates; gradient norm
}  // namespace op

// Whether device D has a kernel for op Op on dtype T. Devices specialise it.
template <class Op, class D, class T>
inline constexpr bool has_kernel = false;

namespace detail {
template <class Op, class D, class T>
constexpr void require_kernel() {
  static_assert(has_kernel<Op, D, T>,
                "mantissa: this device has no kernel for this op and dtype (op, device and "
                "dtype in the note below); run the op on a device that has it, e.g. "
                "to<Cpu>(x)");
}

template <class D, class E>
inline constexpr bool same_context_device = std::same_as<D, E>;

// The context an op runs in belongs to its tensors' device.
template <class CtxDevice, class TensorDevice>
constexpr void require_context() {
  static_assert(same_context_device<CtxDevice, TensorDevice>,
                "mantissa: the context is for another device than the tensors (context first, "
                "tensors second in the note below); pass default_context<D>() of the "
                "tensors' device");
}
}  // namespace detail

}  // namespace mantissa
