// benchmarks/train_bench.cpp: training throughput of mantissa's models, one configuration per
// row: model x policy x batch x threads. A step is what fit runs: forward, softmax
// cross-entropy, backward (loss-scaled under mixed_float16), unscale + inf check, Adam.
//
//   train_bench [--model cnn|mlp|deep_cnn|all] [--policy float32|mixed_float16|mixed_bfloat16|all]
//               [--device cpu|cuda] [--batch 64,256] [--threads 1,2] [--warmup 5] [--steps 30]
//               [--seed 1] [--profile] [--json]
//
// Data is synthetic and seeded (N(0, 1) images, labels i mod 10): a step's speed does not
// depend on the values. Each row reports images/s (batch x steps / the timed steps' total),
// step time p50 and p95, the process's peak RSS (getrusage: a peak over the whole process,
// so run one configuration per process for a per-configuration figure, as
// compare_pytorch.py does), the bytes held in tensors by the step (model, optimizer state,
// activations, workspaces, batch) and on CUDA the peak device memory in tensors. Skipped
// steps (mixed_float16's loss scaler finding inf) are counted: they are cheaper than others.
// --profile adds a per-layer forward/backward time table of one step (train_bench_profile.hpp)
// and the step's remaining phases. Output: a readable table, and with --json only JSON lines.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "train_bench_models.hpp"
#include "train_bench_profile.hpp"

namespace tb = train_bench;
namespace mt = mantissa;

