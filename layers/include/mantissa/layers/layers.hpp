// mantissa/layers/layers.hpp: every layer, the model, losses, metrics and the gradient checker.
#pragma once

#include "mantissa/layers/activation.hpp"
#include "mantissa/layers/batchnorm.hpp"
#include "mantissa/layers/conv2d.hpp"
#include "mantissa/layers/dense.hpp"
#include "mantissa/layers/dropout.hpp"
#include "mantissa/layers/flatten.hpp"
#include "mantissa/layers/gradient_check.hpp"
#include "mantissa/layers/gradients.hpp"
#include "mantissa/layers/init.hpp"
#include "mantissa/layers/layer.hpp"
#include "mantissa/layers/losses.hpp"
#include "mantissa/layers/maxpool2d.hpp"
#include "mantissa/layers/metrics.hpp"
#include "mantissa/layers/parameter.hpp"
#include "mantissa/layers/sequential.hpp"
