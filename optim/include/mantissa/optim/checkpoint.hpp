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
//   __metadata__ "fit/..."        fit's own state (a checkpoint fit wrote): the history so
//                                 far, early stopping's best loss and patience count, the
//                                 interrupted epoch's running sums, the batch size and data
//                                 size the position refers to (history.hpp's FitState)
//   __metadata__ "checksum/<name>" CRC-32 (8 hex digits) of each tensor's bytes and of each
//                                 field's value, and "checksum/__metadata__" over all fields
//
// Guarantees:
//   - Saving: written to "<file>.tmp" and renamed, so a crash mid-save keeps the previous
//     checkpoint. Missing folders are created; an empty name, a folder, a link or a device
//     file (/dev/null) is an IoError, and no temporary file is left after any failure.
//   - Every field round-trips over its whole range: step, epoch, batch and the scaler's
//     counters in [0, 2^63), data_seed and each generator's seed and offset in [0, 2^64), the
//     loss scale exactly (hex float).
//   - Loading is a transaction: every tensor and every field is parsed and checked before the
//     first byte of the model, optimizer or scaler changes; a failed load leaves all three
//     bit-identical. Checked, each fault a DataError naming the tensor or field:
//       checksums, where the file has any (files from other writers have none and load
//       unverified): a flipped bit in a tensor, a field or a key is caught;
//       every name, dtype and shape (one error listing every difference), and an rng/ entry
//       for each of the model's generators and none other;
//       values: weights, buffers and moments finite, second moments and running variances
//       >= 0; counts >= 0; the loss scale finite and >= 2^-24; each field present and wholly
//       numeric (the scaler's state whenever a scaler is loaded).
//     The compute copies are then refreshed from the loaded masters.
// load_weights() reads only model/... (or bare names, as other safetensors writers produce)
// for inference or fine-tuning; it too verifies checksums where present, refuses non-finite
// weights, and changes nothing unless every weight is good.
//
// Weights only (a trained model for inference, or to fine-tune with a fresh optimizer):
//   save_weights("model.safetensors", model);
//   load_weights("model.safetensors", fresh);     // a model built with the same layers
// save_weights writes the model/ part of a checkpoint (float32 master weights and buffers,
// the same names, checksums, the same atomic write) with __metadata__ format
// "mantissa-weights-1" and the policy; load_weights reads it, or a checkpoint, into a model
// of any policy. They are free functions, not model.save(): Sequential lives in layers/,
// which sits below io/ (safetensors) and optim/ (docs/architecture.md's floors).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mantissa/io/safetensors.hpp"
#include "mantissa/layers/sequential.hpp"
#include "mantissa/optim/history.hpp"
#include "mantissa/optim/host_view.hpp"
#include "mantissa/optim/loss_scaler.hpp"

