# lokal_unity(target): compiles the target's .cpp files a few at a time, each
# batch as one generated file that #includes them. A build from scratch takes
# about half as long: most of each compile went into the same heavy headers
# (nlohmann/json, cpp-httplib, GoogleTest) and the same template code.
# CMake's own UNITY_BUILD writes absolute paths into its files, so a clone in
# another folder would miss the compiler cache; these files name each source
# by its path under the target's folder (an include directory), and ccache's
# CCACHE_BASEDIR makes the rest relative. -DLOKAL_UNITY_BUILD=OFF compiles file
# by file (quicker after a one-file edit).
option(LOKAL_UNITY_BUILD "compile lokal's own sources a few files per compiler run (about 2x faster from scratch)" ON)
set(LOKAL_UNITY_BATCH 8 CACHE STRING "source files per unity file")

function(lokal_unity target)
  if(NOT LOKAL_UNITY_BUILD)
    return()
  endif()
  get_target_property(srcs ${target} SOURCES)
  get_target_property(base ${target} SOURCE_DIR)
  list(FILTER srcs INCLUDE REGEX "\\.cpp$")
  list(SORT srcs)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/unity/${target})
  set(batch "")
  set(n 0)
  set(generated "")
  list(LENGTH srcs count)
  foreach(src IN LISTS srcs)
    file(RELATIVE_PATH rel ${base} ${src})
    string(APPEND batch "#include \"${rel}\"\n")
    list(LENGTH generated made)
    math(EXPR n "${n} + 1")
    math(EXPR in_batch "${n} % ${LOKAL_UNITY_BATCH}")
    if(in_batch EQUAL 0 OR n EQUAL count)
      set(file ${out_dir}/unity_${made}.cpp)
      file(CONFIGURE OUTPUT ${file} CONTENT "${batch}")  # rewritten only when it changes
      list(APPEND generated ${file})
      set(batch "")
    endif()
  endforeach()
  set_source_files_properties(${srcs} TARGET_DIRECTORY ${target} PROPERTIES HEADER_FILE_ONLY ON)
  target_sources(${target} PRIVATE ${generated})
  target_include_directories(${target} PRIVATE ${base})
endfunction()
