// cuda/src/layers.cu: the kernels behind layers on the GPU: bias, dropout, batch
// normalisation, im2col / col2im and max pooling (with the MaxPool2d state), each with the
// semantics of its CPU twin in core/src/cpu/layer_kernels.cpp and conv.cpp.
//
// Where the CPU promises bits (dropout masks, pooling winners, col2im's and pooling
// backward's gather order, bias_grad's chunks of 512 rows) the functors do the same
// additions in the same order, so the results are the CPU's bit for bit. Reductions over
// rows are two passes (per-chunk partials in the workspace, then the partials in chunk
// order): deterministic, with no float atomics.
#include <cmath>
#include <concepts>
#include <cstdint>
#include <utility>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/half.hpp"
#include "mantissa/core/philox.hpp"
#include "rows.hpp"

namespace mantissa {

namespace cuda {
namespace {

MANTISSA_HD inline std::int64_t min64(std::int64_t a, std::int64_t b) { return a < b ? a : b; }
MANTISSA_HD inline std::int64_t max64(std::int64_t a, std::int64_t b) { return a > b ? a : b; }

// ---- bias ----

template <class T>
struct BiasAdd {
  T* y;
  const T* bias;
  std::int64_t c;
  MANTISSA_HD void operator()(std::int64_t i) const {
    y[i] = narrow<T>(widen(y[i]) + widen(bias[i % c]));
  }
};

// The CPU's chunks of rows (cpu::bias_grad), so that the partials and their sum are its bits.
constexpr std::int64_t kBiasRows = 512;

// One index per (chunk k, column j): the chunk's rows summed in row order.
template <class T>
struct BiasGradPartial {
  float* part;
  const T* dy;
  std::int64_t n, c;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    float acc = 0.0f;
    for (std::int64_t r = k * kBiasRows; r < min64(n, (k + 1) * kBiasRows); ++r)
      acc += widen(dy[r * c + j]);
    part[i] = acc;
  }
};

struct BiasGradSum {
  float* dbias;
  const float* part;
  std::int64_t chunks, c;
  bool accumulate;
  MANTISSA_HD void operator()(std::int64_t j) const {
    float s = accumulate ? dbias[j] : 0.0f;
    for (std::int64_t k = 0; k < chunks; ++k) s += part[k * c + j];
    dbias[j] = s;
  }
};

// ---- dropout ----

// One index per Philox block: its four words decide elements 4b .. 4b + 3.
template <class T>
struct Dropout {
  T* y;
  const T* x;
  std::int64_t n;
  float scale;
  std::uint32_t threshold;
  std::uint64_t seed, offset;
  MANTISSA_HD void operator()(std::int64_t b) const {
    const PhiloxBlock r = philox_block(seed, offset + static_cast<std::uint64_t>(b));
    for (std::int64_t j = 0; j < 4 && 4 * b + j < n; ++j) {
      const std::int64_t i = 4 * b + j;
      const bool keep = dropout_keep(r.v[j], threshold);
      y[i] = narrow<T>(keep ? widen(x[i]) * scale : 0.0f);
    }
  }
};

// ---- batch normalisation ----
// Per-channel statistics in double, as the CPU: per (chunk, channel) partials over a chunk
// of rows, then the partials in chunk order per channel.

// Chunks of rows for a column reduction over (m, c): enough (chunk, column) partials to fill
// the GPU (about 2^16; a convolution's few channels over many rows would otherwise leave a
// few hundred threads walking thousands of rows each), each at least 64 rows long.
inline Chunks column_chunks(std::int64_t m, std::int64_t c) {
  const std::int64_t want = max64(1, (std::int64_t{1} << 16) / max64(c, 1));
  const std::int64_t per = max64(64, (m + want - 1) / want);
  return {m > 0 ? (m + per - 1) / per : 0, per};
}

template <class T>
struct BnSumPartial {
  double* part;
  const T* x;
  std::int64_t m, c, per;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    double s = 0.0;
    for (std::int64_t r = k * per; r < min64(m, (k + 1) * per); ++r) s += widen(x[r * c + j]);
    part[i] = s;
  }
};

struct BnMean {
  double* mean_d;
  const double* part;
  std::int64_t chunks, m, c;
  MANTISSA_HD void operator()(std::int64_t j) const {
    double s = 0.0;
    for (std::int64_t k = 0; k < chunks; ++k) s += part[k * c + j];
    mean_d[j] = s / static_cast<double>(m);
  }
};

// The centred squares (no cancellation from E[x^2] - E[x]^2), as the CPU's second pass.
template <class T>
struct BnVarPartial {
  double* part;
  const T* x;
  const double* mean_d;
  std::int64_t m, c, per;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    double v = 0.0;
    for (std::int64_t r = k * per; r < min64(m, (k + 1) * per); ++r) {
      const double d = widen(x[r * c + j]) - mean_d[j];
      v += dmul_rn(d, d);
    }
    part[i] = v;
  }
};

