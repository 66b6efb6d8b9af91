// mistake: converting a bfloat16 straight to a half (go through float explicitly)
// expect-head: mantissa::bfloat16
// gcc-expect-head: no matching function for call to .mantissa::half::half\(mantissa::bfloat16&\).
#include "mantissa/core/core.hpp"

using namespace mantissa;

half narrow(bfloat16 b) { return half(b); }
