# check_compile_fail.cmake: compile one test program with -fsyntax-only and judge the result.
#
#   cmake -DCXX=<compiler> -DCOMPILER_ID=<GNU|Clang|...> -DSOURCE=<file.cpp>
#         -DINCLUDE_DIRS=<dir>[|<dir>...] [-DDEFINES=<def>[|<def>...]] [-DHEAD_LINES=15]
#         [-DPCH_DIR=<dir> -DROOT=<source root>]   (precompiled headers: tests/pch.cmake)
#         -P check_compile_fail.cmake
#
# The expectations live in the source file itself, one directive per comment line:
#
#   // mistake: <what the user did wrong>   (documentation only)
#   // expect: <regex>          the compiler output must match <regex> (any compiler)
#   // expect-head: <regex>     ... within the first HEAD_LINES lines of the output, so the
#                               message is readable without scrolling through template notes
#   // gcc-expect: <regex>      like expect, checked only when COMPILER_ID is GNU
#   // gcc-expect-head: <regex> like expect-head, checked only when COMPILER_ID is GNU
#   // expect-first: <regex>    g++'s first line holding "error:" must match (the line a person
#                               reads first names the mistake; where it is a deleted function,
#                               an expect-head line checks the fix in the note that follows)
#   // expect-success           a positive control: the file MUST compile
#   <code>  // fix: <code>      the one-line correction: with this line replaced by the text
#                               after "// fix:", the file must compile (a positive control that
#                               differs from the case by one line)
#
# A negative case (no expect-success) passes only if
#   - the compiler exits non-zero,
#   - the output has no "No such file or directory" / "fatal error" (a broken include path or
#     a missing header must not count as the expected failure),
#   - every applicable regex matches,
#   - the output is at most MAX_LINES (60) lines: one mistake, one short message,
#   - and the file with its "// fix:" line applied, if it has one, compiles.
# Regexes use CMake's syntax (string(REGEX)): escape ( ) [ ] + * ? . with a backslash, use '.'
# for a quote character. Compiler messages are produced with LC_ALL=C, so gcc quotes with '.
cmake_minimum_required(VERSION 3.25)

foreach(var CXX SOURCE INCLUDE_DIRS)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_compile_fail.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT DEFINED HEAD_LINES)
  set(HEAD_LINES 15)
endif()
if(NOT DEFINED MAX_LINES)
  set(MAX_LINES 60)
endif()
if(NOT DEFINED COMPILER_ID)
  set(COMPILER_ID "")
endif()

# ---- read the directives ----------------------------------------------------------------
# Regexes contain ';' '[' ']' which CMake's list handling would mangle: protect them while
# the file is split into lines, restore them per line.
file(READ "${SOURCE}" text)
string(REPLACE ";" "@SEMI@" text "${text}")
string(REPLACE "[" "@LBR@" text "${text}")
string(REPLACE "]" "@RBR@" text "${text}")
string(REPLACE "\r" "" text "${text}")
string(REPLACE "\n" ";" lines "${text}")

set(expect_success FALSE)
set(n_checks 0)
set(fixed_text "")
set(n_fixes 0)
foreach(line IN LISTS lines)
  # The file again, with any "// fix:" line replaced by its correction.
  if(NOT line MATCHES "^//" AND line MATCHES "^(.*[^ ])?[ \t]*// fix: (.*)$")
    math(EXPR n_fixes "${n_fixes} + 1")  # (the last MATCHES sets CMAKE_MATCH_2)
    string(APPEND fixed_text "${CMAKE_MATCH_2}\n")
  else()
    string(APPEND fixed_text "${line}\n")
  endif()
  if(line MATCHES "^// expect-success[ \t]*$")
    set(expect_success TRUE)
  elseif(line MATCHES "^// expect-first: (.*)$")
    set(re "${CMAKE_MATCH_1}")
    string(REPLACE "@SEMI@" ";" re "${re}")
    string(REPLACE "@LBR@" "[" re "${re}")
    string(REPLACE "@RBR@" "]" re "${re}")
    math(EXPR n_checks "${n_checks} + 1")
    set(check_${n_checks}_gcc TRUE)
    set(check_${n_checks}_head FIRST)
    set(check_${n_checks}_re "${re}")
  elseif(line MATCHES "^// (gcc-)?expect(-head)?: (.*)$")
    set(is_gcc "${CMAKE_MATCH_1}")
    set(is_head "${CMAKE_MATCH_2}")
    set(re "${CMAKE_MATCH_3}")
    string(REPLACE "@SEMI@" ";" re "${re}")
    string(REPLACE "@LBR@" "[" re "${re}")
    string(REPLACE "@RBR@" "]" re "${re}")
    math(EXPR n_checks "${n_checks} + 1")
    set(check_${n_checks}_gcc "${is_gcc}")
    set(check_${n_checks}_head "${is_head}")
    set(check_${n_checks}_re "${re}")
  endif()
endforeach()

if(NOT expect_success AND n_checks EQUAL 0)
  message(FATAL_ERROR "${SOURCE}: no '// expect: <regex>' line (and no '// expect-success'); "
                      "a compile-fail case must say which message it expects")
endif()

