// cuda/src/losses.cu: the losses and the metrics' running sums on the GPU, in float32, with
// the CPU's formulas (core/src/cpu/losses.cpp) and nothing read back by the host.
//
// A loss is the batch mean of per-row (or per-element) terms. One thread per row computes
// its term, in float as the CPU does, and its gradient; the terms (as doubles, the CPU's
// accumulator) are then added in two fixed-order passes over chunks of rows (launch.hpp),
// so the mean never depends on thread order. It may differ from the CPU's single running
// double sum in its last bits once rounded to float32, rarely.
//
// Softmax cross-entropy with a label outside [0, C): the CPU stops at the first such row,
// leaving the gradient of that row and the rows after it unwritten, makes the loss NaN and
// records the row (unless this step's status already holds one); binary cross-entropy does
// the same with a target that is NaN or outside [0, 1]. Here a first pass finds
// the lowest bad row (atomic_min, whose result is independent of order), rows from it on
// are skipped, and one thread writes the NaN and the status.
#include <cstddef>
#include <cstdint>
#include <limits>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "rows.hpp"

namespace mantissa {

namespace cuda {
namespace {

// The workspace of a loss over n terms: the terms, the chunk sums and one int64 word (the
// first bad row, or the hit count of a metric).
struct LossScratch {
  double* terms;     // (n)
  double* partials;  // (chunks.count)
  std::int64_t* word;
  Chunks chunks;
};
LossScratch loss_scratch(Context<Cuda>& ctx, std::int64_t n) {
  const Chunks c = chunks_for(n);
  const auto terms = static_cast<std::size_t>(n), partials = static_cast<std::size_t>(c.count);
  auto* base = static_cast<double*>(
      ctx.workspace((terms + partials) * sizeof(double) + sizeof(std::int64_t)));
  return {base, base + terms, reinterpret_cast<std::int64_t*>(base + terms + partials), c};
}

struct SetInt64 {
  std::int64_t* p;
  std::int64_t value;
  MANTISSA_HD void operator()(std::int64_t) const { *p = value; }
};

struct SumTerms {
  const double* terms;
  std::int64_t n, per;
  double* partials;
  MANTISSA_HD void operator()(std::int64_t k) const {
    const std::int64_t begin = k * per, end = begin + per < n ? begin + per : n;
    double s = 0.0;
    for (std::int64_t i = begin; i < end; ++i) s += terms[i];
    partials[k] = s;
  }
};

MANTISSA_HD inline double sum_partials(const double* partials, std::int64_t count) {
  double s = 0.0;
  for (std::int64_t k = 0; k < count; ++k) s += partials[k];
  return s;
}

struct WriteMean {
  const double* partials;
  std::int64_t count, n;
  float* loss;
  MANTISSA_HD void operator()(std::int64_t) const {
    *loss = static_cast<float>(sum_partials(partials, count) / static_cast<double>(n));
  }
};

struct FindBadLabel {
  const std::int32_t* labels;
  std::int64_t c;
  std::int64_t* first_bad;  // n when every label is in range
  MANTISSA_HD void operator()(std::int64_t r) const {
    if (labels[r] < 0 || labels[r] >= c) atomic_min(first_bad, r);
  }
};

// Row r: d = (softmax - onehot) * g, term = log-sum-exp - z_y. Rows from the first bad one
// on leave d untouched, as the CPU's early return does.
template <class T>
struct CrossEntropyRows {
  const T* logits;
  const std::int32_t* labels;
  std::int64_t c;
  float g;  // 1 / N
  const std::int64_t* first_bad;
  float* dlogits;
  double* terms;
  MANTISSA_HD void operator()(std::int64_t r) const {
    if (r >= *first_bad) {
      terms[r] = 0.0;
      return;
    }
    const std::int32_t y = labels[r];
    const T* z = logits + r * c;
    float* d = dlogits + r * c;
    const ShiftedExpSum e = shifted_exp_sum(z, c, d);  // d = the softmax times s
    const float lse = e.max + std::log(e.sum);
    terms[r] = static_cast<double>(lse - widen(z[y]));
    const float inv = g / e.sum;
    for (std::int64_t j = 0; j < c; ++j) d[j] *= inv;
    d[y] -= g;
  }
};

struct CrossEntropyFinish {
  const double* partials;
  std::int64_t count, n, c;
  const std::int64_t* first_bad;
  const std::int32_t* labels;
  float* loss;
  StepStatus* status;
  MANTISSA_HD void operator()(std::int64_t) const {
    const std::int64_t bad = *first_bad;
    if (bad == n) {
      *loss = static_cast<float>(sum_partials(partials, count) / static_cast<double>(n));
      return;
    }
    *loss = std::numeric_limits<float>::quiet_NaN();
    if (status->bad_label_row < 0) {
      status->bad_label_row = bad;
      status->bad_label = labels[bad];
      status->classes = c;
    }
  }
};

// Binary cross-entropy's targets must be in [0, 1]; a NaN or any other value is handled as a
// bad label: the lowest bad row found first, rows from it on skipped, the NaN and the status
// written by one thread.
struct FindBadTarget {
  const float* targets;
  std::int64_t* first_bad;  // n when every target is in [0, 1]
  MANTISSA_HD void operator()(std::int64_t i) const {
    if (!(targets[i] >= 0.0f && targets[i] <= 1.0f)) atomic_min(first_bad, i);
  }
};

// max(z, 0) - z t + log(1 + e^-|z|); d = (sigmoid(z) - t) * g, the sigmoid without overflow.
template <class T>
struct BinaryCrossEntropyTerms {
  const T* logits;
  const float* targets;
  float g;
  const std::int64_t* first_bad;
  float* dlogits;
  double* terms;
  MANTISSA_HD void operator()(std::int64_t i) const {
    if (i >= *first_bad) {
      terms[i] = 0.0;
      return;
    }
    const float z = widen(logits[i]), t = targets[i];
    terms[i] = static_cast<double>((z < 0.0f ? 0.0f : z) - z * t +  // std::max(z, 0)
                                   std::log1p(std::exp(-std::fabs(z))));
    const float s = z >= 0 ? 1.0f / (1.0f + std::exp(-z)) : std::exp(z) / (1.0f + std::exp(z));
    dlogits[i] = (s - t) * g;
  }
};

struct BinaryCrossEntropyFinish {
  const double* partials;
  std::int64_t count, n;
  const std::int64_t* first_bad;
  const float* targets;
  float* loss;
  StepStatus* status;
  MANTISSA_HD void operator()(std::int64_t) const {
    const std::int64_t bad = *first_bad;
    if (bad == n) {
      *loss = static_cast<float>(sum_partials(partials, count) / static_cast<double>(n));
      return;
    }
    *loss = std::numeric_limits<float>::quiet_NaN();
    if (status->bad_label_row < 0) {
      status->bad_label_row = bad;
      status->bad_target = targets[bad];
      status->binary_target = true;
    }
  }
};

template <class T>
struct SquaredErrorTerms {
  const T* y;
  const float* targets;
  float g;  // 2 / N
  float* dy;
  double* terms;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const float e = widen(y[i]) - targets[i];
    terms[i] = static_cast<double>(e) * e;
    dy[i] = e * g;
  }
};

template <class T>
struct CountClassHits {
  const T* logits;
  const std::int32_t* labels;
  std::int64_t c;
  std::int64_t* hits;
  MANTISSA_HD void operator()(std::int64_t r) const {
    if (first_max(logits + r * c, 0, c, 1) == labels[r]) atomic_add(hits, 1);
  }
};

template <class T>
struct CountBinaryHits {
  const T* logits;
  const float* targets;
  std::int64_t* hits;
  MANTISSA_HD void operator()(std::int64_t i) const {
    if ((widen(logits[i]) > 0.0f) == (targets[i] >= 0.5f)) atomic_add(hits, 1);
  }
};

struct AddToSums {
  float* sums;
  const float* loss;
  const std::int64_t* hits;
  std::int64_t n;
  MANTISSA_HD void operator()(std::int64_t) const {
    sums[0] += *loss * static_cast<float>(n);
    sums[1] += static_cast<float>(*hits);
    sums[2] += static_cast<float>(n);
  }
};

// The two passes from per-term values to *loss.
void write_mean(Context<Cuda>& ctx, const LossScratch& s, std::int64_t n, float* loss,
                const char* name) {
  for_each(ctx, s.chunks.count, SumTerms{s.terms, n, s.chunks.per, s.partials}, name);
  for_each(ctx, 1, WriteMean{s.partials, s.chunks.count, n, loss}, name);
}

}  // namespace
}  // namespace cuda

