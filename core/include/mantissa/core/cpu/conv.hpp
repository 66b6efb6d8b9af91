// mantissa/core/cpu/conv.hpp: the CPU kernels behind Conv2D and MaxPool2D on NHWC images:
// im2col / col2im (a convolution is then one GEMM) and max pooling with its argmax.
// Raw contiguous buffers; shapes are checked by the ops:: wrappers (conv_ops.hpp).
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width;
// KH, KW window (kernel or pool) height, width; K = KH * KW * C, one im2col row.
//
// Every kernel here writes each output element exactly once (no "caller zeroes first"):
// the backward kernels gather (each dx element sums its contributions in float32 and is
// rounded once), so they overwrite dx, need no zeroing pass, never race between threads and
// give the same bits whatever the thread count. Threads: OpenMP over (image, row) pairs.
#pragma once

#include <cstdint>

#include "mantissa/core/dtype.hpp"
#include "mantissa/core/vocabulary.hpp"

namespace mantissa::cpu {

// ---- convolution as a GEMM: im2col and its adjoint ----------------------------------------

// cols (N*OH*OW, KH*KW*C): row (n, oh, ow) holds the window's taps in (kh, kw, c) order, the
// order of a (KH, KW, C, F) kernel flattened to (K, F); padded taps are zero. Overwrites.
template <FloatDtype T>
void im2col(T* cols, const T* x, const Window2D& g);

// dx (N, H, W, C) = the adjoint of im2col applied to dcols (N*OH*OW, KH*KW*C): each input
// element is the sum of every tap that read it. Overwrites dx (padded taps are dropped).
template <FloatDtype T>
void col2im(T* dx, const T* dcols, const Window2D& g);

// ---- max pooling ----------------------------------------------------------------------------

// y (N, OH, OW, C) = the maximum of each window, per channel; padded positions never win.
// argmax (N, OH, OW, C), when not null, receives the winner's flat index within its own
// sample's (H, W, C) block, (ih * W + iw) * C + c, for backward (inference passes null).
// The first maximum in (kh, kw) order wins a tie; a NaN in a window wins (it propagates).
template <FloatDtype T>
void maxpool_forward(T* y, std::int32_t* argmax, const T* x, const Window2D& g);

// dx (N, H, W, C) = dy (N, OH, OW, C) routed to the positions argmax saved: each input
// element sums the dy of every window it won (windows overlap when a stride is below the
// pool size). Overwrites dx.
template <FloatDtype T>
void maxpool_backward(T* dx, const T* dy, const std::int32_t* argmax, const Window2D& g);

}  // namespace mantissa::cpu
