// mantissa/optim/checkpoint.hpp: the whole training state in one safetensors file.
//
//   save_checkpoint("runs/x/step_1000.safetensors", model, opt, scaler, position);
//   auto position = load_checkpoint(path, model, opt, scaler);
//   save_checkpoint(path, model, opt, position);    // no scaler: float32 / mixed_bfloat16 only
//
// Typed as the training step is: the optimizer must be one built on this model (its policy
// and device; at run time, this very model), and a policy that needs loss scaling must pass
// its LossScaler, whose state is part of the run (a checkpoint without it would lose the
// scale). Either mistake is a compile error.
//
// Contents (each tensor with its dtype and shape, so a load checks them against the types):
//   model/<layer>/<param>         float32 master weights ("model/dense_1/kernel")
//   model/<layer>/<buffer>        float32 buffers (BatchNorm's running statistics)
//   optimizer/<layer>/<param>/... float32 moments (exp_avg, exp_avg_sq, momentum)
//   __metadata__                  format, policy, optimizer step, loss-scaler state, each
//                                 layer generator's (seed, offset) ("rng/dropout/rng"), and
//                                 the data-order position (epoch, batch, seed): with
//                                 counter-based generators that is all the RNG state there is
// Written to a temporary file and renamed: a crash mid-save keeps the previous checkpoint.
// Loading checks every name, dtype and shape and lists what differs; the compute copies are
// refreshed from the loaded masters. load_weights() reads only model/... (or bare names, as
// other safetensors writers produce) for inference or fine-tuning.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "mantissa/io/safetensors.hpp"
#include "mantissa/layers/sequential.hpp"
#include "mantissa/optim/loss_scaler.hpp"

