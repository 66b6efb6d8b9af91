// cuda/src/conv.cu: Conv2D on the GPU (Backend<Cuda>::Conv2d<T>), NHWC as on the CPU.
//
// Two paths, chosen per geometry:
//   - cuDNN (legacy convolution API, cuDNN 9), where its one symmetric pad per axis gives
//     mantissa's windows: with pad = (pad_top, pad_left), cuDNN's output size must be
//     (OH, OW); then output pixel oh reads rows oh * sh - pad_top + [0, KH) in both, and
//     anything past the image is zero in both (a `valid` window that leaves rows unread is
//     fine: the sizes agree). x, y and the filter are CUDNN_TENSOR_NHWC; compute in float32
//     (CUDNN_DATA_FLOAT) for every dtype; cross-correlation, as the CPU's im2col.
//   - im2col + cuBLAS, exactly as cpu::HostKernels::Conv2d, where mantissa's `same` pads
//     one more after than before (3x3 stride 2 on 28x28; 2x2 stride 1), or where cuDNN
//     finds no algorithm for the shape.
// uses_cudnn() says which.
//
// Math: half and bfloat16 run with CUDNN_TENSOR_OP_MATH (tensor cores on the 16-bit data
// itself, float32 accumulation; no _ALLOW_CONVERSION, which is only needed to run float32
// data on half tensor cores); float32 runs with CUDNN_FMA_MATH, because the other math types
// let cuDNN use TF32 on Ampere and later, and float32 products stay float32 here as in the
// GEMM (CUBLAS_COMPUTE_32F).
//
// The kernel is HWIO (KH, KW, C, F); cuDNN's NHWC filter is KRSC (F, KH, KW, C). A KRSC copy
// of the weights is transposed by a small kernel at every forward and backward (the weights
// change every step), and cuDNN's KRSC weight gradient is transposed back.
//
// Weight gradient, in float32 (DESIGN: "Weight gradients are written in float32"):
//   - float: cuDNN's backward-filter into a KRSC float buffer, transposed into dw (added for
//     Accumulate::add): float32 sums, one float32 rounding, as the CPU;
//   - half, bfloat16: cuDNN would write the gradient in the data's dtype (a 16-bit rounding,
//     and overflow to inf for half under loss scaling), so this is the CPU's own product:
//     im2col of x, then cols^T dy by cublasGemmEx with a float32 C: float32 sums and one
//     float32 rounding, as the CPU (only the order of the sums differs).
//
// Algorithms are chosen once per batch size (reserve() chooses for the reserved batch; a
// smaller batch, such as an epoch's last, gets its own choice the first time it is seen):
// cuDNN's heuristics (cudnnGet...Algorithm_v7), first result that succeeds, runs in the
// chosen math type and whose workspace fits the bound. Every buffer is allocated at
// reserve() and the workspace (ctx.workspace) grown there, so a step allocates nothing.
#include <cudnn.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <map>
#include <string>
#include <type_traits>
#include <utility>

#include "launch.hpp"
#include "library_check.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/half.hpp"

namespace mantissa {

namespace cuda {
namespace {

// The workspace one algorithm may ask for at reserve(); later choices (smaller batches) are
// bounded by what reserve() took, so that they allocate nothing.
constexpr std::size_t kWorkspaceLimit = std::size_t{256} << 20;

template <class T>
constexpr cudnnDataType_t cudnn_type() {
  if constexpr (std::is_same_v<T, float>) return CUDNN_DATA_FLOAT;
  else if constexpr (std::is_same_v<T, half>) return CUDNN_DATA_HALF;
  else return CUDNN_DATA_BFLOAT16;
}

template <class T>
constexpr cudnnMathType_t math_type() {
  return std::is_same_v<T, float> ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
}

int to_int(std::int64_t v, const char* what) {
  if (v > INT_MAX)
    throw_error("Conv2D (cuDNN)", "size too large",
                (std::string(what) + " = " + std::to_string(v) + " exceeds INT_MAX").c_str());
  return static_cast<int>(v);
}

// w_krsc (F, KH*KW*C) = w (KH*KW*C, F) transposed: one index per output element.
template <class T>
struct HwioToKrsc {
  T* dst;
  const T* src;
  std::int64_t f, k;  // filters; K = KH * KW * C
  MANTISSA_HD void operator()(std::int64_t i) const { dst[i] = src[(i % k) * f + i / k]; }
};

// dw (KH*KW*C, F) = or += cuDNN's KRSC gradient (F, KH*KW*C) transposed: one index per dw
// element, float32 add as the CPU's GEMM with beta = 1.
struct KrscToHwio {
  float* dw;
  const float* src;
  std::int64_t f, k;
  bool add;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const float v = src[(i % f) * k + i / f];
    dw[i] = add ? dw[i] + v : v;
  }
};

// Device memory owned by one Conv2d, grown at reserve().
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { Cuda::deallocate(p_); }

