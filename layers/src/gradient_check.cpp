// layers/src/gradient_check.cpp: the finite-difference gradient checker.
#include "mantissa/layers/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

namespace mantissa {

namespace {
template <class T>
double as_double(T v) {
  return static_cast<double>(static_cast<float>(v));
}

template <class T>
struct Defaults;
template <>
struct Defaults<float> {
  static constexpr float epsilon = 1e-2f, tolerance = 2e-2f;
};
template <>
struct Defaults<half> {
  static constexpr float epsilon = 6e-2f, tolerance = 5e-2f;
};
template <>
struct Defaults<bfloat16> {
  static constexpr float epsilon = 1.25e-1f, tolerance = 1e-1f;
};

// Central differences of L = sum(y * w) for every input and parameter element of `layer`,
// whose compute dtype is U. The step taken is the one the compute dtype could represent.
template <class Q>
void numeric_gradients(Layer<Q, Cpu>& layer, Tensor<typename Q::compute, Cpu>& x,
                       const Tensor<typename Q::compute, Cpu>& w, Mode mode, float eps,
                       std::vector<double>& dx, std::vector<std::vector<double>>& dparams) {
  using U = typename Q::compute;
  Tensor<U, Cpu> y(w.shape());
  auto loss = [&]() {
    layer.forward(default_context<Cpu>(), y.view(), x.view(), mode);
    double s = 0.0;
    for (std::int64_t i = 0; i < y.numel(); ++i) s += as_double(y[i]) * as_double(w[i]);
    return s;
  };
  dx.assign(static_cast<std::size_t>(x.numel()), 0.0);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const U saved = x[i];
    const float v = static_cast<float>(saved);
    x[i] = U(v + eps);
    const double up = as_double(x[i]), lp = loss();
    x[i] = U(v - eps);
    const double down = as_double(x[i]), lm = loss();
    x[i] = saved;
    dx[static_cast<std::size_t>(i)] = (lp - lm) / (up - down);
  }
  dparams.clear();
  for (auto* p : layer.parameters()) {
    auto& d = dparams.emplace_back(static_cast<std::size_t>(p->numel()), 0.0);
    for (std::int64_t i = 0; i < p->numel(); ++i) {
      const float saved = p->master[i];
      p->master[i] = saved + eps;
      p->refresh_compute();
      const double up = as_double(p->value()[i]), lp = loss();
      p->master[i] = saved - eps;
      p->refresh_compute();
      const double down = as_double(p->value()[i]), lm = loss();
      p->master[i] = saved;
      p->refresh_compute();
      d[static_cast<std::size_t>(i)] = (lp - lm) / (up - down);
    }
  }
}

struct Tracker {
  GradCheckResult& r;
  double floor;  // 1e-2 * largest |analytic|, so tiny gradients are compared absolutely
  void add(const std::string& name, std::int64_t i, double analytic, double numeric) {
    const double denom = std::max({std::abs(analytic), std::abs(numeric), floor, 1e-12});
    const double err = std::abs(analytic - numeric) / denom;
    ++r.checked;
    if (err > r.worst_error || r.worst.empty()) {
      r.worst_error = err;
      r.worst = name + "[" + std::to_string(i) + "]";
      r.analytic = analytic;
      r.numeric = numeric;
    }
  }
};
}  // namespace

std::string GradCheckResult::report() const {
  std::ostringstream os;
  os << (passed ? "passed" : "FAILED") << ": worst relative error " << worst_error << " at "
     << worst << " (analytic " << analytic << ", numeric " << numeric << "), tolerance "
     << tolerance << ", " << checked << " elements checked";
  return os.str();
}

template <Policy P>
GradCheckResult check_gradients(Layer<P, Cpu>& layer, const Shape& input_shape,
                                GradCheckOptions o, Layer<policy::float32, Cpu>* reference) {
  using T = typename P::compute;
  GradCheckResult r;
  r.tolerance = o.tolerance > 0 ? o.tolerance : Defaults<T>::tolerance;

  Generator gen(o.seed);
  const Shape out_shape = layer.build(input_shape, gen).prepend(o.batch);
  layer.reserve(default_context<Cpu>(), o.batch);
  auto x = normal<T>(input_shape.prepend(o.batch), 0.0f, 1.0f, gen);
  auto w = normal<T>(out_shape, 0.0f, 1.0f, gen);
  Tensor<T, Cpu> y(out_shape), dx(x.shape());

  // Analytic: one forward, one backward with dy = w.
  auto& ctx = default_context<Cpu>();
  layer.forward(ctx, y.view(), x.view(), o.mode);
  layer.backward(ctx, dx.view(), w.view(), x.view(), y.view(), Accumulate::overwrite);

  std::vector<double> num_dx;
  std::vector<std::vector<double>> num_dparams;
  if (reference) {
    // The float32 twin, given the same masters and the same rounded inputs and weights.
    Generator unused(o.seed);
    (void)reference->build(input_shape, unused);
    reference->reserve(default_context<Cpu>(), o.batch);
    auto mine = layer.parameters();
    auto theirs = reference->parameters();
    if (mine.size() != theirs.size())
      throw StateError("check_gradients: the reference layer has another parameter list");
    for (std::size_t k = 0; k < mine.size(); ++k) {
      if (!(mine[k]->shape() == theirs[k]->shape()))
        throw ShapeError("check_gradients: reference parameter " + theirs[k]->name + " is " +
                         theirs[k]->shape().str() + ", the layer's is " + mine[k]->shape().str());
      copy_bytes<Cpu, Cpu>(theirs[k]->master.data(), mine[k]->master.data(),
                           mine[k]->master.size_bytes());
    }
    auto xf = cast<float>(x);
    auto wf = cast<float>(w);
    numeric_gradients(*reference, xf, wf, o.mode, o.epsilon > 0 ? o.epsilon : 1e-2f, num_dx,
                      num_dparams);
  } else {
    numeric_gradients(layer, x, w, o.mode, o.epsilon > 0 ? o.epsilon : Defaults<T>::epsilon,
                      num_dx, num_dparams);
  }

  double largest = 0.0;
  for (auto v : dx) largest = std::max(largest, std::abs(as_double(v)));
  for (auto* p : layer.parameters())
    for (float g : p->grad) largest = std::max(largest, std::abs(double(g)));
  Tracker track{r, 1e-2 * largest};
  for (std::int64_t i = 0; i < dx.numel(); ++i)
    track.add("input", i, as_double(dx[i]), num_dx[static_cast<std::size_t>(i)]);
  auto params = layer.parameters();
  for (std::size_t k = 0; k < params.size(); ++k)
    for (std::int64_t i = 0; i < params[k]->numel(); ++i)
      track.add(params[k]->name, i, static_cast<double>(params[k]->grad[i]),
                num_dparams[k][static_cast<std::size_t>(i)]);
  r.passed = r.worst_error <= r.tolerance;
  return r;
}

using RefLayer = Layer<policy::float32, Cpu>;
template GradCheckResult check_gradients<policy::float32>(Layer<policy::float32, Cpu>&,
                                                          const Shape&, GradCheckOptions,
                                                          RefLayer*);
template GradCheckResult check_gradients<policy::mixed_float16>(
    Layer<policy::mixed_float16, Cpu>&, const Shape&, GradCheckOptions, RefLayer*);
template GradCheckResult check_gradients<policy::mixed_bfloat16>(
    Layer<policy::mixed_bfloat16, Cpu>&, const Shape&, GradCheckOptions, RefLayer*);

}  // namespace mantissa
