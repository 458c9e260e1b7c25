# Fails when a C or C++ source of the project is not laid out as .clang-format says.
# Usage: cmake -DCLANG_FORMAT=<program> -DSOURCE_DIR=<project root> -P check_format.cmake
# Prints each file that differs with clang-format's first findings; fix with
#   clang-format -i <file>
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

set(unformatted)
foreach(source IN LISTS sources)
  execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror "${source}"
                  WORKING_DIRECTORY "${SOURCE_DIR}"
                  RESULT_VARIABLE result ERROR_VARIABLE findings OUTPUT_QUIET)
  if(NOT result EQUAL 0)
    list(APPEND unformatted "${source}")
    string(SUBSTRING "${findings}" 0 600 findings)
    message("${findings}")
  endif()
endforeach()

list(LENGTH unformatted bad)
if(bad GREATER 0)
  list(JOIN unformatted "\n  " listed)
  message(FATAL_ERROR "${bad} of ${count} sources are not formatted as .clang-format says:\n  ${listed}\n"
                      "Fix with: clang-format -i <file>")
endif()
message("all ${count} sources formatted as .clang-format says")
