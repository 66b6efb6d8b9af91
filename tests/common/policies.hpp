// tests/common/policies.hpp: the precision policies that a typed suite over "every policy"
// runs under, in one list, so that a new policy reaches all those suites at once.
#pragma once

#include <gtest/gtest.h>

#include "mantissa/mantissa.hpp"

namespace mt_test {

// The order is part of the CTest names: a typed test is <Suite>/<index>.<Name>.
using Policies = ::testing::Types<mantissa::policy::float32, mantissa::policy::mixed_float16,
                                  mantissa::policy::mixed_bfloat16>;

}  // namespace mt_test
