// Every template Ollama ships, rendered with every reference conversation,
// must equal the bytes Ollama itself produced (shared/compat/ollama).
#include "template/ollama.h"
#include "template/template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace lokal;
using namespace lokal::tmpl;
namespace fs = std::filesystem;

namespace {

const fs::path k_compat = fs::path(LOKAL_SHARED_DIR) / "compat" / "ollama";

std::string read_file(const fs::path & p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<chat_turn> to_turns(const json & conversation) {
    std::vector<chat_turn> turns;
    for (const auto & m : conversation) {
        chat_turn t;
        t.role = m.at("role").get<std::string>();
        t.content = m.at("content").get<std::string>();
        turns.push_back(std::move(t));
    }
    return turns;
}

}  // namespace

TEST(template_conformance, EveryShippedTemplateRendersLikeOllama) {
    if (!fs::exists(k_compat / "conversations.json")) {
        GTEST_SKIP() << "no compat corpus at " << k_compat;
    }
    const json conversations = json::parse(read_file(k_compat / "conversations.json"));
    int total = 0;
    int identical = 0;
    for (const auto & entry : fs::directory_iterator(k_compat / "templates")) {
        if (entry.path().extension() != ".gotmpl") {
            continue;
        }
        const std::string name = entry.path().filename().string();
        result<template_ptr> t = parse(read_file(entry.path()));
        ASSERT_TRUE(t.ok()) << name << ": " << t.err().message;
        for (const auto & [conv_name, conversation] : conversations.items()) {
            const fs::path expected_path = k_compat / "template-renderings" / name / conv_name;
            if (!fs::exists(expected_path)) {
                continue;
            }
            ++total;
            result<std::string> got = render_chat(**t, to_turns(conversation));
            ASSERT_TRUE(got.ok()) << name << "/" << conv_name << ": " << got.err().message;
            const std::string expected = read_file(expected_path);
            EXPECT_EQ(*got, expected) << name << "/" << conv_name;
            identical += *got == expected ? 1 : 0;
        }
    }
    EXPECT_GT(total, 0);
    std::cout << "[conformance] " << identical << " of " << total << " renderings byte-identical\n";
}