  void grow(std::size_t bytes) {
    if (bytes <= bytes_) return;
    Cuda::deallocate(std::exchange(p_, nullptr));  // stream-ordered: safe to replace
    bytes_ = 0;
    p_ = Cuda::allocate(bytes);
    bytes_ = bytes;
  }
  template <class U>
  U* as() const noexcept {
    return static_cast<U*>(p_);
  }

 private:
  void* p_ = nullptr;
  std::size_t bytes_ = 0;
};

// cuDNN descriptors as owners (created at construction, host-side objects: no GPU needed).
template <class H, cudnnStatus_t (*Create)(H*), cudnnStatus_t (*Destroy)(H)>
class Descriptor {
 public:
  Descriptor() { check_cudnn(Create(&h_), "cudnnCreate...Descriptor"); }
  Descriptor(Descriptor&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Descriptor& operator=(Descriptor&&) = delete;
  Descriptor(const Descriptor&) = delete;
  ~Descriptor() {
    if (h_) (void)Destroy(h_);
  }
  H get() const noexcept { return h_; }

 private:
  H h_ = nullptr;
};
using TensorDesc =
    Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDesc =
    Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvDesc = Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                            cudnnDestroyConvolutionDescriptor>;

// One direction's choice: the algorithm, the math type it was chosen in, its workspace.
struct Choice {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  std::size_t workspace = 0;
};

// Whether a heuristic's result may run here: it succeeded, it never converts float32 data to
// 16 bits, and a float32 convolution stays in plain FMA math (no TF32).
template <class T, class Perf>
bool usable(const Perf& p) {
  if (p.status != CUDNN_STATUS_SUCCESS || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
    return false;
  return !std::is_same_v<T, float> || p.mathType == CUDNN_FMA_MATH;
}

}  // namespace
}  // namespace cuda

template <FloatDtype T>
struct Backend<Cuda>::Conv2d<T>::Impl {
  // The descriptors and choices of one batch size.
  struct Plan {
    cuda::TensorDesc x, y;
    cuda::Choice forward, data, filter;
    std::size_t workspace() const {
      return std::max({forward.workspace, data.workspace, filter.workspace});
    }
  };

  Window2D g{};  // per sample (n = 1)
  std::int64_t f = 0;
  bool direct = false;  // 1 x 1, stride 1, no padding: x is its own im2col matrix
  bool cudnn = false;
  std::int64_t reserved = 0;
  std::size_t workspace_bound = 0;  // the workspace reserve() took
  cuda::FilterDesc w_desc;
  cuda::ConvDesc conv_desc;
  std::map<std::int64_t, Plan> plans;
  cuda::DeviceBuffer w_krsc;   // (F, K) of T: the kernel as cuDNN reads it
  cuda::DeviceBuffer dw_krsc;  // (F, K) float: cuDNN's weight gradient (T = float)
  cuda::DeviceBuffer cols;     // (max_batch*OH*OW, K) of T: forward(train)'s im2col (fallback),
                               // x's im2col for the 16-bit weight gradient (cuDNN path)
  cuda::DeviceBuffer dcols;    // (max_batch*OH*OW, K) of T: fallback's dL/dcols, and
                               // forward(infer)'s im2col

