// cuda/emulation/cudnn.cpp: interposes the cuDNN calls that need a GPU, for the emulation
// build. The descriptors stay the real cuDNN's (their set-up and shape queries run without a
// GPU); the handle calls are bookkeeping, and the compute calls read the descriptors back
// through cuDNN's own getters and compute on the host.
//
// Convolutions: the algorithm queries (cudnnGet...Algorithm_v7, the workspace sizes) answer
// for a small emulated set of algorithms, listed in cuDNN's way: one that cuDNN refuses for
// NHWC first (FFT, status NOT_SUPPORTED), then one that needs a workspace, then one that
// needs none. The compute calls check what cuDNN checks before running (a live handle;
// descriptors that read back; x, y and the filter of one data type; dimensions that agree
// with cudnnGetConvolution2dForwardOutputDim; a compute type the data type allows; non-null
// scaling factors, read as float as cuDNN does for half, bfloat16 and float data; an algorithm
// of the set and a workspace at least as large as its size query said) and return cuDNN's
// status when a check fails: BAD_PARAM for inconsistent arguments, NOT_SUPPORTED for valid
// ones outside what is emulated (layouts other than packed NHWC, groups, other data types).
// Then they compute in double on the host and round once to the data type; beta == 0 does not
// read the output. Float data in a math type that allows tensor cores (anything but
// CUDNN_FMA_MATH) has its inputs rounded to TF32 first, as cuDNN may do on Ampere and later,
// so a float32 convolution that would run in TF32 on a GPU fails the float32 tolerances here.
// cudnnSetConvolutionMathType takes no handle and runs without a GPU: it stays the real one.
#include <cudnn.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "handles.hpp"
#include "mantissa/core/half.hpp"

namespace {
mantissa::emulation::HandleRegistry& handles() {
  static auto* h = new mantissa::emulation::HandleRegistry;  // never destroyed: used at exit
  return *h;
}


}  // namespace

namespace {

using std::int64_t;

float load(const void* p, cudnnDataType_t t, int64_t i) {
  switch (t) {
    case CUDNN_DATA_HALF: return static_cast<float>(static_cast<const mantissa::half*>(p)[i]);
    case CUDNN_DATA_BFLOAT16:
      return static_cast<float>(static_cast<const mantissa::bfloat16*>(p)[i]);
    default: return static_cast<const float*>(p)[i];
  }
}
void store(void* p, cudnnDataType_t t, int64_t i, float v) {
  switch (t) {
    case CUDNN_DATA_HALF: static_cast<mantissa::half*>(p)[i] = mantissa::half(v); break;
    case CUDNN_DATA_BFLOAT16: static_cast<mantissa::bfloat16*>(p)[i] = mantissa::bfloat16(v); break;
    default: static_cast<float*>(p)[i] = v;
  }
}

// TF32: float with 10 mantissa bits, rounded to nearest even (finite values).
float to_tf32(float v) {
  if (!std::isfinite(v)) return v;
  std::uint32_t b;
  std::memcpy(&b, &v, 4);
  b += 0xfffu + ((b >> 13) & 1u);
  b &= ~0x1fffu;
  std::memcpy(&v, &b, 4);
  return v;
}

// A convolution as its descriptors describe it.
struct Conv {
  cudnnDataType_t type;
  int64_t n, c, h, w;   // x (NHWC)
  int64_t f, r, s;      // filter (KRSC)
  int64_t oh, ow;       // y (NHWC)
  int pad_h, pad_w, u, v, dil_h, dil_w;
  bool flip;  // CUDNN_CONVOLUTION (true) or CUDNN_CROSS_CORRELATION
  bool tf32;  // float data in a math type that allows tensor cores

