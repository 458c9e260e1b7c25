# Fails when a committed generated document differs from what its generator writes now.
#   cmake -DGENERATED=<fresh file> -DCOMMITTED=<docs file> -DHOW=<regeneration command> -P ...
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${GENERATED}" "${COMMITTED}"
                RESULT_VARIABLE differs)
if(differs)
  message(FATAL_ERROR "${COMMITTED} is out of date with its source tables; regenerate it: ${HOW}")
endif()