  static constexpr bool cudnn_filter = std::is_same_v<T, float>;

  Impl(const Window2D& geometry, std::int64_t filters)
      : g(geometry), f(filters),
        direct(g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_top == 0 &&
               g.pad_left == 0) {
    // cuDNN takes the geometry when it is well-formed and fits its int sizes, and its
    // windows are mantissa's exactly when its output size is (OH, OW). A geometry it refuses
    // takes the im2col path (ops::Conv2d reports an invalid window itself, as a ShapeError).
    const bool fits = g.h <= INT_MAX && g.w <= INT_MAX && g.c <= INT_MAX && f <= INT_MAX &&
                      g.kh <= INT_MAX && g.kw <= INT_MAX && g.sh <= INT_MAX && g.sw <= INT_MAX;
    const auto i = [](std::int64_t v) { return static_cast<int>(v); };
    cuda::TensorDesc x;
    int on = 0, oc = 0, oh = 0, ow = 0;
    cudnn = fits &&
            cudnnSetFilter4dDescriptor(w_desc.get(), cuda::cudnn_type<T>(), CUDNN_TENSOR_NHWC,
                                       i(f), i(g.c), i(g.kh), i(g.kw)) == CUDNN_STATUS_SUCCESS &&
            cudnnSetConvolution2dDescriptor(conv_desc.get(), i(g.pad_top), i(g.pad_left), i(g.sh),
                                            i(g.sw), 1, 1, CUDNN_CROSS_CORRELATION,
                                            CUDNN_DATA_FLOAT) == CUDNN_STATUS_SUCCESS &&
            cudnnSetConvolutionMathType(conv_desc.get(), cuda::math_type<T>()) ==
                CUDNN_STATUS_SUCCESS &&
            cudnnSetTensor4dDescriptor(x.get(), CUDNN_TENSOR_NHWC, cuda::cudnn_type<T>(), 1,
                                       i(g.c), i(g.h), i(g.w)) == CUDNN_STATUS_SUCCESS &&
            cudnnGetConvolution2dForwardOutputDim(conv_desc.get(), x.get(), w_desc.get(), &on,
                                                  &oc, &oh, &ow) == CUDNN_STATUS_SUCCESS &&
            on == 1 && oc == f && oh == g.oh && ow == g.ow;
  }

  static void set_image(const cuda::TensorDesc& d, std::int64_t n, std::int64_t h,
                        std::int64_t w, std::int64_t c) {
    using cuda::to_int;
    cuda::check_cudnn(cudnnSetTensor4dDescriptor(d.get(), CUDNN_TENSOR_NHWC, cuda::cudnn_type<T>(),
                                                 to_int(n, "batch"), to_int(c, "channels"),
                                                 to_int(h, "height"), to_int(w, "width")),
                      "cudnnSetTensor4dDescriptor");
  }

  // The first usable, deterministic heuristic result whose workspace fits `bound`; false if
  // none. Non-deterministic algorithms (atomics: backward-data ALGO_0, backward-filter ALGO_0
  // and ALGO_3) are passed over, so that a step's result does not depend on scheduling and a
  // resumed run repeats its original.
  template <class Perf, class Query, class Size>
  bool choose(Query query, Size size, std::size_t bound, cuda::Choice* out) {
    constexpr int kCount = 16;  // more than any direction's CUDNN_CONVOLUTION_*_ALGO_COUNT
    Perf results[kCount];
    int returned = 0;
    if (query(kCount, &returned, results) != CUDNN_STATUS_SUCCESS) return false;
    for (int i = 0; i < returned; ++i) {
      const Perf& p = results[i];
      if (!cuda::usable<T>(p) || p.determinism != CUDNN_DETERMINISTIC) continue;
      std::size_t bytes = 0;
      (void)cudnnSetConvolutionMathType(conv_desc.get(), p.mathType);
      const cudnnStatus_t s = size(p.algo, &bytes);
      (void)cudnnSetConvolutionMathType(conv_desc.get(), cuda::math_type<T>());
      if (s != CUDNN_STATUS_SUCCESS || bytes > bound) continue;
      *out = {static_cast<int>(p.algo), p.mathType, bytes};
      return true;
    }
    return false;
  }

