# CTest driver for one fuzz target (see CMakeLists.txt):
#   cmake -DFUZZER=exe -DCORPUS=dir -DWORK=dir -DSECONDS=n [-DDICT=file] -P run_fuzzer.cmake
# Runs the target for SECONDS over the checked-in seeds. New inputs go to a
# fresh WORK/new, never into the checked-in corpus, which libFuzzer would
# otherwise grow in place. Fails on any crash, leak, timeout or oracle abort;
# the input that caused it is kept in WORK/artifacts.

foreach(var FUZZER CORPUS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/new ${WORK}/artifacts)

set(args
  -max_total_time=${SECONDS}
  # Bounds for CI machines: a parser that needs more than this on one input
  # is a finding, not a slow test.
  -rss_limit_mb=1024
  -timeout=10
  -print_final_stats=1
  -artifact_prefix=${WORK}/artifacts/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()

execute_process(COMMAND ${FUZZER} ${args} ${WORK}/new ${CORPUS} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found ${WORK}/artifacts/*)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); input kept: ${found}\n"
                      "Reproduce with: ${FUZZER} <input>. Once fixed, add the input to "
                      "${CORPUS}/ and a regression test beside the parser's unit tests.")
endif()
