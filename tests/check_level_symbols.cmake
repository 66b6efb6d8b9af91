# tests/check_level_symbols.cmake: every global symbol an object of CPU level LEVEL defines is
# in that level's namespace (mantissa::cpu::gemm_detail::isa_<LEVEL>). An inline function or
# template instance defined outside it (a std:: helper left out of line, say) would be a weak
# symbol that the linker may keep from the AVX-512 object for callers of every level.
#   cmake -DNM=<nm> -DLEVEL=<level> -DOBJECTS=<a.o;b.o> -P check_level_symbols.cmake
set(bad "")
foreach(obj IN LISTS OBJECTS)
  execute_process(COMMAND ${NM} -C --defined-only ${obj} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${obj}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    # "<address> <type> <name>"; upper-case types are global (weak ones included).
    if(line MATCHES "^[0-9a-f]+ ([A-Z]) (.*)$")
      set(name "${CMAKE_MATCH_2}")
      if(NOT name MATCHES "::isa_${LEVEL}::" AND NOT name STREQUAL "DW.ref.__gxx_personality_v0")
        list(APPEND bad "${obj}: ${CMAKE_MATCH_1} ${name}")
      endif()
    endif()
  endforeach()
endforeach()
list(LENGTH OBJECTS n)
if(n EQUAL 0)
  message(FATAL_ERROR "no objects given for level ${LEVEL}")
endif()
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "level ${LEVEL}: symbols outside namespace isa_${LEVEL} (put them in it, "
    "or in an anonymous namespace):\n  ${bad}")
endif()
message(STATUS "level ${LEVEL}: ${n} objects, every global symbol in isa_${LEVEL}")
