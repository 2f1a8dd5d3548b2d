# SPDX-License-Identifier: MIT
# csd_add_module(NAME SOURCES ... DEPS ... [EXTERNAL ...])
#
# One static library per lib/ folder. DEPS lists the csdump modules this one may
# use; that list *is* the layering (design.md): a module that is not listed is
# not linked, and tests/layering/check_includes.py (ctest layering.includes)
# fails on any "<module>/..." include of a module that is not listed, even one
# reached through another module's DEPS.
#
# The include path is lib/ for every module: headers are included as
# "<module>/file.h" and a module's headers include its dependencies' headers,
# so its users need those on their path too (PUBLIC, hence the whole closure).
# The path therefore cannot say what a module may include; the test does.
function(csd_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;EXTERNAL" ${ARGN})
  add_library(csd_${name} STATIC ${ARG_SOURCES})
  target_include_directories(csd_${name} PUBLIC ${PROJECT_SOURCE_DIR}/lib)
  set(deps)
  foreach(dep IN LISTS ARG_DEPS)
    list(APPEND deps csd_${dep})
  endforeach()
  target_link_libraries(csd_${name} PUBLIC ${deps} ${ARG_EXTERNAL} PRIVATE csd_build_flags)
  set_target_properties(csd_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