template <FloatDtype T>
void Backend<Cuda>::softmax_cross_entropy(Ctx& ctx, const T* logits, const std::int32_t* labels,
                                          std::int64_t n, std::int64_t c, float* dlogits,
                                          float* loss) {
  const cuda::LossScratch s = cuda::loss_scratch(ctx, n);
  cuda::for_each(ctx, 1, cuda::SetInt64{s.word, n}, "softmax_cross_entropy (reset)");
  cuda::for_each(ctx, n, cuda::FindBadLabel{labels, c, s.word}, "softmax_cross_entropy (labels)");
  const float g = 1.0f / static_cast<float>(n);
  cuda::for_each(ctx, n,
                 cuda::CrossEntropyRows<T>{logits, labels, c, g, s.word, dlogits, s.terms},
                 "softmax_cross_entropy");
  cuda::for_each(ctx, s.chunks.count,
                 cuda::SumTerms{s.terms, n, s.chunks.per, s.partials},
                 "softmax_cross_entropy (sum)");
  cuda::for_each(ctx, 1,
                 cuda::CrossEntropyFinish{s.partials, s.chunks.count, n, c, s.word, labels, loss,
                                          ctx.status()},
                 "softmax_cross_entropy (mean)");
}

template <FloatDtype T>
void Backend<Cuda>::binary_cross_entropy(Ctx& ctx, const T* logits, const float* targets,
                                         std::int64_t n, float* dlogits, float* loss) {
  const cuda::LossScratch s = cuda::loss_scratch(ctx, n);
  cuda::for_each(ctx, 1, cuda::SetInt64{s.word, n}, "binary_cross_entropy (reset)");
  cuda::for_each(ctx, n, cuda::FindBadTarget{targets, s.word}, "binary_cross_entropy (targets)");
  const float g = 1.0f / static_cast<float>(n);
  cuda::for_each(ctx, n,
                 cuda::BinaryCrossEntropyTerms<T>{logits, targets, g, s.word, dlogits, s.terms},
                 "binary_cross_entropy");
  cuda::for_each(ctx, s.chunks.count, cuda::SumTerms{s.terms, n, s.chunks.per, s.partials},
                 "binary_cross_entropy (sum)");
  cuda::for_each(ctx, 1,
                 cuda::BinaryCrossEntropyFinish{s.partials, s.chunks.count, n, s.word, targets,
                                                loss, ctx.status()},
                 "binary_cross_entropy (mean)");
}

