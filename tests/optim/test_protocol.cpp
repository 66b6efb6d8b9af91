// tests/optim/test_protocol.cpp: what the types cannot see, seen at run time. Each misuse of
// a gradient token, a forward output or a loss value that compiles (a token moved from and
// used again, a token made stale by a later backward, an output read after the next forward
// freed its buffer, a loss value read after its loss object died) is a StateError naming the
// fix, before any memory is read; under AddressSanitizer (CI's ASan stage runs this suite)
// none of them is a report. And the legitimate forms: accumulation over micro-batches equals
// one backward over the whole batch, a temporary input is kept by the model.
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;
using F32 = mt::policy::float32;
using F16 = mt::policy::mixed_float16;
using BF16 = mt::policy::mixed_bfloat16;

namespace {

// The message of the StateError f throws ("" when it throws none).
template <class F>
std::string state_error(F&& f) {
  try {
    f();
  } catch (const mt::StateError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_STATE_ERROR(expr, words)                                             \
  do {                                                                              \
    const std::string msg_ = state_error([&] { (void)(expr); });                    \
    EXPECT_NE(msg_.find(words), std::string::npos) << "message: '" << msg_ << "'"; \
  } while (0)

template <class P>
std::unique_ptr<mt::Sequential<P>> small_model() {
  return std::make_unique<mt::Sequential<P>>(Shape{6}, mt::Seed{3}, mt::Dense(8), mt::ReLU(),
                                             mt::Dense(3));
}

template <class T>
Tensor<T> batch(std::int64_t n, std::uint64_t seed) {
  mt::Generator g(seed);
  return mt::cast<T>(mt::normal<float>({n, 6}, 0.0f, 1.0f, g));
}

Tensor<std::int32_t> labels(std::int64_t n) {
  Tensor<std::int32_t> y(Shape{n});
  for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<std::int32_t>(i % 3);
  return y;
}

template <class P>
std::vector<float> grads_of(mt::Sequential<P>& m) {
  std::vector<float> g;
  for (auto* p : m.parameters()) g.insert(g.end(), p->grad.begin(), p->grad.end());
  return g;
}

}  // namespace

// ---- lifetimes ------------------------------------------------------------------------------

TEST(Lifetime, ForwardOutputIsStaleAfterTheNextForward) {
  auto m = small_model<F32>();
  const auto x1 = batch<float>(4, 1);
  const auto x2 = batch<float>(64, 2);  // a bigger batch: the activations are reallocated
  auto y1 = m->forward(x1);
  EXPECT_TRUE(y1.live());
  EXPECT_EQ(y1.shape(), (Shape{4, 3}));
  auto y2 = m->forward(x2);
  EXPECT_FALSE(y1.live());
  EXPECT_STATE_ERROR(y1(0, 0), "Sequential::forward's output");
  EXPECT_STATE_ERROR(y1.shape(), "it is stale");
  EXPECT_STATE_ERROR(mt::argmax(y1, 1), "stale");
  EXPECT_STATE_ERROR(mt::to<mt::Cpu>(y1), "stale");
  mt::SoftmaxCrossEntropy loss_fn;
  const auto y = labels(4);
  EXPECT_STATE_ERROR(loss_fn(y1, y), "stale");
  EXPECT_EQ(y2.shape(), (Shape{64, 3}));
  const auto kept = y2.clone();  // a copy outlives the next forward
  (void)m->forward(x1);
  EXPECT_EQ(kept.shape(), (Shape{64, 3}));
}

TEST(Lifetime, ForwardOutputOfADestroyedModelIsStale) {
  mt::OutputView<float> y;
  {
    auto m = small_model<F32>();
    const auto x = batch<float>(4, 1);
    y = m->forward(x);
    EXPECT_TRUE(y.live());
  }
  EXPECT_FALSE(y.live());
  EXPECT_STATE_ERROR(y.view(), "stale");
}

TEST(Lifetime, ATemporaryInputIsKeptByTheModelForBackward) {
  // model.forward(checked_cast<half>(x)): the half tensor is a temporary; the model keeps it,
  // so backward reads live memory and computes what a named input gives.
  auto a = small_model<F16>();
  auto b = small_model<F16>();
  const auto x = batch<float>(8, 5);
  const auto y = labels(8);
  mt::SoftmaxCrossEntropy la, lb;
  mt::LossScaler sa, sb;
  auto ga = sa.unscale(a->backward(sa.scale(la(a->forward(mt::checked_cast<mt::half>(x), mt::Mode::train), y))));
  const auto named = mt::checked_cast<mt::half>(x);
  auto gb = sb.unscale(b->backward(sb.scale(lb(b->forward(named, mt::Mode::train), y))));
  EXPECT_EQ(grads_of(*a), grads_of(*b));
}

// A custom loss hands its gradient to the LossValue (LossValue(value, std::move(grad))), which
// keeps it until backward: a helper that builds it locally and returns is safe, and backward
// computes what the raw backward(dy) gives from the same gradient.
mt::LossValue<mt::Cpu> l1_loss(const mt::OutputView<float, mt::Cpu>& out, const Tensor<float>& t) {
  Tensor<float> grad(out.shape());
  float v = 0.0f;
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    const float d = out[i] - t[i];
    v += d < 0 ? -d : d;
    grad[i] = (d < 0 ? -1.0f : 1.0f) / static_cast<float>(out.numel());
  }
  return mt::LossValue<mt::Cpu>(v / static_cast<float>(out.numel()), std::move(grad));
}

TEST(Lifetime, ACustomLossValueOwnsItsGradient) {
  auto a = small_model<F32>();
  auto b = small_model<F32>();
  const auto x = batch<float>(8, 6);
  const auto t = batch<float>(8, 7);  // (8, 6): the first 3 columns are the targets
  Tensor<float> target(Shape{8, 3});
  for (std::int64_t i = 0; i < 8; ++i)
    for (std::int64_t j = 0; j < 3; ++j) target(i, j) = t(i, j);
  auto loss = l1_loss(a->forward(x, mt::Mode::train), target);
  std::vector<float> scribble(4096, 1.0f);  // a freed gradient would be overwritten here
  auto ga = a->backward(loss);
  // The same gradient, given raw.
  auto out_b = b->forward(x, mt::Mode::train);
  Tensor<float> dy(out_b.shape());
  for (std::int64_t i = 0; i < dy.numel(); ++i)
    dy[i] = (out_b[i] - target[i] < 0 ? -1.0f : 1.0f) / static_cast<float>(dy.numel());
  auto gb = b->backward(dy);
  EXPECT_EQ(grads_of(*a), grads_of(*b));
  EXPECT_GT(loss.value(), 0.0f);
  EXPECT_EQ(loss.grad().numel(), 24);
}

TEST(Lifetime, LossValueIsStaleAfterTheLossObjectRunsAgainOrDies) {
  auto m = small_model<F32>();
  const auto x = batch<float>(4, 1);
  const auto y = labels(4);
  {
    mt::SoftmaxCrossEntropy loss_fn;
    auto first = loss_fn(m->forward(x, mt::Mode::train), y);
    const float v = first.value();
    const auto kept_grad = first.grad();  // checked like a forward output
    EXPECT_TRUE(kept_grad.live());
    auto second = loss_fn(m->forward(x, mt::Mode::train), y);
    EXPECT_FLOAT_EQ(second.value(), v);
    EXPECT_FALSE(first.live());
    EXPECT_TRUE(second.live());
    EXPECT_STATE_ERROR(first.value(), "LossValue: stale");
    EXPECT_STATE_ERROR(m->backward(first), "LossValue: stale");
    EXPECT_STATE_ERROR(first.grad(), "stale");
    EXPECT_STATE_ERROR(kept_grad[0], "LossValue::grad");
    (void)m->backward(second);  // the live one works
  }
  std::optional<mt::LossValue<mt::Cpu>> orphan;
  {
    mt::SoftmaxCrossEntropy loss_fn;
    orphan.emplace(loss_fn(m->forward(x, mt::Mode::train), y));
  }
  EXPECT_STATE_ERROR(orphan->value(), "destroyed");
  EXPECT_STATE_ERROR(m->backward(*orphan), "LossValue: stale");
}

// ---- the gradient protocol --------------------------------------------------------------------

TEST(Protocol, ATokenMovedFromIsAStateError) {
  auto m = small_model<F16>();
  mt::Adam opt(*m);
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<mt::half>(4, 1);
  const auto y = labels(4);
  auto scaled = m->backward(scaler.scale(loss_fn(m->forward(x, mt::Mode::train), y)));
  auto grads = scaler.unscale(std::move(scaled));
  // Unscaling the same gradients twice: the second is refused, nothing divided again.
  const auto before = grads_of(*m);
  EXPECT_STATE_ERROR(scaler.unscale(std::move(scaled)), "moved from");
  EXPECT_EQ(grads_of(*m), before);
  EXPECT_TRUE(opt.step(std::move(grads), scaler).applied);
  // Stepping twice on one set of gradients: the second is refused and changes nothing.
  const auto masters = m->parameters()[0]->master.clone();
  EXPECT_STATE_ERROR(opt.step(std::move(grads), scaler), "moved from");
  EXPECT_EQ(opt.steps(), 1);
  for (std::int64_t i = 0; i < masters.numel(); ++i)
    EXPECT_EQ(masters[i], m->parameters()[0]->master[i]);
}

TEST(Protocol, ATokenOfAnEarlierBackwardIsStale) {
  auto m = small_model<F32>();
  mt::SGD opt(*m, {.lr = 0.1f});
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<float>(4, 1);
  const auto y = labels(4);
  auto g1 = m->backward(loss_fn(m->forward(x, mt::Mode::train), y));
  auto g2 = m->backward(loss_fn(m->forward(x, mt::Mode::train), y));  // overwrites the buffers g1 stood for
  EXPECT_FALSE(g1.valid());
  EXPECT_TRUE(g2.valid());
  EXPECT_STATE_ERROR(opt.step(std::move(g1)), "stale token");
  EXPECT_STATE_ERROR(mt::clip_grad_norm(g1, 1.0f), "stale token");
  EXPECT_EQ(opt.steps(), 0);
  EXPECT_TRUE(opt.step(std::move(g2)).applied);
}

TEST(Protocol, HandMadeGradientsOfScaledBuffersAreRefused) {
  // Under mixed_bfloat16 with a scaler, Gradients(model) after a scaled backward would step
  // on gradients never unscaled.
  auto m = small_model<BF16>();
  mt::Adam opt(*m);
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<mt::bfloat16>(4, 1);
  const auto y = labels(4);
  auto scaled = m->backward(scaler.scale(loss_fn(m->forward(x, mt::Mode::train), y)));
  using G = mt::Gradients<BF16, mt::Cpu>;
  EXPECT_STATE_ERROR(G(*m), "still multiplied by the loss scale");
  auto grads = scaler.unscale(std::move(scaled));
  EXPECT_TRUE(opt.step(std::move(grads), scaler).applied);
  // After the step the buffers are no longer scaled: hand-made gradients are fine again.
  mt::Gradients<BF16, mt::Cpu> by_hand(*m);
  EXPECT_TRUE(by_hand.valid());
}

TEST(Protocol, AnotherModelsTokenIsRefused) {
  auto a = small_model<F32>();
  auto b = small_model<F32>();
  mt::SGD opt(*a, {.lr = 0.1f});
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<float>(4, 1);
  const auto y = labels(4);
  auto gb = b->backward(loss_fn(b->forward(x, mt::Mode::train), y));
  EXPECT_STATE_ERROR(opt.step(std::move(gb)), "another model");
  auto ga = a->backward(loss_fn(a->forward(x, mt::Mode::train), y));
  EXPECT_STATE_ERROR(b->backward(loss_fn(b->forward(x, mt::Mode::train), y), std::move(ga)), "another model");
}

// Accumulating micro-batches with the typed form equals one backward over their union (the
// loss being a mean, the micro-batch sum is twice the whole batch's gradient for two halves).
template <class P>
void accumulation_matches_one_backward() {
  using T = typename P::compute;
  auto whole = small_model<P>();
  auto parts = small_model<P>();
  const auto x = batch<T>(8, 9);
  const auto y = labels(8);
  mt::SoftmaxCrossEntropy lw, lp;
  mt::LossScaler sw = mt::LossScaler::fixed(1024.0f), sp = mt::LossScaler::fixed(1024.0f);
  auto gw = sw.unscale(whole->backward(sw.scale(lw(whole->forward(x, mt::Mode::train), y))));
  auto s = parts->backward(sp.scale(lp(parts->forward(x.slice(0, 4), mt::Mode::train), y.slice(0, 4))));
  s = parts->backward(sp.scale(lp(parts->forward(x.slice(4, 8), mt::Mode::train), y.slice(4, 8))), std::move(s));
  auto gp = sp.unscale(std::move(s));
  const auto a = grads_of(*whole), b = grads_of(*parts);
  ASSERT_EQ(a.size(), b.size());
  const double tol = std::is_same_v<T, float> ? 1e-5 : 2e-2;
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(b[i], 2.0 * a[i], tol * (1.0 + std::abs(2.0 * a[i]))) << i;
  mt::Adam opt(*parts);
  EXPECT_TRUE(opt.step(std::move(gp), sp).applied);
}

TEST(Protocol, AccumulationMatchesOneBackwardFloat32) { accumulation_matches_one_backward<F32>(); }
TEST(Protocol, AccumulationMatchesOneBackwardFloat16) { accumulation_matches_one_backward<F16>(); }

TEST(Protocol, AccumulatingAStaleTokenIsRefused) {
  auto m = small_model<F32>();
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<float>(4, 1);
  const auto y = labels(4);
  auto g1 = m->backward(loss_fn(m->forward(x, mt::Mode::train), y));
  auto g2 = m->backward(loss_fn(m->forward(x, mt::Mode::train), y));
  EXPECT_STATE_ERROR(m->backward(loss_fn(m->forward(x, mt::Mode::train), y), std::move(g1)), "stale token");
  (void)g2;
}

TEST(Protocol, AScaledLossMovedFromIsRefused) {
  auto m = small_model<F16>();
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<mt::half>(4, 1);
  const auto y = labels(4);
  auto sl = scaler.scale(loss_fn(m->forward(x, mt::Mode::train), y));
  auto s1 = m->backward(std::move(sl));
  EXPECT_STATE_ERROR(m->backward(std::move(sl)), "moved from");
  (void)s1;
}

// ---- checkpoints: the optimizer of another model of the same type --------------------------

TEST(Protocol, CheckpointWithAnotherModelsOptimizerIsRefused) {
  auto a = small_model<F32>();
  auto b = small_model<F32>();
  mt::Adam opt_b(*b);
  const auto path = std::filesystem::temp_directory_path() / "mantissa_protocol_ckpt.safetensors";
  std::filesystem::remove(path);
  EXPECT_STATE_ERROR(mt::save_checkpoint(path, *a, opt_b), "another model");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_STATE_ERROR(mt::load_checkpoint(path, *a, opt_b), "another model");
}

// ---- holes a red-team corpus found, closed ---------------------------------------------------

TEST(Protocol, ALossOfAnEarlierForwardIsRefused) {
  // "Forward every micro-batch, then backward every loss": the first loss's outputs are gone.
  auto m = small_model<F32>();
  mt::SoftmaxCrossEntropy l0, l1;
  const auto x = batch<float>(4, 1);
  const auto y = labels(4);
  auto a = l0(m->forward(x, mt::Mode::train), y);
  auto b = l1(m->forward(x, mt::Mode::train), y);
  EXPECT_STATE_ERROR(m->backward(a), "outputs of an earlier forward");
  (void)m->backward(b);
}

TEST(Protocol, AChainedModelsInputMustStillBeCurrent) {
  auto encoder = std::make_unique<mt::Sequential<F32>>(Shape{6}, mt::Dense(6));
  auto head = small_model<F32>();
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<float>(4, 1);
  const auto big = batch<float>(64, 2);
  const auto y = labels(4);
  auto loss = loss_fn(head->forward(encoder->forward(x, mt::Mode::train), mt::Mode::train), y);
  (void)encoder->forward(big);  // reallocates the buffer head's input pointed into
  EXPECT_STATE_ERROR(head->backward(loss), "another model's output");
}

TEST(Protocol, AnOptimizerWhoseModelDiedIsRefused) {
  std::optional<mt::Sequential<F32>> model;
  model.emplace(Shape{6}, mt::Dense(3));
  mt::Adam opt(*model);
  model.emplace(Shape{6}, mt::Dense(30), mt::Dense(3));  // same address, another model
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<float>(4, 1);
  const auto y = labels(4);
  EXPECT_STATE_ERROR(opt.step(model->backward(loss_fn(model->forward(x, mt::Mode::train), y))), "no longer exists");
}

TEST(Protocol, ClipRefusesANonPositiveMaxNorm) {
  auto m = small_model<F32>();
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<float>(4, 1);
  auto grads = m->backward(loss_fn(m->forward(x, mt::Mode::train), labels(4)));
  EXPECT_THROW((void)mt::clip_grad_norm(grads, -1.0f), mt::ValueError);
}

TEST(Protocol, AStepWithAScalerChecksGradientsThatWereNeverUnscaled) {
  // float32, plain backward, step with a scaler: the step still finds the inf and skips.
  auto m = small_model<F32>();
  mt::SGD opt(*m, {.lr = 0.1f});
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch<float>(4, 1);
  auto grads = m->backward(loss_fn(m->forward(x, mt::Mode::train), labels(4)));
  m->parameters()[0]->grad[0] = std::numeric_limits<float>::infinity();
  const auto before = m->parameters()[0]->master.clone();
  const auto out = opt.step(std::move(grads), scaler);
  EXPECT_FALSE(out.applied);
  EXPECT_EQ(scaler.skipped_steps(), 1);
  for (std::int64_t i = 0; i < before.numel(); ++i)
    EXPECT_EQ(before[i], m->parameters()[0]->master[i]);
}

namespace {
// A loader whose batches own their tensors (the natural way to write one).
struct OwningLoader {
  struct Batch {
    Tensor<float> x;
    Tensor<std::int32_t> y;
  };
  std::int64_t size() const { return 16; }
  std::int64_t batches() const { return 4; }
  void set_epoch(std::int64_t) {}
  Batch batch(std::int64_t i) const {
    return {::batch<float>(4, 100 + static_cast<std::uint64_t>(i)), labels(4)};
  }
};
}  // namespace

TEST(Protocol, FitKeepsALoadersOwningBatchAliveForBackward) {
  auto a = small_model<F32>();
  auto b = small_model<F32>();
  mt::SGD oa(*a, {.lr = 0.1f}), ob(*b, {.lr = 0.1f});
  OwningLoader data;
  mt::FitOptions options;
  options.progress = false;  // one epoch, the default
  (void)mt::fit(*a, oa, mt::SoftmaxCrossEntropy{}, data, options);
  mt::SoftmaxCrossEntropy loss_fn;
  for (std::int64_t i = 0; i < data.batches(); ++i) {
    const auto bt = data.batch(i);
    (void)ob.step(b->backward(loss_fn(b->forward(bt.x, mt::Mode::train), bt.y)));
  }
  for (std::size_t k = 0; k < a->parameters().size(); ++k)
    for (std::int64_t i = 0; i < a->parameters()[k]->numel(); ++i)
      EXPECT_EQ(a->parameters()[k]->master[i], b->parameters()[k]->master[i]);
}
