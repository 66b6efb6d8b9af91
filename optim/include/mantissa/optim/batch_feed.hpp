// mantissa/optim/batch_feed.hpp: a loader's batches on the model's device, for fit: the
// batch itself on the host; on a device that uploads asynchronously (Context<Cuda>), the next
// batch staged in pinned memory and uploaded while the current step runs.
#pragma once

#include <cstring>
#include <optional>
#include <type_traits>

#include "mantissa/core/tensor.hpp"
#include "mantissa/core/core.hpp"

namespace mantissa {

// What fit, evaluate and predict read: anything with size(), batches(), batch(i) -> {x, y},
// set_epoch(e) (data::ImageLoader is one).
template <class L>
concept Loader = requires(L& l, std::int64_t i) {
  { l.size() } -> std::convertible_to<std::int64_t>;
  { l.batches() } -> std::convertible_to<std::int64_t>;
  l.batch(i).x;
  l.batch(i).y;
  l.set_epoch(i);
};

namespace detail {

// A loader's batch (host memory) on the model's device: the batch itself on the CPU, else
// copied into a buffer kept from step to step (host -> device; nothing is read back).
template <Device D, class T>
TensorView<const T, D> on_device(TensorView<const T, Cpu> host, Tensor<T, D>& buffer) {
  if constexpr (std::same_as<D, Cpu>) {
    return host;
  } else {
    if (buffer.numel() < host.numel()) buffer = Tensor<T, D>::empty(Shape{host.numel()});
    copy_bytes<D, Cpu>(buffer.data(), host.data(), host.size_bytes());
    return {buffer.data(), host.shape()};
  }
}

// Whether a device's context uploads asynchronously from pinned memory (Context<Cuda>).
template <Device D>
inline constexpr bool async_upload = requires(Context<D>& c, void* p, const void* q,
                                              std::size_t n) {
  c.pinned(n);
  c.upload(p, q, n);
  c.wait_upload();
};

// Whether a loader can write a batch straight into caller memory (ImageLoader::batch_into).
template <class L, class X, class Y>
inline constexpr bool fills_into = requires(L& l, X* x, Y* y) {
  { l.batch_into(std::int64_t{0}, x, y) } -> std::convertible_to<std::int64_t>;
  { l.batch_size() } -> std::convertible_to<std::int64_t>;
  { l.sample_shape() } -> std::convertible_to<Shape>;
};

// A loader's training batches on the model's device. On the host, the batch itself; on a
// device that uploads asynchronously, batch b + 1 is staged in pinned memory and uploaded on
// the upload stream while step b runs (prefetch(b + 1) after step b's work is queued), into
// the other of two device buffers: a loader that can (ImageLoader) shuffles, normalises and
// casts the batch straight into the pinned buffer in one pass; others' batches are copied
// there. Elsewhere, batches are copied when asked.
template <Device D, Loader L>
class BatchFeed {
  using X = dtype_of<decltype(std::declval<L&>().batch(0).x)>;
  using Y = dtype_of<decltype(std::declval<L&>().batch(0).y)>;

 public:
  struct Batch {
    TensorView<const X, D> x;
    TensorView<const Y, D> y;
  };
  BatchFeed(Context<D>& ctx, L& data) : ctx_(ctx), data_(data) {}

  Batch get(std::int64_t b) {
    if constexpr (async_upload<D>) {
      if (ready_ != b) prefetch(b);
      ctx_.wait_upload();
      ready_ = -1;
      return staged_[b % 2];
    } else {
      // Kept until the next batch: a loader's batch may own its tensors (the views below,
      // which the model keeps for backward, point into it).
      host_.reset();
      host_.emplace(data_.batch(b));
      return {on_device<D>(cview(host_->x), xbuf_[0]), on_device<D>(cview(host_->y), ybuf_[0])};
    }
  }

  // Starts batch b's upload (a no-op past the last batch, or where uploads are synchronous).
  void prefetch(std::int64_t b) {
    if constexpr (async_upload<D>) {
      if (b >= data_.batches()) return;
      auto& xd = xbuf_[b % 2];
      auto& yd = ybuf_[b % 2];
      // Buffer b % 2 was last read by step b - 2, whose step-status read (in opt.step)
      // synchronised the compute stream before this call: the upload cannot overwrite data
      // a queued kernel still reads.
      Shape xshape;
      std::int64_t rows = 0;
      if constexpr (fills_into<L, X, Y>) {
        const Shape sample = data_.sample_shape();
        const std::int64_t cap = data_.batch_size();
        // Labels first: int32 alignment; the samples follow at a multiple of 4 bytes.
        const std::size_t ycap = static_cast<std::size_t>(cap) * sizeof(Y);
        auto* stage = static_cast<std::byte*>(
            ctx_.pinned(ycap + static_cast<std::size_t>(cap * sample.numel()) * sizeof(X)));
        auto* ys = reinterpret_cast<Y*>(stage);
        auto* xs = reinterpret_cast<X*>(stage + ycap);
        rows = data_.batch_into(b, xs, ys);
        xshape = sample.prepend(rows);
        const std::size_t xb = static_cast<std::size_t>(xshape.numel()) * sizeof(X);
        const std::size_t yb = static_cast<std::size_t>(rows) * sizeof(Y);
        if (xd.numel() < xshape.numel()) xd = Tensor<X, D>::empty(Shape{xshape.numel()});
        if (yd.numel() < rows) yd = Tensor<Y, D>::empty(Shape{rows});
        ctx_.upload(xd.data(), xs, xb);
        ctx_.upload(yd.data(), ys, yb);
      } else {
        auto batch = data_.batch(b);
        const auto hx = cview(batch.x);
        const auto hy = cview(batch.y);
        xshape = hx.shape();
        rows = hy.numel();
        const std::size_t xb = hx.size_bytes(), yb = hy.size_bytes();
        auto* stage = static_cast<std::byte*>(ctx_.pinned(xb + yb));
        std::memcpy(stage, hx.data(), xb);
        std::memcpy(stage + xb, hy.data(), yb);
        if (xd.numel() < hx.numel()) xd = Tensor<X, D>::empty(Shape{hx.numel()});
        if (yd.numel() < hy.numel()) yd = Tensor<Y, D>::empty(Shape{hy.numel()});
        ctx_.upload(xd.data(), stage, xb);
        ctx_.upload(yd.data(), stage + xb, yb);
      }
      staged_[b % 2] = {{xd.data(), xshape}, {yd.data(), Shape{rows}}};
      ready_ = b;
    } else {
      (void)b;
    }
  }

 private:
  Context<D>& ctx_;
  L& data_;
  Tensor<X, D> xbuf_[2];
  Tensor<Y, D> ybuf_[2];
  Batch staged_[2]{};
  std::int64_t ready_ = -1;  // the batch whose upload is queued
  std::optional<std::remove_cvref_t<decltype(std::declval<L&>().batch(0))>> host_;  // host devices
};

}  // namespace detail
}  // namespace mantissa
