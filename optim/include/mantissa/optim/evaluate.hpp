// mantissa/optim/evaluate.hpp: what fit measures with, and Keras's evaluate / predict on a
// loader (fit.hpp includes it; on tensors: fit_tensors.hpp): the loss and accuracy sums kept on
// the model's device, read once at the end.
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include "mantissa/layers/losses.hpp"
#include "mantissa/layers/metrics.hpp"
#include "mantissa/layers/sequential.hpp"
#include "mantissa/optim/batch_feed.hpp"

namespace mantissa {

struct Evaluation {
  double loss, accuracy;
};

// Refuses a loader that yields no batch (an empty set, or fewer samples than one batch with
// drop_last) with a ValueError naming `role` ("fit: the training set") and the cause: training
// on it would report a NaN or zero metric, or fail later inside a schedule.
template <Loader L>
void require_batches(L& data, const std::string& role) {
  const std::int64_t n = data.size(), batches = data.batches();
  if (batches >= 1) return;
  if (n == 0) throw ValueError(role + " is empty (0 samples)");
  std::string why = role + " has " + std::to_string(n) + " samples but yields no batch";
  if constexpr (requires { data.batch_size(); })
    why += ": fewer than one batch of " + std::to_string(data.batch_size()) +
           " with drop_last; lower the batch size or keep the last partial batch";
  throw ValueError(why);
}

namespace detail {

// The loss in the model's context when the loss takes one (the built-in losses do).
template <class LossFn, Device D, class L, class Y>
auto call_loss(LossFn& loss_fn, Context<D>& ctx, const L& logits, const Y& labels) {
  if constexpr (requires { loss_fn(ctx, logits, labels); }) return loss_fn(ctx, logits, labels);
  else return loss_fn(logits, labels);
}

// Running sums of an epoch or an evaluation, kept on the device: loss * n, correct rows, n.
template <Device D>
class RunningMetrics {
 public:
  RunningMetrics() : sums_(Shape{3}), loss_(Shape{1}) {}
  void reset(Context<D>& ctx) { ops::fill(ctx, sums_, 0.0f); }
  template <class L, class Y>
  void add(Context<D>& ctx, const L& logits, const Y& labels, const LossValue<D>& loss) {
    auto value = loss.device_value();
    if (value.empty()) {  // a loss computed on the host: its value goes to the device
      const float v = loss.value();
      copy_bytes<D, Cpu>(loss_.data(), &v, sizeof v);
      value = loss_.view();
    }
    if constexpr (std::same_as<dtype_of<Y>, float>)
      ops::accumulate_binary(ctx, sums_.view(), logits, labels, value);
    else
      ops::accumulate_classification(ctx, sums_.view(), logits, labels, value);
  }
  // (mean loss, accuracy, samples): one host read.
  std::array<double, 3> read() const {
    const auto host = sums();
    const double n = std::max(1.0f, host[2]);
    return {host[0] / n, host[1] / n, host[2]};
  }
  // The sums themselves (loss * n, correct rows, n), exactly: for a checkpoint, and back.
  std::array<float, 3> sums() const {
    std::array<float, 3> host;
    copy_bytes<Cpu, D>(host.data(), sums_.data(), sizeof host);
    return host;
  }
  void restore(const std::array<float, 3>& host) {
    copy_bytes<D, Cpu>(sums_.data(), host.data(), sizeof host);
  }

 private:
  Tensor<float, D> sums_;  // (3)
  Tensor<float, D> loss_;  // (1)
};

}  // namespace detail

namespace detail {
template <Policy P, Device D, class LossFn, Loader L>
Evaluation evaluate_impl(Sequential<P, D>& model, LossFn& loss_fn, L& data) {
  require_batches(data, "evaluate: the data set");
  auto& ctx = model.context();
  detail::RunningMetrics<D> metrics;
  metrics.reset(ctx);
  Tensor<dtype_of<decltype(data.batch(0).x)>, D> xbuf;
  Tensor<dtype_of<decltype(data.batch(0).y)>, D> ybuf;
  for (std::int64_t b = 0; b < data.batches(); ++b) {
    auto batch = data.batch(b);
    const auto x = detail::on_device<D>(cview(batch.x), xbuf);
    const auto y = detail::on_device<D>(cview(batch.y), ybuf);
    auto logits = model.forward(x, Mode::infer);
    metrics.add(ctx, logits, y, detail::call_loss(loss_fn, ctx, logits, y));
  }
  const auto s = ctx.read_status();
  if (s.bad_label_row >= 0) ctx.reset_status();
  detail::raise_bad_label(s);
  const auto [loss, acc, n] = metrics.read();
  return {loss, acc};
}
}  // namespace detail

// Loss and accuracy over a whole loader, in inference mode. The sums stay on the model's
// device until the end: one host read (and a label out of range is reported then).
template <Policy P, Device D, class LossFn, Loader L>
Evaluation evaluate(Sequential<P, D>& model, LossFn loss_fn, L& data) {
  return detail::evaluate_impl(model, loss_fn, data);
}

// The model's outputs for every sample, in loader order, as float32 (N, outputs...) on the
// host.
template <Policy P, Device D, Loader L>
Tensor<float> predict(Sequential<P, D>& model, L& data) {
  auto out = Tensor<float>::empty(model.output_shape().prepend(data.size()));
  auto& ctx = model.context();
  Tensor<dtype_of<decltype(data.batch(0).x)>, D> xbuf;
  Tensor<float, D> fbuf;
  std::int64_t row = 0;
  const std::int64_t per_row = data.size() ? out.numel() / data.size() : 0;
  for (std::int64_t b = 0; b < data.batches(); ++b) {
    const auto y = model.forward(detail::on_device<D>(cview(data.batch(b).x), xbuf), Mode::infer);
    if (fbuf.numel() < y.numel()) fbuf = Tensor<float, D>::empty(Shape{y.numel()});
    TensorView<float, D> f(fbuf.data(), y.shape());
    ops::cast_into(ctx, f, y);
    copy_bytes<Cpu, D>(out.data() + row * per_row, f.data(), f.size_bytes());
    row += y.shape()[0];
  }
  return out;
}

}  // namespace mantissa
