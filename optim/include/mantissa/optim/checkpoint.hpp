// mantissa/optim/checkpoint.hpp: the whole training state in one safetensors file.
//
//   save_checkpoint("runs/x/step_1000.safetensors", model, opt, &scaler, position);
//   auto position = load_checkpoint(path, model, opt, &scaler);
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

template <Policy P, class Opt>
void save_checkpoint(const std::filesystem::path& file, Sequential<P, Cpu>& model, Opt& opt,
                     const LossScaler* scaler, const TrainingPosition& pos) {
  std::vector<io::TensorRecord> records;
  for (auto* p : model.parameters())
    records.push_back(io::record<float>("model/" + p->name, p->master.view()));
  for (auto& [name, t] : model.buffers())
    records.push_back(io::record<float>("model/" + name, t->view()));
  for (auto& [name, t] : opt.state_tensors())
    records.push_back(io::record<float>("optimizer/" + name, t->view()));
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

template <Policy P, class Opt>
TrainingPosition load_checkpoint(const std::filesystem::path& file, Sequential<P, Cpu>& model,
                                 Opt& opt, LossScaler* scaler) {
  io::SafetensorsFile f(file);
  detail::check_checkpoint_format(f, P::name, file);
  // Check everything before changing anything: a failed load leaves the model as it was.
  std::vector<std::pair<std::string, Shape>> expected;
  for (auto* p : model.parameters()) expected.emplace_back("model/" + p->name, p->shape());
  for (auto& [name, t] : model.buffers()) expected.emplace_back("model/" + name, t->shape());
  for (auto& [name, t] : opt.state_tensors()) expected.emplace_back("optimizer/" + name, t->shape());
  detail::check_tensors(f, expected, file);
  for (auto* p : model.parameters()) {
    auto src = f.get<float>("model/" + p->name, p->shape());
    copy_bytes<Cpu, Cpu>(p->master.data(), src.data(), src.size_bytes());
    p->refresh_compute();
  }
  for (auto& [name, t] : model.buffers()) {
    auto src = f.get<float>("model/" + name, t->shape());
    copy_bytes<Cpu, Cpu>(t->data(), src.data(), src.size_bytes());
  }
  for (auto& [name, t] : opt.state_tensors()) {
    auto src = f.get<float>("optimizer/" + name, t->shape());
    copy_bytes<Cpu, Cpu>(t->data(), src.data(), src.size_bytes());
  }
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

// Only the weights, from a mantissa checkpoint ("model/<name>") or a file whose tensors are
// named as the parameters ("<layer>/<param>"), in float32, float16 or bfloat16.
template <Policy P>
void load_weights(const std::filesystem::path& file, Sequential<P, Cpu>& model);

}  // namespace mantissa
