// Human-readable numbers, sizes, times and tables, worded and laid out as
// Ollama's CLI does so that people and scripts see familiar output.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::cli {

using sys_time = std::chrono::system_clock::time_point;

// 1234567 -> "1.2 MB" (decimal units; one decimal below 10, none above).
std::string human_bytes(int64_t bytes);

// 8030261248 -> "8.0B"; 124000000 -> "124M"; 1500 -> "2K".
std::string human_number(uint64_t n);

// "2 minutes ago", "4 minutes from now", "Forever" (more than 20 years
// ahead); zero_value when t is empty.
std::string human_time(std::optional<sys_time> t, sys_time now, std::string_view zero_value);

// A duration in nanoseconds as Go prints time.Duration: "1.5s", "250ms",
// "12.345µs", "1h2m3.5s", "0s".
std::string go_duration(int64_t nanoseconds);

// RFC 3339 with optional fraction and offset ("2025-05-10T08:06:48.63-07:00",
// "...Z"). Go's zero time (year 1) and unparsable text yield nullopt.
std::optional<sys_time> parse_rfc3339(std::string_view text);

// Left-aligned columns separated by four spaces, like Ollama's tables
// (tablewriter without borders): every cell is padded to its column's width
// and followed by the padding; a header row, if given, ends with one space.
// Cells wider than wrap_width (0: never) are word-wrapped onto extra lines,
// as tablewriter does for the sections of `show`.
std::string render_table(const std::vector<std::string> & header, const std::vector<std::vector<std::string>> & rows,
                         size_t wrap_width = 0);

// Greedy word wrap of text to lines no wider than width (a longer word gets
// a line of its own).
std::vector<std::string> wrap_words(std::string_view text, size_t width);

// Display width in terminal columns (UTF-8 aware; East Asian wide glyphs
// count two).
size_t display_width(std::string_view s);

}  // namespace lokal::cli
