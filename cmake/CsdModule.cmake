# SPDX-License-Identifier: MIT
# csd_add_module(NAME SOURCES ... DEPS ... [EXTERNAL ...])
#
# One static library per lib/ folder. DEPS lists the csdump modules this one may
# use; that list *is* the layering (design.md): a module that is not listed cannot
# be linked, and its headers are not on the include path of this module.
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
