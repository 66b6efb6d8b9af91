// mantissa/core/tensor.hpp: Tensor<T, Device> (owning) and TensorView<T, Device> (borrowed).
//
// What these objects represent:
//   Tensor<T, D>      owns one contiguous, row-major, 64-byte-aligned buffer of numel()
//                     elements of dtype T on device D. Move-only: a copy is a visible clone().
//   TensorView<T, D>  a pointer and a shape into memory someone else owns; cheap to pass by
//                     value. TensorView<const T, D> is the read-only form; a Tensor converts
//                     to either with view().
// The device is part of the type, so host element access (operator(), operator[], at) exists
// only for D = Cpu, and a kernel for one device cannot be handed a tensor of the other.
//
// Requires/ensures:
//   - T is a dtype (float, half, bfloat16, int32_t, uint8_t): anything else is a compile error;
//   - Tensor(shape) zero-fills; Tensor::empty(shape) leaves memory uninitialised;
//     Tensor::from({...}) holds listed values, checked as tensor_from.hpp says;
//   - operator() checks bounds in debug builds (MANTISSA_BOUNDS_CHECKS), at() always does;
//   - a moved-from tensor is empty (numel() == 0, data() == nullptr).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>

#include "mantissa/core/device.hpp"
#include "mantissa/core/dtype.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/shape.hpp"

namespace mantissa {

template <class T, class D = Cpu>
class Tensor;

// Named for the compiler's notes: "'mantissa::same_dtype<float, mantissa::half>' evaluates
// to false" names both types of a failed check (see checks.hpp).
template <class A, class B>
inline constexpr bool same_dtype = std::same_as<A, B>;
template <class A, class B>
inline constexpr bool same_device = std::same_as<A, B>;

namespace detail {
template <class T>
inline constexpr bool always_false = false;

[[noreturn]] void throw_index_error(std::int64_t index, std::int64_t axis_size, int axis,
                                    const Shape& shape);
[[noreturn]] void throw_reshape_error(const Shape& from, const Shape& to);
[[noreturn]] void throw_slice_error(std::int64_t begin, std::int64_t end, const Shape& shape);

#if defined(MANTISSA_BOUNDS_CHECKS) || !defined(NDEBUG)
inline constexpr bool bounds_checks = true;
#else
inline constexpr bool bounds_checks = false;
#endif

// What a tensor and a view both say about their extent.
template <class T>
class Extent {
 public:
  const Shape& shape() const noexcept { return shape_; }
  int rank() const noexcept { return shape_.rank(); }
  std::int64_t numel() const noexcept { return shape_.numel(); }
  std::size_t size_bytes() const noexcept {
    return static_cast<std::size_t>(numel()) * sizeof(T);
  }
  bool empty() const noexcept { return numel() == 0; }

 protected:
  Extent() = default;
  explicit Extent(Shape s) noexcept : shape_(s) {}
  Shape shape_{0};  // (any); (0,) when empty: a rank-0 shape would claim one element
};
}  // namespace detail

// ---- TensorView ---------------------------------------------------------------------------

template <class T, class D = Cpu>
class TensorView : public detail::Extent<std::remove_const_t<T>> {
  static_assert(is_dtype_v<std::remove_const_t<T>>,
                "mantissa::TensorView<T>: T is not a dtype; the dtypes are float, mantissa::half, "
                "mantissa::bfloat16, std::int32_t and std::uint8_t (const-qualified for a "
                "read-only view)");
  static_assert(is_device_v<D>, "mantissa::TensorView<T, D>: D is not a device (mantissa::Cpu, "
                                "mantissa::Cuda, or a type meeting the Device concept)");

 public:
  using value_type = std::remove_const_t<T>;
  using element_type = T;
  using device_type = D;


  TensorView() = default;
  TensorView(T* data, Shape shape) noexcept : detail::Extent<value_type>(shape), data_(data) {}

  // A mutable view converts to a read-only one, never the other way.
  operator TensorView<const T, D>() const noexcept  // NOLINT(google-explicit-constructor)
    requires(!std::is_const_v<T>)
  {
    return {data_, shape_};
  }

