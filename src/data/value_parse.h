#pragma once
// Parsing of typed values from text, shared by type inference and the importer so
// both agree exactly on what a value is.

#include <cstdint>
#include <string_view>

namespace strata::data {

// Whole-field parses; leading/trailing spaces are not accepted (they make a value text).
bool ParseInt64(std::string_view s, int64_t* out);
// Accepts what from_chars does (incl. exponents, "inf"), not hex.
bool ParseDouble(std::string_view s, double* out);
// true/false, yes/no, t/f, y/n in any case. 0/1 are ints, not bools.
bool ParseBool(std::string_view s, bool* out);
// ISO 8601 dates and date-times ("2024-03-01", "2024-03-01T12:30:00.250Z",
// "2024-03-01 12:30", "2024-03-01T12:30:00+02:00"), "2024/03/01 [time]", and US
// "03/01/2024 [time]" (month first). A time without a zone is UTC.
// Out: microseconds since the Unix epoch.
bool ParseTimestamp(std::string_view s, int64_t* micros);

// Checks UTF-8; on failure *bad_offset is the offset of the first bad byte.
bool ValidUtf8(std::string_view s, size_t* bad_offset);

}  // namespace strata::data
