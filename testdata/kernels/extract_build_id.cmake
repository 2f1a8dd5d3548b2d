# SPDX-License-Identifier: MIT
# cmake -DREADELF=... -DELF=... -DOUT=... -P extract_build_id.cmake
# Writes the GNU build ID of ELF as readelf reports it, so tests compare
# DebugInfo::BuildId() against an independent tool instead of a fixed value.
execute_process(COMMAND ${READELF} -n ${ELF} OUTPUT_VARIABLE notes RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} -n ${ELF} failed (${rc})")
endif()
string(REGEX MATCH "Build ID: ([0-9a-fA-F]+)" match "${notes}")
if(NOT match)
  message(FATAL_ERROR "no NT_GNU_BUILD_ID note in ${ELF}")
endif()
string(TOLOWER "${CMAKE_MATCH_1}" build_id)
file(WRITE ${OUT} "${build_id}\n")
