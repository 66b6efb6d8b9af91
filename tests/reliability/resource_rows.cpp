// tests/reliability/resource_rows.cpp: the catalogue's rows for the last classes of issue 13:
// binary cross-entropy targets outside [0, 1]; an optimizer told to raise on non-finite
// gradients (Nonfinite::raise); a file write the system refuses half-way (a full disk, made
// here with RLIMIT_FSIZE), which must leave the previous file; a thread the system refuses to
// start (RLIMIT_NPROC in a forked child), which must be a mantissa::Error, not a
// std::system_error. tests/layers/test_layers.cpp, tests/optim/test_nonfinite_raise.cpp,
// tests/optim/test_file_writes.cpp and tests/data/test_loader.cpp check each in more depth.
#include <sys/resource.h>
#include <sys/wait.h>

#include "bad_input_rows.hpp"
#include "common/file_size_limit.hpp"

namespace bad_inputs {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// BinaryCrossEntropy of three logits against targets {0, t, 1}.
Case bce_target(std::string name, float t, std::vector<std::string> words) {
  return {std::move(name),
          [t] {
            mt::BinaryCrossEntropy loss;
            auto targets = mt::Tensor<float>(Shape{3});
            targets[1] = t, targets[2] = 1.0f;
            (void)loss(mt::Tensor<float>(Shape{3, 1}), targets);
          },
          Kind::data, std::move(words)};
}

template <class P>
mt::Sequential<P> tiny() {
  return mt::Sequential<P>(Shape{4, 4, 1}, mt::Seed{1}, mt::Flatten(), mt::Dense(4));
}

// One step on 4 images whose first pixel is `x0`, through the optimizer set to raise; under
// mixed_float16 with `scaler`.
template <class P>
void raising_step(float x0, mt::LossScaler* scaler = nullptr) {
  using T = typename P::compute;
  auto m = tiny<P>();
  mt::SGD opt(m, {.lr = 0.1f});
  opt.on_nonfinite(mt::Nonfinite::raise);
  mt::Tensor<T> x(Shape{4, 4, 4, 1});
  x[0] = T(x0);
  mt::Tensor<std::int32_t> y(Shape{4});
  mt::SoftmaxCrossEntropy ce;
  auto loss = ce(m.forward(x, mt::Mode::train), y);
  if constexpr (P::needs_loss_scaling)
    (void)opt.step(scaler->unscale(m.backward(scaler->scale(loss))), *scaler);
  else
    (void)opt.step(m.backward(loss));
}

// A file written whole, then a larger one under a 4 KiB file-size limit: IoError, and the
// first file is byte for byte what it was, with no temporary file beside it.
void refused_rewrite(const fs::path& p, const std::function<void(int)>& write) {
  write(1);
  const auto read = [&] {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  const std::string before = read();
  try {
    const mt_test::FileSizeLimit limit(4096);
    write(2000);
  } catch (const mt::IoError&) {
    EXPECT_EQ(read(), before) << p << " was changed by a failed write";
    EXPECT_FALSE(fs::exists(p.string() + ".tmp")) << "a partial temporary file was left";
    throw;
  }
}

// Runs f in a forked child that may start no thread or process (RLIMIT_NPROC 0; as root,
// whom that limit does not bind, the child first becomes nobody), and throws here what f threw
// there: a mantissa::Error as one, anything else as a std::runtime_error saying what it was.
void in_child_without_threads(const std::function<void()>& f) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    std::string out = "none\n";
    const rlimit none{0, 0};
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      out = "setup\ncannot become nobody";
    } else if (::setrlimit(RLIMIT_NPROC, &none) != 0) {
      out = "setup\nsetrlimit(RLIMIT_NPROC) failed";
    } else {
      try {
        f();
      } catch (const mt::Error& e) {
        out = std::string(typeid(e) == typeid(mt::Error) ? "Error" : "a kind") + "\n" + e.what();
      } catch (const std::exception& e) {
        out = std::string("foreign ") + typeid(e).name() + "\n" + e.what();
      }
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto nl = got.find('\n');
  const std::string kind = got.substr(0, nl), what = nl == std::string::npos ? "" : got.substr(nl + 1);
  if (kind == "Error") throw mt::Error(what);
  if (kind != "none") throw std::runtime_error("the child threw " + kind + ": " + what);
}

}  // namespace