namespace mantissa {

struct TrainingPosition {
  std::int64_t epoch = 0;       // epochs completed
  std::int64_t batch = 0;       // batches completed in the current epoch
  std::uint64_t data_seed = 0;  // the loader's shuffling seed
  friend bool operator==(const TrainingPosition&, const TrainingPosition&) = default;
};

namespace detail {
// The smallest loss scale a checkpoint may hold: float16's smallest subnormal. Below it every
// scaled float16 gradient of magnitude <= 1 rounds to zero, and 1/S nears float's range.
inline constexpr float min_checkpoint_loss_scale = 0x1p-24f;

// What a load takes from __metadata__, parsed and range-checked.
struct CheckpointMetadata {
  std::int64_t optimizer_step = 0;
  std::vector<Generator> generators;        // in the order of the names asked for
  std::optional<LossScaler::State> scaler;  // when a scaler is loaded
  TrainingPosition position;
};
// The whole check of a load, before anything changes: checksums (where the file has them),
// format and policy, every expected float32 tensor with its shape (one DataError listing every
// difference), their values, and every metadata field. Throws DataError naming the tensor or
// field; returns the metadata to commit.
CheckpointMetadata check_checkpoint(const io::SafetensorsFile& f, std::string_view policy,
                                    const std::vector<std::pair<std::string, Shape>>& expected,
                                    const std::vector<std::string>& generators, bool with_scaler,
                                    const std::filesystem::path& file);
// Where the file has any "checksum/" key (mantissa wrote it): every tensor's and field's
// checksum present and matching, and the whole metadata's; DataError naming what differs.
// A file without checksums (another writer's) passes unverified.
void verify_checksums(const io::SafetensorsFile& f, const std::filesystem::path& file);
std::string format_float(float v);  // exact: %a
// Adds "checksum/<tensor>" and "checksum/<field>" (CRC-32, 8 hex digits) for every record and
// metadata field, then "checksum/__metadata__" over all the metadata.
void seal_checkpoint(const std::vector<io::TensorRecord>& records, io::Metadata& meta);
}  // namespace detail

namespace detail {
// Every model/ tensor of a weights file as float32 on the host, converted from F16 / BF16
// where needed, in the order of `names` (each found as "model/<name>" or "<name>");
// DataError listing every name that is missing or has another shape or a non-float dtype,
// naming a tensor that fails its checksum (a mantissa file) or holds a non-finite value.
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

// Where a file may be written: checked before any folder is made for it; missing folders
// are created (fit writes into its fresh --out); one that cannot be is an IoError, not a
// foreign std::filesystem_error.
inline void prepare_destination(const std::filesystem::path& file) {
  io::check_destination(file);
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec)
    throw IoError(file.string() + ": cannot create its folder " + file.parent_path().string() +
                  ": " + ec.message());
}

// The model/ records of a checkpoint or weights file: every float32 master weight, then
// every buffer, named "model/<layer>/<name>" (device tensors copied to `host`).
template <Policy P, Device D>
std::vector<io::TensorRecord> model_records(Sequential<P, D>& model, std::vector<Tensor<float>>& host) {
  std::vector<io::TensorRecord> records;
  for (auto* p : model.parameters())
    records.push_back(io::record<float>("model/" + p->name, detail::host_view<D>(p->master, host)));
  for (auto& [name, t] : model.buffers())
    records.push_back(io::record<float>("model/" + name, detail::host_view<D>(t->view(), host)));
  return records;
}

template <Policy P, Device D, class Opt>
void save_checkpoint_impl(const std::filesystem::path& file, Sequential<P, D>& model, Opt& opt,
                          const LossScaler* scaler, const TrainingPosition& pos,
                          const FitState* fit = nullptr) {
  check_optimizer_model(model, opt, "save_checkpoint");
  std::vector<Tensor<float>> host;  // device tensors copied to the host for the write
  host.reserve(model.parameters().size() * 4);
  auto records = model_records(model, host);
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
  if (fit) encode_fit_state(*fit, meta);
  detail::seal_checkpoint(records, meta);
  prepare_destination(file);
  io::write_safetensors(file, records, meta);
}

// With `fit`: fit's own state is read too, and `accept(position, fit state)` may still refuse
// (throw) before anything changes.
struct AcceptAny {
  void operator()(const TrainingPosition&, const std::optional<FitState>&) const {}
};
template <Policy P, Device D, class Opt, class Accept = AcceptAny>
TrainingPosition load_checkpoint_impl(const std::filesystem::path& file, Sequential<P, D>& model,
                                      Opt& opt, LossScaler* scaler,
                                      std::optional<FitState>* fit = nullptr,
                                      Accept&& accept = {}) {
  check_optimizer_model(model, opt, "load_checkpoint");
  io::SafetensorsFile f(file);
  // A transaction: everything is parsed and checked first; only then is anything changed.
  std::vector<std::pair<std::string, Shape>> expected;
  for (auto* p : model.parameters()) expected.emplace_back("model/" + p->name, p->shape());
  for (auto& [name, t] : model.buffers()) expected.emplace_back("model/" + name, t->shape());
  for (auto& [name, t] : opt.state_tensors()) expected.emplace_back("optimizer/" + name, t.shape());
  std::vector<std::string> generators;
  for (auto& [name, g] : model.generators()) generators.push_back(name);
  auto meta = detail::check_checkpoint(f, P::name, expected, generators, scaler != nullptr, file);
  if (fit) {  // fit's own, checked too
    *fit = decode_fit_state(f.metadata(), meta.position.epoch, file);
    accept(meta.position, *fit);
  }

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
  std::size_t i = 0;
  for (auto& [name, g] : model.generators()) *g = meta.generators[i++];
  opt.set_steps(meta.optimizer_step);
  if (scaler) scaler->load_state(*meta.scaler);  // checked above, more strictly than here
  return meta.position;
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

// The model's weights alone: its float32 master weights and its buffers (BatchNorm's running
// statistics), sealed with checksums, written whole or not at all (as save_checkpoint). No
// optimizer state, no generator positions, no training position: to resume training, save a
// checkpoint instead. A non-finite weight is a NumericsError and nothing is written.
template <Policy P, Device D>
void save_weights(const std::filesystem::path& file, Sequential<P, D>& model) {
  std::vector<Tensor<float>> host;  // device tensors copied to the host for the write
  auto records = detail::model_records(model, host);
  io::Metadata meta{{"format", "mantissa-weights-1"}, {"policy", std::string(P::name)}};
  detail::seal_checkpoint(records, meta);
  detail::prepare_destination(file);
  io::write_safetensors(file, records, meta);
}

// Only the weights, from save_weights' file, a mantissa checkpoint ("model/<name>") or a file
// whose tensors are named as the parameters ("<layer>/<param>"), in float32, float16 or
// bfloat16: every parameter and every buffer (BatchNorm's running statistics: without them
// inference would normalise with the initial ones). A file of another architecture is a
// DataError listing each tensor missing or shaped otherwise; nothing changes unless every
// tensor is good. The compute copies are refreshed from the loaded masters, so a model
// loaded under any policy computes exactly as the one saved from the same masters.
template <Policy P, Device D>
void load_weights(const std::filesystem::path& file, Sequential<P, D>& model) {
  std::vector<std::pair<std::string, Shape>> names;
  for (auto* p : model.parameters()) names.emplace_back(p->name, p->shape());
  auto buffers = model.buffers();
  for (auto& [name, t] : buffers) names.emplace_back(name, t->shape());
  const auto weights = detail::read_weights(file, names);  // checks all before changing any
  const auto& params = model.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    copy_bytes<D, Cpu>(params[i]->master.data(), weights[i].data(), weights[i].size_bytes());
    params[i]->refresh_compute(model.context());
  }
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    const auto& w = weights[params.size() + i];
    copy_bytes<D, Cpu>(buffers[i].second->data(), w.data(), w.size_bytes());
  }
}

}  // namespace mantissa
