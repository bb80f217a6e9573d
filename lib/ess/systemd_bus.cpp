#include "ess/systemd_bus.hpp"

#include "util/shared_library.hpp"

#include <systemd/sd-bus.h>

#include <cstring>
#include <fmt/format.h>

namespace qops::ess {
namespace {

constexpr const char* k_service = "org.freedesktop.systemd1";
constexpr const char* k_path = "/org/freedesktop/systemd1";
constexpr const char* k_manager = "org.freedesktop.systemd1.Manager";

// The sd-bus calls used here, from libsystemd loaded on first use (util/shared_library.hpp):
// ops-ledger-append asks systemd only with --service, and then pays for it.
struct SdBus {
    decltype(&::sd_bus_open_system) open_system = nullptr;
    decltype(&::sd_bus_flush_close_unref) flush_close_unref = nullptr;
    decltype(&::sd_bus_message_unref) message_unref = nullptr;
    decltype(&::sd_bus_error_free) error_free = nullptr;
    decltype(&::sd_bus_error_has_name) error_has_name = nullptr;
    decltype(&::sd_bus_call_method) call_method = nullptr;
    decltype(&::sd_bus_message_read) message_read = nullptr;
    decltype(&::sd_bus_get_property_string) get_property_string = nullptr;
};

Result<SdBus> load_sd_bus() {
    auto lib = SharedLibrary::open("libsystemd.so.0", "libsystemd0");
    if (!lib) return lib.error();
    SdBus api;
    for (auto r : {lib->get("sd_bus_open_system", api.open_system),
                   lib->get("sd_bus_flush_close_unref", api.flush_close_unref),
                   lib->get("sd_bus_message_unref", api.message_unref), lib->get("sd_bus_error_free", api.error_free),
                   lib->get("sd_bus_error_has_name", api.error_has_name),
                   lib->get("sd_bus_call_method", api.call_method), lib->get("sd_bus_message_read", api.message_read),
                   lib->get("sd_bus_get_property_string", api.get_property_string)})
        if (!r) return r.error();
    return api;
}

const Result<SdBus>& sd_bus_api() {
    static const Result<SdBus> api = load_sd_bus();
    return api;
}

// The loaded calls; used only by a SystemdBus, which exists only once they loaded.
const SdBus& sd() { return *sd_bus_api(); }

// One owner for an sd_bus_error.
struct BusError {
    sd_bus_error e{}; // SD_BUS_ERROR_NULL: all members null (the macro is a C compound literal)
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd().error_free(&e); }
    std::string text(int r) const {
        return e.message != nullptr ? std::string(e.message) : std::string(std::strerror(-r));
    }
};

struct MessageDeleter {
    void operator()(sd_bus_message* m) const noexcept { sd().message_unref(m); }
};
using MessagePtr = std::unique_ptr<sd_bus_message, MessageDeleter>;

} // namespace

void SystemdBus::BusDeleter::operator()(sd_bus* b) const noexcept { sd().flush_close_unref(b); }

std::string unit_name(const std::string& name) {
    if (name.find('.') != std::string::npos) return name;
    return name + ".service";
}

Result<SystemdBus> SystemdBus::open() {
    if (const auto& api = sd_bus_api(); !api) return api.error();
    sd_bus* bus = nullptr;
    int r = sd().open_system(&bus);
    if (r < 0)
        return Error{ExitCode::unavailable, fmt::format("cannot connect to the system bus: {}", std::strerror(-r))};
    return SystemdBus(bus);
}

Result<void> SystemdBus::stop_unit(const std::string& unit, const std::string& mode) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd().call_method(m_bus.get(), k_service, k_path, k_manager, "StopUnit", &error.e, &reply, "ss",
                               unit.c_str(), mode.c_str());
    MessagePtr owned(reply);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("StopUnit {}: {}", unit, error.text(r))};
    return {};
}

Result<void> SystemdBus::start_unit(const std::string& unit) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd().call_method(m_bus.get(), k_service, k_path, k_manager, "StartUnit", &error.e, &reply, "ss",
                               unit.c_str(), "replace");
    MessagePtr owned(reply);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("StartUnit {}: {}", unit, error.text(r))};
    return {};
}

Result<void> SystemdBus::kill_unit(const std::string& unit, int signal) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd().call_method(m_bus.get(), k_service, k_path, k_manager, "KillUnit", &error.e, &reply, "ssi",
                               unit.c_str(), "all", signal);
    MessagePtr owned(reply);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("KillUnit {}: {}", unit, error.text(r))};
    return {};
}

Result<std::string> SystemdBus::active_state(const std::string& unit) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd().call_method(m_bus.get(), k_service, k_path, k_manager, "GetUnit", &error.e, &reply, "s",
                               unit.c_str());
    MessagePtr owned(reply);
    if (r < 0) {
        if (sd().error_has_name(&error.e, "org.freedesktop.systemd1.NoSuchUnit")) return std::string("inactive");
        return Error{ExitCode::unavailable, fmt::format("GetUnit {}: {}", unit, error.text(r))};
    }
    const char* path = nullptr;
    r = sd().message_read(reply, "o", &path);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("GetUnit {}: bad reply", unit)};
    BusError perror;
    char* state = nullptr;
    r = sd().get_property_string(m_bus.get(), k_service, path, "org.freedesktop.systemd1.Unit", "ActiveState",
                                   &perror.e, &state);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("ActiveState of {}: {}", unit, perror.text(r))};
    std::unique_ptr<char, decltype(&::free)> owned_state(state, &::free);
    return std::string(state);
}

} // namespace qops::ess
