// Small JSON writing helpers for the per-reading path, where building a JSON
// document object per message would cost more than the message itself.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "drivers/reading.hpp"

namespace iotgw::gateway {

// Appends text as a JSON string literal, quotes included. Bytes that are not
// well-formed UTF-8 (a string register holds whatever the device sent) become
// U+FFFD, so that the message stays valid JSON.
void append_json_string(std::string& out, std::string_view text);

// Appends text with every byte that is not part of well-formed UTF-8 replaced
// by U+FFFD.
void append_valid_utf8(std::string& out, std::string_view text);

// Appends a value as JSON: numbers in their shortest exact form (of a float
// when single_precision, so a float32 register reads 21.1, not 21.100000381),
// strings quoted; a non-finite double (JSON has none) as null.
void append_json_value(std::string& out, const drivers::Value& value,
                       bool single_precision = false);

// Appends "2026-11-25T19:00:00.123Z" (UTC, milliseconds).
void append_timestamp(std::string& out, std::chrono::system_clock::time_point time);

// Whether a value can be published as JSON (false for NaN and infinities).
bool is_publishable(const drivers::Value& value);

}  // namespace iotgw::gateway