  int64_t x_at(int64_t i, int64_t y, int64_t x, int64_t ch) const {
    return ((i * h + y) * w + x) * c + ch;
  }
  int64_t y_at(int64_t i, int64_t y, int64_t x, int64_t k) const {
    return ((i * oh + y) * ow + x) * f + k;
  }
  int64_t w_at(int64_t k, int64_t y, int64_t x, int64_t ch) const {  // y, x: filter tap
    if (flip) {
      y = r - 1 - y;
      x = s - 1 - x;
    }
    return ((k * r + y) * s + x) * c + ch;
  }
  float in(const void* p, int64_t i) const {
    const float value = load(p, type, i);
    return tf32 ? to_tf32(value) : value;
  }
};

// An (N, C, H, W) tensor descriptor of packed NHWC data.
cudnnStatus_t read_image(cudnnTensorDescriptor_t d, cudnnDataType_t* type, int dims[4]) {
  int ns, cs, hs, ws;
  if (!d || cudnnGetTensor4dDescriptor(d, type, &dims[0], &dims[1], &dims[2], &dims[3], &ns, &cs,
                                       &hs, &ws) != CUDNN_STATUS_SUCCESS)
    return CUDNN_STATUS_BAD_PARAM;
  const bool nhwc = cs == 1 && ws == dims[1] && hs == dims[3] * dims[1] &&
                    ns == dims[2] * dims[3] * dims[1];
  return nhwc ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_SUPPORTED;
}

cudnnStatus_t read_conv(cudnnTensorDescriptor_t xd, cudnnFilterDescriptor_t wd,
                        cudnnConvolutionDescriptor_t cd, cudnnTensorDescriptor_t yd, Conv* out) {
  Conv k{};
  int x[4], y[4];
  cudnnDataType_t ytype;
  if (const cudnnStatus_t s = read_image(xd, &k.type, x); s != CUDNN_STATUS_SUCCESS) return s;
  if (const cudnnStatus_t s = read_image(yd, &ytype, y); s != CUDNN_STATUS_SUCCESS) return s;
  cudnnDataType_t wtype;
  cudnnTensorFormat_t format;
  int f, c, r, s;
  if (!wd || cudnnGetFilter4dDescriptor(wd, &wtype, &format, &f, &c, &r, &s) != CUDNN_STATUS_SUCCESS)
    return CUDNN_STATUS_BAD_PARAM;
  if (wtype != k.type || ytype != k.type || c != x[1]) return CUDNN_STATUS_BAD_PARAM;
  if (format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_NOT_SUPPORTED;
  int dims = 0, pad[2], stride[2], dil[2];
  cudnnConvolutionMode_t mode;
  cudnnDataType_t compute;
  cudnnMathType_t math;
  int groups = 0;
  if (!cd ||
      cudnnGetConvolutionNdDescriptor(cd, 2, &dims, pad, stride, dil, &mode, &compute) !=
          CUDNN_STATUS_SUCCESS ||
      dims != 2 || cudnnGetConvolutionMathType(cd, &math) != CUDNN_STATUS_SUCCESS ||
      cudnnGetConvolutionGroupCount(cd, &groups) != CUDNN_STATUS_SUCCESS)
    return CUDNN_STATUS_BAD_PARAM;
  if (groups != 1) return CUDNN_STATUS_NOT_SUPPORTED;
  // The configurations cuDNN documents for these data types: float data computes in float;
  // half in half or float; bfloat16 in float.
  const bool compute_ok = compute == CUDNN_DATA_FLOAT ||
                          (compute == CUDNN_DATA_HALF && k.type == CUDNN_DATA_HALF);
  const bool type_ok = k.type == CUDNN_DATA_FLOAT || k.type == CUDNN_DATA_HALF ||
                       k.type == CUDNN_DATA_BFLOAT16;
  if (!compute_ok || !type_ok) return CUDNN_STATUS_NOT_SUPPORTED;
  int on, oc, oh, ow;
  if (cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &on, &oc, &oh, &ow) != CUDNN_STATUS_SUCCESS)
    return CUDNN_STATUS_BAD_PARAM;
  if (y[0] != on || y[1] != oc || y[2] != oh || y[3] != ow) return CUDNN_STATUS_BAD_PARAM;
  k.n = x[0];
  k.c = x[1];
  k.h = x[2];
  k.w = x[3];
  k.f = f;
  k.r = r;
  k.s = s;
  k.oh = oh;
  k.ow = ow;
  k.pad_h = pad[0];
  k.pad_w = pad[1];
  k.u = stride[0];
  k.v = stride[1];
  k.dil_h = dil[0];
  k.dil_w = dil[1];
  k.flip = mode == CUDNN_CONVOLUTION;
  k.tf32 = k.type == CUDNN_DATA_FLOAT && math != CUDNN_FMA_MATH;
  *out = k;
  return CUDNN_STATUS_SUCCESS;
}

// The emulated algorithms of each direction, in the order the heuristics list them, with
// their status for packed NHWC data and their workspace (bytes, from the problem's sizes).
struct Algo {
  int algo;
  bool supported;
  int64_t workspace;
  bool deterministic = true;
};
enum class Direction { forward, data, filter };
constexpr int kAlgos = 3;
void algorithms(Direction d, const Conv& k, Algo out[kAlgos]) {
  switch (d) {
    case Direction::forward:
      out[0] = {CUDNN_CONVOLUTION_FWD_ALGO_FFT, false, 0};
      out[1] = {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, true, k.n * k.oh * k.ow * 4};
      out[2] = {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, true, 0};
      return;
    // ALGO_0 of both backward directions sums with atomics on a GPU (cuDNN reports it
    // CUDNN_NON_DETERMINISTIC) and is listed first here, as the real heuristics may.
    case Direction::data:
      out[0] = {CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT, false, 0};
      out[1] = {CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, true, 0, false};
      out[2] = {CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, true, k.n * k.h * k.w * 4};
      return;
    case Direction::filter:
      out[0] = {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT, false, 0};
      out[1] = {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, true, 0, false};
      out[2] = {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, true, k.f * k.r * k.s * k.c * 4};
      return;
  }
}

// A non-deterministic algorithm's result varies from call to call on a GPU (the order of its
// atomic sums); here it alternates between two values (a relative 2^-6 apart, visible even
// in bfloat16) from call to call, so that a test running one backward twice sees it.
double jitter(Direction d, const Conv& k, int algo) {
  Algo list[kAlgos];
  algorithms(d, k, list);
  static int calls[3] = {};  // per direction
  int& c = calls[static_cast<int>(d)];
  for (const Algo& a : list)
    if (a.algo == algo && !a.deterministic) return (c++ & 1) ? 1.0 + 0x1p-6 : 1.0;
  return 1.0;
}

// The workspace `algo` needs, or NOT_SUPPORTED for one outside the emulated set.
cudnnStatus_t workspace_of(Direction d, const Conv& k, int algo, size_t* bytes) {
  Algo list[kAlgos];
  algorithms(d, k, list);
  for (const Algo& a : list)
    if (a.algo == algo && a.supported) {
      *bytes = static_cast<size_t>(a.workspace);
      return CUDNN_STATUS_SUCCESS;
    }
  return CUDNN_STATUS_NOT_SUPPORTED;
}

template <class Perf, class AlgoT>
cudnnStatus_t heuristics(cudnnHandle_t handle, Direction d, cudnnTensorDescriptor_t x,
                         cudnnFilterDescriptor_t w, cudnnConvolutionDescriptor_t conv,
                         cudnnTensorDescriptor_t y, int requested, int* returned, Perf* results) {
  if (!handles().live(handle)) return CUDNN_STATUS_BAD_PARAM;
  if (requested < 1 || !returned || !results) return CUDNN_STATUS_BAD_PARAM;
  Conv k;
  if (const cudnnStatus_t s = read_conv(x, w, conv, y, &k); s != CUDNN_STATUS_SUCCESS) return s;
  cudnnMathType_t math;
  (void)cudnnGetConvolutionMathType(conv, &math);
  Algo list[kAlgos];
  algorithms(d, k, list);
  *returned = requested < kAlgos ? requested : kAlgos;
  for (int i = 0; i < *returned; ++i) {
    Perf p{};
    p.algo = static_cast<AlgoT>(list[i].algo);
    p.status = list[i].supported ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_SUPPORTED;
    p.time = -1.0f;
    p.memory = static_cast<size_t>(list[i].workspace);
    p.determinism = list[i].deterministic ? CUDNN_DETERMINISTIC : CUDNN_NON_DETERMINISTIC;
    p.mathType = math;
    results[i] = p;
  }
  return CUDNN_STATUS_SUCCESS;
}

// The checks every compute call makes after the descriptors: scaling factors, buffers, the
// algorithm and its workspace.
cudnnStatus_t check_call(Direction d, const Conv& k, int algo,
                         const void* alpha, const void* beta, const void* a, const void* b,
                         const void* out, const void* workspace, size_t workspace_bytes) {
  if (!alpha || !beta || !a || !b || !out) return CUDNN_STATUS_BAD_PARAM;
  size_t needed = 0;
  if (workspace_of(d, k, algo, &needed) != CUDNN_STATUS_SUCCESS) return CUDNN_STATUS_NOT_SUPPORTED;
  if (workspace_bytes < needed || (needed > 0 && !workspace)) return CUDNN_STATUS_BAD_PARAM;
  return CUDNN_STATUS_SUCCESS;
}

// out[i] = alpha * sum + beta * out[i], beta == 0 not reading out; one rounding.
void finish(void* out, cudnnDataType_t t, int64_t i, double sum, const void* alpha,
            const void* beta) {
  const float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
  double r = static_cast<double>(a) * sum;
  if (b != 0.0f) r += static_cast<double>(b) * load(out, t, i);
  store(out, t, i, static_cast<float>(r));
}

}  // namespace

