// layers/src/losses.cpp: the losses' error messages.
#include "mantissa/layers/losses.hpp"

#include <cstdio>

namespace mantissa::detail {

void raise_bad_label(const StepStatus& s) {
  if (s.bad_label_row < 0) return;
  if (s.binary_target) {
    // %.9g: 2, -1, nan read as written, and 9 digits tell any float from 1 (1.00000012).
    char value[32];
    std::snprintf(value, sizeof value, "%.9g", static_cast<double>(s.bad_target));
    throw DataError("BinaryCrossEntropy: target " + std::string(value) + " at row " +
                    std::to_string(s.bad_label_row) +
                    " is not in [0, 1] (a probability: 0 and 1 for hard labels, values between "
                    "for soft ones)");
  }
  throw DataError("SoftmaxCrossEntropy: label " + std::to_string(s.bad_label) + " at row " +
                  std::to_string(s.bad_label_row) + " is outside [0, " +
                  std::to_string(s.classes) + ")");
}

}  // namespace mantissa::detail
