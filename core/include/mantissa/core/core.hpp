// mantissa/core/core.hpp: the whole tensor core in one include.
#pragma once

#include "mantissa/core/cast.hpp"
#include "mantissa/core/checks.hpp"
#include "mantissa/core/conv_ops.hpp"
#include "mantissa/core/device.hpp"
#include "mantissa/core/dtype.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/half.hpp"
#include "mantissa/core/linalg.hpp"
#include "mantissa/core/nn_ops.hpp"
#include "mantissa/core/ops.hpp"
#include "mantissa/core/policy.hpp"
#include "mantissa/core/print.hpp"
#include "mantissa/core/random.hpp"
#include "mantissa/core/shape.hpp"
#include "mantissa/core/tensor.hpp"
#include "mantissa/core/threads.hpp"
