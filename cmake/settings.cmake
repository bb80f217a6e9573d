# INTERFACE targets linked PRIVATE into every target: one place for warnings and
# sanitizer options.
add_library(qops_settings INTERFACE)
target_compile_options(qops_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 reports -Wrestrict falsely inside libstdc++'s std::string operator+ at -O2/-O3
  # (GCC bug 105329, fixed in 13).
  target_compile_options(qops_settings INTERFACE -Wno-restrict)
endif()
if(QOPS_WERROR)
  target_compile_options(qops_settings INTERFACE -Werror)
endif()
target_compile_definitions(qops_settings INTERFACE
  QOPS_VERSION="${PROJECT_VERSION}" _FILE_OFFSET_BITS=64)

# Debian's hardening=+all, as `DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags`
# gives it on Debian 12 (bookworm): FORTIFY_SOURCE, the strong stack protector, format
# checks, PIE, full RELRO with BIND_NOW (stack-clash protection is GCC 12's default).
# tests/integration/suite/test_build.cpp checks the tools with hardening-check and this
# list against dpkg-buildflags. The sanitizer and fuzz trees leave out FORTIFY_SOURCE,
# which ASan replaces.
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
include(CheckPIESupported)
check_pie_supported()
target_compile_options(qops_settings INTERFACE -fstack-protector-strong -Wformat -Werror=format-security)
target_link_options(qops_settings INTERFACE -Wl,-z,relro -Wl,-z,now)
if(NOT QOPS_SANITIZE AND NOT QOPS_FUZZ)
  target_compile_definitions(qops_settings INTERFACE _FORTIFY_SOURCE=2)
endif()

if(QOPS_SANITIZE)
  # The sanitizers' instrumentation makes GCC report -Wmaybe-uninitialized falsely inside
  # libstdc++ (e.g. <regex>); the warning stays on in the Release tree.
  target_compile_options(qops_settings INTERFACE -Wno-maybe-uninitialized)
  # -O1 -g1 after the build type's flags: what ASan recommends and what its reports need
  # (line tables), at half the compile time of -O2 -g.
  target_compile_options(qops_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g1)
  # Debian's GCC links --as-needed by default except with sanitizers; keep it, so this
  # tree links the same libraries as the Release one (tests/util checks what tools link).
  target_link_options(qops_settings INTERFACE -fsanitize=address,undefined -Wl,--as-needed)
endif()

if(QOPS_FUZZ)
  # libFuzzer builds (clang, fuzz/run.sh): everything instrumented for coverage, with the
  # sanitizers that turn a silent corruption into a crash libFuzzer reports.
  target_compile_options(qops_settings INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  target_link_options(qops_settings INTERFACE -fsanitize=address,undefined)
endif()

