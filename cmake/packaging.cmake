# The Debian package: cpack -G DEB --config <build>/CPackConfig.cmake
# (scripts/package.sh). Depends come from dpkg-shlibdeps (every library is linked), plus
# systemd, which runs the units.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME quantum-ops)
set(CPACK_PACKAGE_VENDOR "quantum-ops")
set(CPACK_PACKAGE_CONTACT "quantum-ops maintainers <ops@quantum-ops.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "operations toolkit for a live trading system under systemd")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "One-shot tools, each run by a systemd timer or path unit and by operators:
 policy-refresh and policy-show (the trading policy in Redis, fail-closed),
 exit-owner-watch (DENY_NOT_EXIT_OWNER in the journal, alerted once),
 audit-log and audit-summary (a hash-chained audit log and its daily summary),
 ops-ledger-append (the signed-off operations changelog) and emergency-stop
 (an OS-level kill switch). The package enables no unit.")
# CPack puts the summary first and this text, indented, below it.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libquantum-ops-policy.so.0 (the C++ services' reader) gets a shlibs file and ldconfig triggers.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "prometheus-node-exporter, logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, redis-tools")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "file:///usr/share/doc/quantum-ops/")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Every file under /etc is configuration the operator edits: dpkg keeps their changes.
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles
  "/etc/quantum/policy.json\n/etc/quantum/audit-summary.env\n/etc/quantum/quantum-ops.env\n/etc/logrotate.d/quantum-ops\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/cmake/debian/postinst ${CMAKE_SOURCE_DIR}/cmake/debian/prerm
  ${CMAKE_SOURCE_DIR}/cmake/debian/postrm ${CMAKE_SOURCE_DIR}/cmake/debian/triggers ${CMAKE_BINARY_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

# The policy reader's interface for C++ services (lib/policy/reader.hpp, plain structs
# and a pimpl class); the Python module quantum_ops is installed by python/CMakeLists.txt.
install(FILES ${CMAKE_SOURCE_DIR}/lib/policy/reader.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/quantum-ops RENAME policy_reader.hpp)
