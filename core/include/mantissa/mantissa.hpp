// mantissa/mantissa.hpp: the whole public API. Layers, optimizers and the training loop join
// here as they land (layers/, optim/).
#pragma once

#include "mantissa/core/core.hpp"