  TensorView view() const noexcept { return *this; }  // so ops take views and tensors alike
  // An owning copy (defined below Tensor).
  Tensor<value_type, D> clone() const;
  T* data() const noexcept { return data_; }

  // Same memory, another shape of the same element count.
  TensorView reshape(Shape s) const {
    if (s.numel() != this->numel()) detail::throw_reshape_error(shape_, s);
    return {data_, s};
  }

  // Rows [begin, end) of axis 0: a batch slice.
  TensorView slice(std::int64_t begin, std::int64_t end) const {
    if (this->rank() == 0 || begin < 0 || end < begin || end > shape_[0])
      detail::throw_slice_error(begin, end, shape_);
    return {data_ + begin * shape_.stride(0), shape_.with(0, end - begin)};
  }

  // ---- host element access (Cpu only) ----
  T& operator[](std::int64_t flat) const
    requires is_host_device<D>
  {
    if constexpr (detail::bounds_checks)
      if (flat < 0 || flat >= this->numel())
        detail::throw_index_error(flat, this->numel(), -1, shape_);
    return data_[flat];
  }

  template <std::integral... I>
  T& operator()(I... idx) const
    requires is_host_device<D>
  {
    if constexpr (detail::bounds_checks) return data_[checked_offset(idx...)];
    else return data_[offset(idx...)];
  }

  template <std::integral... I>
  T& at(I... idx) const
    requires is_host_device<D>
  {
    return data_[checked_offset(idx...)];
  }

  // Host access to device memory: a message instead of a page fault.
  template <std::integral... I>
  T& operator()(I...) const
    requires(!is_host_device<D>)
  {
    static_assert(is_host_device<D>,
                  "mantissa: elements of a device tensor cannot be read on the host (device in "
                  "the note below); copy it first: auto h = to<Cpu>(x); h(i, j)");
    return *data_;
  }

  T* begin() const noexcept
    requires is_host_device<D>
  {
    return data_;
  }
  T* end() const noexcept
    requires is_host_device<D>
  {
    return data_ + this->numel();
  }

 private:
  template <class... I>
  std::int64_t offset(I... idx) const noexcept {
    std::int64_t off = 0;
    int axis = 0;
    ((off = off * shape_[axis++] + static_cast<std::int64_t>(idx)), ...);
    return off;
  }

  template <class... I>
  std::int64_t checked_offset(I... idx) const {
    if (static_cast<int>(sizeof...(I)) != this->rank())
      detail::throw_index_error(static_cast<std::int64_t>(sizeof...(I)), this->rank(), -2, shape_);
    std::int64_t off = 0;
    int axis = 0;
    auto step = [&](std::int64_t i) {
      const std::int64_t n = shape_[axis];
      if (i < 0 || i >= n) detail::throw_index_error(i, n, axis, shape_);
      off = off * n + i;
      ++axis;
    };
    (step(static_cast<std::int64_t>(idx)), ...);
    return off;
  }

  using detail::Extent<value_type>::shape_;
  T* data_ = nullptr;
};

// ---- Tensor -------------------------------------------------------------------------------

template <class T, class D>
class Tensor : public detail::Extent<T> {
  static_assert(is_dtype_v<T>,
                "mantissa::Tensor<T>: T is not a dtype; the dtypes are float, mantissa::half, "
                "mantissa::bfloat16, std::int32_t and std::uint8_t. Parse text into numbers "
                "before it becomes a tensor (the CSV reader does, with a typed schema)");
  static_assert(is_device_v<D>,
                "mantissa::Tensor<T, D>: D is not a device (mantissa::Cpu, mantissa::Cuda, or a "
                "type meeting the Device concept)");

 public:
  using value_type = T;
  using device_type = D;

  Tensor() = default;

  // Zero-filled tensor of the given shape.
  explicit Tensor(Shape shape) : Tensor(empty(shape)) { zero(); }

  // Uninitialised tensor: for buffers that a kernel overwrites in full.
  static Tensor empty(Shape shape) {
    Tensor t;
    t.shape_ = shape;
    const std::size_t bytes = bytes_for(shape);
    t.data_ = bytes ? static_cast<T*>(D::allocate(bytes)) : nullptr;
    return t;
  }

  ~Tensor() { D::deallocate(data_); }

