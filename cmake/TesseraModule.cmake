# tessera_add_module(NAME <m> SRCS ... [DEPS tessera::x ...] [EXTERNAL libs ...])
#   One static library per module: target tessera_<m>, alias tessera::<m>. DEPS may only name
#   modules above <m> in DESIGN.md's order; tests/check_layering.py enforces it on includes.
function(tessera_add_module)
  cmake_parse_arguments(M "" "NAME" "SRCS;DEPS;EXTERNAL" ${ARGN})
  add_library(tessera_${M_NAME} STATIC ${M_SRCS})
  add_library(tessera::${M_NAME} ALIAS tessera_${M_NAME})
  target_include_directories(tessera_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tessera_${M_NAME} PUBLIC ${M_DEPS} ${M_EXTERNAL})
  target_compile_options(tessera_${M_NAME} PRIVATE ${TESSERA_WARNINGS})
endfunction()

# tessera_add_test(NAME <m> SRCS ... DEPS ...): one gtest binary per module, tessera_<m>_test.
function(tessera_add_test)
  cmake_parse_arguments(T "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(tessera_${T_NAME}_test ${T_SRCS})
  target_link_libraries(tessera_${T_NAME}_test PRIVATE ${T_DEPS} tessera::testing GTest::gtest_main)
  target_compile_options(tessera_${T_NAME}_test PRIVATE ${TESSERA_WARNINGS})
  gtest_discover_tests(tessera_${T_NAME}_test
    PROPERTIES ENVIRONMENT "TESSERA_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()