struct BnFinish {
  float *mean, *inv_std, *running_mean, *running_var;
  const double *part, *mean_d;
  std::int64_t chunks, m, c;
  float momentum, epsilon;
  MANTISSA_HD void operator()(std::int64_t j) const {
    double v = 0.0;
    for (std::int64_t k = 0; k < chunks; ++k) v += part[k * c + j];
    const double var = v / static_cast<double>(m);  // biased, used to normalise
    mean[j] = static_cast<float>(mean_d[j]);
    inv_std[j] = static_cast<float>(1.0 / std::sqrt(var + epsilon));
    const double unbiased = m > 1 ? v / static_cast<double>(m - 1) : var;
    running_mean[j] = add_rn(mul_rn(momentum, running_mean[j]), mul_rn(1.0f - momentum, mean[j]));
    running_var[j] = add_rn(mul_rn(momentum, running_var[j]),
                            mul_rn(1.0f - momentum, static_cast<float>(unbiased)));
  }
};

struct BnInfer {
  float *mean, *inv_std;
  const float *running_mean, *running_var;
  float epsilon;
  MANTISSA_HD void operator()(std::int64_t j) const {
    mean[j] = running_mean[j];
    inv_std[j] = 1.0f / std::sqrt(running_var[j] + epsilon);
  }
};

template <class T>
struct BnApply {
  T* y;
  const T* x;
  const float *gamma, *beta, *mean, *inv_std;
  std::int64_t c;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t j = i % c;
    y[i] = narrow<T>(
        add_rn(mul_rn(mul_rn(sub_rn(widen(x[i]), mean[j]), inv_std[j]), gamma[j]), beta[j]));
  }
};

// Backward partials: sum(dy) at part[i], sum(dy xhat) at part[chunks * c + i].
template <class T>
struct BnBackPartial {
  double* part;
  const T *dy, *x;
  const float *mean, *inv_std;
  std::int64_t m, c, per, chunks;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    double sg = 0.0, sgx = 0.0;
    for (std::int64_t r = k * per; r < min64(m, (k + 1) * per); ++r) {
      const double g = widen(dy[r * c + j]);
      sg += g;
      sgx += dmul_rn(dmul_rn(g, sub_rn(widen(x[r * c + j]), mean[j])), inv_std[j]);
    }
    part[i] = sg;
    part[chunks * c + i] = sgx;
  }
};

// dgamma, dbeta, and the two sums rounded to float for dx (sums[j], sums[c + j]).
struct BnBackFinish {
  float *dgamma, *dbeta, *sums;
  const double* part;
  std::int64_t chunks, c;
  bool accumulate;
  MANTISSA_HD void operator()(std::int64_t j) const {
    double sg = 0.0, sgx = 0.0;
    for (std::int64_t k = 0; k < chunks; ++k) {
      sg += part[k * c + j];
      sgx += part[chunks * c + k * c + j];
    }
    const auto fsg = static_cast<float>(sg), fsgx = static_cast<float>(sgx);
    dbeta[j] = fsg + (accumulate ? dbeta[j] : 0.0f);
    dgamma[j] = fsgx + (accumulate ? dgamma[j] : 0.0f);
    sums[j] = fsg;
    sums[c + j] = fsgx;
  }
};