# ---- compile ----------------------------------------------------------------------------
set(flags -std=c++20 -fsyntax-only -fdiagnostics-color=never)
include(${CMAKE_CURRENT_LIST_DIR}/../case_flags.cmake)  # -I, -D, the PCH first when fresh

set(ENV{LC_ALL} C)  # plain ASCII quotes in gcc's messages, whatever the user's locale
set(ENV{GCC_COLORS} "")
execute_process(
  COMMAND "${CXX}" ${flags} "${SOURCE}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
string(REPLACE ";" " " shown_flags "${flags}")
set(command_line "${CXX} ${shown_flags} ${SOURCE}")

# The command and the compiler's output, verbatim (message(FATAL_ERROR) would re-wrap them).
macro(show_output)
  message(NOTICE "$ ${command_line}\n---- compiler output (exit code ${rc}) ----\n${output}"
                 "---- end of compiler output ----")
endmacro()

if(expect_success)
  if(NOT rc EQUAL 0)
    show_output()
    message(FATAL_ERROR "POSITIVE CONTROL FAILED: ${SOURCE} must compile, but the compiler "
                        "exited with ${rc} (output above)")
  endif()
  message(STATUS "ok: ${SOURCE} compiles")
  return()
endif()

if(rc EQUAL 0)
  show_output()
  message(FATAL_ERROR "${SOURCE} COMPILED, but it must not: the mistake it represents is no "
                      "longer a compile error")
endif()
if(output MATCHES "No such file or directory|fatal error")
  show_output()
  message(FATAL_ERROR "${SOURCE} failed for an unrelated reason (missing header or include "
                      "path?), not for the mistake it represents (output above)")
endif()
if(NOT output MATCHES "error")
  show_output()
  message(FATAL_ERROR "${SOURCE}: the compiler exited with ${rc} but printed no error")
endif()

# The first HEAD_LINES lines of the output.
set(head "")
set(rest "${output}")
foreach(i RANGE 1 ${HEAD_LINES})
  string(FIND "${rest}" "\n" pos)
  if(pos EQUAL -1)
    string(APPEND head "${rest}")
    break()
  endif()
  math(EXPR pos "${pos} + 1")
  string(SUBSTRING "${rest}" 0 ${pos} line)
  string(APPEND head "${line}")
  string(SUBSTRING "${rest}" ${pos} -1 rest)
endforeach()

# g++'s first error line.
set(first_error "")
string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${output}")

set(failures "")
string(REGEX MATCHALL "\n" newlines "${output}")
list(LENGTH newlines n_lines)
if(n_lines GREATER MAX_LINES)
  string(APPEND failures "  at most ${MAX_LINES} lines of compiler output: it wrote ${n_lines}\n")
endif()
set(n_checked 0)
foreach(i RANGE 1 ${n_checks})
  if(check_${i}_gcc AND NOT COMPILER_ID STREQUAL "GNU")
    continue()
  endif()
  math(EXPR n_checked "${n_checked} + 1")
  if(check_${i}_head STREQUAL "FIRST")
    set(where "in the first error line")
    string(REGEX MATCH "${check_${i}_re}" found "${first_error}")
  elseif(check_${i}_head)
    set(where "in the first ${HEAD_LINES} lines of the output")
    string(REGEX MATCH "${check_${i}_re}" found "${head}")
  else()
    set(where "in the output")
    string(REGEX MATCH "${check_${i}_re}" found "${output}")
  endif()
  if(found STREQUAL "")
    string(APPEND failures "  expected ${where}:  ${check_${i}_re}\n")
  endif()
endforeach()

if(NOT failures STREQUAL "")
  show_output()
  message(NOTICE "MISSING from the compiler output above:\n${failures}")
  message(FATAL_ERROR "${SOURCE} failed to compile, as it should, but not with the expected "
                      "message (see MISSING above)")
endif()
# The one-line correction compiles.
if(n_fixes GREATER 0)
  string(REPLACE "@SEMI@" ";" fixed_text "${fixed_text}")
  string(REPLACE "@LBR@" "[" fixed_text "${fixed_text}")
  string(REPLACE "@RBR@" "]" fixed_text "${fixed_text}")
  get_filename_component(case_dir "${SOURCE}" DIRECTORY)
  get_filename_component(case_name "${SOURCE}" NAME_WE)
  if(NOT DEFINED WORK_DIR)
    set(WORK_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(fixed_file "${WORK_DIR}/${case_name}.fixed.cpp")
  file(WRITE "${fixed_file}" "${fixed_text}")
  execute_process(COMMAND "${CXX}" ${flags} -I "${case_dir}" "${fixed_file}"
                  RESULT_VARIABLE fix_rc OUTPUT_VARIABLE fix_out ERROR_VARIABLE fix_out)
  if(NOT fix_rc EQUAL 0)
    message(NOTICE "$ ${CXX} ... ${fixed_file}\n${fix_out}")
    message(FATAL_ERROR "${SOURCE}: its '// fix:' correction does not compile (output above): "
                        "the fix a reader is shown must be right")
  endif()
  file(REMOVE "${fixed_file}")
endif()
message(STATUS "ok: ${SOURCE} fails to compile with the expected message "
               "(${n_checked} of ${n_checks} checks apply to ${COMPILER_ID})")
