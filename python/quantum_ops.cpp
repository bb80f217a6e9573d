// quantum_ops: the fail-closed policy reader for Python services, a binding of the same
// C++ reader policy-show uses (CONTRACT.md, "Policy, second edition").
//
//     import quantum_ops
//     policy = quantum_ops.load_policy()        # raises quantum_ops.PolicyUnavailable
//     if leverage > policy["leverage"]["max"]: reject(order)

#include "policy/reader.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace py = pybind11;

namespace {

PyObject* g_policy_unavailable = nullptr;

// One reader (one Redis connection) per option set and process, so that a service
// calling load_policy() before each decision pays one round trip, not a connect.
struct CachedReader {
    std::mutex mutex;
    pid_t pid;
    quantum_ops::PolicyReader reader;
};

using Options = std::tuple<std::string, std::string, std::string>;

CachedReader& reader_for(const quantum_ops::PolicyOptions& o) {
    static std::mutex mutex;
    static std::map<Options, std::unique_ptr<CachedReader>> readers;
    const std::lock_guard lock(mutex);
    auto& slot = readers[Options{o.redis_url, o.verifier_keys, o.state_dir}];
    // After a fork the parent's connection is not ours to use.
    if (!slot || slot->pid != ::getpid())
        slot = std::unique_ptr<CachedReader>(new CachedReader{{}, ::getpid(), quantum_ops::PolicyReader(o)});
    return *slot;
}

py::dict to_dict(const quantum_ops::Policy& p) {
    py::dict leverage;
    leverage["min"] = p.leverage_min;
    leverage["max"] = p.leverage_max;
    py::dict d;
    d["policy_version"] = p.policy_version;
    d["universe"] = p.universe;
    d["leverage"] = leverage;
    d["exit_owner"] = p.exit_owner;
    d["generator"] = p.generator;
    d["valid_for_seconds"] = p.valid_for_seconds;
    d["created_at_epoch"] = p.created_at_epoch;
    d["valid_until_epoch"] = p.valid_until_epoch;
    d["policy_seq"] = p.policy_seq;
    d["policy_hash"] = p.policy_hash;
    return d;
}

py::dict load_policy(const std::optional<std::string>& redis_url, const std::optional<std::string>& verifier_keys,
                     const std::optional<std::string>& state_dir) {
    const quantum_ops::PolicyOptions o{redis_url.value_or(""), verifier_keys.value_or(""), state_dir.value_or("")};
    quantum_ops::Policy p;
    {
        // Redis round trip and file reads without the GIL: other threads keep running.
        const py::gil_scoped_release release;
        CachedReader& r = reader_for(o);
        const std::lock_guard lock(r.mutex);
        p = r.reader.load();
    }
    return to_dict(p);
}

} // namespace

PYBIND11_MODULE(quantum_ops, m) {
    m.doc() = "The quantum-ops trading policy, read fail-closed (the checks of policy-show).";
    g_policy_unavailable = PyErr_NewExceptionWithDoc(
        "quantum_ops.PolicyUnavailable",
        "No policy can be accepted. exit_code is policy-show's exit status for the same case (3 Redis or the "
        "state directory unavailable, 4 integrity: missing, tampered, unsigned, expired, rolled back, no verifier "
        "keys; 2 invalid arguments); reason says why.",
        PyExc_Exception, nullptr);
    m.add_object("PolicyUnavailable", py::handle(g_policy_unavailable));
    py::register_exception_translator([](std::exception_ptr e) {
        try {
            if (e) std::rethrow_exception(e);
        } catch (const quantum_ops::PolicyUnavailable& u) {
            py::object exc = py::reinterpret_borrow<py::object>(g_policy_unavailable)(u.reason());
            exc.attr("exit_code") = u.exit_code();
            exc.attr("reason") = u.reason();
            PyErr_SetObject(g_policy_unavailable, exc.ptr());
        }
    });
    m.def("load_policy", &load_policy, py::arg("redis_url") = py::none(), py::arg("verifier_keys") = py::none(),
          py::arg("state_dir") = py::none(),
          "The current policy document (with policy_seq, policy_hash, valid_until_epoch) after the checks of "
          "policy-show. None means the environment or the default: QUANTUM_REDIS_URL, "
          "QUANTUM_POLICY_VERIFIER_KEYS (/etc/quantum/policy-verifier-keys), QUANTUM_POLICY_STATE_DIR "
          "($STATE_DIRECTORY or /var/lib/quantum). Raises PolicyUnavailable in every case where policy-show exits "
          "non-zero.");
}
