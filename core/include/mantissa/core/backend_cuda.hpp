// mantissa/core/backend_cuda.hpp: Backend<Cuda> as core/ sees it: the CUDA kernels that ops
// dispatch to, declared on plain pointers so that core/ names them without including cuda/
// (the floors of DESIGN.md), and which ops have one (has_kernel). The definitions live in
// cuda/src/ (one file a family), explicitly instantiated for the dtypes below; they run on
// the context's stream and never synchronise with the host (read_status does, once a step).
//
// In a build without CUDA, has_kernel is false for Cuda: an op on Tensor<T, Cuda> is a
// compile error naming the op (build with MANTISSA_CUDA=AUTO or ON where nvcc is present).
//
// Letters as in cpu/backend.hpp: N batch; H, W, C input height, width, channels; OH, OW
// output height, width; KH, KW kernel; F filters; K = KH * KW * C.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "mantissa/core/backend.hpp"
#include "mantissa/core/context.hpp"
#include "mantissa/core/dtype.hpp"
#include "mantissa/core/vocabulary.hpp"

namespace mantissa {

template <>
struct Backend<Cuda> {
  using Ctx = Context<Cuda>;

  // ---- elementwise (cuda/src/elementwise.cu) ----
  template <Dtype T>
  static void fill(Ctx& ctx, T* x, T value, std::int64_t n);
  template <FloatDtype T>
  static void binary(Ctx& ctx, BinaryOp op, const T* a, const T* b, T* out, std::int64_t n);
  template <FloatDtype T>
  static void binary_scalar(Ctx& ctx, BinaryOp op, const T* a, float s, bool scalar_first, T* out,
                            std::int64_t n);
  template <FloatDtype T>
  static void activation_forward(Ctx& ctx, Activation f, T* y, const T* x, std::int64_t rows,
                                 std::int64_t cols);
  template <FloatDtype T>
  static void activation_backward(Ctx& ctx, Activation f, T* dx, const T* dy, const T* y,
                                  std::int64_t rows, std::int64_t cols);
  template <class To, class From>
  static void cast(Ctx& ctx, const From* src, To* dst, std::int64_t n);
  // y (cols, rows) = x (rows, cols) transposed, any dtype; y does not alias x.
  template <Dtype T>
  static void transpose(Ctx& ctx, T* y, const T* x, std::int64_t rows, std::int64_t cols);

  // ---- reductions (cuda/src/reduce.cu) ----
  template <FloatDtype T>
  static void sum(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner,
                  float* out);
  template <FloatDtype T>
  static void max(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner,
                  T* out);
  template <FloatDtype T>
  static void argmax(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len,
                     std::int64_t inner, std::int32_t* out);
  template <FloatDtype T>
  static void softmax_float32(Ctx& ctx, const T* x, std::int64_t rows, std::int64_t cols,
                              float* out);
  template <FloatDtype T>
  static void log_sum_exp(Ctx& ctx, const T* x, std::int64_t rows, std::int64_t cols, float* out);

  // ---- products (cuda/src/gemm.cu): cuBLAS, row-major as the CPU's ----
  template <FloatDtype T, FloatDtype TC>
  static void gemm(Ctx& ctx, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                   float alpha, const T* a, std::int64_t lda, const T* b, std::int64_t ldb,
                   float beta, TC* c, std::int64_t ldc);

  // ---- layers (cuda/src/layers.cu; the sliding windows in cuda/src/windows.cu) ----
  template <FloatDtype T>
  static void bias_add(Ctx& ctx, T* y, const T* bias, std::int64_t rows, std::int64_t c);
  template <FloatDtype T>
  static void bias_grad(Ctx& ctx, float* dbias, const T* dy, std::int64_t rows, std::int64_t c,
                        bool accumulate);
  template <FloatDtype T>
  static void dropout(Ctx& ctx, T* y, const T* x, std::int64_t n, float rate, std::uint64_t seed,
                      std::uint64_t offset);
  template <FloatDtype T>
  static void batchnorm_forward(Ctx& ctx, T* y, const T* x, std::int64_t m, std::int64_t c,
                                const float* gamma, const float* beta, float* mean,
                                float* inv_std, float* running_mean, float* running_var,
                                float momentum, float epsilon, bool training);
  template <FloatDtype T>
  static void batchnorm_backward(Ctx& ctx, T* dx, float* dgamma, float* dbeta, const T* dy,
                                 const T* x, std::int64_t m, std::int64_t c, const float* gamma,
                                 const float* mean, const float* inv_std, bool accumulate);
  template <FloatDtype T>
  static void im2col(Ctx& ctx, T* cols, const T* x, const Window2D& g);
  template <FloatDtype T>
  static void col2im(Ctx& ctx, T* dx, const T* dcols, const Window2D& g);
  template <FloatDtype T>
  static void maxpool_forward(Ctx& ctx, T* y, std::int32_t* argmax, const T* x, const Window2D& g);
  template <FloatDtype T>
  static void maxpool_backward(Ctx& ctx, T* dx, const T* dy, const std::int32_t* argmax,
                               const Window2D& g);

