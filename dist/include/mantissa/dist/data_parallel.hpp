// mantissa/dist/data_parallel.hpp: data-parallel training on a Communicator, with the engine's
// own models, optimizers and loss scaler. The written-out step, on every rank:
//
//   dist::MpiCommunicator comm;
//   dist::DataParallel dp(comm);
//   Sequential<P, Cpu> model(...);              // same architecture everywhere
//   dp.broadcast_parameters(model);             // rank 0's initial weights everywhere
//   data::ImageLoader<half> train(data, {.batch = 32, .seed = 1, .shard = dp.shard()});
//   ...
//   auto scaled = model.backward(scaler.scale(loss));
//   auto out = opt.step(scaler.unscale(dp.average(std::move(scaled))), scaler);
//   // or, without a scaler:  opt.step(dp.average(model.backward(loss)))
//   if (dp.writes_checkpoints()) save_checkpoint(...);
//
// average() replaces the model's float32 gradient arena, in place, by its mean over the ranks
// (in buckets of options().bucket_bytes, which a transport can overlap). With a loss scaler the
// *scaled* gradients are averaged, before unscale: an inf or NaN on any rank reaches every
// rank's arena, so every rank's unscale finds the overflow and the scaler takes the same
// decision (skip, and back off to the same scale). Averaging unscaled Gradients that
// LossScaler::unscale made is refused (StateError): their overflow check was already taken
// on one rank's values.
//
// Every rank then holds the same averaged gradients (the transports give every rank the same
// bits) and applies the same update: weights stay bit-identical across ranks without being
// broadcast again. BatchNorm running statistics are per rank (each rank's batches);
// average_buffers() makes them the mean over ranks (call it before evaluating or saving).
#pragma once

#include <cstdint>
#include <exception>
#include <utility>
#include <span>
#include <type_traits>
#include <vector>

#include "mantissa/data/loader.hpp"
#include "mantissa/dist/communicator.hpp"
#include "mantissa/layers/gradients.hpp"

namespace mantissa::dist {

struct DataParallelOptions {
  // Gradient bytes per allreduce (PyTorch DDP's default, 25 MiB); the arena is cut at these
  // boundaries, whatever the parameters' own.
  std::int64_t bucket_bytes = std::int64_t{25} << 20;
  // backward() closes its first bucket (the last layers' gradients, final first) at this
  // size, so that its reduction starts early in the backward pass (DDP's 1 MiB).
  std::int64_t first_bucket_bytes = std::int64_t{1} << 20;
  int root = 0;  // the rank whose weights are broadcast and which writes checkpoints
  // fit averages with backward() (each bucket reduced while the earlier layers compute);
  // false: average(model.backward(...)) after the whole pass (the same values).
  bool overlap = true;
};

// Loss and accuracy of one rank's batches, and of all ranks' together.
struct Metrics {
  double loss = 0, accuracy = 0;
  std::int64_t count = 0;  // samples
};

// Where a run is, as a loader's batch index, mapped to another batch size or world size:
// global batch b of (batch B, world W) starts at sample b * B * W of the epoch's (padded)
// permutation, so resuming with (B', W') starts at floor(b * B * W / (B' * W')): never past a
// sample not yet trained on (it may repeat up to one global batch).
struct Layout {
  std::int64_t batch = 1;
  int world = 1;
};
std::int64_t map_batch_index(std::int64_t batch_index, Layout from, Layout to);

class DataParallel {
 public:
  explicit DataParallel(Communicator& c, DataParallelOptions o = {});

  Communicator& communicator() const noexcept { return *c_; }
  const DataParallelOptions& options() const noexcept { return o_; }
  int rank() const noexcept { return c_->rank(); }
  int world() const noexcept { return c_->size(); }
  bool is_root() const noexcept { return rank() == o_.root; }
  // Only the root writes checkpoints, histories and plots (every rank holds the same weights;
  // several writers of one file on shared storage would race).
  bool writes_checkpoints() const noexcept { return is_root(); }
  // This rank's part of every epoch, for LoaderOptions::shard.
  data::Shard shard(bool drop_remainder = false) const noexcept {
    return {rank(), world(), drop_remainder};
  }

  // The root's weights on every rank: float32 masters broadcast, compute copies (half,
  // bfloat16) rounded from them on each rank, and the layers' buffers (BatchNorm running
  // statistics) broadcast. Before training, and after a load that only the root did.
  template <class Model>
  void broadcast_parameters(Model& model) {
    auto& t = model.trainables();
    dist::broadcast(*c_, t.arena.master(), o_.root);
    for (auto* p : t.params) p->refresh_compute(*t.ctx);
    for (auto& [name, buf] : model.buffers()) dist::broadcast(*c_, buf->view(), o_.root);
  }