  // The plan for batch n, made once; false if cuDNN has no algorithm for it within `bound`.
  bool make_plan(Ctx& ctx, std::int64_t n, std::size_t bound) {
    if (plans.count(n)) return true;
    // The heuristics answer for the descriptor's math type; a call may have left another.
    cuda::check_cudnn(cudnnSetConvolutionMathType(conv_desc.get(), cuda::math_type<T>()),
                      "cudnnSetConvolutionMathType");
    Plan p;
    set_image(p.x, n, g.h, g.w, g.c);
    set_image(p.y, n, g.oh, g.ow, f);
    cudnnHandle_t h = ctx.cudnn();
    const auto conv = conv_desc.get();
    const auto w = w_desc.get();
    const auto x = p.x.get(), y = p.y.get();
    const bool ok =
        choose<cudnnConvolutionFwdAlgoPerf_t>(
            [&](int count, int* got, cudnnConvolutionFwdAlgoPerf_t* r) {
              return cudnnGetConvolutionForwardAlgorithm_v7(h, x, w, conv, y, count, got, r);
            },
            [&](cudnnConvolutionFwdAlgo_t a, std::size_t* bytes) {
              return cudnnGetConvolutionForwardWorkspaceSize(h, x, w, conv, y, a, bytes);
            },
            bound, &p.forward) &&
        choose<cudnnConvolutionBwdDataAlgoPerf_t>(
            [&](int count, int* got, cudnnConvolutionBwdDataAlgoPerf_t* r) {
              return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, w, y, conv, x, count, got, r);
            },
            [&](cudnnConvolutionBwdDataAlgo_t a, std::size_t* bytes) {
              return cudnnGetConvolutionBackwardDataWorkspaceSize(h, w, y, conv, x, a, bytes);
            },
            bound, &p.data) &&
        (!cudnn_filter ||
         choose<cudnnConvolutionBwdFilterAlgoPerf_t>(
             [&](int count, int* got, cudnnConvolutionBwdFilterAlgoPerf_t* r) {
               return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, x, y, conv, w, count, got,
                                                                    r);
             },
             [&](cudnnConvolutionBwdFilterAlgo_t a, std::size_t* bytes) {
               return cudnnGetConvolutionBackwardFilterWorkspaceSize(h, x, y, conv, w, a, bytes);
             },
             bound, &p.filter));
    if (ok) plans.emplace(n, std::move(p));
    return ok;
  }

  // A batch below the reserved one (an epoch's last) is planned the first time it comes,
  // within the workspace reserve() took if cuDNN has an algorithm for that, else within the
  // limit (the workspace then grows, once).
  const Plan& plan(Ctx& ctx, std::int64_t n) {
    if (!make_plan(ctx, n, workspace_bound) && !make_plan(ctx, n, cuda::kWorkspaceLimit))
      cuda::throw_error("Conv2D (cuDNN)", "no algorithm",
                        ("for a batch of " + std::to_string(n)).c_str());
    return plans.at(n);
  }

  void reserve(Ctx& ctx, std::int64_t max_batch) {
    if (max_batch <= reserved) return;
    if (cudnn && max_batch > 0) {
      if (make_plan(ctx, max_batch, cuda::kWorkspaceLimit)) {
        workspace_bound = std::max(workspace_bound, plans.at(max_batch).workspace());
        if (workspace_bound > 0) (void)ctx.workspace(workspace_bound);
      } else if (plans.empty()) {
        cudnn = false;  // cuDNN refuses this configuration: the im2col path, from now on
      } else {
        cuda::throw_error("Conv2D (cuDNN)", "no algorithm",
                          ("for a batch of " + std::to_string(max_batch)).c_str());
      }
    }
    const auto k = static_cast<std::size_t>(g.kh * g.kw * g.c);
    const auto col_bytes = static_cast<std::size_t>(max_batch * g.oh * g.ow) * k * sizeof(T);
    if (cudnn) {
      w_krsc.grow(static_cast<std::size_t>(f) * k * sizeof(T));
      if (cudnn_filter)
        dw_krsc.grow(static_cast<std::size_t>(f) * k * sizeof(float));
      else if (!direct)
        cols.grow(col_bytes);
    } else if (!direct) {
      cols.grow(col_bytes);
      dcols.grow(col_bytes);
    }
    reserved = max_batch;
  }

  void* workspace(Ctx& ctx, std::size_t bytes) { return bytes ? ctx.workspace(bytes) : nullptr; }

  void transpose_kernel(Ctx& ctx, const T* w) {
    const std::int64_t k = g.kh * g.kw * g.c;
    cuda::for_each(ctx, f * k, cuda::HwioToKrsc<T>{w_krsc.as<T>(), w, f, k},
                   "Conv2D (kernel to KRSC)");
  }

  void forward(Ctx& ctx, T* y, const T* x, const T* w, std::int64_t n, Mode mode) {
    const std::int64_t rows = n * g.oh * g.ow, k = g.kh * g.kw * g.c;
    if (n == 0) return;
    if (!cudnn) {
      const T* c = x;
      if (!direct) {
        // forward(infer) writes dcols, so an evaluation between forward(train) and backward
        // keeps the cols that backward reads.
        T* buf = (mode == Mode::train ? cols : dcols).as<T>();
        Backend<Cuda>::im2col<T>(ctx, buf, x, g.with_batch(n));
        c = buf;
      }
      Backend<Cuda>::gemm<T, T>(ctx, false, false, rows, f, k, 1.0f, c, k, w, f, 0.0f, y, f);
      return;
    }
    const Plan& p = plan(ctx, n);
    transpose_kernel(ctx, w);
    const float one = 1.0f, zero = 0.0f;
    cuda::check_cudnn(cudnnSetConvolutionMathType(conv_desc.get(), p.forward.math),
                      "cudnnSetConvolutionMathType");
    cuda::check_cudnn(
        cudnnConvolutionForward(ctx.cudnn(), &one, p.x.get(), x, w_desc.get(), w_krsc.as<T>(),
                                conv_desc.get(),
                                static_cast<cudnnConvolutionFwdAlgo_t>(p.forward.algo),
                                workspace(ctx, p.forward.workspace), p.forward.workspace, &zero,
                                p.y.get(), y),
        "cudnnConvolutionForward");
  }

  void backward(Ctx& ctx, T* dx, float* dw, const T* dy, const T* x, const T* w, std::int64_t n,
                Accumulate acc) {
    const std::int64_t rows = n * g.oh * g.ow, k = g.kh * g.kw * g.c;
    const float beta = acc == Accumulate::add ? 1.0f : 0.0f;
    if (!cudnn) {
      // The CPU's backward, step for step (cpu/backend.hpp).
      const T* c = direct ? x : cols.as<T>();
      Backend<Cuda>::gemm<T, float>(ctx, true, false, k, f, rows, 1.0f, c, k, dy, f, beta, dw,
                                    f);
      if (!dx) return;
      if (direct)
        return Backend<Cuda>::gemm<T, T>(ctx, false, true, rows, k, f, 1.0f, dy, f, w, f, 0.0f,
                                         dx, k);
      Backend<Cuda>::gemm<T, T>(ctx, false, true, rows, k, f, 1.0f, dy, f, w, f, 0.0f,
                                dcols.as<T>(), k);
      Backend<Cuda>::col2im<T>(ctx, dx, dcols.as<T>(), g.with_batch(n));
      return;
    }
    if (n == 0) {  // no samples: dW = beta dW, as the CPU's GEMM with k = 0
      if (acc == Accumulate::overwrite) Backend<Cuda>::fill<float>(ctx, dw, 0.0f, k * f);
      return;
    }
    const Plan& p = plan(ctx, n);
    const float one = 1.0f, zero = 0.0f;
    if constexpr (cudnn_filter) {
      cuda::check_cudnn(cudnnSetConvolutionMathType(conv_desc.get(), p.filter.math),
                        "cudnnSetConvolutionMathType");
      cuda::check_cudnn(
          cudnnConvolutionBackwardFilter(
              ctx.cudnn(), &one, p.x.get(), x, p.y.get(), dy, conv_desc.get(),
              static_cast<cudnnConvolutionBwdFilterAlgo_t>(p.filter.algo),
              workspace(ctx, p.filter.workspace), p.filter.workspace, &zero, w_desc.get(),
              dw_krsc.as<float>()),
          "cudnnConvolutionBackwardFilter");
      cuda::for_each(ctx, k * f,
                     cuda::KrscToHwio{dw, dw_krsc.as<float>(), f, k, acc == Accumulate::add},
                     "Conv2D (weight gradient to HWIO)");
    } else {
      const T* c = x;
      if (!direct) {
        Backend<Cuda>::im2col<T>(ctx, cols.as<T>(), x, g.with_batch(n));
        c = cols.as<T>();
      }
      Backend<Cuda>::gemm<T, float>(ctx, true, false, k, f, rows, 1.0f, c, k, dy, f, beta, dw,
                                    f);
    }
    if (!dx) return;
    transpose_kernel(ctx, w);
    cuda::check_cudnn(cudnnSetConvolutionMathType(conv_desc.get(), p.data.math),
                      "cudnnSetConvolutionMathType");
    cuda::check_cudnn(
        cudnnConvolutionBackwardData(ctx.cudnn(), &one, w_desc.get(), w_krsc.as<T>(), p.y.get(),
                                     dy, conv_desc.get(),
                                     static_cast<cudnnConvolutionBwdDataAlgo_t>(p.data.algo),
                                     workspace(ctx, p.data.workspace), p.data.workspace, &zero,
                                     p.x.get(), dx),
        "cudnnConvolutionBackwardData");
  }
};