// dx = gamma * inv_std / M * (M dy - sum(dy) - xhat sum(dy xhat)), in the CPU's order.
template <class T>
struct BnBackDx {
  T* dx;
  const T *dy, *x;
  const float *gamma, *mean, *inv_std, *sums;
  std::int64_t c;
  float fm;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t j = i % c;
    const float xhat = mul_rn(sub_rn(widen(x[i]), mean[j]), inv_std[j]);
    const float inner =
        sub_rn(sub_rn(mul_rn(fm, widen(dy[i])), sums[j]), mul_rn(xhat, sums[c + j]));
    dx[i] = narrow<T>(mul_rn(mul_rn(gamma[j], inv_std[j]) / fm, inner));
  }
};

// ---- sliding windows ----

// The windows (along one axis) that cover input position i: first and last output index,
// empty when first > last. A window o covers [o * s - pad, o * s - pad + k). (cpu/conv.cpp)
struct Covering {
  std::int64_t first, last;
};
MANTISSA_HD inline Covering covering(std::int64_t i, std::int64_t k, std::int64_t s,
                                     std::int64_t pad, std::int64_t out) {
  const std::int64_t t = i + pad;
  const std::int64_t lo = max64(0, t - k + 1);
  return {(lo + s - 1) / s, min64(out - 1, t / s)};
}

// One index per element of cols (N*OH*OW, KH*KW*C); padded taps are zero.
template <class T>
struct Im2col {
  T* cols;
  const T* x;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t K = g.kh * g.kw * g.c, r = i / K, k = i % K;
    const std::int64_t kh = k / (g.kw * g.c), kw = (k / g.c) % g.kw, ch = k % g.c;
    const std::int64_t n = r / (g.oh * g.ow), o = (r / g.ow) % g.oh, p = r % g.ow;
    const std::int64_t ih = o * g.sh - g.pad_top + kh, iw = p * g.sw - g.pad_left + kw;
    const bool inside = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w;
    cols[i] = inside ? x[((n * g.h + ih) * g.w + iw) * g.c + ch] : T{};
  }
};

// The gathers below visit an input element's windows as the CPU's gather_windows does:
// output rows o ascending, then columns p ascending.

// One index per dx element: the taps of every window that read it, summed in float32.
template <class T>
struct Col2im {
  T* dx;
  const T* dcols;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t K = g.kh * g.kw * g.c, ch = i % g.c;
    const std::int64_t iw = (i / g.c) % g.w, ih = (i / (g.c * g.w)) % g.h;
    const std::int64_t n = i / (g.c * g.w * g.h);
    const Covering oh = covering(ih, g.kh, g.sh, g.pad_top, g.oh);
    const Covering ow = covering(iw, g.kw, g.sw, g.pad_left, g.ow);
    float acc = 0.0f;
    for (std::int64_t o = oh.first; o <= oh.last; ++o) {
      const std::int64_t kh = ih + g.pad_top - o * g.sh;
      for (std::int64_t p = ow.first; p <= ow.last; ++p) {
        const std::int64_t kw = iw + g.pad_left - p * g.sw;
        acc += widen(dcols[((n * g.oh + o) * g.ow + p) * K + (kh * g.kw + kw) * g.c + ch]);
      }
    }
    dx[i] = narrow<T>(acc);
  }
};

// One index per output (n, oh, ow, c): the real taps in (kh, kw) order; strictly greater
// keeps the first maximum, a NaN replaces a number and stays. argmax is the winner's index
// within its sample, (ih * W + iw) * C + c.
template <class T>
struct MaxPoolForward {
  T* y;
  std::int32_t* argmax;  // null in inference
  const T* x;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t ch = i % g.c, p = (i / g.c) % g.ow, o = (i / (g.c * g.ow)) % g.oh;
    const std::int64_t n = i / (g.c * g.ow * g.oh);
    const std::int64_t ih0 = o * g.sh - g.pad_top, iw0 = p * g.sw - g.pad_left;
    const std::int64_t kh_lo = max64(0, -ih0), kh_hi = min64(g.kh, g.h - ih0);
    const std::int64_t kw_lo = max64(0, -iw0), kw_hi = min64(g.kw, g.w - iw0);
    const T* img = x + n * g.h * g.w * g.c;
    float best = 0.0f;
    std::int64_t arg = -1;  // padded taps are never visited, so they never win
    for (std::int64_t kh = kh_lo; kh < kh_hi; ++kh) {
      for (std::int64_t kw = kw_lo; kw < kw_hi; ++kw) {
        const std::int64_t pos = ((ih0 + kh) * g.w + iw0 + kw) * g.c + ch;
        const float v = widen(img[pos]);
        if (arg < 0 || v > best || (v != v && best == best)) {
          best = v;
          arg = pos;
        }
      }
    }
    y[i] = narrow<T>(best);  // exact: best holds a value of T
    if (argmax) argmax[i] = static_cast<std::int32_t>(arg);
  }
};

