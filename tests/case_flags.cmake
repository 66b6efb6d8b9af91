# tests/case_flags.cmake: included by the compile-time case scripts (compile_fail, misuse, the
# README's blocks) after they set `flags` to their compiler options: appends -I<dir> for each
# of INCLUDE_DIRS and -D<def> for each of DEFINES ("|"-separated, empty items skipped), then
# puts the precompiled headers' directory first when they are fresh (use_pch.cmake).
foreach(_packed IN ITEMS INCLUDE_DIRS DEFINES)
  if(_packed STREQUAL "INCLUDE_DIRS")
    set(_prefix -I)
  else()
    set(_prefix -D)
  endif()
  if(DEFINED ${_packed})
    string(REPLACE "|" ";" _items "${${_packed}}")
    foreach(_item IN LISTS _items)
      if(NOT _item STREQUAL "")
        list(APPEND flags "${_prefix}${_item}")
      endif()
    endforeach()
  endif()
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/use_pch.cmake)
