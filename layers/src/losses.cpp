// layers/src/losses.cpp: the losses' error messages.
#include "mantissa/layers/losses.hpp"

namespace mantissa::detail {

void throw_bad_label(const char* loss, std::int64_t row, std::int64_t label,
                     std::int64_t classes) {
  throw DataError(std::string(loss) + ": label " + std::to_string(label) + " at row " +
                  std::to_string(row) + " is outside [0, " + std::to_string(classes) + ")");
}

}  // namespace mantissa::detail