extern "C" {

cudnnStatus_t CUDNNWINAPI cudnnCreate(cudnnHandle_t* handle) {
  *handle = static_cast<cudnnHandle_t>(handles().create());
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t CUDNNWINAPI cudnnDestroy(cudnnHandle_t handle) {
  return handles().destroy(handle) ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}
cudnnStatus_t CUDNNWINAPI cudnnSetStream(cudnnHandle_t handle, cudaStream_t) {
  return handles().live(handle) ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

// ---- convolution: algorithm queries --------------------------------------------------------

cudnnStatus_t CUDNNWINAPI cudnnGetConvolutionForwardAlgorithm_v7(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t x, const cudnnFilterDescriptor_t w,
    const cudnnConvolutionDescriptor_t conv, const cudnnTensorDescriptor_t y, const int requested,
    int* returned, cudnnConvolutionFwdAlgoPerf_t* results) {
  return heuristics<cudnnConvolutionFwdAlgoPerf_t, cudnnConvolutionFwdAlgo_t>(
      handle, Direction::forward, x, w, conv, y, requested, returned, results);
}
cudnnStatus_t CUDNNWINAPI cudnnGetConvolutionBackwardDataAlgorithm_v7(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t w, const cudnnTensorDescriptor_t dy,
    const cudnnConvolutionDescriptor_t conv, const cudnnTensorDescriptor_t dx, const int requested,
    int* returned, cudnnConvolutionBwdDataAlgoPerf_t* results) {
  return heuristics<cudnnConvolutionBwdDataAlgoPerf_t, cudnnConvolutionBwdDataAlgo_t>(
      handle, Direction::data, dx, w, conv, dy, requested, returned, results);
}
cudnnStatus_t CUDNNWINAPI cudnnGetConvolutionBackwardFilterAlgorithm_v7(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t x, const cudnnTensorDescriptor_t dy,
    const cudnnConvolutionDescriptor_t conv, const cudnnFilterDescriptor_t dw, const int requested,
    int* returned, cudnnConvolutionBwdFilterAlgoPerf_t* results) {
  return heuristics<cudnnConvolutionBwdFilterAlgoPerf_t, cudnnConvolutionBwdFilterAlgo_t>(
      handle, Direction::filter, x, dw, conv, dy, requested, returned, results);
}

cudnnStatus_t CUDNNWINAPI cudnnGetConvolutionForwardWorkspaceSize(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t x, const cudnnFilterDescriptor_t w,
    const cudnnConvolutionDescriptor_t conv, const cudnnTensorDescriptor_t y,
    cudnnConvolutionFwdAlgo_t algo, size_t* bytes) {
  if (!handles().live(handle) || !bytes) return CUDNN_STATUS_BAD_PARAM;
  Conv k;
  if (const cudnnStatus_t s = read_conv(x, w, conv, y, &k); s != CUDNN_STATUS_SUCCESS) return s;
  return workspace_of(Direction::forward, k, algo, bytes);
}
cudnnStatus_t CUDNNWINAPI cudnnGetConvolutionBackwardDataWorkspaceSize(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t w, const cudnnTensorDescriptor_t dy,
    const cudnnConvolutionDescriptor_t conv, const cudnnTensorDescriptor_t dx,
    cudnnConvolutionBwdDataAlgo_t algo, size_t* bytes) {
  if (!handles().live(handle) || !bytes) return CUDNN_STATUS_BAD_PARAM;
  Conv k;
  if (const cudnnStatus_t s = read_conv(dx, w, conv, dy, &k); s != CUDNN_STATUS_SUCCESS) return s;
  return workspace_of(Direction::data, k, algo, bytes);
}
cudnnStatus_t CUDNNWINAPI cudnnGetConvolutionBackwardFilterWorkspaceSize(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t x, const cudnnTensorDescriptor_t dy,
    const cudnnConvolutionDescriptor_t conv, const cudnnFilterDescriptor_t dw,
    cudnnConvolutionBwdFilterAlgo_t algo, size_t* bytes) {
  if (!handles().live(handle) || !bytes) return CUDNN_STATUS_BAD_PARAM;
  Conv k;
  if (const cudnnStatus_t s = read_conv(x, dw, conv, dy, &k); s != CUDNN_STATUS_SUCCESS) return s;
  return workspace_of(Direction::filter, k, algo, bytes);
}

// ---- convolution: compute ----------------------------------------------------------------

cudnnStatus_t CUDNNWINAPI cudnnConvolutionForward(
    cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,
    const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnConvolutionDescriptor_t conv,
    cudnnConvolutionFwdAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes,
    const void* beta, const cudnnTensorDescriptor_t yDesc, void* y) {
  if (!handles().live(handle)) return CUDNN_STATUS_BAD_PARAM;
  Conv k;
  if (const cudnnStatus_t s = read_conv(xDesc, wDesc, conv, yDesc, &k); s != CUDNN_STATUS_SUCCESS)
    return s;
  if (const cudnnStatus_t s = check_call(Direction::forward, k, algo, alpha, beta, x, w, y,
                                         workSpace, workSpaceSizeInBytes);
      s != CUDNN_STATUS_SUCCESS)
    return s;
  for (int64_t i = 0; i < k.n; ++i)
    for (int64_t oy = 0; oy < k.oh; ++oy)
      for (int64_t ox = 0; ox < k.ow; ++ox)
        for (int64_t o = 0; o < k.f; ++o) {
          double sum = 0.0;
          for (int64_t ty = 0; ty < k.r; ++ty) {
            const int64_t iy = oy * k.u - k.pad_h + ty * k.dil_h;
            if (iy < 0 || iy >= k.h) continue;
            for (int64_t tx = 0; tx < k.s; ++tx) {
              const int64_t ix = ox * k.v - k.pad_w + tx * k.dil_w;
              if (ix < 0 || ix >= k.w) continue;
              for (int64_t ch = 0; ch < k.c; ++ch)
                sum += static_cast<double>(k.in(x, k.x_at(i, iy, ix, ch))) *
                       k.in(w, k.w_at(o, ty, tx, ch));
            }
          }
          finish(y, k.type, k.y_at(i, oy, ox, o), sum, alpha, beta);
        }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t CUDNNWINAPI cudnnConvolutionBackwardData(
    cudnnHandle_t handle, const void* alpha, const cudnnFilterDescriptor_t wDesc, const void* w,
    const cudnnTensorDescriptor_t dyDesc, const void* dy, const cudnnConvolutionDescriptor_t conv,
    cudnnConvolutionBwdDataAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes,
    const void* beta, const cudnnTensorDescriptor_t dxDesc, void* dx) {
  if (!handles().live(handle)) return CUDNN_STATUS_BAD_PARAM;
  Conv k;
  if (const cudnnStatus_t s = read_conv(dxDesc, wDesc, conv, dyDesc, &k);
      s != CUDNN_STATUS_SUCCESS)
    return s;
  if (const cudnnStatus_t s = check_call(Direction::data, k, algo, alpha, beta, w, dy, dx,
                                         workSpace, workSpaceSizeInBytes);
      s != CUDNN_STATUS_SUCCESS)
    return s;
  const double wobble = jitter(Direction::data, k, algo);
  // Gather: each dx element sums every (output pixel, tap) that read it.
  for (int64_t i = 0; i < k.n; ++i)
    for (int64_t iy = 0; iy < k.h; ++iy)
      for (int64_t ix = 0; ix < k.w; ++ix)
        for (int64_t ch = 0; ch < k.c; ++ch) {
          double sum = 0.0;
          for (int64_t ty = 0; ty < k.r; ++ty) {
            const int64_t sy = iy + k.pad_h - ty * k.dil_h;  // = oy * u
            if (sy < 0 || sy % k.u != 0 || sy / k.u >= k.oh) continue;
            for (int64_t tx = 0; tx < k.s; ++tx) {
              const int64_t sx = ix + k.pad_w - tx * k.dil_w;
              if (sx < 0 || sx % k.v != 0 || sx / k.v >= k.ow) continue;
              for (int64_t o = 0; o < k.f; ++o)
                sum += static_cast<double>(k.in(dy, k.y_at(i, sy / k.u, sx / k.v, o))) *
                       k.in(w, k.w_at(o, ty, tx, ch));
            }
          }
          finish(dx, k.type, k.x_at(i, iy, ix, ch), sum * wobble, alpha, beta);
        }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t CUDNNWINAPI cudnnConvolutionBackwardFilter(
    cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,
    const cudnnTensorDescriptor_t dyDesc, const void* dy, const cudnnConvolutionDescriptor_t conv,
    cudnnConvolutionBwdFilterAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes,
    const void* beta, const cudnnFilterDescriptor_t dwDesc, void* dw) {
  if (!handles().live(handle)) return CUDNN_STATUS_BAD_PARAM;
  Conv k;
  if (const cudnnStatus_t s = read_conv(xDesc, dwDesc, conv, dyDesc, &k);
      s != CUDNN_STATUS_SUCCESS)
    return s;
  if (const cudnnStatus_t s = check_call(Direction::filter, k, algo, alpha, beta, x, dy,
                                         dw, workSpace, workSpaceSizeInBytes);
      s != CUDNN_STATUS_SUCCESS)
    return s;
  const double wobble = jitter(Direction::filter, k, algo);
  for (int64_t o = 0; o < k.f; ++o)
    for (int64_t ty = 0; ty < k.r; ++ty)
      for (int64_t tx = 0; tx < k.s; ++tx)
        for (int64_t ch = 0; ch < k.c; ++ch) {
          double sum = 0.0;
          for (int64_t i = 0; i < k.n; ++i)
            for (int64_t oy = 0; oy < k.oh; ++oy) {
              const int64_t iy = oy * k.u - k.pad_h + ty * k.dil_h;
              if (iy < 0 || iy >= k.h) continue;
              for (int64_t ox = 0; ox < k.ow; ++ox) {
                const int64_t ix = ox * k.v - k.pad_w + tx * k.dil_w;
                if (ix < 0 || ix >= k.w) continue;
                sum += static_cast<double>(k.in(dy, k.y_at(i, oy, ox, o))) *
                       k.in(x, k.x_at(i, iy, ix, ch));
              }
            }
          finish(dw, k.type, k.w_at(o, ty, tx, ch), sum * wobble, alpha, beta);
        }
  return CUDNN_STATUS_SUCCESS;
}

}  // extern "C"
