// mantissa/optim/step.hpp: what a step reports, and gradient clipping.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "mantissa/layers/gradients.hpp"
#include "mantissa/optim/hyperparameter.hpp"

namespace mantissa {

// The result of an optimizer step. [[nodiscard]]: a step that may be skipped (mixed-precision
// overflow) must be looked at, so that a learning-rate schedule counts real steps.
struct [[nodiscard]] StepOutcome {
  bool applied = true;    // false: skipped, weights and moments untouched
  std::int64_t step = 0;  // applied steps so far (what schedules count)
  float lr = 0.0f;        // the learning rate this step used
  float scale = 1.0f;     // the loss scale after this step (1 when the policy scales nothing)
};

// What an optimizer does with a step whose gradients hold inf or NaN: opt.on_nonfinite(...).
//   skip   (the default) the step is skipped, weights and moments untouched bit for bit, and
//          counted: StepOutcome::applied is false (and a LossScaler backs off)
//   raise  a NumericsError naming the step, how many gradient values were non-finite and the
//          first parameter holding one (from the step status the step reads anyway: no extra
//          device read); weights, moments and the scaler are left unchanged. Under a
//          LossScaler a non-finite gradient is the normal sign that the scale is too high, so
//          raise applies only where no scale can help: the loss of the last scaled backward
//          is itself non-finite (read back only on such a step), or the scaler is static;
//          otherwise the step is skipped and the scale backs off as under skip, and a scale
//          that would cross its floor is a NumericsError under either.
enum class Nonfinite { skip, raise };

namespace detail {
// The NumericsError of Nonfinite::raise: "SGD: step 4 (after 3 applied): 12 gradient values
// are inf or NaN, the first in 'dense_1/kernel'; <why>. ...".
[[noreturn]] void raise_nonfinite_step(const char* optimizer, std::int64_t applied,
                                       std::int64_t count, const std::string& parameter,
                                       const std::string& why);
// A float as a message shows it: %g ("1024", "nan", "inf", "1e+30").
std::string printed(float v);
}  // namespace detail

// Global L2 norm of all gradients; when it exceeds max_norm every gradient is multiplied by
// max_norm / (norm + 1e-6) (torch.nn.utils.clip_grad_norm_). Returns the norm before
// clipping (inf/NaN when a gradient holds one; then nothing is scaled): one pass over the
// gradient arena on the device, and one host read of the norm. Takes Gradients: the
// unscaled float32 gradients, the only kind it makes sense to clip.
template <Policy P, Device D>
float clip_grad_norm(Gradients<P, D>& grads, float max_norm) {
  detail::check_hyperparameter("clip_grad_norm", "max_norm", max_norm, detail::Range::positive);
  if (grads.overflowed()) return std::numeric_limits<float>::infinity();  // the step skips
  auto& t = grads.trainables();
  auto& ctx = *t.ctx;
  // The norm's own buffer, not the context's workspace: the kernels take scratch from there.
  if (t.norm.empty()) t.norm = Tensor<float, D>(Shape{1});
  ops::clip_grad_norm(ctx, t.arena.grad(), max_norm, t.norm.view());  // one pass over the arena
  float host;
  copy_bytes<Cpu, D>(&host, t.norm.data(), sizeof host);
  return host;
}

// Anything else does not compile, with one message: clipping scaled gradients would clip S
// times the real norm.
template <class G>
  requires(!is_gradients<std::remove_cvref_t<G>> || std::is_const_v<std::remove_reference_t<G>> ||
           !std::is_lvalue_reference_v<G>)
float clip_grad_norm(G&&, float) {
  using X = std::remove_cvref_t<G>;
  static_assert(!is_scaled_gradients<X>,
                "mantissa::clip_grad_norm: these gradients are still multiplied by the loss "
                "scale; unscale first: auto grads = scaler.unscale(std::move(scaled)); "
                "clip_grad_norm(grads, max_norm); then opt.step(std::move(grads), scaler)");
  static_assert(is_scaled_gradients<X> || is_gradients<X>,
                "mantissa::clip_grad_norm clips the Gradients that a backward or "
                "LossScaler::unscale returned, in place: clip_grad_norm(grads, max_norm)");
  static_assert(is_scaled_gradients<X> || !is_gradients<X>,
                "mantissa::clip_grad_norm clips gradients in place, before the step that "
                "consumes them: pass the named token, clip_grad_norm(grads, max_norm), then "
                "opt.step(std::move(grads), ...)");
  return 0.0f;
}

}  // namespace mantissa
