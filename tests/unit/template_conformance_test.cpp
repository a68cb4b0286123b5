// Every template Ollama ships, rendered with every reference conversation,
// must equal the bytes Ollama itself produced (shared/compat/ollama).
#include "template/ollama.h"
#include "template/template.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace lokal;
using namespace lokal::tmpl;
namespace fs = std::filesystem;

namespace {

using test::k_compat;

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
    const json conversations = json::parse(test::slurp(k_compat / "conversations.json"));
    int total = 0;
    int identical = 0;
    for (const auto & entry : fs::directory_iterator(k_compat / "templates")) {
        if (entry.path().extension() != ".gotmpl") {
            continue;
        }
        const std::string name = entry.path().filename().string();
        result<template_ptr> t = parse(test::slurp(entry.path()));
        ASSERT_TRUE(t.ok()) << name << ": " << t.err().message;
        for (const auto & [conv_name, conversation] : conversations.items()) {
            const fs::path expected_path = k_compat / "template-renderings" / name / conv_name;
            if (!fs::exists(expected_path)) {
                continue;
            }
            ++total;
            result<std::string> got = render_chat(**t, to_turns(conversation));
            ASSERT_TRUE(got.ok()) << name << "/" << conv_name << ": " << got.err().message;
            const std::string expected = test::slurp(expected_path);
            EXPECT_EQ(*got, expected) << name << "/" << conv_name;
            identical += *got == expected ? 1 : 0;
        }
    }
    EXPECT_GT(total, 0);
    std::cout << "[conformance] " << identical << " of " << total << " renderings byte-identical\n";
}
