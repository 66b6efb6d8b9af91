# MantissaLibrary.cmake: one helper that defines a library of the project.
#   mantissa_add_library(mantissa_core EXPORT_NAME core SOURCES src/a.cpp ...)
# makes the target, its mantissa::<EXPORT_NAME> alias and installed name, the include/ folder
# next to the calling CMakeLists.txt (in the build and install trees), C++20, and the project's
# warnings and optimisation (mantissa_options, at build time only). The caller adds its own
# dependencies and options.
include_guard(GLOBAL)

function(mantissa_add_library name)
  cmake_parse_arguments(L "" "EXPORT_NAME" "SOURCES" ${ARGN})
  add_library(${name} ${L_SOURCES})
  add_library(mantissa::${L_EXPORT_NAME} ALIAS ${name})
  set_target_properties(${name} PROPERTIES OUTPUT_NAME ${name} EXPORT_NAME ${L_EXPORT_NAME})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${name} PUBLIC cxx_std_20)
  target_link_libraries(${name} PRIVATE $<BUILD_INTERFACE:mantissa_options>)
endfunction()
