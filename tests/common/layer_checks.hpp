// tests/common/layer_checks.hpp: what the layer suites run on more than one layer: a row type
// for their tables, the ShapeError text that building a spec gives, and the allocations of a
// reserved step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "mantissa/mantissa.hpp"

namespace mt_test {

// One row of a table-driven layer check: a spec and the per-sample input shape it is built on.
template <class Spec>
struct LayerCase {
  Spec spec;
  mantissa::Shape input;
};

// What building `spec`'s CPU layer under policy P on `input` throws as a ShapeError, or
// "(no error)".
template <class P, class Spec>
std::string build_error(const Spec& spec, const mantissa::Shape& input) {
  try {
    auto layer = spec.template make<P, mantissa::Cpu>();
    mantissa::Generator gen(1);
    layer->build(input, gen);
  } catch (const mantissa::ShapeError& e) {
    return e.what();
  }
  return "(no error)";
}

// Builds `layer` on `input` (seed 3), reserves `batch` rows, then counts the CPU allocations
// of two steps of forward(train) + backward + forward(infer) on one row fewer (a smaller
// batch must reuse the reserved buffers too). A step that allocates nothing returns 0.
template <class Layer>
std::size_t allocations_in_reserved_steps(Layer& layer, const mantissa::Shape& input,
                                          std::int64_t batch) {
  namespace mt = mantissa;
  using T = typename Layer::T;
  auto& ctx = mt::default_context<mt::Cpu>();
  mt::Generator gen(3);
  const mt::Shape out = layer.build(input, gen).prepend(batch);
  layer.reserve(ctx, batch);
  auto x = mt::normal<T>(input.prepend(batch), 0.0f, 1.0f, gen);
  mt::Tensor<T> y(out), dy(out), dx(x.shape());
  const auto before = mt::cpu_allocation_stats().allocations;
  for (int step = 0; step < 2; ++step) {
    layer.forward(ctx, y.view(), x.view(), mt::Mode::train);
    layer.backward(ctx, dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
    layer.forward(ctx, y.slice(0, batch - 1), x.slice(0, batch - 1), mt::Mode::infer);
  }
  return mt::cpu_allocation_stats().allocations - before;
}

}  // namespace mt_test
