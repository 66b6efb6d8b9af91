// mistake: none: the positive control of narrow_half_static_cast_double.cpp, one line changed (static_cast<half>(static_cast<float>(d)))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

half narrow(double d) { return static_cast<half>(static_cast<float>(d)); }
