// layers/src/gradients.cpp: the gradient tokens' run-time errors.
#include "mantissa/layers/gradients.hpp"

namespace mantissa::detail {

void throw_token_error(const char* token, const char* use, bool moved_from) {
  const std::string t(token);
  if (moved_from)
    throw StateError(t + ": cannot " + use + " a token that was moved from: each " + t +
                     " is used once (backward with it, unscale, and the optimizer's step "
                     "consume it). Use the token that call returned");
  throw StateError(t + ": cannot " + use + " a stale token: its model has run backward, "
                   "unscale or an optimizer step since it was made, so the gradient buffers "
                   "no longer hold what it stands for. Use the token of the latest backward");
}

}  // namespace mantissa::detail
