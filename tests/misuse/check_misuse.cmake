# check_misuse.cmake: the misuse corpus (tests/misuse/*.cpp), judged as a whole.
#
#   cmake -DCXX=<compiler> (-DDIR=<tests/misuse> | -DFILE=<one.cpp>) -DINCLUDE_DIRS=<a|b|...>
#         [-DDEFINES=<a|b>] -P check_misuse.cmake
#
# Each file is a program a new user might write from the README and the headers, with one
# mistake (its first line: "// mistake: ..."). It must NOT compile, unless its header says
#   // run-time: <the error>   the mistake is only visible at run time; a GoogleTest case
#                              (named in the line) shows it is a mantissa::Error, not a crash
#   // open: <why>             a known hole, not yet closed: listed on every run
#   // legal-with: <DEFINE>    a mistake only in a build without <DEFINE> (say, a Cuda model in
#                              a build without the CUDA backend); in a build with it the program
#                              is legal and must compile (a positive control for free)
#   // legal: <why>            no longer a mistake: the API was changed to make it right (say,
#                              it takes ownership); it must compile, and the test named in the
#                              line shows it right at run time
# A file without either that compiles fails the test. For the rejected files the script
# prints how many lines the compiler wrote (median and maximum), and fails when one wrote
# more than 60: one mistake, one short message.
cmake_minimum_required(VERSION 3.25)
if(DEFINED FILE)
  set(sources "${FILE}")  # one file: how CTest runs the corpus, a test per file, in parallel
else()
  file(GLOB sources "${DIR}/*.cpp")
  list(SORT sources)
endif()
# A warning the library raises on purpose ([[nodiscard]] StepOutcome) or a narrowing the
# compiler already flags counts as a rejection.
set(flags -std=c++20 -fsyntax-only -fdiagnostics-color=never -Werror=unused-result -Werror=narrowing)
include(${CMAKE_CURRENT_LIST_DIR}/../case_flags.cmake)  # -I, -D, the PCH first when fresh
set(ENV{LC_ALL} C)
set(failures "")
set(counts "")
set(n_rejected 0)
set(n_runtime 0)
set(n_open 0)
foreach(src IN LISTS sources)
  get_filename_component(name ${src} NAME_WE)
  file(STRINGS ${src} runtime REGEX "^// run-time:")
  file(STRINGS ${src} open REGEX "^// open:")
  file(STRINGS ${src} legal_with REGEX "^// legal-with:")
  file(STRINGS ${src} legal_always REGEX "^// legal:")
  set(legal FALSE)
  if(legal_always)
    set(legal TRUE)
    set(legal_define "the API that makes it right")
  elseif(legal_with)
    string(REGEX REPLACE "^// legal-with: *([A-Za-z0-9_]+).*" "\\1" legal_define "${legal_with}")
    if(DEFINED DEFINES AND "|${DEFINES}|" MATCHES "\\|${legal_define}(=[^|]*)?\\|")
      set(legal TRUE)
    endif()
  endif()
  execute_process(COMMAND "${CXX}" ${flags} "${src}" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(legal)
    if(NOT rc EQUAL 0)
      string(APPEND failures "  ${name}: legal in a build with ${legal_define}, but rejected:\n${out}\n")
    else()
      message(STATUS "${name}: legal in this build (${legal_define}), and it compiles")
    endif()
    continue()
  endif()
  if(rc EQUAL 0)
    if(runtime)
      math(EXPR n_runtime "${n_runtime} + 1")
    elseif(open)
      math(EXPR n_open "${n_open} + 1")
      message(STATUS "open hole: ${name}: ${open}")
    else()
      string(APPEND failures "  ${name} COMPILES: the mistake it represents is not rejected\n")
    endif()
    continue()
  endif()
  if(out MATCHES "No such file or directory|fatal error")
    string(APPEND failures "  ${name}: failed for an unrelated reason:\n${out}\n")
    continue()
  endif()
  if(runtime OR open)
    string(APPEND failures "  ${name}: rejected at compile time now: drop its run-time/open line\n")
  endif()
  math(EXPR n_rejected "${n_rejected} + 1")
  string(REGEX MATCHALL "\n" nl "${out}")
  list(LENGTH nl lines)
  list(APPEND counts ${lines})
  if(lines GREATER 60)
    string(APPEND failures "  ${name}: ${lines} lines of compiler output (at most 60)\n")
  endif()
endforeach()
list(SORT counts COMPARE NATURAL)
list(LENGTH counts n)
if(n GREATER 0)
  math(EXPR mid "${n} / 2")
  list(GET counts ${mid} median)
  math(EXPR last "${n} - 1")
  list(GET counts ${last} max)
else()
  set(median 0)
  set(max 0)
endif()
message(STATUS "misuse corpus: ${n_rejected} rejected at compile time (compiler output: median "
               "${median} lines, max ${max}), ${n_runtime} rejected at run time, ${n_open} open")
if(NOT failures STREQUAL "")
  message(FATAL_ERROR "misuse corpus:\n${failures}")
endif()
