# Installation and the Debian package (cpack -G DEB): keepdav and keepdav-probe in /usr/bin, the
# systemd units in /lib/systemd/system, the man page (made by help2man from --help, so it never
# lists an option the binary lacks), the README and samples in /usr/share/doc/keepdav.
include(GNUInstallDirs)

install(TARGETS keepdav keepdav-probe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Debian's place for units shipped by packages (one directory with /usr/lib/systemd/system on
# merged-/usr systems).
install(FILES samples/systemd/keepdav.service samples/systemd/keepdav.socket DESTINATION /lib/systemd/system)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY samples/systemd samples/clients DESTINATION ${CMAKE_INSTALL_DOCDIR}/samples)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/cmake/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The sample configuration file, once the tree has one (--config): documentation, not a live
# /etc file that dpkg would have to keep as a conffile.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/samples/keepdav.toml)
    install(FILES samples/keepdav.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/samples)
endif()

# help2man runs the built binary, which a sanitizer or fuzzer build may not run cleanly: those skip it.
find_program(HELP2MAN help2man)
if(HELP2MAN AND NOT KEEPDAV_SANITIZE AND NOT KEEPDAV_FUZZ)
    set(man_page ${CMAKE_CURRENT_BINARY_DIR}/keepdav.1)
    set(probe_page ${CMAKE_CURRENT_BINARY_DIR}/keepdav-probe.1)
    add_custom_command(OUTPUT ${man_page}.gz
        COMMAND ${HELP2MAN} --no-info --no-discard-stderr --include ${CMAKE_CURRENT_SOURCE_DIR}/man/keepdav.h2m
                --output ${man_page} $<TARGET_FILE:keepdav>
        COMMAND gzip -9nf ${man_page}
        DEPENDS keepdav ${CMAKE_CURRENT_SOURCE_DIR}/man/keepdav.h2m
        COMMENT "keepdav.1 from keepdav --help")
    # keepdav-probe has no --version: it is keepdav's.
    add_custom_command(OUTPUT ${probe_page}.gz
        COMMAND ${HELP2MAN} --no-info --version-string=${PROJECT_VERSION}
                --name "send one HTTP request and show every interim response" --output ${probe_page}
                $<TARGET_FILE:keepdav-probe>
        COMMAND gzip -9nf ${probe_page}
        DEPENDS keepdav-probe
        COMMENT "keepdav-probe.1 from keepdav-probe --help")
    add_custom_target(man ALL DEPENDS ${man_page}.gz ${probe_page}.gz)
    install(FILES ${man_page}.gz ${probe_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME keepdav)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "keepdav developers <keepdav@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WebDAV server that keeps long operations alive with 102 Processing")
set(CPACK_PACKAGE_DESCRIPTION "keepdav serves a directory tree over WebDAV (RFC 4918).
While a long COPY, MOVE or DELETE runs it sends 102 Processing, so that
clients and proxies with read timeouts keep waiting; PROPFIND streams its
answer; Prefer: respond-async runs an operation under a monitor. It runs
under systemd (socket activation), on unix sockets, under a path prefix.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Debug information stays in the build: the package is 1.6 MB instead of 37 MB.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION httpd)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries the binaries link (Boost.ProgramOptions, OpenSSL, pugixml, libcrypt, libsystemd), as
# dpkg-shlibdeps finds them: the dependencies follow the build, never a list kept by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
