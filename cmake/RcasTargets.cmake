# Shared compile settings for the project's own targets.
function(rcas_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                         -Wno-missing-field-initializers)
  # GCC 12 reports std::string concatenation as overlapping memcpy at -O2 and above (GCC bug
  # 105329), a false positive in libstdc++'s own code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(RCAS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# One library per folder; sources are the folder's *.cc files.
function(rcas_folder_library name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  add_library(${name} STATIC ${srcs})
  rcas_target_options(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
