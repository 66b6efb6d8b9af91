// mantissa/optim/fit_tensors.hpp: fit, evaluate and predict on tensors, as Keras's
// model.fit(x, y, batch_size=32, shuffle=True, validation_split=0.2).
//
//   auto history = fit(model, opt, BinaryCrossEntropy{}, x, y,
//                      {.epochs = 20, .batch_size = 32, .seed = 1, .validation_split = 0.2});
//   auto [loss, accuracy] = evaluate(model, BinaryCrossEntropy{}, x_test, y_test);
//   Tensor<float> logits = predict(model, x_test);      // (N, outputs...), float32, host
//
// x: host samples (N, features...) of any floating dtype (float32, float16, bfloat16), cast to
// the model's compute dtype on the way in with the input rule (a NaN, an infinity or a value
// beyond the compute dtype's range is a NumericsError naming the sample and feature); y: (N,)
// int32 class indices or float targets. The tensors are put in data::TabularLoaders (one for
// the training rows, one for the held-out ones) and trained by the loader fit: the same loop,
// the same checkpoints and resume; fit on x, y equals fit on TabularLoader(x, y, {.batch,
// .shuffle, .seed}) bit for bit. validation_split holds out the LAST rows, before any
// shuffling (Keras's rule: the first ceil(N * (1 - split)) rows train): shuffle x, y first
// if they are sorted. Under FitOptions::data_parallel every rank passes the whole x, y and
// trains on its shard of the training rows (dp.shard()); each validates on all held-out rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "mantissa/data/tabular_loader.hpp"
#include "mantissa/optim/fit.hpp"

namespace mantissa {

namespace detail {

// The checks every tensor entry makes: host samples of a floating dtype, labels the losses
// read, and one label per sample.
template <class X, class Y>
constexpr bool tensors_fit() {
  static_assert(FloatDtype<dtype_of<X>>,
                "mantissa::fit/evaluate/predict: x must hold float32, float16 or bfloat16 "
                "features; cast<float>(x) first");
  static_assert(std::same_as<dtype_of<Y>, std::int32_t> || std::same_as<dtype_of<Y>, float>,
                "mantissa::fit/evaluate: y must hold int32 class indices or float targets");
  static_assert(is_host_device<device_of<X>> && is_host_device<device_of<Y>>,
                "mantissa::fit/evaluate/predict: x and y are read on the host (the model's "
                "device gets each batch); to<Cpu>(x) first");
  return FloatDtype<dtype_of<X>> &&
         (std::same_as<dtype_of<Y>, std::int32_t> ||
          std::same_as<dtype_of<Y>, float>)&&is_host_device<device_of<X>> &&
         is_host_device<device_of<Y>>;
}

inline std::int64_t checked_batch_size(const char* fn, std::int64_t b) {
  if (b < 1)
    throw ValueError(std::string(fn) + ": batch_size must be >= 1, got " + std::to_string(b));
  return b;
}

template <Policy P, Device D, class Opt, class LossFn, class X, class Y>
History fit_tensors(Sequential<P, D>& model, Opt& opt, LossScaler* scaler, LossFn& loss_fn,
                    const X& x, const Y& y, const FitOptions& o) {
  using T = typename P::compute;
  using L = dtype_of<Y>;
  const double split = o.validation_split;
  if (!(split >= 0.0 && split < 1.0))
    throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(split));
  if (x.rank() < 2 || y.rank() != 1 || x.shape()[0] != y.shape()[0])
    throw ShapeError("fit: needs samples x (N, features...) and labels y (N,), got x " +
                     x.shape().str() + " and y " + y.shape().str());
  const data::TabularOptions to{
      .batch = checked_batch_size("fit", o.batch_size.value_or(32)),
      .shuffle = o.shuffle.value_or(true),
      .seed = o.seed.value_or(0),
      // data-parallel: this rank's part of the training rows
      .shard = o.data_parallel ? o.data_parallel->shard() : data::Shard{}};
  const std::int64_t n = x.shape()[0];
  // Keras: split_at = ceil(N * (1 - validation_split)); rows [split_at, N) are held out.
  const auto n_train = static_cast<std::int64_t>(std::ceil(double(n) * (1.0 - split)));
  const auto xv = cview(x);
  const auto yv = cview(y);
  data::TabularLoader<T, L> train(xv.slice(0, n_train), yv.slice(0, n_train), to);
  FitOptions rest = o;  // the loader now holds the tensor options
  rest.batch_size.reset(), rest.shuffle.reset(), rest.seed.reset(), rest.validation_split = 0.0;
  return guard_foreign([&] {
    if (n_train == n)
      return fit_impl(model, opt, scaler, loss_fn, train,
                      static_cast<data::TabularLoader<T, L>*>(nullptr), rest);
    data::TabularLoader<T, L> held_out(xv.slice(n_train, n), yv.slice(n_train, n),
                                       {.batch = to.batch, .shuffle = false});
    return fit_impl(model, opt, scaler, loss_fn, train, &held_out, rest);
  });
}

}  // namespace detail