// One index per dx element: the dy of the covering windows it won. Windows that never
// overlap (strides >= window): at most one, copied as it is (the CPU's scatter); otherwise
// summed in float32 over every covering window, adding 0 for those it lost (a select, not
// a multiply: an inf or NaN of a lost window must not reach it), and rounded once.
template <class T>
struct MaxPoolBackward {
  T* dx;
  const T* dy;
  const std::int32_t* argmax;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t ch = i % g.c, iw = (i / g.c) % g.w, ih = (i / (g.c * g.w)) % g.h;
    const std::int64_t n = i / (g.c * g.w * g.h);
    const auto pos = static_cast<std::int32_t>((ih * g.w + iw) * g.c + ch);
    const Covering oh = covering(ih, g.kh, g.sh, g.pad_top, g.oh);
    const Covering ow = covering(iw, g.kw, g.sw, g.pad_left, g.ow);
    const bool overlap = g.sh < g.kh || g.sw < g.kw;
    T copied{};
    float acc = 0.0f;
    for (std::int64_t o = oh.first; o <= oh.last; ++o) {
      for (std::int64_t p = ow.first; p <= ow.last; ++p) {
        const std::int64_t at = ((n * g.oh + o) * g.ow + p) * g.c + ch;
        const bool won = argmax[at] == pos;
        if (overlap) acc += won ? widen(dy[at]) : 0.0f;
        else if (won) copied = dy[at];
      }
    }
    dx[i] = overlap ? narrow<T>(acc) : copied;
  }
};

}  // namespace
}  // namespace cuda

// ---- bias ----

template <FloatDtype T>
void Backend<Cuda>::bias_add(Ctx& ctx, T* y, const T* bias, std::int64_t rows, std::int64_t c) {
  cuda::for_each(ctx, rows * c, cuda::BiasAdd<T>{y, bias, c}, "bias_add");
}

template <FloatDtype T>
void Backend<Cuda>::bias_grad(Ctx& ctx, float* dbias, const T* dy, std::int64_t rows,
                              std::int64_t c, bool accumulate) {
  const std::int64_t chunks = (rows + cuda::kBiasRows - 1) / cuda::kBiasRows;
  auto* part = static_cast<float*>(
      ctx.workspace(static_cast<std::size_t>(chunks * c > 0 ? chunks * c : 1) * sizeof(float)));
  cuda::for_each(ctx, chunks * c, cuda::BiasGradPartial<T>{part, dy, rows, c}, "bias_grad");
  cuda::for_each(ctx, c, cuda::BiasGradSum{dbias, part, chunks, c, accumulate}, "bias_grad_sum");
}

// ---- dropout ----

template <FloatDtype T>
void Backend<Cuda>::dropout(Ctx& ctx, T* y, const T* x, std::int64_t n, float rate,
                            std::uint64_t seed, std::uint64_t offset) {
  const cuda::Dropout<T> f{y, x, n, 1.0f / (1.0f - rate), dropout_threshold(rate), seed, offset};
  cuda::for_each(ctx, (n + 3) / 4, f, "dropout");
}

// ---- batch normalisation ----

