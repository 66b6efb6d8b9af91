// mantissa/core/cpu/backend.hpp: the CPU backend: Backend<Cpu>, every op's kernel on host
// memory, for every floating dtype.
//
// The kernels are written once, in cpu::HostKernels<D>, for any device D whose memory the
// host can address (Cpu, or a test device that runs the CPU kernels behind a device type of
// its own); Backend<Cpu> is HostKernels<Cpu>. Plain pointers and sizes: ops have checked
// everything (kernels trust their arguments). Algorithm state that one op keeps between
// calls (im2col buffers, pooling winners) lives in the state types Conv2d<T> and
// MaxPool2d<T>, sized at reserve().
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width;
// KH, KW kernel height, width; F filters; K = KH * KW * C.
#pragma once

#include <algorithm>
#include <cstdint>

#include "mantissa/core/backend.hpp"
#include "mantissa/core/cpu/conv.hpp"
#include "mantissa/core/cpu/convert.hpp"
#include "mantissa/core/cpu/elementwise.hpp"
#include "mantissa/core/cpu/gemm.hpp"
#include "mantissa/core/cpu/nn.hpp"
#include "mantissa/core/cpu/numerics.hpp"
#include "mantissa/core/cpu/optim.hpp"
#include "mantissa/core/cpu/reduce.hpp"
#include "mantissa/core/tensor.hpp"
#include "mantissa/core/threads.hpp"

namespace mantissa {

namespace cpu {

template <Device D>
struct HostKernels {
  using Ctx = Context<D>;

  // ---- elementwise ----
  template <Dtype T>
  static void fill(Ctx& ctx, T* x, T value, std::int64_t n) {
    const ThreadScope threads(ctx.threads());
    cpu::fill<T>(x, value, n);
  }
  template <FloatDtype T>
  static void binary(Ctx& ctx, BinaryOp op, const T* a, const T* b, T* out, std::int64_t n) {
    const ThreadScope threads(ctx.threads());
    cpu::binary(op, a, b, out, n);
  }
  template <FloatDtype T>
  static void binary_scalar(Ctx& ctx, BinaryOp op, const T* a, float s, bool scalar_first, T* out,
                            std::int64_t n) {
    const ThreadScope threads(ctx.threads());
    cpu::binary_scalar(op, a, s, scalar_first, out, n);
  }
  template <FloatDtype T>
  static void activation_forward(Ctx& ctx, Activation f, T* y, const T* x, std::int64_t rows,
                                 std::int64_t cols) {
    const ThreadScope threads(ctx.threads());
    cpu::activation_forward(f, y, x, rows, cols);
  }
  template <FloatDtype T>
  static void activation_backward(Ctx& ctx, Activation f, T* dx, const T* dy, const T* y,
                                  std::int64_t rows, std::int64_t cols) {
    const ThreadScope threads(ctx.threads());
    cpu::activation_backward(f, dx, dy, y, rows, cols);
  }
  template <class To, class From>
  static void cast(Ctx& ctx, const From* src, To* dst, std::int64_t n) {
    const ThreadScope threads(ctx.threads());
    cpu::cast<To, From>(src, dst, n);
  }
  template <Dtype T>
  static void transpose(Ctx& ctx, T* y, const T* x, std::int64_t rows, std::int64_t cols) {
    const ThreadScope threads(ctx.threads());
    cpu::transpose(y, x, rows, cols);
  }