// With a loss scaler (required under mixed_float16, allowed under every policy).
template <Policy P, Device D, class Opt, detail::ScalerArg S, class LossFn, TensorLike X,
          TensorLike Y>
History fit(Sequential<P, D>& model, Opt& opt, S& scaler, LossFn loss_fn, const X& x, const Y& y,
            const FitOptions& o = {}) {
  if constexpr (detail::mutable_scaler<S>() && detail::tensors_fit<X, Y>())
    return detail::fit_tensors(model, opt, &scaler, loss_fn, x, y, o);
  else
    return {};
}

// Without one: float32 and mixed_bfloat16 only.
template <Policy P, Device D, class Opt, class LossFn, TensorLike X, TensorLike Y>
requires(!std::same_as<std::remove_cvref_t<LossFn>, LossScaler>) History
    fit(Sequential<P, D>& model, Opt& opt, LossFn loss_fn, const X& x, const Y& y,
        const FitOptions& o = {}) {
  static_assert(!needs_loss_scaling_v<P>,
                "mantissa::fit: this policy (note below) needs a loss scaler: "
                "fit(model, opt, scaler, loss, x, y, options) with a mantissa::LossScaler");
  if constexpr (!needs_loss_scaling_v<P> && detail::tensors_fit<X, Y>())
    return detail::fit_tensors(model, opt, nullptr, loss_fn, x, y, o);
  else
    return {};
}

// Loss and accuracy over x, y in batches of batch_size, in inference mode (as the loader
// evaluate: the sums stay on the model's device, one host read).
template <Policy P, Device D, class LossFn, TensorLike X, TensorLike Y>
Evaluation evaluate(Sequential<P, D>& model, LossFn loss_fn, const X& x, const Y& y,
                    std::int64_t batch_size = 32) {
  if constexpr (detail::tensors_fit<X, Y>()) {
    data::TabularLoader<typename P::compute, dtype_of<Y>> data(
        x, y, {.batch = detail::checked_batch_size("evaluate", batch_size), .shuffle = false});
    return detail::evaluate_impl(model, loss_fn, data);
  } else {
    return {};
  }
}

// The model's outputs for every row of x, in order, as float32 (N, outputs...) on the host,
// whatever the compute dtype (each logit widened exactly), in batches of batch_size, in
// inference mode.
template <Policy P, Device D, TensorLike X>
Tensor<float> predict(Sequential<P, D>& model, const X& x, std::int64_t batch_size = 32) {
  if constexpr (detail::tensors_fit<X, Tensor<std::int32_t>>()) {
    if (x.rank() < 2)
      throw ShapeError("predict: needs samples x (N, features...), got " + x.shape().str());
    auto labels = Tensor<std::int32_t>::empty(Shape{x.shape()[0]});  // never read
    std::fill_n(labels.data(), labels.numel(), 0);
    data::TabularLoader<typename P::compute, std::int32_t> data(
        x, labels, {.batch = detail::checked_batch_size("predict", batch_size), .shuffle = false});
    return predict(model, data);
  } else {
    return {};
  }
}

}  // namespace mantissa
