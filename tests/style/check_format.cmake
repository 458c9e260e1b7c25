# Fails when a C or C++ source of the project is not laid out as .clang-format says.
# Usage: cmake -DCLANG_FORMAT=<program> -DSOURCE_DIR=<project root> -P check_format.cmake
# Prints clang-format's findings (their first 2000 characters) and the files that differ; fix
# with: clang-format -i <file>
foreach(var CLANG_FORMAT SOURCE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_format.cmake: -D${var}=... is required")
  endif()
endforeach()

set(patterns)
foreach(folder platform models firmware tests tools bench)
  foreach(extension c cpp h)
    list(APPEND patterns "${SOURCE_DIR}/${folder}/*.${extension}")
  endforeach()
endforeach()
file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}" ${patterns})
list(SORT sources)
list(LENGTH sources count)
if(count EQUAL 0)
  message(FATAL_ERROR "check_format.cmake: no sources found under ${SOURCE_DIR}")
endif()

# One clang-format process for all files; its findings start with "<file>:<line>:<column>: ".
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${sources}
                WORKING_DIRECTORY "${SOURCE_DIR}"
                RESULT_VARIABLE result ERROR_VARIABLE findings OUTPUT_QUIET)
set(unformatted)
if(NOT result EQUAL 0)
  string(REGEX MATCHALL "[^\n:]+:[0-9]+:[0-9]+: (error|warning)" located "${findings}")
  foreach(finding IN LISTS located)
    string(REGEX REPLACE ":[0-9]+:[0-9]+: (error|warning)$" "" file "${finding}")
    list(APPEND unformatted "${file}")
  endforeach()
  list(REMOVE_DUPLICATES unformatted)
  string(SUBSTRING "${findings}" 0 2000 shown)
  message("${shown}")
  if(NOT unformatted)  # clang-format failed without a finding (e.g. a bad .clang-format)
    message(FATAL_ERROR "clang-format failed (exit ${result}):\n${findings}")
  endif()
endif()

list(LENGTH unformatted bad)
if(bad GREATER 0)
  list(JOIN unformatted "\n  " listed)
  message(FATAL_ERROR "${bad} of ${count} sources are not formatted as .clang-format says:\n  ${listed}\n"
                      "Fix with: clang-format -i <file>")
endif()
message("all ${count} sources formatted as .clang-format says")
