#pragma once
// Optional libraries, loaded with dlopen(3) on first use.
//
// A linked library is paid for at every process start, also on the runs that never call
// it: on the project's machines libcurl costs ~10 ms and libsystemd ~2.5 ms of dynamic
// loading (bench/RESULTS.md), more than the work of a typical run. systemd loads its own
// optional libraries the same way. The package depends on them explicitly, since
// dpkg-shlibdeps cannot see them.

#include "util/error.hpp"

#include <dlfcn.h>

#include <fmt/format.h>
#include <string>

namespace qops {

class SharedLibrary {
public:
    // Loads soname (never unloaded: the libraries register atexit handlers). package names
    // the Debian package in the error. Errors: unavailable.
    static Result<SharedLibrary> open(const char* soname, const char* package) {
        void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr)
            return Error{ExitCode::unavailable, fmt::format("cannot load {} (package {}): {}", soname, package, dlerror())};
        return SharedLibrary(handle, soname);
    }

    // Points fn at the library's function name. Errors: unavailable.
    template <typename Fn>
    Result<void> get(const char* name, Fn& fn) const {
        fn = reinterpret_cast<Fn>(dlsym(m_handle, name));
        if (fn == nullptr) return Error{ExitCode::unavailable, fmt::format("{} has no {}", m_soname, name)};
        return {};
    }

private:
    SharedLibrary(void* handle, const char* soname) : m_handle(handle), m_soname(soname) {}
    void* m_handle;
    std::string m_soname;
};

} // namespace qops