namespace {

struct Options {
  std::vector<std::string> models{"cnn"}, policies{"float32"};
  std::string device = "cpu";
  std::vector<long long> batches{64}, threads{0};  // 0: the library's default (all cores)
  int warmup = 5, steps = 30;
  std::uint64_t seed = 1;
  bool profile = false, json = false;
};

double rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

struct Row {
  double ips = 0, p50_ms = 0, p95_ms = 0, tensor_mib = 0, gpu_peak_mib = -1;
  std::int64_t params = 0;
  int skipped = 0;
  // Phases of the timed steps (medians, ms), measured only under --profile (on a GPU they
  // need a synchronize each).
  double forward_ms = 0, loss_ms = 0, backward_ms = 0, optimizer_ms = 0;
};

template <class P, class D>
Row run_steps(const std::string& model_name, std::int64_t batch, const Options& o) {
  using T = typename P::compute;
  auto& ctx = mt::default_context<D>();
  const auto cpu_before = mt::cpu_allocation_stats().live_bytes;
#if defined(MANTISSA_WITH_CUDA)
  std::size_t gpu_before = 0;
  if constexpr (std::same_as<D, mt::Cuda>) {
    mt::reset_cuda_peak_bytes();
    gpu_before = mt::cuda_allocation_stats().live_bytes;
  }
#endif
  auto model = tb::with_model(model_name, [&](mt::Shape in, auto&&... specs) {
    return std::make_unique<mt::Sequential<P, D>>(in, mt::Seed{o.seed}, specs...);
  });
  model->reserve(batch);
  mt::Adam<P, D> opt(*model);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  mt::Generator gen(o.seed + 6);
  const auto x = mt::to<D>(mt::normal<T>(model->input_shape().prepend(batch), 0.0f, 1.0f, gen));
  mt::Tensor<std::int32_t> yh(mt::Shape{batch});
  for (std::int64_t i = 0; i < batch; ++i) yh[i] = static_cast<std::int32_t>(i % 10);
  const auto y = mt::to<D>(yh);

  Row r;
  std::vector<double> times, fw, ls, bw, op;
  auto mark = [&](std::vector<double>& v, double& t, bool timed) {
    if (!o.profile) return;
    tb::sync(ctx);
    const double now = tb::now_s();
    if (timed) v.push_back(now - t);
    t = now;
  };
  for (int s = 0; s < o.warmup + o.steps; ++s) {
    const bool timed = s >= o.warmup;
    const double t0 = tb::now_s();
    double t = t0;
    auto logits = model->forward(x, mt::Mode::train);
    mark(fw, t, timed);
    auto loss = loss_fn(ctx, logits, y);
    mark(ls, t, timed);
    mt::StepOutcome outcome;
    if constexpr (P::needs_loss_scaling) {
      auto scaled = model->backward(scaler.scale(loss));
      mark(bw, t, timed);
      outcome = opt.step(scaler.unscale(std::move(scaled)), scaler);
    } else {
      auto grads = model->backward(loss);
      mark(bw, t, timed);
      outcome = opt.step(std::move(grads));  // reads the step status: on a GPU, a sync
    }
    mark(op, t, timed);
    if (!timed) continue;
    times.push_back(tb::now_s() - t0);
    if (!outcome.applied) ++r.skipped;
  }
  double total = 0;
  for (double v : times) total += v;
  r.ips = static_cast<double>(batch) * static_cast<double>(times.size()) / total;
  r.p50_ms = 1e3 * tb::quantile(times, 0.5);
  r.p95_ms = 1e3 * tb::quantile(times, 0.95);
  r.forward_ms = 1e3 * tb::quantile(fw, 0.5);
  r.loss_ms = 1e3 * tb::quantile(ls, 0.5);
  r.backward_ms = 1e3 * tb::quantile(bw, 0.5);
  r.optimizer_ms = 1e3 * tb::quantile(op, 0.5);
  r.params = model->parameter_count();
  r.tensor_mib = static_cast<double>(mt::cpu_allocation_stats().live_bytes - cpu_before) / (1 << 20);
#if defined(MANTISSA_WITH_CUDA)
  if constexpr (std::same_as<D, mt::Cuda>)
    r.gpu_peak_mib =
        static_cast<double>(mt::cuda_allocation_stats().peak_bytes - gpu_before) / (1 << 20);
#endif
  return r;
}

template <class P, class D>
void run_config(const std::string& model, std::int64_t batch, int threads, const Options& o) {
  const Row r = run_steps<P, D>(model, batch, o);
  const std::string policy(P::name), device(D::name);
  const double rss = rss_mib();
  if (!o.json)
    std::printf("%-9s %-15s %-5s %6lld %7d %11.0f %9.3f %9.3f %8.1f %9.1f %9.1f %7d\n",
                model.c_str(), policy.c_str(), device.c_str(), static_cast<long long>(batch),
                threads, r.ips, r.p50_ms, r.p95_ms, rss, r.tensor_mib, r.gpu_peak_mib, r.skipped);
  std::printf("%s{\"engine\":\"mantissa\",\"model\":\"%s\",\"policy\":\"%s\",\"device\":\"%s\","
              "\"batch\":%lld,\"threads\":%d,\"warmup\":%d,\"steps\":%d,\"parameters\":%lld,"
              "\"images_per_s\":%.1f,\"step_ms_p50\":%.4f,\"step_ms_p95\":%.4f,"
              "\"peak_rss_mib\":%.1f,\"tensor_mib\":%.2f,\"gpu_peak_mib\":%.2f,"
              "\"skipped_steps\":%d,\"cpu_kernels\":\"%s\"}\n",
              o.json ? "" : "json: ", model.c_str(), policy.c_str(), device.c_str(),
              static_cast<long long>(batch), threads, o.warmup, o.steps,
              static_cast<long long>(r.params), r.ips, r.p50_ms, r.p95_ms, rss, r.tensor_mib,
              r.gpu_peak_mib, r.skipped, mt::cpu_kernels());
  if (!o.profile) return;
  const auto layers = tb::profile_layers<P, D>(model, batch, o.warmup, o.steps, o.seed);
  double sum_fw = 0, sum_bw = 0;
  if (!o.json)
    std::printf("  per-layer profile (median of %d, ms)\n  %-3s %-13s %-14s %9s %9s\n", o.steps,
                "#", "layer", "output", "forward", "backward");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    sum_fw += l.forward_ms;
    sum_bw += l.backward_ms;
    if (!o.json)
      std::printf("  %-3zu %-13s %-14s %9.3f %9.3f\n", i, l.kind.c_str(), l.output.c_str(),
                  l.forward_ms, l.backward_ms);
    std::printf("%s{\"profile\":\"layer\",\"model\":\"%s\",\"policy\":\"%s\",\"batch\":%lld,"
                "\"threads\":%d,\"index\":%zu,\"kind\":\"%s\",\"output\":\"%s\","
                "\"forward_ms\":%.4f,\"backward_ms\":%.4f}\n",
                o.json ? "" : "json: ", model.c_str(), policy.c_str(),
                static_cast<long long>(batch), threads, i, l.kind.c_str(), l.output.c_str(),
                l.forward_ms, l.backward_ms);
  }
  if (!o.json)
    std::printf("  %-32s %9.3f %9.3f\n"
                "  step phases (Sequential): forward %.3f, loss %.3f, backward %.3f (with the "
                "loss gradient's rounding), unscale + optimizer %.3f; step p50 %.3f\n",
                "sum of layers", sum_fw, sum_bw, r.forward_ms, r.loss_ms, r.backward_ms,
                r.optimizer_ms, r.p50_ms);
  std::printf("%s{\"profile\":\"phases\",\"model\":\"%s\",\"policy\":\"%s\",\"batch\":%lld,"
              "\"threads\":%d,\"layers_forward_ms\":%.4f,\"layers_backward_ms\":%.4f,"
              "\"forward_ms\":%.4f,\"loss_ms\":%.4f,\"backward_ms\":%.4f,\"optimizer_ms\":%.4f,"
              "\"step_ms_p50\":%.4f}\n",
              o.json ? "" : "json: ", model.c_str(), policy.c_str(),
              static_cast<long long>(batch), threads, sum_fw, sum_bw, r.forward_ms, r.loss_ms,
              r.backward_ms, r.optimizer_ms, r.p50_ms);
}

