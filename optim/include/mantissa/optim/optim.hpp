// mantissa/optim/optim.hpp: optimizers, schedules, clipping.
#pragma once

#include "mantissa/optim/adam.hpp"
#include "mantissa/optim/checkpoint.hpp"
#include "mantissa/optim/fit.hpp"
#include "mantissa/optim/fit_tensors.hpp"
#include "mantissa/optim/instances.hpp"
#include "mantissa/optim/loss_scaler.hpp"
#include "mantissa/optim/optimizer.hpp"
#include "mantissa/optim/schedule.hpp"
#include "mantissa/optim/sgd.hpp"
#include "mantissa/optim/step.hpp"
#include "mantissa/optim/torch_weights.hpp"