  // The gradients' mean over the ranks, in place; returns the same token (see above).
  template <class G>
  std::remove_cvref_t<G> average(G&& grads) {
    using X = std::remove_cvref_t<G>;
    static_assert(is_scaled_gradients<X> || is_gradients<X>,
                  "mantissa::dist::DataParallel::average takes what backward returned: "
                  "dp.average(model.backward(scaler.scale(loss))) or "
                  "dp.average(model.backward(loss))");
    static_assert(!std::is_lvalue_reference_v<G>,
                  "mantissa::dist::DataParallel::average passes the gradient token through: "
                  "dp.average(std::move(scaled))");
    if constexpr (is_gradients<X>) {
      if (grads.from_unscale())
        throw StateError(
            "DataParallel::average: these gradients are already unscaled, and the overflow "
            "check of that unscale saw this rank's values only; average the scaled gradients "
            "before unscaling: scaler.unscale(dp.average(std::move(scaled)))");
    }
    average_arena(grads.trainables().arena.grad());
    return std::move(grads);
  }

  // model.backward(loss, previous...) with the averaging of average() overlapped: each bucket
  // of gradients is started (Communicator::start_allreduce) as soon as the backward pass has
  // made it final, last layers first, while the earlier layers compute; the result is
  // average(model.backward(...))'s, on every transport. Buckets follow the parameters (from
  // the last: first_bucket_bytes, then bucket_bytes each). When accumulating micro-batches,
  // call model.backward for the first ones and dp.backward for the last.
  template <class Model, class L, class... Previous>
  auto backward(Model& model, L&& loss, Previous&&... previous) {
    auto& t = model.trainables();
    auto g = t.arena.grad();
    using D = device_of<decltype(g)>;
    detail::check_memory(*c_, std::same_as<D, Cpu>, "DataParallel::backward");
    plan_buckets(t.arena.offsets(), g.numel());
    float* base = g.data();
    std::size_t next = 0;  // the next bucket to start (plan_ runs from the arena's end)
    auto start_ready = [&](std::int64_t final_from) {
      for (; next < plan_.size() && plan_[next].first >= final_from; ++next)
        c_->start_allreduce({base + plan_[next].first,
                             static_cast<std::size_t>(plan_[next].second - plan_[next].first)},
                            Reduce::average);
      c_->progress();
    };
    model.on_gradients_ready(start_ready);
    struct Unhook {
      Model& m;
      Communicator& c;
      ~Unhook() {
        m.on_gradients_ready({});
        if (c.pending() > 0 && std::uncaught_exceptions() > 0) {
          try {  // the started buckets: complete them (the peers started them too) or time out
            c.wait_pending();
          } catch (...) {
          }
        }
      }
    } unhook{model, *c_};
    auto token = model.backward(std::forward<L>(loss), std::forward<Previous>(previous)...);
    start_ready(0);  // the rest (the first layers, and the whole arena of a parameter-free model)
    c_->wait_pending();
    return token;
  }

  // Every layer buffer (BatchNorm running mean and variance) replaced by its mean over ranks.
  template <class Model>
  void average_buffers(Model& model) {
    for (auto& [name, buf] : model.buffers()) dist::allreduce(*c_, buf->view(), Reduce::average);
  }

  // One rank's mean loss and accuracy over `count` samples, averaged over every rank's
  // samples (float64 sums): for the progress line and the epoch's record.
  Metrics reduce_metrics(double loss, double accuracy, std::int64_t count);

 private:
  template <Device D>
  void average_arena(TensorView<float, D> g) {
    const auto per = std::max<std::int64_t>(1, o_.bucket_bytes / std::int64_t{sizeof(float)});
    std::vector<std::span<float>> buckets;
    for (std::int64_t at = 0; at < g.numel(); at += per)
      buckets.emplace_back(g.data() + at, static_cast<std::size_t>(std::min(per, g.numel() - at)));
    detail::check_memory(*c_, std::same_as<D, Cpu>, "DataParallel::average");
    c_->allreduce_buckets(buckets, Reduce::average);
  }

  // Buckets as arena ranges [first, second), from the arena's end down to 0, each closed at a
  // parameter's start once it holds first_bucket_bytes (the first) or bucket_bytes.
  void plan_buckets(const std::vector<std::int64_t>& offsets, std::int64_t total) {
    if (planned_for_ == total && planned_offsets_ == offsets) return;
    plan_.clear();
    std::int64_t hi = total;
    for (std::size_t k = offsets.size(); k-- > 0;) {
      const std::int64_t cap = (plan_.empty() ? o_.first_bucket_bytes : o_.bucket_bytes) /
                               std::int64_t{sizeof(float)};
      if (k == 0 || hi - offsets[k] >= cap) {
        if (k == 0) {
          plan_.emplace_back(0, hi);
        } else {
          plan_.emplace_back(offsets[k], hi);
          hi = offsets[k];
        }
      }
    }
    planned_for_ = total;
    planned_offsets_ = offsets;
  }

  Communicator* c_;
  DataParallelOptions o_;
  std::vector<std::pair<std::int64_t, std::int64_t>> plan_;
  std::int64_t planned_for_ = -1;
  std::vector<std::int64_t> planned_offsets_;
};

}  // namespace mantissa::dist
