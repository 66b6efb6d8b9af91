// mantissa/mantissa.hpp: the whole public API (it lives in the highest floor built so far:
// it moves up to optim/ when the optimizers and the training loop land).
#pragma once

#include "mantissa/core/core.hpp"
#include "mantissa/layers/layers.hpp"
