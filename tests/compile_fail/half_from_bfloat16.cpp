// mistake: converting a bfloat16 straight to a half (go through float explicitly)
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U =
// expect-head: deleted
// expect-head: (U = mantissa::bfloat16|.mantissa::bfloat16. to .mantissa::half.)
// expect-head: float only: half\(0\.1f\)
// gcc-expect-head: use of deleted function .mantissa::half::half\(U\) \[with U = mantissa::bfloat16\].
#include "mantissa/core/core.hpp"

using namespace mantissa;

half narrow(bfloat16 b) { return half(b); }