  // Conv2D (cuda/src/conv.cu): cuDNN in NHWC where its symmetric padding reproduces the
  // geometry, im2col + cuBLAS otherwise; the algorithm state (descriptors, algorithms, the
  // KRSC filter copy, im2col buffers) lives behind Impl, sized at reserve().
  template <FloatDtype T>
  class Conv2d {
   public:
    Conv2d();
    Conv2d(const Window2D& g, std::int64_t filters);
    ~Conv2d();
    Conv2d(Conv2d&&) noexcept;
    Conv2d& operator=(Conv2d&&) noexcept;

    void reserve(Ctx& ctx, std::int64_t max_batch);
    std::int64_t reserved() const noexcept;
    void forward(Ctx& ctx, T* y, const T* x, const T* w, std::int64_t n, Mode mode);
    void backward(Ctx& ctx, T* dx, float* dw, const T* dy, const T* x, const T* w,
                  std::int64_t n, Accumulate acc);
    bool uses_cudnn() const noexcept;  // false: the im2col + cuBLAS path (asymmetric padding)

    struct Impl;

   private:
    std::unique_ptr<Impl> impl_;
  };

  // Max pooling with the CPU's tie-breaking (first maximum, NaN wins), winners saved by
  // forward(train) (cuda/src/windows.cu).
  template <FloatDtype T>
  class MaxPool2d {
   public:
    MaxPool2d();
    explicit MaxPool2d(const Window2D& g);
    ~MaxPool2d();
    MaxPool2d(MaxPool2d&&) noexcept;
    MaxPool2d& operator=(MaxPool2d&&) noexcept;

    void reserve(Ctx& ctx, std::int64_t max_batch);
    std::int64_t reserved() const noexcept { return reserved_; }
    void forward(Ctx& ctx, T* y, const T* x, std::int64_t n, Mode mode);
    void backward(Ctx& ctx, T* dx, const T* dy, std::int64_t n);

   private:
    Window2D g_{};
    std::int64_t reserved_ = 0;
    std::int32_t* argmax_ = nullptr;  // (max_batch, OH, OW, C) device memory
  };

  // ---- losses and metrics, in float32 (cuda/src/losses.cu) ----
  template <FloatDtype T>
  static void softmax_cross_entropy(Ctx& ctx, const T* logits, const std::int32_t* labels,
                                    std::int64_t n, std::int64_t c, float* dlogits, float* loss);
  template <FloatDtype T>
  static void binary_cross_entropy(Ctx& ctx, const T* logits, const float* targets, std::int64_t n,
                                   float* dlogits, float* loss);
  template <FloatDtype T>
  static void mean_squared_error(Ctx& ctx, const T* y, const float* targets, std::int64_t n,
                                 float* dy, float* loss);
  template <FloatDtype T>
  static void accumulate_classification(Ctx& ctx, float* sums, const T* logits,
                                        const std::int32_t* labels, std::int64_t n,
                                        std::int64_t c, const float* loss);
  template <FloatDtype T>
  static void accumulate_binary(Ctx& ctx, float* sums, const T* logits, const float* targets,
                                std::int64_t n, const float* loss);

  // ---- numerics and optimizers over the flat float32 arenas (cuda/src/optim.cu) ----
  // count_nonfinite writes its two counts to device memory (inf, nan: adjacent int64).
  template <FloatDtype T>
  static void count_nonfinite(Ctx& ctx, const T* x, std::int64_t n, std::int64_t* inf,
                              std::int64_t* nan);
  static void unscale_and_check(Ctx& ctx, float* g, std::int64_t n, float inv_scale);
  template <FloatDtype T>
  static void convert_scaled(Ctx& ctx, const float* src, T* dst, std::int64_t n, float scale);
  static void clip_grad_norm(Ctx& ctx, float* g, std::int64_t n, float max_norm, float* norm);
  template <FloatDtype T>
  static void sgd_update(Ctx& ctx, float* w, const float* grad, float* buf, T* compute,
                         std::int64_t n, const SgdParams& p);
  template <FloatDtype T>
  static void adam_update(Ctx& ctx, float* w, const float* grad, float* m, float* v, T* compute,
                          std::int64_t n, const AdamParams& p);
};

#if defined(MANTISSA_WITH_CUDA)
// Every op has a CUDA kernel for every dtype the op accepts.
template <class Op, class T>
inline constexpr bool has_kernel<Op, Cuda, T> = true;
#endif

}  // namespace mantissa