  // ---- reductions ----
  template <FloatDtype T>
  static void sum(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner,
                  float* out) {
    const ThreadScope threads(ctx.threads());
    cpu::sum(x, outer, len, inner, out);
  }
  template <FloatDtype T>
  static void max(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner,
                  T* out) {
    const ThreadScope threads(ctx.threads());
    cpu::max(x, outer, len, inner, out);
  }
  template <FloatDtype T>
  static void argmax(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len,
                     std::int64_t inner, std::int32_t* out) {
    const ThreadScope threads(ctx.threads());
    cpu::argmax(x, outer, len, inner, out);
  }
  template <FloatDtype T>
  static void softmax_float32(Ctx& ctx, const T* x, std::int64_t rows, std::int64_t cols,
                              float* out) {
    const ThreadScope threads(ctx.threads());
    cpu::softmax_float32(x, rows, cols, out);
  }
  template <FloatDtype T>
  static void log_sum_exp(Ctx& ctx, const T* x, std::int64_t rows, std::int64_t cols, float* out) {
    const ThreadScope threads(ctx.threads());
    cpu::log_sum_exp(x, rows, cols, out);
  }

  // ---- products ----
  template <FloatDtype T, FloatDtype TC>
  static void gemm(Ctx& ctx, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                   float alpha, const T* a, std::int64_t lda, const T* b, std::int64_t ldb,
                   float beta, TC* c, std::int64_t ldc) {
    const ThreadScope threads(ctx.threads());
    cpu::gemm<T, TC>(Transpose{ta}, Transpose{tb}, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  // ---- layers ----
  template <FloatDtype T>
  static void bias_add(Ctx& ctx, T* y, const T* bias, std::int64_t rows, std::int64_t c) {
    const ThreadScope threads(ctx.threads());
    cpu::bias_add(y, bias, rows, c);
  }
  template <FloatDtype T>
  static void bias_activation(Ctx& ctx, Activation f, T* y, const T* bias, std::int64_t rows,
                              std::int64_t c) {
    const ThreadScope threads(ctx.threads());
    cpu::bias_activation(f, y, bias, rows, c);
  }
  template <FloatDtype T>
  static void activation_backward_bias_grad(Ctx& ctx, Activation f, T* dz, const T* dy,
                                            const T* y, float* dbias, std::int64_t rows,
                                            std::int64_t c, bool accumulate) {
    const ThreadScope threads(ctx.threads());
    cpu::activation_backward_bias_grad(f, dz, dy, y, dbias, rows, c, accumulate);
  }
  template <FloatDtype T>
  static void bias_grad(Ctx& ctx, float* dbias, const T* dy, std::int64_t rows, std::int64_t c,
                        bool accumulate) {
    const ThreadScope threads(ctx.threads());
    cpu::bias_grad(dbias, dy, rows, c, accumulate);
  }
  template <FloatDtype T>
  static void dropout(Ctx& ctx, T* y, const T* x, std::int64_t n, float rate, std::uint64_t seed,
                      std::uint64_t offset) {
    const ThreadScope threads(ctx.threads());
    cpu::dropout(y, x, n, rate, seed, offset);
  }
  template <FloatDtype T>
  static void batchnorm_forward(Ctx& ctx, T* y, const T* x, std::int64_t m, std::int64_t c,
                                const float* gamma, const float* beta, float* mean,
                                float* inv_std, float* running_mean, float* running_var,
                                float momentum, float epsilon, bool training) {
    const ThreadScope threads(ctx.threads());
    cpu::batchnorm_forward(y, x, m, c, gamma, beta, mean, inv_std, running_mean, running_var,
                           momentum, epsilon, training);
  }
  template <FloatDtype T>
  static void batchnorm_backward(Ctx& ctx, T* dx, float* dgamma, float* dbeta, const T* dy,
                                 const T* x, std::int64_t m, std::int64_t c, const float* gamma,
                                 const float* mean, const float* inv_std, bool accumulate) {
    const ThreadScope threads(ctx.threads());
    cpu::batchnorm_backward(dx, dgamma, dbeta, dy, x, m, c, gamma, mean, inv_std, accumulate);
  }

  // Sliding-window kernels, for the ops that expose them (tests and benchmarks).
  template <FloatDtype T>
  static void im2col(Ctx& ctx, T* cols, const T* x, const Window2D& g) {
    const ThreadScope threads(ctx.threads());
    cpu::im2col(cols, x, g);
  }
  template <FloatDtype T>
  static void col2im(Ctx& ctx, T* dx, const T* dcols, const Window2D& g) {
    const ThreadScope threads(ctx.threads());
    cpu::col2im(dx, dcols, g);
  }
  template <FloatDtype T>
  static void maxpool_forward(Ctx& ctx, T* y, std::int32_t* argmax, const T* x, const Window2D& g) {
    const ThreadScope threads(ctx.threads());
    cpu::maxpool_forward(y, argmax, x, g);
  }
  template <FloatDtype T>
  static void maxpool_backward(Ctx& ctx, T* dx, const T* dy, const std::int32_t* argmax,
                               const Window2D& g) {
    const ThreadScope threads(ctx.threads());
    cpu::maxpool_backward(dx, dy, argmax, g);
  }

  // Conv2D as im2col + GEMM, a few whole images at a time; a 1 x 1 kernel with stride 1 and no
  // padding skips im2col: x itself is the (N*H*W, C) cols matrix, in one product.
  //   forward:   cols (rows, K) = im2col(x chunk);   y chunk (rows, F) = cols W (K, F)
  //   backward:  cols again;  dW += cols^T dy chunk (float32);  then dx chunk:
  //     stride 1:  dx is itself a convolution, of dy with the kernel turned by 180 degrees and
  //                its C and F swapped (Wt, KH*KW*F x C; padding KH-1-top, KW-1-left; output
  //                H x W): dcols = im2col(dy chunk), dx chunk = dcols Wt, one product of depth
  //                KH*KW*F straight into dx;
  //     otherwise: dcols = dy W^T (depth F, KH*KW*C values written per row), then
  //                dx chunk = col2im(dcols).
  //   (The stride-1 form: the deeper CNN's 32 -> 32 layer's backward took 29-34 ms in
  //   bfloat16, 58-61 ms in float16, now 16-19 and 38-47; float32's 44-56, now 41-53, within the
  //   noise: train_bench --profile, 3 interleaved runs each.)
  // The budget (measured with a temporary environment override of it, 2 runs each): 1 MiB was
  // as fast as or faster than 2, 4 and 8 MiB on both CNNs (the deeper CNN's float32 step
  // 228-297 ms at 1 MiB, 304-381 ms at 2-8 MiB; a whole-batch matrix was 25-40 % slower).
  // A chunk is as many whole images as keep its matrices within kChunkBytes, so that they are
  // written and read again while still in the core's L2 cache; the whole batch's matrix went to
  // memory and back (the deeper CNN's first block: 75 MB per float32 step). Windows never cross
  // images, so im2col and col2im of a chunk are those of the batch, bit for bit; dW sums the
  // chunks in order. The chunk depends on the geometry alone, never on the thread count.
  template <FloatDtype T>
  class Conv2d {
   public:
    static constexpr std::int64_t kChunkBytes = std::int64_t{1} << 20;

    Conv2d() = default;
    Conv2d(const Window2D& g, std::int64_t filters)
        : g_(g), f_(filters),
          direct_(g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_top == 0 &&
                  g.pad_left == 0),
          // Stride 1, and an output as large as the input allows (window_2d's always is): then
          // every dx row's window over dy has a real row (check_window's rule for gt_).
          flipped_(!direct_ && g.sh == 1 && g.sw == 1 && g.h - g.kh + g.pad_top < g.oh &&
                   g.w - g.kw + g.pad_left < g.ow) {
      gt_ = Window2D{1, g.oh, g.ow, filters, g.kh, g.kw, 1, 1, g.kh - 1 - g.pad_top,
                     g.kw - 1 - g.pad_left, g.h, g.w};
      // Per image: the forward's cols and y rows; the backward's dcols and dx rows.
      const std::int64_t forward = g.oh * g.ow * (k() + filters);
      const std::int64_t backward = flipped_ ? g.h * g.w * (kt() + g.c) : forward;
      const std::int64_t image_bytes =
          std::max(forward, backward) * static_cast<std::int64_t>(sizeof(T));
      chunk_ = std::max<std::int64_t>(1, kChunkBytes / std::max<std::int64_t>(1, image_bytes));
    }

    void reserve(Ctx& ctx, std::int64_t max_batch) {
      const ThreadScope threads(ctx.threads());
      if (max_batch <= reserved_ || direct_) {
        reserved_ = std::max(reserved_, max_batch);
        return;
      }
      const std::int64_t images = std::min(max_batch, chunk_);
      const Shape cols{images * g_.oh * g_.ow, k()};
      const Shape dcols = flipped_ ? Shape{images * g_.h * g_.w, kt()} : cols;
      if (cols.numel() > cols_.numel()) cols_ = Tensor<T, D>::empty(cols);
      if (dcols.numel() > dcols_.numel()) dcols_ = Tensor<T, D>::empty(dcols);
      if (flipped_ && wt_.numel() == 0) wt_ = Tensor<T, D>::empty(Shape{kt(), g_.c});
      reserved_ = max_batch;
    }
    std::int64_t reserved() const noexcept { return reserved_; }

    void forward(Ctx& ctx, T* y, const T* x, const T* w, std::int64_t n, Mode) {
      const ThreadScope threads(ctx.threads());
      const std::int64_t k = this->k();
      if (direct_) return gemm<T, T>(ctx, false, false, n * g_.oh * g_.ow, f_, k, 1.0f, x, k, w,
                                     f_, 0.0f, y, f_);
      for (std::int64_t i = 0; i < n; i += chunk_) {
        const std::int64_t b = std::min(chunk_, n - i), rows = b * g_.oh * g_.ow;
        cpu::im2col(cols_.data(), x + i * in_image(), g_.with_batch(b));
        gemm<T, T>(ctx, false, false, rows, f_, k, 1.0f, cols_.data(), k, w, f_, 0.0f,
                   y + i * out_image(), f_);
      }
    }

    void backward(Ctx& ctx, T* dx, float* dw, const T* dy, const T* x, const T* w,
                  std::int64_t n, Accumulate acc) {
      const ThreadScope threads(ctx.threads());
      const std::int64_t k = this->k(), c = g_.c;
      const float beta = acc == Accumulate::add ? 1.0f : 0.0f;
      if (direct_) {
        const std::int64_t rows = n * g_.oh * g_.ow;
        gemm<T, float>(ctx, true, false, k, f_, rows, 1.0f, x, k, dy, f_, beta, dw, f_);
        if (dx) gemm<T, T>(ctx, false, true, rows, k, f_, 1.0f, dy, f_, w, f_, 0.0f, dx, k);
        return;
      }
      if (n == 0) {  // no rows: dW is 0 (overwrite) or as it was (add), as a product of depth 0
        if (acc == Accumulate::overwrite) std::fill_n(dw, k * f_, 0.0f);
        return;
      }
      if (dx && flipped_) flip_kernel(w);
      for (std::int64_t i = 0; i < n; i += chunk_) {
        const std::int64_t b = std::min(chunk_, n - i), rows = b * g_.oh * g_.ow;
        const T* dyc = dy + i * out_image();
        cpu::im2col(cols_.data(), x + i * in_image(), g_.with_batch(b));
        gemm<T, float>(ctx, true, false, k, f_, rows, 1.0f, cols_.data(), k, dyc, f_,
                       i == 0 ? beta : 1.0f, dw, f_);
        if (!dx) continue;
        T* dxc = dx + i * in_image();
        if (flipped_) {
          cpu::im2col(dcols_.data(), dyc, gt_.with_batch(b));
          gemm<T, T>(ctx, false, false, b * g_.h * g_.w, c, kt(), 1.0f, dcols_.data(), kt(),
                     wt_.data(), c, 0.0f, dxc, c);
        } else {
          gemm<T, T>(ctx, false, true, rows, k, f_, 1.0f, dyc, f_, w, f_, 0.0f, dcols_.data(),
                     k);
          cpu::col2im(dxc, dcols_.data(), g_.with_batch(b));
        }
      }
    }

    // Images per chunk (whole batch when the kernel is 1 x 1 and needs no im2col).
    std::int64_t chunk() const noexcept { return chunk_; }

   private:
    std::int64_t k() const noexcept { return g_.kh * g_.kw * g_.c; }   // forward depth
    std::int64_t kt() const noexcept { return g_.kh * g_.kw * f_; }    // stride-1 dx depth
    std::int64_t in_image() const noexcept { return g_.h * g_.w * g_.c; }
    std::int64_t out_image() const noexcept { return g_.oh * g_.ow * f_; }

    // wt_ (KH, KW, F, C)[a, b, f, c] = w (KH, KW, C, F)[KH-1-a, KW-1-b, c, f]: bits moved.
    void flip_kernel(const T* w) {
      T* wt = wt_.data();
      const std::int64_t KH = g_.kh, KW = g_.kw, C = g_.c, F = f_;
      for (std::int64_t a = 0; a < KH; ++a)
        for (std::int64_t b = 0; b < KW; ++b) {
          const T* src = w + ((KH - 1 - a) * KW + (KW - 1 - b)) * C * F;
          T* dst = wt + (a * KW + b) * F * C;
          for (std::int64_t c = 0; c < C; ++c)
            for (std::int64_t f = 0; f < F; ++f) dst[f * C + c] = src[c * F + f];
        }
    }

    Window2D g_{};   // per sample (n = 1)
    Window2D gt_{};  // stride 1: dy (OH, OW, F) -> dx (H, W, C), per sample
    std::int64_t f_ = 0;
    bool direct_ = false;
    bool flipped_ = false;  // stride 1 (not direct): dx by the flipped kernel
    std::int64_t chunk_ = 1;
    std::int64_t reserved_ = 0;
    Tensor<T, D> cols_;   // (chunk*OH*OW, K): one chunk's im2col
    Tensor<T, D> dcols_;  // one chunk's (chunk*H*W, KH*KW*F) im2col of dy, or (chunk*OH*OW, K) dL/dcols
    Tensor<T, D> wt_;     // (KH*KW*F, C): the flipped kernel, stride 1
  };

  // Max pooling with the winners' flat indices saved by forward(train) for backward
  // (first maximum on ties, NaN wins; see cpu/conv.hpp).
  template <FloatDtype T>
  class MaxPool2d {
   public:
    MaxPool2d() = default;
    explicit MaxPool2d(const Window2D& g) : g_(g) {}

    void reserve(Ctx& ctx, std::int64_t max_batch) {
      const ThreadScope threads(ctx.threads());
      if (max_batch <= reserved_) return;
      argmax_ = Tensor<std::int32_t, D>::empty(Shape{max_batch, g_.oh, g_.ow, g_.c});
      reserved_ = max_batch;
    }
    std::int64_t reserved() const noexcept { return reserved_; }

    void forward(Ctx& ctx, T* y, const T* x, std::int64_t n, Mode mode) {
      const ThreadScope threads(ctx.threads());
      // Inference saves nothing, so an evaluation between forward(train) and backward is safe.
      cpu::maxpool_forward(y, mode == Mode::train ? argmax_.data() : nullptr, x, g_.with_batch(n));
    }
    void backward(Ctx& ctx, T* dx, const T* dy, std::int64_t n) {
      const ThreadScope threads(ctx.threads());
      cpu::maxpool_backward(dx, dy, argmax_.data(), g_.with_batch(n));
    }

   private:
    Window2D g_{};  // per sample (n = 1)
    std::int64_t reserved_ = 0;
    Tensor<std::int32_t, D> argmax_;  // (max_batch, OH, OW, C): forward(train)'s winners
  };

  // ---- losses and metrics (value and gradient in float32) ----
  template <FloatDtype T>
  static void softmax_cross_entropy(Ctx& ctx, const T* logits, const std::int32_t* labels,
                                    std::int64_t n, std::int64_t c, float* dlogits, float* loss) {
    const ThreadScope threads(ctx.threads());
    cpu::softmax_cross_entropy(logits, labels, n, c, 1.0f, dlogits, loss, ctx.status());
  }
  template <FloatDtype T>
  static void binary_cross_entropy(Ctx& ctx, const T* logits, const float* targets, std::int64_t n,
                                   float* dlogits, float* loss) {
    const ThreadScope threads(ctx.threads());
    cpu::binary_cross_entropy(logits, targets, n, 1.0f, dlogits, loss, ctx.status());
  }
  template <FloatDtype T>
  static void mean_squared_error(Ctx& ctx, const T* y, const float* targets, std::int64_t n,
                                 float* dy, float* loss) {
    const ThreadScope threads(ctx.threads());
    cpu::mean_squared_error(y, targets, n, 1.0f, dy, loss);
  }
  template <FloatDtype T>
  static void accumulate_classification(Ctx& ctx, float* sums, const T* logits,
                                        const std::int32_t* labels, std::int64_t n,
                                        std::int64_t c, const float* loss) {
    const ThreadScope threads(ctx.threads());
    cpu::accumulate_classification(sums, logits, labels, n, c, loss);
  }
  template <FloatDtype T>
  static void accumulate_binary(Ctx& ctx, float* sums, const T* logits, const float* targets,
                                std::int64_t n, const float* loss) {
    const ThreadScope threads(ctx.threads());
    cpu::accumulate_binary(sums, logits, targets, n, loss);
  }

  // ---- numerics and optimizers (over flat float32 arenas) ----
  template <FloatDtype T>
  static void count_nonfinite(Ctx& ctx, const T* x, std::int64_t n, std::int64_t* inf,
                              std::int64_t* nan) {
    const ThreadScope threads(ctx.threads());
    const auto r = cpu::count_nonfinite(x, n);
    *inf = r.inf;
    *nan = r.nan;
  }
  static void unscale_and_check(Ctx& ctx, float* g, std::int64_t n, float inv_scale) {
    const ThreadScope threads(ctx.threads());
    cpu::unscale_and_check(g, n, inv_scale, ctx.status());
  }
  template <FloatDtype T>
  static void convert_scaled(Ctx& ctx, const float* src, T* dst, std::int64_t n, float scale) {
    const ThreadScope threads(ctx.threads());
    cpu::convert_scaled(src, dst, n, scale);
  }
  static void clip_grad_norm(Ctx& ctx, float* g, std::int64_t n, float max_norm, float* norm) {
    const ThreadScope threads(ctx.threads());
    cpu::clip_grad_norm(g, n, max_norm, norm);
  }
  template <FloatDtype T>
  static void sgd_update(Ctx& ctx, float* w, const float* grad, float* buf, T* compute,
                         std::int64_t n, const SgdParams& p) {
    const ThreadScope threads(ctx.threads());
    cpu::sgd_update(w, grad, buf, compute, n, p);
  }
  template <FloatDtype T>
  static void adam_update(Ctx& ctx, float* w, const float* grad, float* m, float* v, T* compute,
                          std::int64_t n, const AdamParams& p) {
    const ThreadScope threads(ctx.threads());
    cpu::adam_update(w, grad, m, v, compute, n, p);
  }
};

}  // namespace cpu

template <>
struct Backend<Cpu> : cpu::HostKernels<Cpu> {};

// The CPU has every kernel, for every dtype the ops accept.
template <class Op, class T>
inline constexpr bool has_kernel<Op, Cpu, T> = true;

}  // namespace mantissa