template <class D>
void run_policy(const std::string& policy, const std::string& model, std::int64_t batch,
                int threads, const Options& o) {
  if (policy == "float32") run_config<mt::policy::float32, D>(model, batch, threads, o);
  else if (policy == "mixed_float16") run_config<mt::policy::mixed_float16, D>(model, batch, threads, o);
  else run_config<mt::policy::mixed_bfloat16, D>(model, batch, threads, o);
}

// "a,b,c" -> {"a", "b", "c"}; "all" -> every allowed value; anything else not allowed: ValueError.
std::vector<std::string> names(const std::string& flag, const std::string& v,
                               const std::vector<std::string>& allowed) {
  if (v == "all") return allowed;
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    const auto end = std::min(v.find(',', start), v.size());
    const std::string item = v.substr(start, end - start);
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == item;
    if (!ok) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
      throw mt::ValueError("train_bench: " + flag + " '" + item + "' is not one of " + list +
                           " (a comma-separated list, or all)");
    }
    out.push_back(item);
    start = end + 1;
  }
  return out;
}

std::vector<long long> numbers(const std::string& flag, const std::string& v, long long min) {
  std::vector<long long> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    const auto end = std::min(v.find(',', start), v.size());
    const std::string item = v.substr(start, end - start);
    char* stop = nullptr;
    const long long n = std::strtoll(item.c_str(), &stop, 10);
    if (item.empty() || *stop != '\0' || n < min)
      throw mt::ValueError("train_bench: " + flag + " '" + item + "' is not an integer >= " +
                           std::to_string(min) + " (a comma-separated list: 64,256)");
    out.push_back(n);
    start = end + 1;
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--profile") { o.profile = true; continue; }
    if (a == "--json") { o.json = true; continue; }
    if (i + 1 >= argc) throw mt::ValueError("train_bench: " + a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--model") o.models = names(a, v, {"cnn", "mlp", "deep_cnn"});
    else if (a == "--policy") o.policies = names(a, v, {"float32", "mixed_float16", "mixed_bfloat16"});
    else if (a == "--device") o.device = names(a, v, {"cpu", "cuda"}).at(0);
    else if (a == "--batch") o.batches = numbers(a, v, 1);
    else if (a == "--threads") o.threads = numbers(a, v, 0);
    else if (a == "--warmup") o.warmup = static_cast<int>(numbers(a, v, 0).at(0));
    else if (a == "--steps") o.steps = static_cast<int>(numbers(a, v, 1).at(0));
    else if (a == "--seed") o.seed = static_cast<std::uint64_t>(numbers(a, v, 0).at(0));
    else
      throw mt::ValueError("train_bench: unknown flag " + a + " (--model --policy --device "
                           "--batch --threads --warmup --steps --seed --profile --json)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    const bool cuda = o.device == "cuda";
#if defined(MANTISSA_WITH_CUDA)
    if (cuda && !mt::Cuda::available())
      throw mt::CudaError("train_bench: --device cuda: no CUDA device is present");
#else
    if (cuda)
      throw mt::CudaError("train_bench: --device cuda: this build of mantissa has no CUDA "
                          "backend (configure with MANTISSA_CUDA=ON where nvcc is present)");
#endif
    if (!o.json)
      std::printf("%-9s %-15s %-5s %6s %7s %11s %9s %9s %8s %9s %9s %7s\n", "model", "policy",
                  "dev", "batch", "threads", "images/s", "p50 ms", "p95 ms", "RSS MiB",
                  "tensor MiB", "GPU MiB", "skipped");
    for (const auto& model : o.models)
      for (const auto& policy : o.policies)
        for (const long long batch : o.batches)
          for (const long long t : o.threads) {
            if (t != 0) mt::set_num_threads(static_cast<int>(t));  // beyond the cores: ValueError
            const int threads = mt::num_threads();
#if defined(MANTISSA_WITH_CUDA)
            if (cuda) {
              run_policy<mt::Cuda>(policy, model, batch, threads, o);
              continue;
            }
#endif
            run_policy<mt::Cpu>(policy, model, batch, threads, o);
            std::fflush(stdout);
          }
    return 0;
  } catch (const mt::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
