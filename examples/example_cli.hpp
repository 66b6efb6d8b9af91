// examples/example_cli.hpp: what every example's command line shares, with CLI11.
//
//   - --help shows each option's default (example::configure, called before adding options);
//   - a refused option, an unknown one or an extra argument prints the error, which names the
//     option, then the usage, and exits non-zero (CLI11_PARSE with FailureMessage::help);
//   - the checks CLI11 lacks: CLI::PositiveNumber and CLI::Range let NaN through (NaN > 0 and
//     NaN < lo are both false), which trained to NaN weights with exit 0 (see
//     examples/CMakeLists.txt), so floats are checked with example::finite_in.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <sstream>
#include <string>

namespace example {

inline void configure(CLI::App& app) {
  app.option_defaults()->always_capture_default();
  app.failure_message(CLI::FailureMessage::help);
}

// A finite number in (lo, hi]: "FLOAT in (lo, hi]" in the usage.
inline CLI::Validator finite_in(double lo, double hi) {
  std::ostringstream range;
  range << "(" << lo << ", " << hi << "]";
  const std::string text = range.str();
  return CLI::Validator(
      [lo, hi, text](std::string& input) -> std::string {
        double v = 0.0;
        if (!CLI::detail::lexical_cast(input, v)) return "'" + input + "' is not a number";
        if (!(std::isfinite(v) && v > lo && v <= hi))
          return "value " + input + " is not a finite number in " + text;
        return {};
      },
      "FLOAT in " + text);
}

}  // namespace example