template <FloatDtype T>
void Backend<Cuda>::mean_squared_error(Ctx& ctx, const T* y, const float* targets,
                                       std::int64_t n, float* dy, float* loss) {
  const cuda::LossScratch s = cuda::loss_scratch(ctx, n);
  const float g = 2.0f / static_cast<float>(n);
  cuda::for_each(ctx, n, cuda::SquaredErrorTerms<T>{y, targets, g, dy, s.terms},
                 "mean_squared_error");
  cuda::write_mean(ctx, s, n, loss, "mean_squared_error (mean)");
}

template <FloatDtype T>
void Backend<Cuda>::accumulate_classification(Ctx& ctx, float* sums, const T* logits,
                                              const std::int32_t* labels, std::int64_t n,
                                              std::int64_t c, const float* loss) {
  auto* hits = static_cast<std::int64_t*>(ctx.workspace(sizeof(std::int64_t)));
  cuda::for_each(ctx, 1, cuda::SetInt64{hits, 0}, "accumulate_classification (reset)");
  cuda::for_each(ctx, n, cuda::CountClassHits<T>{logits, labels, c, hits},
                 "accumulate_classification");
  cuda::for_each(ctx, 1, cuda::AddToSums{sums, loss, hits, n}, "accumulate_classification (sums)");
}

template <FloatDtype T>
void Backend<Cuda>::accumulate_binary(Ctx& ctx, float* sums, const T* logits,
                                      const float* targets, std::int64_t n, const float* loss) {
  auto* hits = static_cast<std::int64_t*>(ctx.workspace(sizeof(std::int64_t)));
  cuda::for_each(ctx, 1, cuda::SetInt64{hits, 0}, "accumulate_binary (reset)");
  cuda::for_each(ctx, n, cuda::CountBinaryHits<T>{logits, targets, hits}, "accumulate_binary");
  cuda::for_each(ctx, 1, cuda::AddToSums{sums, loss, hits, n}, "accumulate_binary (sums)");
}

#define MANTISSA_CUDA_LOSSES(T)                                                               \
  template void Backend<Cuda>::softmax_cross_entropy<T>(Ctx&, const T*, const std::int32_t*,  \
                                                        std::int64_t, std::int64_t, float*,   \
                                                        float*);                              \
  template void Backend<Cuda>::binary_cross_entropy<T>(Ctx&, const T*, const float*,          \
                                                       std::int64_t, float*, float*);         \
  template void Backend<Cuda>::mean_squared_error<T>(Ctx&, const T*, const float*,            \
                                                     std::int64_t, float*, float*);           \
  template void Backend<Cuda>::accumulate_classification<T>(                                  \
      Ctx&, float*, const T*, const std::int32_t*, std::int64_t, std::int64_t, const float*); \
  template void Backend<Cuda>::accumulate_binary<T>(Ctx&, float*, const T*, const float*,     \
                                                    std::int64_t, const float*);
MANTISSA_CUDA_LOSSES(float)
MANTISSA_CUDA_LOSSES(half)
MANTISSA_CUDA_LOSSES(bfloat16)
#undef MANTISSA_CUDA_LOSSES

}  // namespace mantissa
