// fuzz/fuzz_checkpoint.cpp: libFuzzer target for checkpoint loading, metadata included.
// The input is a checkpoint file for CheckpointJob's model, Adam and LossScaler. Any byte
// string either loads, and then the state is the file's (masters and moments as stored,
// finite, second moments and running variances >= 0, the scaler's scale, the step, each
// generator and the position as the metadata says), or throws DataError / IoError and leaves
// the model, the optimizer and the scaler bit-identical (a load is a transaction). Anything
// else (another exception, a changed state) aborts: a finding.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "checkpoint_job.hpp"
#include "fuzz_input.hpp"

namespace {

namespace mt = mantissa;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_checkpoint: %s\n", what.c_str());
  std::abort();
}

// The state after a successful load is what the file holds, and within the documented ranges.
void check_loaded(const std::string& path, mt::fuzz::CheckpointJob& job,
                  const mt::TrainingPosition& pos) {
  const mt::io::SafetensorsFile f(path);
  auto same = [&](const std::string& name, const float* got, const mt::Shape& shape) {
    const auto want = f.get<float>(name, shape);
    if (std::memcmp(want.data(), got, want.size_bytes()) != 0)
      finding("loaded '" + name + "' differs from the file's tensor");
    for (std::int64_t i = 0; i < want.numel(); ++i) {
      if (!std::isfinite(got[i])) finding("loaded a non-finite value into '" + name + "'");
      if ((name.ends_with("exp_avg_sq") || name.ends_with("running_var")) && got[i] < 0)
        finding("loaded a negative value into '" + name + "'");
    }
  };
  for (auto* p : job.model->parameters()) same("model/" + p->name, p->master.data(), p->shape());
  for (auto& [n, t] : job.model->buffers()) same("model/" + n, t->data(), t->shape());
  for (auto& [n, t] : job.opt->state_tensors()) same("optimizer/" + n, t.data(), t.shape());
  // Fields compare as numbers (the reader takes "007" for 7, as from_chars does).
  const auto& meta = f.metadata();
  auto text = [&](const std::string& key) -> const std::string& {
    const auto it = meta.find(key);
    if (it == meta.end()) finding("loaded without the field '" + key + "'");
    return it->second;
  };
  auto field = [&](const std::string& key, auto got) {
    const auto& s = text(key);
    decltype(got) v{};
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v != got)
      finding("field '" + key + "' is '" + s + "', loaded " + std::to_string(got));
  };
  field("optimizer_step", job.opt->steps());
  field("epoch", pos.epoch);
  field("batch", pos.batch);
  field("data_seed", pos.data_seed);
  for (auto& [n, g] : job.model->generators()) {
    const auto& s = text("rng/" + n);
    std::uint64_t seed = 0, offset = 0;
    const auto colon = s.find(':');
    if (colon == std::string::npos) finding("field 'rng/" + n + "' is '" + s + "' and loaded");
    const auto a = std::from_chars(s.data(), s.data() + colon, seed);
    const auto b = std::from_chars(s.data() + colon + 1, s.data() + s.size(), offset);
    if (a.ptr != s.data() + colon || b.ptr != s.data() + s.size() ||
        seed != g->seed() || offset != g->offset())
      finding("field 'rng/" + n + "' is '" + s + "', loaded " + std::to_string(g->seed()) + ":" +
              std::to_string(g->offset()));
  }
  const auto s = job.scaler.state();
  if (!std::isfinite(s.scale) || s.scale < 0x1p-24f || s.clean_steps < 0 || s.skipped_steps < 0 ||
      job.opt->steps() < 0 || pos.epoch < 0 || pos.batch < 0)
    finding("loaded a value out of its range (scale, a counter, the step or the position)");
  field("loss_scale_clean_steps", s.clean_steps);
  field("loss_scale_skipped_steps", s.skipped_steps);
  if (std::strtof(text("loss_scale").c_str(), nullptr) != s.scale)
    finding("field 'loss_scale' is '" + text("loss_scale") + "', loaded another scale");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static mantissa::fuzz::MemoryFile file;  // this process's own file: parallel runs never clash
  // The state loaded into: rebuilt (deterministically) after a load that changed it, so every
  // input meets the same state. Seed 1000: no seed checkpoint holds it, so a failed load that
  // copied a seed's tensors would show.
  static std::unique_ptr<mt::fuzz::CheckpointJob> job;
  static std::string before;
  if (!job) {
    job = std::make_unique<mt::fuzz::CheckpointJob>(1000, 3);
    before = job->snapshot();
  }
  const auto path = file.hold(data, size);
  try {
    const auto pos = mt::load_checkpoint(path, *job->model, *job->opt, job->scaler);
    check_loaded(path, *job, pos);
    job.reset();
  } catch (const mt::DataError&) {
    if (job->snapshot() != before) finding("a load that threw DataError changed the state");
  } catch (const mt::IoError&) {
    if (job->snapshot() != before) finding("a load that threw IoError changed the state");
  }
  return 0;
}

#ifdef MANTISSA_LIBFUZZER
// libFuzzer's byte mutations would mostly break the file's framing (a byte inserted into the
// header moves the data, and the header length no longer matches), so most mutants would stop
// at the first check. This mutator keeps the framing: it splits the input at its header
// length, mutates the header's JSON text alone (then writes its new length) or puts a special
// float (NaN, infinities, negatives, extremes) into the data section at a float's place; a
// quarter of the time, or when the input has no valid framing, libFuzzer mutates the bytes.
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned seed) {
  std::minstd_rand rng(seed);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0 && size >= 8; --i) n = (n << 8) | data[i];
  if (size < 8 || n > size - 8 || rng() % 4 == 0) return LLVMFuzzerMutate(data, size, max_size);
  std::string header(reinterpret_cast<const char*>(data) + 8, n);
  std::string rest(reinterpret_cast<const char*>(data) + 8 + n, size - 8 - n);
  if (rng() % 2 == 0 || rest.size() < 4) {
    if (max_size < 8 + rest.size() + header.size() + 1) return LLVMFuzzerMutate(data, size, max_size);
    const std::size_t room = max_size - 8 - rest.size();  // >= n + 1
    header.resize(room);
    header.resize(LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(header.data()), n, room));
  } else {
    constexpr float inf = std::numeric_limits<float>::infinity();
    const float special[] = {std::numeric_limits<float>::quiet_NaN(), inf, -inf, -1.0f, -0.0f,
                             0x1p-149f, 3.4e38f, -0x1p-149f};
    const float v = special[rng() % std::size(special)];
    std::memcpy(rest.data() + rng() % (rest.size() / 4) * 4, &v, 4);
  }
  const std::uint64_t len = header.size();
  if (8 + header.size() + rest.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  for (int i = 0; i < 8; ++i) data[i] = static_cast<std::uint8_t>(len >> (8 * i));
  std::memcpy(data + 8, header.data(), header.size());
  std::memcpy(data + 8 + header.size(), rest.data(), rest.size());
  return 8 + header.size() + rest.size();
}
#endif