  // A tensor of listed values: from({0.5f, 1.5f}), from({1, 2, 3, 4}, {2, 2}),
  // from({{1, 2}, {3, 4}}). Which values a dtype takes, and how they are checked, is in
  // tensor_from.hpp (a double into a float tensor does not compile, for one).
  template <class V>
  static Tensor from(std::initializer_list<V> values);
  template <class V>
  static Tensor from(std::initializer_list<V> values, Shape shape);
  template <class V>
  static Tensor from(std::initializer_list<std::initializer_list<V>> rows);

  // The bytes a tensor of `shape` holds. A size that does not fit in size_t (a corrupt header,
  // a typo'd dimension) is an Error naming the shape, not a wrapped product and a small buffer.
  static std::size_t bytes_for(const Shape& shape) {
    for (int i = 0; i < shape.rank(); ++i)
      if (shape[i] == 0) return 0;
    std::size_t n = sizeof(T);
    for (int i = 0; i < shape.rank(); ++i)
      if (__builtin_mul_overflow(n, static_cast<std::size_t>(shape[i]), &n))
        throw Error("Tensor: a tensor of shape " + shape.str() + " would need more than " +
                    std::to_string(SIZE_MAX) + " bytes");
    return n;
  }

  // Move-only. A copy must be asked for: x.clone().
  Tensor(const Tensor&) = delete;  // Tensor is move-only: copy explicitly with x.clone()
  Tensor& operator=(const Tensor&) = delete;  // move-only: y = x.clone() or std::move(x)

  Tensor(Tensor&& o) noexcept
      : detail::Extent<T>(std::exchange(o.shape_, Shape{0})),
        data_(std::exchange(o.data_, nullptr)) {}
  Tensor& operator=(Tensor&& o) noexcept {
    if (this != &o) {
      D::deallocate(data_);
      data_ = std::exchange(o.data_, nullptr);
      shape_ = std::exchange(o.shape_, Shape{0});
    }
    return *this;
  }

  // A tensor of another dtype or device never converts: deleted, not static_asserted, so the
  // traits tell the truth (std::is_convertible_v<Tensor<half>, Tensor<float>> is false) and
  // generic code is not misled. The error names both types ("[with U = half; ...; T = float]")
  // and the compiler's "declared here" note shows the fix on the declaration's line.
  template <class U, class E>
    requires(!same_dtype<U, T> || !same_device<E, D>)
  Tensor(Tensor<U, E>&&) = delete;  // dtype/device never convert implicitly: cast<T>(x), to<D>(x)
  template <class U, class E>
    requires(!same_dtype<U, T> || !same_device<E, D>)
  Tensor& operator=(Tensor<U, E>&&) = delete;  // other dtype/device: y = cast<T>(x), to<D>(x)

  Tensor clone() const {
    Tensor t = empty(shape_);
    if (data_) copy_bytes<D, D>(t.data_, data_, this->size_bytes());
    return t;
  }

  // Views of a named tensor. A temporary tensor dies at the end of the statement, so a view
  // of one would dangle: those forms are deleted (name the tensor first, or keep the Tensor).
  TensorView<T, D> view() & noexcept { return {data_, shape_}; }
  TensorView<const T, D> view() const& noexcept { return {data_, shape_}; }
  TensorView<const T, D> view() const&& = delete;  // a view of a temporary tensor would dangle: name the tensor first
  operator TensorView<T, D>() & noexcept { return view(); }               // NOLINT
  operator TensorView<const T, D>() const& noexcept { return view(); }    // NOLINT
  operator TensorView<const T, D>() const&& = delete;  // a view of a temporary tensor would dangle: keep the Tensor (auto t = ...)

  using detail::Extent<T>::empty;

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }

  // In place: same buffer, another shape of the same element count.
  void reshape_(Shape s) {
    if (s.numel() != this->numel()) detail::throw_reshape_error(shape_, s);
    shape_ = s;
  }
  TensorView<T, D> reshape(Shape s) & { return view().reshape(s); }
  TensorView<const T, D> reshape(Shape s) const& { return view().reshape(s); }
  TensorView<const T, D> reshape(Shape s) const&& = delete;  // a view of a temporary tensor would dangle: name the tensor first
  TensorView<T, D> slice(std::int64_t b, std::int64_t e) & { return view().slice(b, e); }
  TensorView<const T, D> slice(std::int64_t b, std::int64_t e) const& {
    return view().slice(b, e);
  }
  TensorView<const T, D> slice(std::int64_t, std::int64_t) const&& = delete;  // a view of a temporary tensor would dangle: name the tensor first

