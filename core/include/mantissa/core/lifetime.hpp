// mantissa/core/lifetime.hpp: results that know when they went stale.
//
// What these objects represent:
//   Generation         an owner's counter of how many times it has reused (or freed) the
//                      buffers it hands out: a model's activations, a loss's gradient, a
//                      model's gradient arena. advance() says "everything handed out so far
//                      is no longer what it was"; destruction advances it one last time.
//   Stamp              what a handle keeps of it: the counter (shared, so it outlives the
//                      owner) and its value when the handle was made. live() compares them.
//   OutputView<T, D>   a read-only view into such an owner's buffer, checked on every access:
//                      what Sequential::forward returns. Once its owner ran again or died,
//                      any read is a StateError naming both, never a read of reused or freed
//                      memory. It is TensorLike, so every op, loss and metric takes it; it
//                      does not convert to a plain TensorView (an unchecked copy of the
//                      pointer is what it exists to prevent); view() gives one explicitly,
//                      valid until the owner runs again.
// Not thread-safe, as the owners are not: a model runs on one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "mantissa/core/error.hpp"
#include "mantissa/core/print.hpp"
#include "mantissa/core/tensor.hpp"

namespace mantissa {

class Stamp {
 public:
  Stamp() = default;  // never live
  bool live() const noexcept { return counter_ && *counter_ == at_; }

 private:
  friend class Generation;
  Stamp(std::shared_ptr<const std::uint64_t> c, std::uint64_t at) : counter_(std::move(c)), at_(at) {}
  std::shared_ptr<const std::uint64_t> counter_;
  std::uint64_t at_ = 0;
};

class Generation {
 public:
  Generation() : counter_(std::make_shared<std::uint64_t>(0)) {}
  ~Generation() {
    if (counter_) ++*counter_;  // the owner is gone: every stamp is stale
  }
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;
  Generation(Generation&& o) noexcept : counter_(std::exchange(o.counter_, nullptr)) {}
  Generation& operator=(Generation&& o) noexcept {
    if (this != &o) {
      if (counter_) ++*counter_;
      counter_ = std::exchange(o.counter_, nullptr);
    }
    return *this;
  }

  void advance() noexcept { ++*counter_; }
  Stamp stamp() const { return Stamp(counter_, *counter_); }

 private:
  std::shared_ptr<std::uint64_t> counter_;
};

// A stamp that stays live for the whole program: for results whose memory the caller owns.
inline Stamp forever_stamp() {
  static const Generation g;
  return g.stamp();
}

template <class T, class D = Cpu>
class OutputView {
 public:
  using value_type = T;
  using element_type = const T;
  using device_type = D;

  OutputView() = default;
  // `what` names the owner and says how the output goes stale, e.g. "Sequential::forward's
  // output (it is overwritten by the model's next forward)": a string literal.
  OutputView(TensorView<const T, D> v, Stamp s, const char* what) noexcept
      : v_(v), stamp_(std::move(s)), what_(what) {}

  // A plain view would not be checked: ask for it by name (valid until the owner runs
  // again), or keep a copy: x.clone().
  operator TensorView<const T, D>() const = delete;  // use .view() (checked once) or .clone()

  bool live() const noexcept { return stamp_.live(); }
  TensorView<const T, D> view() const { return check(), v_; }
  const T* data() const { return check(), v_.data(); }
  const Shape& shape() const { return check(), v_.shape(); }
  int rank() const { return shape().rank(); }
  std::int64_t numel() const { return shape().numel(); }
  std::size_t size_bytes() const { return check(), v_.size_bytes(); }
  bool empty() const { return numel() == 0; }
  Tensor<T, D> clone() const { return view().clone(); }
  // Rows [b, e): checked like the whole.
  OutputView slice(std::int64_t b, std::int64_t e) const {
    return OutputView(view().slice(b, e), stamp_, what_);
  }
  const Stamp& stamp() const noexcept { return stamp_; }

  template <std::integral... I>
  const T& operator()(I... idx) const {
    return view()(idx...);
  }
  const T& operator[](std::int64_t i) const
    requires is_host_device<D>
  {
    return view()[i];
  }

 private:
  void check() const {
    if (!stamp_.live())
      throw StateError(std::string(what_ ? what_ : "this output") +
                       ": it is stale: its owner has run again or been destroyed since it was "
                       "returned. Use an output before the next call, or keep a copy with "
                       "clone()");
  }

  TensorView<const T, D> v_;
  Stamp stamp_;
  const char* what_ = nullptr;
};

template <class T, class D>
struct tensor_traits<OutputView<T, D>> {
  static constexpr bool is_tensor = true;
  using value_type = T;
  using device_type = D;
};

// cview of a temporary OutputView would drop its check: keep the OutputView, or .view() it.
template <class T, class D>
void cview(const OutputView<T, D>&&) = delete;  // a plain view of a forward output would not be checked: keep the OutputView

template <class T, class D>
std::ostream& operator<<(std::ostream& os, const OutputView<T, D>& x) {
  return os << x.view();
}

}  // namespace mantissa
