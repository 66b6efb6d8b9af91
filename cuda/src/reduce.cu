// cuda/src/reduce.cu: sum / max / argmax over the middle axis of (outer, len, inner), and
// the row-wise float32 softmax and log-sum-exp, on the GPU.
//
// A reduction runs in two passes (launch.hpp): pass 1 gives one thread to each (outer,
// chunk, inner) triple, which reduces its chunk of the len axis into the workspace; pass 2
// gives one thread to each output, which combines the chunks in order. A short axis is one
// chunk. Neither pass depends on the order threads run in, so results are reproducible.
//   - sum: float32 partials added in chunk order. Its order of additions differs from the
//     CPU's (512-element blocks), so the last bits may differ.
//   - max / argmax: each chunk keeps the index of its first maximum (or first NaN); taking
//     the chunks in order under the same rule gives the CPU's index, so both are exact.
// Softmax and log-sum-exp are one thread per row, in the CPU's order.
#include <cstddef>
#include <cstdint>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "rows.hpp"

namespace mantissa {

namespace cuda {
namespace {

// Where a pass-1 index (o, k, i) of an (outer, count, inner) grid reads: the run of the len
// axis [begin, end) of chunk k, at column i of block o.
struct Grid {
  std::int64_t len, inner, count, per;
  struct Run {
    std::int64_t offset, begin, end;  // offset: x's index of element (o, 0, i)
  };
  MANTISSA_HD Run run(std::int64_t idx) const {
    const std::int64_t o = idx / (count * inner), k = idx / inner % count, i = idx % inner;
    const std::int64_t begin = k * per;
    const std::int64_t end = begin + per < len ? begin + per : len;
    return {o * len * inner + i, begin, end};
  }
};

template <class T>
struct SumChunk {
  const T* x;
  Grid g;
  float* partial;  // (outer, count, inner)
  MANTISSA_HD void operator()(std::int64_t idx) const {
    const Grid::Run r = g.run(idx);
    const T* p = x + r.offset;
    float s = 0.0f;
    for (std::int64_t l = r.begin; l < r.end; ++l) s += widen(p[l * g.inner]);
    partial[idx] = s;
  }
};

struct SumPartials {
  const float* partial;  // (outer, count, inner)
  std::int64_t count, inner;
  float* out;  // (outer, inner)
  MANTISSA_HD void operator()(std::int64_t j) const {
    const float* p = partial + j / inner * count * inner + j % inner;
    float s = 0.0f;
    for (std::int64_t k = 0; k < count; ++k) s += p[k * inner];
    out[j] = s;
  }
};

template <class T>
struct BestInChunk {
  const T* x;
  Grid g;
  std::int64_t* best;  // (outer, count, inner): an index along len
  MANTISSA_HD void operator()(std::int64_t idx) const {
    const Grid::Run r = g.run(idx);
    best[idx] = first_max(x + r.offset, r.begin, r.end, g.inner);
  }
};

// The first maximum among the chunks' winners, in chunk order; writes x's value there (max)
// or its index (argmax, Out = int32).
template <class T, class Out>
struct WriteBest {
  const T* x;
  const std::int64_t* best;  // (outer, count, inner)
  std::int64_t len, inner, count;
  Out* out;  // (outer, inner)
  MANTISSA_HD void operator()(std::int64_t j) const {
    const std::int64_t o = j / inner, i = j % inner;
    const T* p = x + o * len * inner + i;
    const std::int64_t* b = best + o * count * inner + i;
    std::int64_t l = b[0];
    float fl = widen(p[l * inner]);
    for (std::int64_t k = 1; k < count && !std::isnan(fl); ++k) {
      const float v = widen(p[b[k * inner] * inner]);
      if (v > fl || std::isnan(v)) {
        fl = v;
        l = b[k * inner];
      }
    }
    if constexpr (std::same_as<Out, std::int32_t>) out[j] = static_cast<std::int32_t>(l);
    else out[j] = p[l * inner];
  }
};

template <class T>
struct SoftmaxRows {
  const T* x;
  std::int64_t cols;
  float* out;
  MANTISSA_HD void operator()(std::int64_t r) const {
    float* p = out + r * cols;
    const float inv = 1.0f / shifted_exp_sum(x + r * cols, cols, p).sum;
    for (std::int64_t j = 0; j < cols; ++j) p[j] *= inv;
  }
};

template <class T>
struct LogSumExpRows {
  const T* x;
  std::int64_t cols;
  float* out;
  MANTISSA_HD void operator()(std::int64_t r) const {
    const ShiftedExpSum e = shifted_exp_sum(x + r * cols, cols, nullptr);
    out[r] = e.max + std::log(e.sum);
  }
};

Grid grid_for(std::int64_t len, std::int64_t inner) {
  const Chunks c = chunks_for(len);
  return {len, inner, c.count, c.per};
}

// Pass 1 of max / argmax: each chunk's winner, in the workspace.
template <class T>
const std::int64_t* best_in_chunks(Context<Cuda>& ctx, const T* x, std::int64_t outer,
                                   const Grid& g, const char* name) {
  const std::int64_t n = outer * g.count * g.inner;
  auto* best = static_cast<std::int64_t*>(
      ctx.workspace(static_cast<std::size_t>(n) * sizeof(std::int64_t)));
  for_each(ctx, n, BestInChunk<T>{x, g, best}, name);
  return best;
}

}  // namespace
}  // namespace cuda

template <FloatDtype T>
void Backend<Cuda>::sum(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len,
                        std::int64_t inner, float* out) {
  const cuda::Grid g = cuda::grid_for(len, inner);
  if (g.count == 1) return cuda::for_each(ctx, outer * inner, cuda::SumChunk<T>{x, g, out}, "sum");
  const std::int64_t n = outer * g.count * inner;
  auto* partial = static_cast<float*>(ctx.workspace(static_cast<std::size_t>(n) * sizeof(float)));
  cuda::for_each(ctx, n, cuda::SumChunk<T>{x, g, partial}, "sum (chunks)");
  cuda::for_each(ctx, outer * inner, cuda::SumPartials{partial, g.count, inner, out}, "sum");
}

template <FloatDtype T>
void Backend<Cuda>::max(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len,
                        std::int64_t inner, T* out) {
  const cuda::Grid g = cuda::grid_for(len, inner);
  const std::int64_t* best = cuda::best_in_chunks(ctx, x, outer, g, "max (chunks)");
  cuda::for_each(ctx, outer * inner, cuda::WriteBest<T, T>{x, best, len, inner, g.count, out},
                 "max");
}

template <FloatDtype T>
void Backend<Cuda>::argmax(Ctx& ctx, const T* x, std::int64_t outer, std::int64_t len,
                           std::int64_t inner, std::int32_t* out) {
  const cuda::Grid g = cuda::grid_for(len, inner);
  const std::int64_t* best = cuda::best_in_chunks(ctx, x, outer, g, "argmax (chunks)");
  cuda::for_each(ctx, outer * inner,
                 cuda::WriteBest<T, std::int32_t>{x, best, len, inner, g.count, out}, "argmax");
}

template <FloatDtype T>
void Backend<Cuda>::softmax_float32(Ctx& ctx, const T* x, std::int64_t rows, std::int64_t cols,
                                    float* out) {
  cuda::for_each(ctx, rows, cuda::SoftmaxRows<T>{x, cols, out}, "softmax_float32");
}

template <FloatDtype T>
void Backend<Cuda>::log_sum_exp(Ctx& ctx, const T* x, std::int64_t rows, std::int64_t cols,
                                float* out) {
  cuda::for_each(ctx, rows, cuda::LogSumExpRows<T>{x, cols, out}, "log_sum_exp");
}

#define MANTISSA_CUDA_REDUCE(T)                                                               \
  template void Backend<Cuda>::sum<T>(Ctx&, const T*, std::int64_t, std::int64_t,             \
                                      std::int64_t, float*);                                  \
  template void Backend<Cuda>::max<T>(Ctx&, const T*, std::int64_t, std::int64_t,             \
                                      std::int64_t, T*);                                      \
  template void Backend<Cuda>::argmax<T>(Ctx&, const T*, std::int64_t, std::int64_t,          \
                                         std::int64_t, std::int32_t*);                        \
  template void Backend<Cuda>::softmax_float32<T>(Ctx&, const T*, std::int64_t, std::int64_t, \
                                                  float*);                                    \
  template void Backend<Cuda>::log_sum_exp<T>(Ctx&, const T*, std::int64_t, std::int64_t,     \
                                              float*);
MANTISSA_CUDA_REDUCE(float)
MANTISSA_CUDA_REDUCE(half)
MANTISSA_CUDA_REDUCE(bfloat16)
#undef MANTISSA_CUDA_REDUCE

}  // namespace mantissa