  void zero() {
    if (data_) D::zero_bytes(data_, this->size_bytes());
  }

  // ---- host element access (Cpu only) ----
  // On a temporary tensor these return the element by value: a reference would dangle.
  template <std::integral... I>
  T& operator()(I... idx) &
    requires is_host_device<D>
  {
    return view()(idx...);
  }
  template <std::integral... I>
  const T& operator()(I... idx) const&
    requires is_host_device<D>
  {
    return view()(idx...);
  }
  template <std::integral... I>
  T operator()(I... idx) const&&
    requires is_host_device<D>
  {
    return view()(idx...);
  }
  template <std::integral... I>
  T& at(I... idx) &
    requires is_host_device<D>
  {
    return view().at(idx...);
  }
  template <std::integral... I>
  const T& at(I... idx) const&
    requires is_host_device<D>
  {
    return view().at(idx...);
  }
  template <std::integral... I>
  T at(I... idx) const&&
    requires is_host_device<D>
  {
    return view().at(idx...);
  }
  template <std::integral... I>
  T& operator()(I... idx) &
    requires(!is_host_device<D>)
  {
    return view()(idx...);  // static_asserts: device memory is not host-readable
  }
  template <std::integral... I>
  const T& operator()(I... idx) const&
    requires(!is_host_device<D>)
  {
    return view()(idx...);
  }
  T& operator[](std::int64_t i) &
    requires is_host_device<D>
  {
    return view()[i];
  }
  const T& operator[](std::int64_t i) const&
    requires is_host_device<D>
  {
    return view()[i];
  }
  T operator[](std::int64_t i) const&&
    requires is_host_device<D>
  {
    return view()[i];
  }
  T* begin() noexcept
    requires is_host_device<D>
  {
    return data_;
  }
  T* end() noexcept
    requires is_host_device<D>
  {
    return data_ + this->numel();
  }
  const T* begin() const noexcept
    requires is_host_device<D>
  {
    return data_;
  }
  const T* end() const noexcept
    requires is_host_device<D>
  {
    return data_ + this->numel();
  }

 private:
  using detail::Extent<T>::shape_;
  T* data_ = nullptr;
};

template <class T, class D>
Tensor<std::remove_const_t<T>, D> TensorView<T, D>::clone() const {
  auto t = Tensor<std::remove_const_t<T>, D>::empty(shape_);
  if (data_) copy_bytes<D, D>(t.data(), data_, this->size_bytes());
  return t;
}

// ---- traits used by the ops' diagnostics ---------------------------------------------------

template <class X>
struct tensor_traits {
  static constexpr bool is_tensor = false;
};
template <class T, class D>
struct tensor_traits<Tensor<T, D>> {
  static constexpr bool is_tensor = true;
  using value_type = T;
  using device_type = D;
};
template <class T, class D>
struct tensor_traits<TensorView<T, D>> {
  static constexpr bool is_tensor = true;
  using value_type = std::remove_const_t<T>;
  using device_type = D;
};

// Anything that is a Tensor or a TensorView, of any dtype and device.
template <class X>
concept TensorLike = tensor_traits<std::remove_cvref_t<X>>::is_tensor;

template <TensorLike X>
using dtype_of = typename tensor_traits<std::remove_cvref_t<X>>::value_type;
template <TensorLike X>
using device_of = typename tensor_traits<std::remove_cvref_t<X>>::device_type;

// A read-only view of any tensor-like value.
template <TensorLike X>
TensorView<const dtype_of<X>, device_of<X>> cview(const X& x) {  // may throw: an OutputView checks it is live
  return {x.data(), x.shape()};
}
template <class T, class D>
void cview(const Tensor<T, D>&&) = delete;  // a view of a temporary tensor would dangle: name the tensor first

}  // namespace mantissa

#include "mantissa/core/tensor_from.hpp"  // Tensor::from's definitions
