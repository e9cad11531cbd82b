# Fails when a test binary has a gtest suite that skein_test (tests/CMakeLists.txt) did not
# register as a ctest test: every suite it lists must be in SUITES.
#   cmake -DBINARY=path/to/x_tests "-DSUITES=A;B" -P tests/check_suites.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${BINARY} --gtest_list_tests OUTPUT_VARIABLE listed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BINARY} --gtest_list_tests failed (${rc})")
endif()
string(REPLACE "\n" ";" lines "${listed}")
set(missing "")
foreach(line ${lines})
  # Suite lines start in column 0 and end with '.': "Suite." or "Instance/Suite." (with a comment
  # after it for typed suites).
  if(line MATCHES "^([A-Za-z0-9_/]+)\\.")
    string(REGEX REPLACE "^([A-Za-z0-9_]+/)?([A-Za-z0-9_]+)\\..*" "\\2" suite "${line}")
    if(NOT suite IN_LIST SUITES)
      list(APPEND missing ${suite})
    endif()
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "suites not registered with ctest (tests/CMakeLists.txt skein_test reads "
                      "TEST/TEST_F/TEST_P at the start of a line): ${missing}")
endif()
message(STATUS "every suite of ${BINARY} is registered")
