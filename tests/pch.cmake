# tests/pch.cmake: precompiled headers for the compile-time cases (tests/compile_fail/ and
# tests/misuse/), which otherwise parse mantissa's headers once per case: ~300 cases, 2-3 s of
# CPU each, most of the suite's time. GCC looks for "<header>.gch" in each include directory
# before the header itself, and uses it when that header is the first thing a file includes:
# the cases pass -I${MANTISSA_PCH_DIR} first (tests/use_pch.cmake). A file that includes
# something else first, or is compiled with other definitions, silently parses the headers as
# before; so does every case when a header is newer than the .gch (never a stale header).
# Built with -w: parsing a header as the main file warns about its #pragma once; warnings
# arise where templates are instantiated, in the case, under its own flags.
# The diagnostics are the same but one line: the include chain ends at the header, not at the
# case (tests/diagnostics_report.sh measures lengths without the PCH, as a user sees them).
set(MANTISSA_PCH_DIR "")
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(MANTISSA_PCH_DIR ${CMAKE_CURRENT_BINARY_DIR}/pch)
  file(GLOB_RECURSE _pch_headers CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/core/include/*.hpp ${PROJECT_SOURCE_DIR}/data/include/*.hpp
    ${PROJECT_SOURCE_DIR}/layers/include/*.hpp ${PROJECT_SOURCE_DIR}/optim/include/*.hpp
   )
  set(_pch_incs "$<TARGET_PROPERTY:mantissa,INTERFACE_INCLUDE_DIRECTORIES>")
  set(_pch_defs "$<TARGET_PROPERTY:mantissa,INTERFACE_COMPILE_DEFINITIONS>")
  # -I<dir> and -D<def> each, expanded into arguments (COMMAND_EXPAND_LISTS); none when empty.
  set(_pch_flags -std=c++20 -fdiagnostics-color=never
    "$<$<BOOL:$<JOIN:${_pch_incs},>>:-I$<JOIN:${_pch_incs},$<SEMICOLON>-I>>"
    "$<$<BOOL:$<JOIN:${_pch_defs},>>:-D$<JOIN:${_pch_defs},$<SEMICOLON>-D>>")
  set(_pch_outputs "")
  # The two headers the cases start with.
  foreach(h mantissa/mantissa.hpp mantissa/core/core.hpp)
    string(REGEX REPLACE "^mantissa/(core/)?" "" _leaf ${h})
    if(h STREQUAL "mantissa/mantissa.hpp")
      set(_src ${PROJECT_SOURCE_DIR}/optim/include/${h})
    else()
      set(_src ${PROJECT_SOURCE_DIR}/core/include/${h})
    endif()
    get_filename_component(_dir ${MANTISSA_PCH_DIR}/${h} DIRECTORY)
    add_custom_command(OUTPUT ${MANTISSA_PCH_DIR}/${h}.gch
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_dir}
      COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C ${CMAKE_CXX_COMPILER} ${_pch_flags}
        -w -x c++-header ${_src} -o ${MANTISSA_PCH_DIR}/${h}.gch
      DEPENDS ${_pch_headers}
      COMMAND_EXPAND_LISTS
      COMMENT "Precompiling ${h} for the compile-time cases")
    list(APPEND _pch_outputs ${MANTISSA_PCH_DIR}/${h}.gch)
  endforeach()
  add_custom_target(mantissa_check_pch ALL DEPENDS ${_pch_outputs})
endif()
