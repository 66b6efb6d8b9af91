// data/src/data/epoch_order.cpp: the loaders' epoch order and sharding (epoch_order.hpp).
#include "mantissa/data/epoch_order.hpp"

#include <numeric>
#include <string>

#include "mantissa/core/error.hpp"
#include "mantissa/core/random.hpp"
#include "mantissa/data/loader.hpp"

namespace mantissa::data {

std::int64_t shard_rows(const char* who, std::int64_t n, const Shard& sh) {
  if (sh.world < 1 || sh.rank < 0 || sh.rank >= sh.world)
    throw ValueError(std::string(who) + ": shard rank " + std::to_string(sh.rank) + " of world " +
                     std::to_string(sh.world) +
                     ": the world size must be >= 1 and the rank in [0, world)");
  if (n == 0) return 0;
  return sh.drop_remainder ? n / sh.world : (n + sh.world - 1) / sh.world;
}

std::vector<std::int64_t> epoch_order(std::int64_t n, std::int64_t rows, bool shuffle,
                                      std::uint64_t seed, std::int64_t epoch, const Shard& shard) {
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), std::int64_t{0});
  if (shuffle) mantissa::shuffle(perm, Generator(seed, static_cast<std::uint64_t>(epoch) << 40));
  const auto world = static_cast<std::size_t>(shard.world);
  if (world == 1) return perm;
  // Padded cyclically (or cut) to rows * world, then strided: global batch b is positions
  // [b * batch * world, (b + 1) * batch * world) of the padded permutation (loader.hpp).
  std::vector<std::int64_t> order(static_cast<std::size_t>(rows));
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = perm[(i * world + static_cast<std::size_t>(shard.rank)) % perm.size()];
  return order;
}

}  // namespace mantissa::data
