# Every dependency is a Debian package (see scripts/debian-packages.txt).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
if(QOPS_STATIC_DEPS)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
endif()
find_package(OpenSSL REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 QUIET CONFIG)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
find_package(yaml-cpp REQUIRED)

if(NOT TARGET CLI11::CLI11)
  # Debian's libcli11-dev ships only the headers in some releases.
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()

# QOPS_FMT, QOPS_HIREDIS, QOPS_YAML_CPP: the shared libraries, or with QOPS_STATIC_DEPS
# Debian's static archives of hiredis and yaml-cpp, and fmt's headers with its
# implementation compiled once in lib/static_deps/ (fmt's header-only mode would compile
# it into every source file: 1.7 s became 8.5 s for one of them).
if(QOPS_STATIC_DEPS)
  get_target_property(_fmt_includes fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
  add_library(qops_fmt_headers INTERFACE)
  target_include_directories(qops_fmt_headers SYSTEM INTERFACE ${_fmt_includes})
  set(QOPS_FMT qops_fmt_headers)
  find_library(QOPS_HIREDIS_ARCHIVE NAMES libhiredis.a REQUIRED)
  add_library(qops_hiredis_static STATIC IMPORTED)
  set_target_properties(qops_hiredis_static PROPERTIES
    IMPORTED_LOCATION ${QOPS_HIREDIS_ARCHIVE}
    INTERFACE_INCLUDE_DIRECTORIES "${HIREDIS_INCLUDE_DIRS}")
  set(QOPS_HIREDIS qops_hiredis_static)
  find_library(QOPS_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a REQUIRED)
  get_target_property(_yaml_includes yaml-cpp INTERFACE_INCLUDE_DIRECTORIES)
  add_library(qops_yaml_cpp_static STATIC IMPORTED)
  set_target_properties(qops_yaml_cpp_static PROPERTIES
    IMPORTED_LOCATION ${QOPS_YAML_CPP_ARCHIVE})
  if(_yaml_includes)
    set_target_properties(qops_yaml_cpp_static PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${_yaml_includes}")
  endif()
  set(QOPS_YAML_CPP qops_yaml_cpp_static)
else()
  set(QOPS_FMT fmt::fmt)
  set(QOPS_HIREDIS PkgConfig::HIREDIS)
  set(QOPS_YAML_CPP yaml-cpp)
endif()