// Written out rather than `= default`: clang's CUDA mode makes defaulted members
// __host__ __device__, and unique_ptr's are host-only.
template <FloatDtype T>
Backend<Cuda>::Conv2d<T>::Conv2d() {}
template <FloatDtype T>
Backend<Cuda>::Conv2d<T>::Conv2d(const Window2D& g, std::int64_t filters)
    : impl_(std::make_unique<Impl>(g, filters)) {}
template <FloatDtype T>
Backend<Cuda>::Conv2d<T>::~Conv2d() {}
template <FloatDtype T>
Backend<Cuda>::Conv2d<T>::Conv2d(Conv2d&& o) noexcept : impl_(std::move(o.impl_)) {}
template <FloatDtype T>
Backend<Cuda>::Conv2d<T>& Backend<Cuda>::Conv2d<T>::operator=(Conv2d&& o) noexcept {
  impl_ = std::move(o.impl_);
  return *this;
}

template <FloatDtype T>
void Backend<Cuda>::Conv2d<T>::reserve(Ctx& ctx, std::int64_t max_batch) {
  if (impl_) impl_->reserve(ctx, max_batch);  // a default-constructed state has nothing to size
}
template <FloatDtype T>
std::int64_t Backend<Cuda>::Conv2d<T>::reserved() const noexcept {
  return impl_ ? impl_->reserved : 0;
}
template <FloatDtype T>
void Backend<Cuda>::Conv2d<T>::forward(Ctx& ctx, T* y, const T* x, const T* w, std::int64_t n,
                                       Mode mode) {
  impl_->forward(ctx, y, x, w, n, mode);
}
template <FloatDtype T>
void Backend<Cuda>::Conv2d<T>::backward(Ctx& ctx, T* dx, float* dw, const T* dy, const T* x,
                                        const T* w, std::int64_t n, Accumulate acc) {
  impl_->backward(ctx, dx, dw, dy, x, w, n, acc);
}
template <FloatDtype T>
bool Backend<Cuda>::Conv2d<T>::uses_cudnn() const noexcept {
  return impl_ && impl_->cudnn;
}

template class Backend<Cuda>::Conv2d<float>;
template class Backend<Cuda>::Conv2d<half>;
template class Backend<Cuda>::Conv2d<bfloat16>;

}  // namespace mantissa
