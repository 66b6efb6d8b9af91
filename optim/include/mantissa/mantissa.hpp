// mantissa/mantissa.hpp: the whole public API (it lives in optim/, the highest floor).
#pragma once

#include "mantissa/core/core.hpp"
#include "mantissa/data/data.hpp"
#include "mantissa/layers/layers.hpp"
#include "mantissa/optim/optim.hpp"
