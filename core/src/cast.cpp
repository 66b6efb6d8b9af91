// core/src/cast.cpp: the run-time error of a checked float -> integer cast.
#include "mantissa/core/cast.hpp"

#include <sstream>

namespace mantissa::detail {

void throw_cast_range(std::string_view to, std::int64_t index, float value) {
  std::ostringstream msg;
  msg << "cast<" << to << ">: element " << index << " is " << value
      << ", which has no " << to << " value (NaN, inf or out of range)";
  throw NumericsError(msg.str());
}

void throw_input_overflow(std::string_view to, std::int64_t index, float value, float limit) {
  std::ostringstream msg;
  msg << "input cast to " << to << ": element " << index << " is " << value
      << ", outside " << to << "'s finite range (|x| <= " << limit
      << "); scale or standardise the data first";
  throw NumericsError(msg.str());
}

}  // namespace mantissa::detail
