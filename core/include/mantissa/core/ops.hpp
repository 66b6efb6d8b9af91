// mantissa/core/ops.hpp: elementwise ops, activations, reductions and fills: the entry points
// every layer, loss and optimizer calls, for any device.
//
// Two forms of every op:
//   ops::add(ctx, out, a, b)   writes into an existing tensor or view in context ctx (layers
//                              use these: no allocation); out, a, b are Tensors or views;
//   a + b                      returns a new Tensor, in the device's default context (for
//                              user code and tests).
// Each checks dtypes and devices at compile time (checks.hpp), that the device has a kernel
// for the op and dtype (backend.hpp), shapes once at run time (ShapeError naming the op and
// both shapes), then calls Backend<D>, picked by the device in the tensors' type.
#pragma once

#include <concepts>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/checks.hpp"
#include "mantissa/core/cpu/backend.hpp"

namespace mantissa {

// A scalar given to a floating tensor (the s of x * s, s - x, fill and full) is a float: the
// type its arithmetic runs in (accum_t), for half and bfloat16 tensors too. Exactly a float:
// a double would narrow silently (x * 1e-50 multiplies by 0), a bool or an int is a typo more
// often than a number, a half would be widened behind the user's back. Named for the
// compiler's note ("'mantissa::is_float_scalar<double>' evaluates to false"), which shows the
// scalar's type.
template <class S>
inline constexpr bool is_float_scalar = std::same_as<S, float>;
// A value filled into an integer tensor (int32, uint8) is an integer, never a bool.
template <class V>
inline constexpr bool is_integer_value = std::integral<V> && !std::same_as<V, bool>;

namespace detail {
[[noreturn]] void throw_shape_mismatch(const char* op, const Shape& a, const Shape& b);
[[noreturn]] void throw_axis_error(const char* op, int axis, const Shape& s);
[[noreturn]] void throw_fill_range(const std::string& value, std::string_view dtype,
                                   std::int64_t lowest, std::int64_t highest);

// The scalar of a floating tensor's op is a float (see is_float_scalar). Returns whether it
// is, after at most one static_assert saying what it is instead and the fix.
template <class S>
constexpr bool check_float_scalar() {
  if constexpr (std::same_as<S, bool>)
    static_assert(is_float_scalar<S>,
                  "mantissa: this scalar for a floating tensor (x * s, s + x, fill, full) is a "
                  "bool; scalars are float: write 1.0f or 0.0f");
  else if constexpr (std::integral<S>)
    static_assert(is_float_scalar<S>,
                  "mantissa: this scalar for a floating tensor (x * s, s + x, fill, full) is an "
                  "integer (type in the note below); scalars are float: write 2.0f, or float(n)");
  else if constexpr (std::floating_point<S> && !std::same_as<S, float>)
    static_assert(is_float_scalar<S>,
                  "mantissa: this scalar for a floating tensor (x * s, s + x, fill, full) is a "
                  "double (type in the note below), which would narrow silently (1e-50 becomes "
                  "0); scalars are float: write 0.5f, or float(d)");
  else if constexpr (HalfDtype<S>)
    static_assert(is_float_scalar<S>,
                  "mantissa: this scalar for a floating tensor (x * s, s + x, fill, full) is a "
                  "16-bit float (type in the note below); scalars are float, the type the "
                  "arithmetic runs in: widen it visibly, float(h)");
  else
    static_assert(is_float_scalar<S>,
                  "mantissa: this scalar for a floating tensor (x * s, s + x, fill, full) is not "
                  "a number (type in the note below); scalars are float");
  return is_float_scalar<S>;
}

// A fill value for a tensor of dtype T: a float for the floating dtypes, an integer for int32
// and uint8 (range-checked when filled, see fill_value). One static_assert at most.
template <class T, class V>
constexpr bool check_fill_value() {
  if constexpr (FloatDtype<T>) {
    return check_float_scalar<V>();
  } else {
    if constexpr (std::same_as<V, bool>)
      static_assert(is_integer_value<V>,
                    "mantissa: an integer tensor (int32, uint8) is filled with an integer, and "
                    "this value is a bool: write 0 or 1");
    else
      static_assert(is_integer_value<V>,
                    "mantissa: an integer tensor (int32, uint8) is filled with an integer, and "
                    "this value (type in the note below) is not one: a float would be truncated "
                    "(0.5f fills 0), and out of range is undefined; fill with an integer, e.g. "
                    "3, rounding it yourself first (std::lround)");
    return is_integer_value<V>;
  }
}

// v as a T, v checked by check_fill_value: an integer outside T's range is a ValueError
// naming the value and the range (a C++ conversion would wrap uint8 or be undefined).
template <class T, class V>
T fill_value(V v) {
  if constexpr (FloatDtype<T>) {
    return convert_scalar<T>(v);
  } else {
    const auto w = +v;  // char types promote to int: std::in_range takes no char types
    if (!std::in_range<T>(w))
      throw_fill_range(std::to_string(w), dtype_name<T>, std::numeric_limits<T>::lowest(),
                       std::numeric_limits<T>::max());
    return static_cast<T>(w);
  }
}

inline void check_same_shape(const char* op, const Shape& a, const Shape& b) {
  if (!(a == b)) throw_shape_mismatch(op, a, b);
}

// (outer, len, inner) of a reduction over `axis`, and the result's shape (axis removed).
struct AxisSplit {
  std::int64_t outer = 1, len = 1, inner = 1;
  Shape reduced;
};
AxisSplit split_axis(const char* op, const Shape& s, int axis);

// (rows, cols) of a row-wise op over the last axis.
inline std::int64_t last_axis(const Shape& s) { return s.rank() ? s[-1] : 1; }

// The op can run: the context's device is the tensors', and it has the kernel.
template <class Op, class D, class X>
inline constexpr bool runs = same_context_device<D, device_of<X>> && has_kernel<Op, D, dtype_of<X>>;

// The checks every op on floating tensors of one device starts with.
template <class Op, class D, class X>
constexpr void require_runs() {
  require_float_dtype<X>();
  require_context<D, device_of<X>>();
  if constexpr (same_context_device<D, device_of<X>>) require_kernel<Op, D, dtype_of<X>>();
}

// The checks of an op writing `Out` from inputs `In, More...` of one floating dtype on one
// device, in the order their messages read best (dtypes, devices, the output, the kernel).
// Returns whether all hold: the op's body is guarded by it, so that a failed check prints
// its one message and not a cascade.
template <class Op, class D, class Out, class In, class... More>
constexpr bool check_elementwise() {
  (require_same_dtype_and_device<In, More>(), ...);
  require_same_dtype_and_device<Out, In>();
  require_writable<Out>();
  require_runs<Op, D, In>();
  return (compatible<In, More> && ...) && compatible<Out, In> && is_writable<Out> &&
         FloatDtype<dtype_of<In>> && runs<Op, D, In>;
}
}  // namespace detail

// ---- out-parameter forms ------------------------------------------------------------------
namespace ops {

template <Device D, TensorLike O, TensorLike A, TensorLike B>
void binary(Context<D>& ctx, BinaryOp f, O&& out, const A& a, const B& b) {
  if constexpr (detail::check_elementwise<op::binary, D, O, A, B>()) {
    detail::check_same_shape("binary op", a.shape(), b.shape());
    detail::check_same_shape("binary op (output)", out.shape(), a.shape());
    Backend<D>::binary(ctx, f, a.data(), b.data(), out.view().data(), a.numel());
  }
}
template <Device D, TensorLike O, TensorLike A, TensorLike B>
void add(Context<D>& ctx, O&& out, const A& a, const B& b) {
  binary(ctx, BinaryOp::add, out, a, b);
}
template <Device D, TensorLike O, TensorLike A, TensorLike B>
void sub(Context<D>& ctx, O&& out, const A& a, const B& b) {
  binary(ctx, BinaryOp::sub, out, a, b);
}
template <Device D, TensorLike O, TensorLike A, TensorLike B>
void mul(Context<D>& ctx, O&& out, const A& a, const B& b) {
  binary(ctx, BinaryOp::mul, out, a, b);
}
// IEEE division, in float32 and rounded once: x / 0 is +-inf and 0 / 0 NaN (no error: a
// mask or a count that may be zero is the caller's to check).
template <Device D, TensorLike O, TensorLike A, TensorLike B>
void div(Context<D>& ctx, O&& out, const A& a, const B& b) {
  binary(ctx, BinaryOp::div, out, a, b);
}

// out = a op s, or s op a when scalar_first. s is a float for every floating dtype: the
// scalar is part of the computation, which runs in float. Any other scalar type (double, int,
// bool, half) is a compile error saying so (detail::check_float_scalar).
template <Device D, TensorLike O, TensorLike A, class S>
void binary_scalar(Context<D>& ctx, BinaryOp f, O&& out, const A& a, S s,
                   bool scalar_first = false) {
  if constexpr (detail::check_elementwise<op::binary, D, O, A>()) {
    if constexpr (detail::check_float_scalar<S>()) {
      detail::check_same_shape("scalar op (output)", out.shape(), a.shape());
      Backend<D>::binary_scalar(ctx, f, a.data(), s, scalar_first, out.view().data(), a.numel());
    }
  }
}

// ---- activations, forward and backward side by side --------------------------------------

// y = f(x) (softmax over the last axis), computed in float32, rounded once into y's dtype.
template <Device D, TensorLike Y, TensorLike X>
void activation(Context<D>& ctx, Activation f, Y&& y, const X& x) {
  if constexpr (detail::check_elementwise<op::activation, D, Y, X>()) {
    detail::check_same_shape("activation (output)", y.shape(), x.shape());
    const auto c = detail::last_axis(x.shape());
    if (x.numel())
      Backend<D>::activation_forward(ctx, f, y.view().data(), x.data(), x.numel() / c, c);
  }
}

// dx = dy * f'(.), written with the forward output y (see vocabulary.hpp). dx may alias dy.
template <Device D, TensorLike DX, TensorLike DY, TensorLike Y>
void activation_backward(Context<D>& ctx, Activation f, DX&& dx, const DY& dy, const Y& y) {
  if constexpr (detail::check_elementwise<op::activation, D, DX, DY, Y>()) {
    detail::check_same_shape("activation_backward", dy.shape(), y.shape());
    detail::check_same_shape("activation_backward (dx)", dx.shape(), y.shape());
    const auto c = detail::last_axis(y.shape());
    if (y.numel())
      Backend<D>::activation_backward(ctx, f, dx.view().data(), dy.data(), y.data(),
                                      y.numel() / c, c);
  }
}

// x[:] = v. v is a float for the floating dtypes (rounded to nearest even into 16-bit ones)
// and an integer for int32 and uint8, where a value outside the dtype's range throws
// ValueError. Any other type of v is a compile error (detail::check_fill_value).
template <Device D, TensorLike X, class V>
void fill(Context<D>& ctx, X&& x, V v) {
  using T = dtype_of<X>;
  constexpr bool value_ok = detail::check_fill_value<T, V>();
  detail::require_writable<X>();
  detail::require_context<D, device_of<X>>();
  detail::require_kernel<op::fill, D, T>();
  if constexpr (value_ok && is_writable<X> && detail::runs<op::fill, D, X>)
    Backend<D>::fill(ctx, x.view().data(), detail::fill_value<T>(v), x.numel());
}

}  // namespace ops

// ---- value-returning forms ----------------------------------------------------------------

template <TensorLike A>
using tensor_of = Tensor<dtype_of<A>, device_of<A>>;

#define MANTISSA_BINARY_OPERATOR(sym, name)                                                    \
  template <TensorLike A, TensorLike B>                                                        \
  tensor_of<A> operator sym(const A& a, const B& b) {                                          \
    detail::require_same_dtype_and_device<A, B>();                                             \
    auto out = tensor_of<A>::empty(a.shape());                                                 \
    if constexpr (detail::compatible<A, B>)                                                    \
      ops::name(default_context<device_of<A>>(), out, a, b);                                   \
    return out;                                                                                \
  }                                                                                            \
  template <TensorLike A, class S>                                                             \
    requires(std::is_arithmetic_v<S> || HalfDtype<S>)                                          \
  tensor_of<A> operator sym(const A& a, S s) {                                                 \
    auto out = tensor_of<A>::empty(a.shape());                                                 \
    ops::binary_scalar(default_context<device_of<A>>(), BinaryOp::name, out, a, s);            \
    return out;                                                                                \
  }                                                                                            \
  template <class S, TensorLike A>                                                             \
    requires(std::is_arithmetic_v<S> || HalfDtype<S>)                                          \
  tensor_of<A> operator sym(S s, const A& a) {                                                 \
    auto out = tensor_of<A>::empty(a.shape());                                                 \
    ops::binary_scalar(default_context<device_of<A>>(), BinaryOp::name, out, a, s, true);      \
    return out;                                                                                \
  }
MANTISSA_BINARY_OPERATOR(+, add)
MANTISSA_BINARY_OPERATOR(-, sub)
MANTISSA_BINARY_OPERATOR(*, mul)
MANTISSA_BINARY_OPERATOR(/, div)
#undef MANTISSA_BINARY_OPERATOR

// relu(x), sigmoid(x), tanh(x), exp(x), log(x): a new tensor of x's dtype.
#define MANTISSA_ACTIVATION_FUNCTION(name)                                                     \
  template <TensorLike A>                                                                      \
  tensor_of<A> name(const A& x) {                                                              \
    auto out = tensor_of<A>::empty(x.shape());                                                 \
    ops::activation(default_context<device_of<A>>(), Activation::name, out, x);                \
    return out;                                                                                \
  }
MANTISSA_ACTIVATION_FUNCTION(relu)
MANTISSA_ACTIVATION_FUNCTION(sigmoid)
MANTISSA_ACTIVATION_FUNCTION(tanh)
MANTISSA_ACTIVATION_FUNCTION(exp)
MANTISSA_ACTIVATION_FUNCTION(log)
#undef MANTISSA_ACTIVATION_FUNCTION

// ---- reductions: precision by signature ---------------------------------------------------

// Sum over one axis (negative counts from the back), accumulated and returned in float32.
template <TensorLike A>
Tensor<float, device_of<A>> sum(const A& x, int axis) {
  using D = device_of<A>;
  detail::require_runs<op::reduce, D, A>();
  const auto s = detail::split_axis("sum", x.shape(), axis);
  auto out = Tensor<float, D>::empty(s.reduced);
  if constexpr (FloatDtype<dtype_of<A>> && detail::runs<op::reduce, D, A>)
    Backend<D>::sum(default_context<D>(), x.data(), s.outer, s.len, s.inner, out.data());
  return out;
}

// Sum of every element, as a rank-0 float32 tensor.
template <TensorLike A>
Tensor<float, device_of<A>> sum(const A& x) {
  return sum(x.view().reshape(Shape{x.numel()}), 0);
}

// Mean over one axis (negative counts from the back): the float32 sum divided by the axis
// length, returned in float32 whatever the input's dtype (precision by signature, as sum).
template <TensorLike A>
Tensor<float, device_of<A>> mean(const A& x, int axis) {
  using D = device_of<A>;
  detail::require_runs<op::reduce, D, A>();
  detail::require_kernel<op::binary, D, float>();  // the division
  const auto s = detail::split_axis("mean", x.shape(), axis);
  auto out = Tensor<float, D>::empty(s.reduced);
  if constexpr (FloatDtype<dtype_of<A>> && detail::runs<op::reduce, D, A> &&
                has_kernel<op::binary, D, float>) {
    auto& ctx = default_context<D>();
    Backend<D>::sum(ctx, x.data(), s.outer, s.len, s.inner, out.data());
    // Divided, not multiplied by 1 / len, which would round twice.
    Backend<D>::binary_scalar(ctx, BinaryOp::div, out.data(), static_cast<float>(s.len), false,
                              out.data(), out.numel());
  }
  return out;
}

// Mean of every element, as a rank-0 float32 tensor.
template <TensorLike A>
Tensor<float, device_of<A>> mean(const A& x) {
  return mean(x.view().reshape(Shape{x.numel()}), 0);
}

// Max over one axis, in the input's dtype (exact). NaN propagates.
template <TensorLike A>
tensor_of<A> max(const A& x, int axis) {
  using D = device_of<A>;
  detail::require_runs<op::reduce, D, A>();
  const auto s = detail::split_axis("max", x.shape(), axis);
  auto out = tensor_of<A>::empty(s.reduced);
  if constexpr (FloatDtype<dtype_of<A>> && detail::runs<op::reduce, D, A>)
    Backend<D>::max(default_context<D>(), x.data(), s.outer, s.len, s.inner, out.data());
  return out;
}

// Index of the max over one axis (first on ties, first NaN if any), as int32.
template <TensorLike A>
Tensor<std::int32_t, device_of<A>> argmax(const A& x, int axis) {
  using D = device_of<A>;
  detail::require_runs<op::reduce, D, A>();
  const auto s = detail::split_axis("argmax", x.shape(), axis);
  auto out = Tensor<std::int32_t, D>::empty(s.reduced);
  if constexpr (FloatDtype<dtype_of<A>> && detail::runs<op::reduce, D, A>)
    Backend<D>::argmax(default_context<D>(), x.data(), s.outer, s.len, s.inner, out.data());
  return out;
}

// ---- constructors -------------------------------------------------------------------------

// A tensor of `value`: a float for the floating dtypes, an integer (range-checked) for int32
// and uint8, as ops::fill takes.
template <Dtype T, Device D = Cpu, class V>
Tensor<T, D> full(Shape shape, V value) {
  auto t = Tensor<T, D>::empty(shape);
  ops::fill(default_context<D>(), t, value);
  return t;
}

template <Dtype T, Device D = Cpu>
Tensor<T, D> zeros(Shape shape) {
  return Tensor<T, D>(shape);
}

// 0, 1, ..., n-1 (in half, integers are exact up to 2048; above they round to even).
template <Dtype T>
Tensor<T, Cpu> arange(std::int64_t n) {
  auto t = Tensor<T, Cpu>::empty(Shape{n});
  for (std::int64_t i = 0; i < n; ++i)
    t[i] = convert_scalar<T>(static_cast<accum_t<T>>(i));
  return t;
}

}  // namespace mantissa
