// mantissa/data/epoch_order.hpp: the order of an epoch's samples and this rank's part of it,
// one rule for every loader (ImageLoader, TabularLoader): a resumed or data-parallel run
// depends on the loaders agreeing sample for sample.
#pragma once

#include <cstdint>
#include <vector>

namespace mantissa::data {

struct Shard;  // loader.hpp

// The samples one rank sees per epoch: ceil(n / world), or floor with drop_remainder.
// ValueError, naming `who` ("ImageLoader"), for a world < 1 or a rank outside [0, world).
std::int64_t shard_rows(const char* who, std::int64_t n, const Shard& shard);

// Epoch `epoch`'s order of the n samples, this rank's `rows` of them (shard_rows): a
// permutation keyed by (seed, epoch << 40) alone (not by the shard, so every rank draws the
// same one and each epoch is reproducible on its own), or 0..n-1 without shuffle; with more
// than one rank, padded cyclically (or cut) to rows * world and strided by the rank.
std::vector<std::int64_t> epoch_order(std::int64_t n, std::int64_t rows, bool shuffle,
                                      std::uint64_t seed, std::int64_t epoch, const Shard& shard);

}  // namespace mantissa::data
