# Checks that the shared library's dynamic symbol table holds exactly the functions trestle.h
# declares: nothing missing, nothing extra (no Crypto++, LMDB or C++ runtime symbols leak).
#   cmake -DLIBRARY=libtrestle_c.so -DHEADER=trestle.h -DNM=nm -P check_exports.cmake

cmake_minimum_required(VERSION 3.20)

file(READ ${HEADER} header_text)
string(REGEX MATCHALL "TRESTLE_API [^;]*[ *](trestle_[a-z0-9_]+)\\(" declarations "${header_text}")
set(declared)
foreach(declaration IN LISTS declarations)
  string(REGEX MATCH "(trestle_[a-z0-9_]+)\\($" name "${declaration}")
  list(APPEND declared ${CMAKE_MATCH_1})
endforeach()
list(LENGTH declared declared_count)
if(declared_count LESS 10)
  message(FATAL_ERROR "found only ${declared_count} declarations in ${HEADER}: the pattern is broken")
endif()

execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
  OUTPUT_VARIABLE nm_output RESULT_VARIABLE nm_result)
if(NOT nm_result EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
endif()
string(REPLACE "\n" ";" nm_lines "${nm_output}")
set(exported)
foreach(line IN LISTS nm_lines)
  # "address type name", or "type name@VERSION" for the version tag itself.
  if(line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) ([^ @]+)")
    list(APPEND exported ${CMAKE_MATCH_2})
  endif()
endforeach()

set(failures)
foreach(name IN LISTS exported)
  if(NOT name IN_LIST declared)
    list(APPEND failures "exported but not declared in trestle.h: ${name}")
  endif()
endforeach()
foreach(name IN LISTS declared)
  if(NOT name IN_LIST exported)
    list(APPEND failures "declared in trestle.h but not exported: ${name}")
  endif()
endforeach()
list(LENGTH exported exported_count)
if(failures)
  string(REPLACE ";" "\n" report "${failures}")
  message(FATAL_ERROR "${report}")
endif()
message(STATUS "libtrestle_c exports exactly the ${declared_count} functions of trestle.h (${exported_count} symbols)")