std::vector<Case> resource_cases() {
  return {
      // BinaryCrossEntropy's targets are probabilities: NaN or anything outside [0, 1] is named
      // by row and value (soft targets inside train, as in PyTorch).
      bce_target("Loss_BinaryTargetTwo", 2.0f, {"BinaryCrossEntropy", "target 2 at row 1", "not in [0, 1]"}),
      bce_target("Loss_BinaryTargetMinusOne", -1.0f, {"target -1 at row 1", "not in [0, 1]"}),
      bce_target("Loss_BinaryTargetNaN", kNaN, {"target nan at row 1", "not in [0, 1]"}),
      {"Loss_BinarySoftTargetTrains",
       [] {
         mt::BinaryCrossEntropy loss;
         auto targets = mt::full<float>(Shape{2}, 0.5f);
         EXPECT_NEAR(loss(mt::Tensor<float>(Shape{2, 1}), targets).value(), std::log(2.0), 1e-6);
       },
       Kind::accepted,
       {}},
      // Nonfinite::raise: a NumericsError naming the step and the first parameter instead of a
      // skipped step; under a LossScaler only where no scale helps.
      {"Optim_RaiseOnANaNGradient",
       [] { raising_step<P32>(kNaN); },
       Kind::numerics,
       {"SGD: step 1 (after 0 applied)", "inf or NaN", "the first in 'dense/kernel'"}},
      {"Optim_RaiseOnANaNLossUnderALossScaler",
       [] {
         mt::LossScaler scaler;
         raising_step<mt::policy::mixed_float16>(kNaN, &scaler);
       },
       Kind::numerics,
       {"SGD: step 1", "the loss itself is nan", "no loss scale mends"}},
      {"Optim_RaiseOnOverflowAtAStaticScale",
       [] {
         auto scaler = mt::LossScaler::fixed(1e30f);
         raising_step<mt::policy::mixed_float16>(0.5f, &scaler);
       },
       Kind::numerics,
       {"SGD: step 1", "the loss scale is static (1e+30)"}},
      {"Optim_Float16OverflowUnderRaiseOnlyBacksOff",
       [] {
         mt::LossScaler scaler({.init_scale = 1e30f, .max_scale = 1e30f});
         raising_step<mt::policy::mixed_float16>(0.5f, &scaler);
         EXPECT_EQ(scaler.loss_scale(), 5e29f);
       },
       Kind::accepted,
       {}},
      // A write the system refuses half-way: IoError naming the file and the reason; the
      // previous file stays (refused_rewrite checks).
      {"Write_SafetensorsOnAFullDisk",
       [] {
         const auto p = scratch() / "full.safetensors";
         refused_rewrite(p, [&](int n) {
           const auto w = mt::Tensor<float>(Shape{n, 4});
           mt::io::write_safetensors(p, {mt::io::record<float>("w", w.view())});
         });
       },
       Kind::io,
       {"full.safetensors.tmp", "write failed", "File too large"}},
      {"Write_HistoryOnAFullDisk",
       [] {
         const auto dir = scratch() / "full_history";
         refused_rewrite(dir / "history.csv", [&](int n) {
           mt::History h;
           for (int e = 1; e <= n; ++e) h.epochs.push_back({e, 0.5, 0.9, 0.6, 0.8, 1e4, 1e-3f, 1.0f, 0});
           mt::detail::write_history(dir, h, {});
         });
       },
       Kind::io,
       {"history.csv.tmp", "write failed", "File too large"}},
      // A thread the system refuses: a mantissa::Error with the reason and the fix.
      {"Thread_PrefetchThreadRefused",
       [] {
         in_child_without_threads([] {
           const mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(Shape{8, 2, 2, 1}),
                                          mt::Tensor<std::int32_t>(Shape{8})};
           mt::data::ImageLoader<float> loader(d, {.batch = 4, .prefetch = true});
         });
       },
       Kind::resource,
       {"ImageLoader: cannot start the prefetch thread", "Resource temporarily unavailable",
        "pass prefetch = false"}},
  };
}

}  // namespace bad_inputs