namespace mantissa {

struct TrainingPosition {
  std::int64_t epoch = 0;       // epochs completed
  std::int64_t batch = 0;       // batches completed in the current epoch
  std::uint64_t data_seed = 0;  // the loader's shuffling seed
  friend bool operator==(const TrainingPosition&, const TrainingPosition&) = default;
};

namespace detail {
void check_checkpoint_format(const io::SafetensorsFile& f, std::string_view policy,
                             const std::filesystem::path& file);
std::int64_t metadata_int(const io::SafetensorsFile& f, const std::string& key,
                          const std::filesystem::path& file);
float metadata_float(const io::SafetensorsFile& f, const std::string& key,
                     const std::filesystem::path& file);
std::string format_float(float v);  // exact: %a
Generator metadata_generator(const io::SafetensorsFile& f, const std::string& key,
                             const std::filesystem::path& file);  // "seed:offset"
// Every expected float32 tensor present with its shape, and no model/ or optimizer/ tensor
// the model lacks; otherwise one DataError that lists every difference.
void check_tensors(const io::SafetensorsFile& f,
                   const std::vector<std::pair<std::string, Shape>>& expected,
                   const std::filesystem::path& file);
}  // namespace detail

namespace detail {
// A host view of a device tensor: the tensor itself on a host device, else a copy kept in
// `keep` (an explicit device -> host copy; a file is written from host memory).
template <Device D>
TensorView<const float, Cpu> host_view(TensorView<const float, D> t, std::vector<Tensor<float>>& keep) {
  if constexpr (std::same_as<D, Cpu>) {
    return t;
  } else {
    keep.push_back(Tensor<float>::empty(t.shape()));
    copy_bytes<Cpu, D>(keep.back().data(), t.data(), t.size_bytes());
    return keep.back().view();
  }
}

// Every model/ tensor of a weights file as float32 on the host, converted from F16 / BF16
// where needed, in the order of `names` (each found as "model/<name>" or "<name>");
// DataError listing every name that is missing or has another shape or a non-float dtype.
std::vector<Tensor<float>> read_weights(const std::filesystem::path& file,
                                        const std::vector<std::pair<std::string, Shape>>& names);
}  // namespace detail

namespace detail {
// The optimizer must be this model's: same policy and device by type, same model at run time.
template <Policy P, Device D, class Opt>
constexpr bool require_optimizer_of() {
  constexpr bool is_opt = requires { typename Opt::policy_type; } &&
                          requires(Opt& o) { o.state_tensors(); o.steps(); };
  static_assert(is_opt,
                "mantissa checkpoints: the third argument is the model's optimizer (SGD, Adam or "
                "AdamW built from this model)");
  if constexpr (is_opt) {
    static_assert(same_policy<typename Opt::policy_type, P>,
                  "mantissa checkpoints: the optimizer was built for a model of another precision "
                  "policy than this model's (model first in the note below); save and load the "
                  "optimizer together with the model it steps");
    return same_policy<typename Opt::policy_type, P>;
  }
  return false;
}
template <Policy P, Device D, class Opt>
void check_optimizer_model(Sequential<P, D>& model, Opt& opt, const char* what) {
  if (opt.parameters().size() != model.parameters().size() ||
      (!opt.parameters().empty() && opt.parameters().front() != model.parameters().front()))
    throw StateError(std::string(what) + ": the optimizer steps another model than the one given; "
                     "pass the optimizer built from this model");
}
template <class S>
constexpr void require_scaler_reference() {
  static_assert(std::is_lvalue_reference_v<S> || std::is_pointer_v<std::remove_cvref_t<S>> ||
                    !std::same_as<std::remove_cvref_t<S>, LossScaler>,
                "mantissa checkpoints: pass the run's own LossScaler (a named object); a "
                "temporary LossScaler{} would save a fresh scale, or load the saved one into "
                "nothing");
  static_assert(!std::is_pointer_v<std::remove_cvref_t<S>>,
                "mantissa checkpoints: pass the LossScaler itself, not a pointer: "
                "save_checkpoint(file, model, opt, scaler, position)");
  static_assert(std::is_pointer_v<std::remove_cvref_t<S>> ||
                    std::same_as<std::remove_cvref_t<S>, LossScaler>,
                "mantissa checkpoints: the fourth argument is the run's LossScaler (or, for a "
                "policy without loss scaling, the TrainingPosition)");
}

template <Policy P, Device D, class Opt>
void save_checkpoint_impl(const std::filesystem::path& file, Sequential<P, D>& model, Opt& opt,
                          const LossScaler* scaler, const TrainingPosition& pos) {
  check_optimizer_model(model, opt, "save_checkpoint");
  std::vector<io::TensorRecord> records;
  std::vector<Tensor<float>> host;  // device tensors copied to the host for the write
  host.reserve(model.parameters().size() * 4);
  for (auto* p : model.parameters())
    records.push_back(io::record<float>("model/" + p->name, detail::host_view<D>(p->master, host)));
  for (auto& [name, t] : model.buffers())
    records.push_back(io::record<float>("model/" + name, detail::host_view<D>(t->view(), host)));
  for (auto& [name, t] : opt.state_tensors())
    records.push_back(io::record<float>("optimizer/" + name, detail::host_view<D>(t, host)));
  io::Metadata meta{{"format", "mantissa-checkpoint-1"},
                    {"policy", std::string(P::name)},
                    {"optimizer_step", std::to_string(opt.steps())},
                    {"epoch", std::to_string(pos.epoch)},
                    {"batch", std::to_string(pos.batch)},
                    {"data_seed", std::to_string(pos.data_seed)}};
  for (auto& [name, g] : model.generators())
    meta["rng/" + name] = std::to_string(g->seed()) + ":" + std::to_string(g->offset());
  if (scaler) {
    const auto s = scaler->state();
    meta["loss_scale"] = detail::format_float(s.scale);
    meta["loss_scale_clean_steps"] = std::to_string(s.clean_steps);
    meta["loss_scale_skipped_steps"] = std::to_string(s.skipped_steps);
  }
  std::filesystem::create_directories(file.has_parent_path() ? file.parent_path() : ".");
  io::write_safetensors(file, records, meta);
}

template <Policy P, Device D, class Opt>
TrainingPosition load_checkpoint_impl(const std::filesystem::path& file, Sequential<P, D>& model,
                                      Opt& opt, LossScaler* scaler) {
  check_optimizer_model(model, opt, "load_checkpoint");
  io::SafetensorsFile f(file);
  detail::check_checkpoint_format(f, P::name, file);
  // Check everything before changing anything: a failed load leaves the model as it was.
  std::vector<std::pair<std::string, Shape>> expected;
  for (auto* p : model.parameters()) expected.emplace_back("model/" + p->name, p->shape());
  for (auto& [name, t] : model.buffers()) expected.emplace_back("model/" + name, t->shape());
  for (auto& [name, t] : opt.state_tensors()) expected.emplace_back("optimizer/" + name, t.shape());
  detail::check_tensors(f, expected, file);
  auto put = [&](const std::string& name, TensorView<float, D> dst) {  // host -> device
    auto src = f.get<float>(name, dst.shape());
    copy_bytes<D, Cpu>(dst.data(), src.data(), src.size_bytes());
  };
  for (auto* p : model.parameters()) {
    put("model/" + p->name, p->master);
    p->refresh_compute(model.context());
  }
  for (auto& [name, t] : model.buffers()) put("model/" + name, t->view());
  for (auto& [name, t] : opt.state_tensors()) put("optimizer/" + name, t);
  for (auto& [name, g] : model.generators()) *g = detail::metadata_generator(f, "rng/" + name, file);
  opt.set_steps(detail::metadata_int(f, "optimizer_step", file));
  if (scaler) {
    if (!f.metadata().count("loss_scale"))
      throw DataError(file.string() + ": no loss-scaler state in this checkpoint");
    scaler->load_state({detail::metadata_float(f, "loss_scale", file),
                        detail::metadata_int(f, "loss_scale_clean_steps", file),
                        detail::metadata_int(f, "loss_scale_skipped_steps", file)});
  }
  return {detail::metadata_int(f, "epoch", file), detail::metadata_int(f, "batch", file),
          static_cast<std::uint64_t>(detail::metadata_int(f, "data_seed", file))};
}

}  // namespace detail

// With the run's loss scaler (any policy; required by those that scale the loss).
template <Policy P, Device D, class Opt, class S>
  requires(!std::same_as<std::remove_cvref_t<S>, TrainingPosition>)
void save_checkpoint(const std::filesystem::path& file, Sequential<P, D>& model, Opt& opt,
                     S&& scaler, const TrainingPosition& pos = {}) {
  detail::require_scaler_reference<S>();
  if constexpr (detail::require_optimizer_of<P, D, Opt>() &&
                std::same_as<std::remove_cvref_t<S>, LossScaler>)
    detail::save_checkpoint_impl(file, model, opt, &scaler, pos);
}
template <Policy P, Device D, class Opt, class S>
TrainingPosition load_checkpoint(const std::filesystem::path& file, Sequential<P, D>& model,
                                 Opt& opt, S&& scaler) {
  detail::require_scaler_reference<S>();
  static_assert(!std::is_const_v<std::remove_reference_t<S>>,
                "mantissa::load_checkpoint: the LossScaler receives the saved scale: pass it "
                "non-const");
  if constexpr (detail::require_optimizer_of<P, D, Opt>() &&
                std::same_as<std::remove_cvref_t<S>, LossScaler> &&
                !std::is_const_v<std::remove_reference_t<S>>)
    return detail::load_checkpoint_impl(file, model, opt, &scaler);
  else
    return {};
}

// Without one: only where the policy needs no loss scaling.
template <Policy P, Device D, class Opt>
void save_checkpoint(const std::filesystem::path& file, Sequential<P, D>& model, Opt& opt,
                     const TrainingPosition& pos = {}) {
  static_assert(!needs_loss_scaling_v<P>,
                "mantissa::save_checkpoint: under this policy (note below) the loss scale is "
                "part of the training state: save_checkpoint(file, model, opt, scaler, position)");
  if constexpr (detail::require_optimizer_of<P, D, Opt>() && !needs_loss_scaling_v<P>)
    detail::save_checkpoint_impl(file, model, opt, nullptr, pos);
}
template <Policy P, Device D, class Opt>
TrainingPosition load_checkpoint(const std::filesystem::path& file, Sequential<P, D>& model,
                                 Opt& opt) {
  static_assert(!needs_loss_scaling_v<P>,
                "mantissa::load_checkpoint: under this policy (note below) the loss scale is "
                "part of the training state: load_checkpoint(file, model, opt, scaler)");
  if constexpr (detail::require_optimizer_of<P, D, Opt>() && !needs_loss_scaling_v<P>)
    return detail::load_checkpoint_impl(file, model, opt, nullptr);
  else
    return {};
}

// Only the weights, from a mantissa checkpoint ("model/<name>") or a file whose tensors are
// named as the parameters ("<layer>/<param>"), in float32, float16 or bfloat16.
template <Policy P, Device D>
void load_weights(const std::filesystem::path& file, Sequential<P, D>& model) {
  std::vector<std::pair<std::string, Shape>> names;
  for (auto* p : model.parameters()) names.emplace_back(p->name, p->shape());
  const auto weights = detail::read_weights(file, names);  // checks all before changing any
  const auto& params = model.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    copy_bytes<D, Cpu>(params[i]->master.data(), weights[i].data(), weights[i].size_bytes());
    params[i]->refresh_compute(model.context());
  }
}

}  // namespace mantissa
