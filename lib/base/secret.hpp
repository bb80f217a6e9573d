#pragma once
// Secrets the tools hold (Redis and SMTP passwords, webhook URLs): read from a file or a
// systemd credential, never from argv, and wiped from memory when dropped.

#include "base/error.hpp"

#include <optional>
#include <string>

namespace qops {

// Overwrites s's characters (OPENSSL_cleanse, which the compiler cannot drop) and empties it.
void wipe(std::string& s) noexcept;

// A secret from the file named by $<file_env>, else the systemd credential <credential>
// ($CREDENTIALS_DIRECTORY/<credential>), else none. Trailing CR/LF is dropped; an empty
// file is "none" (the units' empty SetCredential= fallback). Errors (unavailable): the
// file cannot be read; the message names the setting or credential, never the content.
Result<std::optional<std::string>> read_secret(const char* file_env, const std::string& credential);

} // namespace qops
