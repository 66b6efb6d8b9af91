// fuzz/checkpoint_seeds.cpp: writes fuzz_checkpoint's seed corpus, or checks it.
//   checkpoint_seeds write DIR   checkpoints of CheckpointJob saved by save_checkpoint
//                                ("sealed_*", with checksums) and the same state as another
//                                writer would store it ("plain_*", no checksums, so that
//                                mutated fields and values reach the checks behind the
//                                checksums)
//   checkpoint_seeds check DIR   every seed loads into CheckpointJob (a CTest test: a change
//                                of the format must come with new seeds, or the fuzzer would
//                                start from files that fail at once)
#include <cstdio>
#include <filesystem>
#include <string>

#include "checkpoint_job.hpp"

namespace fs = std::filesystem;
namespace mt = mantissa;

namespace {

// `from` rewritten without its checksums.
void write_plain(const fs::path& from, const fs::path& to) {
  const mt::io::SafetensorsFile f(from);
  mt::io::Metadata meta;
  for (const auto& [k, v] : f.metadata())
    if (!k.starts_with("checksum/")) meta[k] = v;
  std::vector<mt::io::TensorRecord> records;
  for (const auto& n : f.names()) {
    const auto* e = f.find(n);
    records.push_back({n, e->dtype, e->shape, f.bytes(*e), e->end - e->begin});
  }
  mt::io::write_safetensors(to, records, meta);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "write" && std::string(argv[1]) != "check")) {
    std::fprintf(stderr, "usage: checkpoint_seeds write|check DIR\n");
    return 2;
  }
  const fs::path dir = argv[2];
  if (std::string(argv[1]) == "write") {
    struct Seed {
      std::uint64_t seed;
      int steps;
      mt::TrainingPosition pos;
    };
    for (const Seed& s : {Seed{1, 3, {2, 5, 9}}, Seed{2, 1, {0, 0, 0}},
                          Seed{3, 4, {7, 1, 18446744073709551615ull}}}) {
      mt::fuzz::CheckpointJob job(s.seed, s.steps);
      const auto sealed = dir / ("sealed_" + std::to_string(s.seed));
      mt::save_checkpoint(sealed, *job.model, *job.opt, job.scaler, s.pos);
      write_plain(sealed, dir / ("plain_" + std::to_string(s.seed)));
    }
    return 0;
  }
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    mt::fuzz::CheckpointJob job(1000, 3);
    try {
      (void)mt::load_checkpoint(e.path(), *job.model, *job.opt, job.scaler);
    } catch (const mt::Error& err) {
      std::fprintf(stderr, "%s: %s\n", e.path().c_str(), err.what());
      return 1;
    }
    ++n;
  }
  std::printf("%d seeds load\n", n);
  return n == 0 ? 1 : 0;
}