template <FloatDtype T>
void Backend<Cuda>::batchnorm_forward(Ctx& ctx, T* y, const T* x, std::int64_t m, std::int64_t c,
                                      const float* gamma, const float* beta, float* mean,
                                      float* inv_std, float* running_mean, float* running_var,
                                      float momentum, float epsilon, bool training) {
  if (training) {
    const cuda::Chunks ch = cuda::column_chunks(m, c);
    // Workspace: the (chunk, channel) partials, then the means in double.
    auto* part = static_cast<double*>(
        ctx.workspace(static_cast<std::size_t>((ch.count + 1) * c) * sizeof(double)));
    double* mean_d = part + ch.count * c;
    cuda::for_each(ctx, ch.count * c, cuda::BnSumPartial<T>{part, x, m, c, ch.per},
                   "batchnorm_sum");
    cuda::for_each(ctx, c, cuda::BnMean{mean_d, part, ch.count, m, c}, "batchnorm_mean");
    cuda::for_each(ctx, ch.count * c, cuda::BnVarPartial<T>{part, x, mean_d, m, c, ch.per},
                   "batchnorm_var");
    cuda::for_each(ctx, c,
                   cuda::BnFinish{mean, inv_std, running_mean, running_var, part, mean_d,
                                  ch.count, m, c, momentum, epsilon},
                   "batchnorm_finish");
  } else {
    cuda::for_each(ctx, c, cuda::BnInfer{mean, inv_std, running_mean, running_var, epsilon},
                   "batchnorm_infer");
  }
  cuda::for_each(ctx, m * c, cuda::BnApply<T>{y, x, gamma, beta, mean, inv_std, c},
                 "batchnorm_apply");
}

template <FloatDtype T>
void Backend<Cuda>::batchnorm_backward(Ctx& ctx, T* dx, float* dgamma, float* dbeta, const T* dy,
                                       const T* x, std::int64_t m, std::int64_t c,
                                       const float* gamma, const float* mean,
                                       const float* inv_std, bool accumulate) {
  const cuda::Chunks ch = cuda::column_chunks(m, c);
  // Workspace: two partials per (chunk, channel) in double, then the two sums per channel
  // rounded to float.
  const auto doubles = static_cast<std::size_t>(2 * ch.count * c);
  void* ws =
      ctx.workspace(doubles * sizeof(double) + static_cast<std::size_t>(2 * c) * sizeof(float));
  auto* part = static_cast<double*>(ws);
  auto* sums = reinterpret_cast<float*>(part + doubles);
  cuda::for_each(ctx, ch.count * c,
                 cuda::BnBackPartial<T>{part, dy, x, mean, inv_std, m, c, ch.per, ch.count},
                 "batchnorm_backward_sums");
  cuda::for_each(ctx, c, cuda::BnBackFinish{dgamma, dbeta, sums, part, ch.count, c, accumulate},
                 "batchnorm_backward_finish");
  if (!dx) return;
  cuda::for_each(ctx, m * c,
                 cuda::BnBackDx<T>{dx, dy, x, gamma, mean, inv_std, sums, c,
                                   static_cast<float>(m)},
                 "batchnorm_backward_dx");
}

// ---- sliding windows ----

template <FloatDtype T>
void Backend<Cuda>::im2col(Ctx& ctx, T* cols, const T* x, const Window2D& g) {
  cuda::for_each(ctx, g.n * g.oh * g.ow * g.kh * g.kw * g.c, cuda::Im2col<T>{cols, x, g},
                 "im2col");
}

template <FloatDtype T>
void Backend<Cuda>::col2im(Ctx& ctx, T* dx, const T* dcols, const Window2D& g) {
  cuda::for_each(ctx, g.n * g.h * g.w * g.c, cuda::Col2im<T>{dx, dcols, g}, "col2im");
}

template <FloatDtype T>
void Backend<Cuda>::maxpool_forward(Ctx& ctx, T* y, std::int32_t* argmax, const T* x,
                                    const Window2D& g) {
  cuda::for_each(ctx, g.n * g.oh * g.ow * g.c, cuda::MaxPoolForward<T>{y, argmax, x, g},
                 "maxpool_forward");
}

template <FloatDtype T>
void Backend<Cuda>::maxpool_backward(Ctx& ctx, T* dx, const T* dy, const std::int32_t* argmax,
                                     const Window2D& g) {
  cuda::for_each(ctx, g.n * g.h * g.w * g.c, cuda::MaxPoolBackward<T>{dx, dy, argmax, g},
                 "maxpool_backward");
}

