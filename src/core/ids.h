#pragma once
// Identifiers: UUIDv7 (RFC 9562) strings. Their first 48 bits are the Unix time in
// milliseconds and the next 12 a per-process counter, so ids created later sort after
// earlier ones as plain strings (within a process, even in the same millisecond).

#include <string>
#include <string_view>

namespace strata::core {

std::string NewId();
bool IsValidId(std::string_view id);

// Resource names of API.md: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.
bool IsValidName(std::string_view name);

}  // namespace strata::core
