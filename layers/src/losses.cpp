// layers/src/losses.cpp: the losses' error messages.
#include "mantissa/layers/losses.hpp"

namespace mantissa::detail {

void raise_bad_label(const StepStatus& s) {
  if (s.bad_label_row < 0) return;
  throw DataError("SoftmaxCrossEntropy: label " + std::to_string(s.bad_label) + " at row " +
                  std::to_string(s.bad_label_row) + " is outside [0, " +
                  std::to_string(s.classes) + ")");
}

}  // namespace mantissa::detail