// ---- MaxPool2d: the winners of the last forward(train), in device memory ----

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::MaxPool2d() = default;

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::MaxPool2d(const Window2D& g) : g_(g) {}

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::~MaxPool2d() {
  Cuda::deallocate(argmax_);
}

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::MaxPool2d(MaxPool2d&& o) noexcept
    : g_(o.g_),
      reserved_(std::exchange(o.reserved_, 0)),
      argmax_(std::exchange(o.argmax_, nullptr)) {}

template <FloatDtype T>
auto Backend<Cuda>::MaxPool2d<T>::operator=(MaxPool2d&& o) noexcept -> MaxPool2d& {
  if (this != &o) {
    Cuda::deallocate(argmax_);
    g_ = o.g_;
    reserved_ = std::exchange(o.reserved_, 0);
    argmax_ = std::exchange(o.argmax_, nullptr);
  }
  return *this;
}

template <FloatDtype T>
void Backend<Cuda>::MaxPool2d<T>::reserve(Ctx& ctx, std::int64_t max_batch) {
  (void)ctx;  // Cuda::allocate is stream-ordered on its own
  if (max_batch <= reserved_) return;
  const auto bytes = static_cast<std::size_t>(max_batch * g_.oh * g_.ow * g_.c) *
                     sizeof(std::int32_t);
  auto* fresh = static_cast<std::int32_t*>(Cuda::allocate(bytes));
  Cuda::deallocate(std::exchange(argmax_, fresh));
  reserved_ = max_batch;
}

template <FloatDtype T>
void Backend<Cuda>::MaxPool2d<T>::forward(Ctx& ctx, T* y, const T* x, std::int64_t n, Mode mode) {
  // Inference saves nothing, so an evaluation between forward(train) and backward is safe.
  maxpool_forward(ctx, y, mode == Mode::train ? argmax_ : nullptr, x, g_.with_batch(n));
}

template <FloatDtype T>
void Backend<Cuda>::MaxPool2d<T>::backward(Ctx& ctx, T* dx, const T* dy, std::int64_t n) {
  maxpool_backward(ctx, dx, dy, argmax_, g_.with_batch(n));
}

// ---- instantiations ----

#define MANTISSA_CUDA_LAYERS(T)                                                                \
  template void Backend<Cuda>::bias_add<T>(Ctx&, T*, const T*, std::int64_t, std::int64_t);    \
  template void Backend<Cuda>::bias_grad<T>(Ctx&, float*, const T*, std::int64_t, std::int64_t, \
                                            bool);                                             \
  template void Backend<Cuda>::dropout<T>(Ctx&, T*, const T*, std::int64_t, float,             \
                                          std::uint64_t, std::uint64_t);                       \
  template void Backend<Cuda>::batchnorm_forward<T>(                                           \
      Ctx&, T*, const T*, std::int64_t, std::int64_t, const float*, const float*, float*,      \
      float*, float*, float*, float, float, bool);                                             \
  template void Backend<Cuda>::batchnorm_backward<T>(                                          \
      Ctx&, T*, float*, float*, const T*, const T*, std::int64_t, std::int64_t, const float*,  \
      const float*, const float*, bool);                                                       \
  template void Backend<Cuda>::im2col<T>(Ctx&, T*, const T*, const Window2D&);                 \
  template void Backend<Cuda>::col2im<T>(Ctx&, T*, const T*, const Window2D&);                 \
  template void Backend<Cuda>::maxpool_forward<T>(Ctx&, T*, std::int32_t*, const T*,           \
                                                  const Window2D&);                            \
  template void Backend<Cuda>::maxpool_backward<T>(Ctx&, T*, const T*, const std::int32_t*,    \
                                                   const Window2D&);                           \
  template class Backend<Cuda>::MaxPool2d<T>;
MANTISSA_CUDA_LAYERS(float)
MANTISSA_CUDA_LAYERS(half)
MANTISSA_CUDA_LAYERS(bfloat16)
#undef MANTISSA_CUDA_LAYERS

}  // namespace mantissa
