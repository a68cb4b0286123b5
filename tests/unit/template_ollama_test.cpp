// Ollama's prompt data and rendering algorithm. The table's expectations
// were produced by Ollama's own template package (template.Execute) at the
// commit the compat corpus comes from; the rest follows server/prompt.go.
#include "template/ollama.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::tmpl;

namespace {

struct ollama_case {
    const char * name;
    const char * text;
    const char * input;  // {"messages", "tools", "think", "prompt", "suffix"}
    const char * output;
    const char * error;
};

const ollama_case k_ollama_cases[] = {
    {"CommandRWithTools",
     R"~({{- if or .Tools .System }}<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>
{{- if .Tools }}# Safety Preamble
The instructions in this section override those in the task description and style guide sections. Don't answer questions that are harmful or immoral.

# System Preamble
## Basic Rules
You are a powerful conversational AI trained by Cohere to help people. You are augmented by a number of tools, and your job is to use and consume the output of these tools to best help the user. You will see a conversation history between yourself and a user, ending with an utterance from the user. You will then see a specific instruction instructing you what kind of response to generate. When you answer the user's requests, you cite your sources in your answers, according to those instructions.

{{ if .System }}# User Preamble
{{ .System }}
{{- end }}

## Available Tools
Here is a list of tools that you have available to you:
{{- range .Tools }}

```python
def {{ .Function.Name }}(
{{- range $name, $property := .Function.Parameters.Properties }}{{ $name }}: {{ $property.Type }}, {{ end }}) -> List[Dict]:
    '''{{ .Function.Description }}

{{- if .Function.Parameters.Properties }}

    Args:
{{- range $name, $property := .Function.Parameters.Properties }}
        {{ $name }} ({{ $property.Type }}): {{ $property.Description }}
{{- end }}
{{- end }}
    '''
    pass
```
{{- end }}
{{- else if .System }}{{ .System }}
{{- end }}<|END_OF_TURN_TOKEN|>
{{- end }}
{{- range .Messages }}
{{- if eq .Role "system" }}
{{- continue }}
{{- end }}<|START_OF_TURN_TOKEN|>
{{- if eq .Role "user" }}<|USER_TOKEN|>{{ .Content }}
{{- if $.Tools }}<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>Write 'Action:' followed by a json-formatted list of actions that you want to perform in order to produce a good response to the user's last input. You can use any of the supplied tools any number of times, but you should aim to execute the minimum number of necessary actions for the input. You should use the `directly-answer` tool if calling the other tools is unnecessary. The list of actions you want to call should be formatted as a list of json objects, for example:
```json
[
    {
        "tool_name": title of the tool in the specification,
        "parameters": a dict of parameters to input into the tool as they are defined in the specs, or {} if it takes no parameters
    }
]```
{{- end }}
{{- else if eq .Role "assistant" }}<|CHATBOT_TOKEN|>
{{- if .Content }}{{ .Content }}
{{- else if .ToolCalls }}
Action: ```json
[
{{- range .ToolCalls }}
    {
        "tool_name": "{{ .Function.Name }}",
        "parameters": {{ .Function.Arguments }}
    }
{{- end }}
]```
{{- end }}
{{- else if eq .Role "tool" }}<|SYSTEM_TOKEN|><results>
console_output: {{ .Content }}
</results>
{{- end }}<|END_OF_TURN_TOKEN|>
{{- end }}<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>
)~",
     R"~({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 3, "big": 1234567, "nested": {"b": 1, "a": [1, "x", null]}}}}]}, {"role": "tool", "content": "20C", "tool_name": "get_weather"}, {"role": "assistant", "content": "20C.", "thinking": "easy"}, {"role": "user", "content": "Thanks"}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the <current> weather", "parameters": {"type": "object", "required": ["location"], "properties": {"location": {"type": "string", "description": "The city"}, "unit": {"type": ["string", "null"], "enum": ["c", "f"]}, "opts": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "number"}}}, "choice": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}}}}]})~",
     R"~(<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|># Safety Preamble
The instructions in this section override those in the task description and style guide sections. Don't answer questions that are harmful or immoral.

# System Preamble
## Basic Rules
You are a powerful conversational AI trained by Cohere to help people. You are augmented by a number of tools, and your job is to use and consume the output of these tools to best help the user. You will see a conversation history between yourself and a user, ending with an utterance from the user. You will then see a specific instruction instructing you what kind of response to generate. When you answer the user's requests, you cite your sources in your answers, according to those instructions.

# User Preamble
Be brief.

## Available Tools
Here is a list of tools that you have available to you:

```python
def get_weather(choice: , location: string, opts: object, unit: [string null], ) -> List[Dict]:
    '''Get the <current> weather

    Args:
        choice (): 
        location (string): The city
        opts (object): 
        unit ([string null]): 
    '''
    pass
```<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Weather?<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>Write 'Action:' followed by a json-formatted list of actions that you want to perform in order to produce a good response to the user's last input. You can use any of the supplied tools any number of times, but you should aim to execute the minimum number of necessary actions for the input. You should use the `directly-answer` tool if calling the other tools is unnecessary. The list of actions you want to call should be formatted as a list of json objects, for example:
```json
[
    {
        "tool_name": title of the tool in the specification,
        "parameters": a dict of parameters to input into the tool as they are defined in the specs, or {} if it takes no parameters
    }
]```<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>
Action: ```json
[
    {
        "tool_name": "get_weather",
        "parameters": {"big":1234567,"days":3,"location":"Paris","nested":{"a":[1,"x",null],"b":1}}
    }
]```<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><results>
console_output: 20C
</results><|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>20C.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Thanks<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>Write 'Action:' followed by a json-formatted list of actions that you want to perform in order to produce a good response to the user's last input. You can use any of the supplied tools any number of times, but you should aim to execute the minimum number of necessary actions for the input. You should use the `directly-answer` tool if calling the other tools is unnecessary. The list of actions you want to call should be formatted as a list of json objects, for example:
```json
[
    {
        "tool_name": title of the tool in the specification,
        "parameters": a dict of parameters to input into the tool as they are defined in the specs, or {} if it takes no parameters
    }
]```<|END_OF_TURN_TOKEN|><|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>
)~",
     R"~()~"},
    {"ToolsPrintLikeOllama",
     R"~({{ if .Messages }}{{ end }}{{ range .Tools }}{{ . }}
{{ .Function }}
{{ .Function.Parameters.Properties }}
{{ end }})~",
     R"~({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 3, "big": 1234567, "nested": {"b": 1, "a": [1, "x", null]}}}}]}, {"role": "tool", "content": "20C", "tool_name": "get_weather"}, {"role": "assistant", "content": "20C.", "thinking": "easy"}, {"role": "user", "content": "Thanks"}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the <current> weather", "parameters": {"type": "object", "required": ["location"], "properties": {"location": {"type": "string", "description": "The city"}, "unit": {"type": ["string", "null"], "enum": ["c", "f"]}, "opts": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "number"}}}, "choice": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}}}}]})~",
     R"~({"type":"function","function":{"name":"get_weather","description":"Get the \u003ccurrent\u003e weather","parameters":{"type":"object","required":["location"],"properties":{"choice":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]},"location":{"type":"string","description":"The city"},"opts":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"number"}}},"unit":{"type":["string","null"],"enum":["c","f"]}}}}}
{get_weather Get the <current> weather {object <nil> <nil> [location] {"choice":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]},"location":{"type":"string","description":"The city"},"opts":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"number"}}},"unit":{"type":["string","null"],"enum":["c","f"]}}}}
{"choice":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]},"location":{"type":"string","description":"The city"},"opts":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"number"}}},"unit":{"type":["string","null"],"enum":["c","f"]}}
)~",
     R"~()~"},
    {"PropertiesRangeSorted",
     R"~({{ if .Messages }}{{ end }}{{ range .Tools }}{{ range $k, $v := .Function.Parameters.Properties }}{{ $k }}: {{ $v.Type }} {{ toTypeScriptType $v }} {{ if not $v.Properties }}{{ $v }}{{ end }}
{{ end }}{{ end }})~",
     R"~({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 3, "big": 1234567, "nested": {"b": 1, "a": [1, "x", null]}}}}]}, {"role": "tool", "content": "20C", "tool_name": "get_weather"}, {"role": "assistant", "content": "20C.", "thinking": "easy"}, {"role": "user", "content": "Thanks"}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the <current> weather", "parameters": {"type": "object", "required": ["location"], "properties": {"location": {"type": "string", "description": "The city"}, "unit": {"type": ["string", "null"], "enum": ["c", "f"]}, "opts": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "number"}}}, "choice": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}}}}]})~",
     R"~(choice:  string | any[] {[{[] string <nil>  [] <nil> []} {[] array map[type:string]  [] <nil> []}]  <nil>  [] <nil> []}
location: string string {[] string <nil> The city [] <nil> []}
opts: object Record<string, any> 
unit: [string null] string | null {[] [string null] <nil>  [c f] <nil> []}
)~",
     R"~()~"},
    {"ToolCallsAndArguments",
     R"~({{ range .Messages }}{{ range .ToolCalls }}{{ .Function.Name }} {{ .Function.Arguments }} {{ json . }}
{{ range $k, $v := .Function.Arguments }}{{ $k }}={{ $v }};{{ end }}
{{ end }}{{ end }})~",
     R"~({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 3, "big": 1234567, "nested": {"b": 1, "a": [1, "x", null]}}}}]}, {"role": "tool", "content": "20C", "tool_name": "get_weather"}, {"role": "assistant", "content": "20C.", "thinking": "easy"}, {"role": "user", "content": "Thanks"}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the <current> weather", "parameters": {"type": "object", "required": ["location"], "properties": {"location": {"type": "string", "description": "The city"}, "unit": {"type": ["string", "null"], "enum": ["c", "f"]}, "opts": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "number"}}}, "choice": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}}}}]})~",
     R"~(get_weather {"big":1234567,"days":3,"location":"Paris","nested":{"a":[1,"x",null],"b":1}} {"ID":"","Function":{"Index":0,"Name":"get_weather","Arguments":{"big":1234567,"days":3,"location":"Paris","nested":{"a":[1,"x",null],"b":1}}}}
big=1.234567e+06;days=3;location=Paris;nested=map[a:[1 x <nil>] b:1];
)~",
     R"~()~"},
    {"MessageFields",
     R"~({{ range .Messages }}{{ .Role }}|{{ .Content }}|{{ .Thinking }}|{{ .ToolName }}|{{ .Images }}|{{ if .ToolCalls }}calls{{ end }}
{{ end }}{{ json .Messages }})~",
     R"~({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 3, "big": 1234567, "nested": {"b": 1, "a": [1, "x", null]}}}}]}, {"role": "tool", "content": "20C", "tool_name": "get_weather"}, {"role": "assistant", "content": "20C.", "thinking": "easy"}, {"role": "user", "content": "Thanks"}]})~",
     R"~(system|Be brief.|||[]|
user|Weather?|||[]|
assistant||||[]|calls
tool|20C||get_weather|[]|
assistant|20C.|easy||[]|
user|Thanks|||[]|
[{"Role":"system","Content":"Be brief.","Thinking":"","Images":null,"ToolCalls":null,"ToolName":"","ToolCallID":""},{"Role":"user","Content":"Weather?","Thinking":"","Images":null,"ToolCalls":null,"ToolName":"","ToolCallID":""},{"Role":"assistant","Content":"","Thinking":"","Images":null,"ToolCalls":[{"ID":"","Function":{"Index":0,"Name":"get_weather","Arguments":{"big":1234567,"days":3,"location":"Paris","nested":{"a":[1,"x",null],"b":1}}}}],"ToolName":"","ToolCallID":""},{"Role":"tool","Content":"20C","Thinking":"","Images":null,"ToolCalls":null,"ToolName":"get_weather","ToolCallID":""},{"Role":"assistant","Content":"20C.","Thinking":"easy","Images":null,"ToolCalls":null,"ToolName":"","ToolCallID":""},{"Role":"user","Content":"Thanks","Thinking":"","Images":null,"ToolCalls":null,"ToolName":"","ToolCallID":""}])~",
     R"~()~"},
    {"SystemCollatedAndMerged",
     R"~({{ .System }}|{{ range .Messages }}{{ .Role }}={{ .Content }};{{ end }})~",
     R"~({"messages": [{"role": "system", "content": "A"}, {"role": "user", "content": "u1"}, {"role": "user", "content": "u2"}, {"role": "system", "content": "B"}, {"role": "tool", "content": "t1"}, {"role": "tool", "content": "t2"}]})~",
     R"~(A

B|system=A;user=u1

u2;system=B;tool=t1;tool=t2;)~",
     R"~()~"},
    {"ThinkValues",
     R"~({{ if .Messages }}{{ end }}{{ .Think }} {{ .ThinkLevel }} {{ .IsThinkSet }} {{ .Tools }})~",
     R"~({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 3, "big": 1234567, "nested": {"b": 1, "a": [1, "x", null]}}}}]}, {"role": "tool", "content": "20C", "tool_name": "get_weather"}, {"role": "assistant", "content": "20C.", "thinking": "easy"}, {"role": "user", "content": "Thanks"}], "think": "high"})~",
     R"~(true high true null)~",
     R"~()~"},
    {"ThinkTrue",
     R"~({{ .Think }} {{ .ThinkLevel }} {{ .IsThinkSet }}{{ .Messages }})~",
     R"~({"messages": [], "think": true})~",
     R"~(true medium true[])~",
     R"~()~"},
    {"LegacyTemplateTurnByTurn",
     R"~({{ if .System }}<<SYS>>{{ .System }}<</SYS>>{{ end }}[INST] {{ .Prompt }} [/INST])~",
     R"~({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"}]})~",
     R"~(<<SYS>>S<</SYS>>[INST] u1 [/INST]a1[INST] u2 [/INST])~",
     R"~()~"},
    {"LegacyTemplateWithResponse",
     R"~({{ .System }}USER: {{ .Prompt }}
ASSISTANT: {{ .Response }}</s>
)~",
     R"~({"messages": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}, {"role": "system", "content": "S2"}, {"role": "user", "content": "u2"}, {"role": "assistant", "content": "partial"}]})~",
     R"~(USER: u1
ASSISTANT: a1</s>
S2USER: u2
ASSISTANT: partial)~",
     R"~()~"},
    {"LegacyCutDropsWholeAction",
     R"~({{ .Prompt }}={{ .Response | printf "%s" }}|end)~",
     R"~({"messages": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"}]})~",
     R"~(u1=a1|endu2=)~",
     R"~()~"},
    {"LegacyCutTemplateHasNoFunctions",
     R"~({{ .Prompt }}{{ json .Prompt }}{{ .Response }})~",
     R"~({"messages": [{"role": "user", "content": "u1"}]})~",
     R"~()~",
     R"~(template: :1:16: executing "" at <json>: "json" is not a defined function)~"},
    {"LegacyCutPanicsInBranchWithElse",
     R"~({{ if .Prompt }}{{ .Response }}{{ else }}x{{ end }})~",
     R"~({"messages": [{"role": "user", "content": "u1"}]})~",
     R"~()~",
     R"~(interface conversion: parse.Node is nil, not *parse.ListNode)~"},
    {"SuffixUsesPromptAndSuffix",
     R"~(<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{ .System }})~",
     R"~({"prompt": "def f(", "suffix": "return x"})~",
     R"~(<PRE> def f( <SUF>return x <MID><no value>)~",
     R"~()~"},
    {"TemplateWithoutPipeIsRejected",
     R"~({{ define "x" }}X{{ end }}{{ template "x" }}{{ .Messages }})~",
     R"~({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 3, "big": 1234567, "nested": {"b": 1, "a": [1, "x", null]}}}}]}, {"role": "tool", "content": "20C", "tool_name": "get_weather"}, {"role": "assistant", "content": "20C.", "thinking": "easy"}, {"role": "user", "content": "Thanks"}]})~",
     R"~()~",
     R"~(undefined template specified)~"},
};

std::vector<chat_turn> turns_of(const json & messages) {
    std::vector<chat_turn> out;
    for (const auto & m : messages) {
        chat_turn t;
        t.role = m.value("role", "");
        t.content = m.value("content", "");
        t.thinking = m.value("thinking", "");
        t.tool_calls = m.value("tool_calls", json());
        t.tool_name = m.value("tool_name", "");
        out.push_back(std::move(t));
    }
    return out;
}

template_ptr must_parse_template(std::string_view text) {
    result<template_ptr> t = parse(text);
    EXPECT_TRUE(t.ok()) << (t ? "" : t.err().message);
    return t ? *t : nullptr;
}

chat_turn turn(std::string role, std::string content) {
    chat_turn t;
    t.role = std::move(role);
    t.content = std::move(content);
    return t;
}

const char * k_chatml = "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";

}  // namespace

TEST(template_ollama, RendersAsOllamasTemplatePackage) {
    for (const auto & c : k_ollama_cases) {
        template_ptr t = must_parse_template(c.text);
        ASSERT_TRUE(t) << c.name;
        const json in = json::parse(c.input);
        render_options opts;
        opts.tools = in.value("tools", json());
        if (in.contains("think")) {
            opts.think = in["think"];
        }
        result<std::string> out = in.contains("suffix")
                                      ? render_generate(*t, "", in.value("prompt", ""), in["suffix"], opts)
                                      : render_chat(*t, turns_of(in.value("messages", json::array())), opts);
        EXPECT_EQ(out ? "" : out.err().message, c.error) << c.name;
        if (out) {
            EXPECT_EQ(*out, c.output) << c.name;
        }
    }
}

TEST(template_ollama, ModelSystemIsPrependedUnlessTheRequestHasOne) {
    template_ptr t = must_parse_template(k_chatml);
    render_options opts;
    opts.system = "M";
    result<std::string> out = render_chat(*t, {turn("user", "hi")}, opts);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "<|im_start|>system\nM<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    out = render_chat(*t, {turn("SYSTEM", "R"), turn("User", "hi")}, opts);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "<|im_start|>system\nR<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(template_ollama, ImagesGetNumberedTags) {
    template_ptr t = must_parse_template("{{ range .Messages }}{{ .Content }}|{{ end }}");
    chat_turn a = turn("user", "first");
    a.images = {"x"};
    chat_turn b = turn("user", "look [img] here");
    b.images = {"y", "z"};
    result<rendered_prompt> out = render_chat_full(*t, {a, turn("assistant", "ok"), b});
    ASSERT_TRUE(out.ok()) << out.err().message;
    EXPECT_EQ(out->prompt, "[img-0]first|ok|[img-2]look [img-1] here|");
    ASSERT_EQ(out->images.size(), 3u);
    EXPECT_EQ(out->images[2], std::make_pair(std::size_t{2}, std::size_t{1}));
}

TEST(template_ollama, TruncationKeepsSystemAndTheLastMessage) {
    template_ptr t = must_parse_template(k_chatml);
    render_options opts;
    opts.count_tokens = [](const std::string & s) -> result<std::size_t> { return s.size(); };
    opts.num_ctx = 130;  // fits from the old answer on (127 bytes), not the whole (167)
    std::vector<chat_turn> msgs = {turn("system", "S"), turn("user", "old question"), turn("assistant", "old answer"),
                                   turn("user", "new")};
    result<rendered_prompt> out = render_chat_full(*t, msgs, opts);
    ASSERT_TRUE(out.ok()) << out.err().message;
    EXPECT_EQ(out->first_message, 2u);
    EXPECT_EQ(out->prompt,
              "<|im_start|>system\nS<|im_end|>\n<|im_start|>assistant\nold answer<|im_end|>\n"
              "<|im_start|>user\nnew<|im_end|>\n<|im_start|>assistant\n");
    opts.num_ctx = 1;
    out = render_chat_full(*t, msgs, opts);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->first_message, 3u);
}

TEST(template_ollama, GenerateGoesThroughTheChatPath) {
    template_ptr t = must_parse_template("{{ .Tools }}|{{ range .Messages }}{{ .Role }}:{{ .Content }};{{ end }}");
    result<std::string> out = render_generate(*t, "sys", "hello", "");
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "[]|system:sys;user:hello;");
    template_ptr legacy = must_parse_template("{{ if .System }}[{{ .System }}] {{ end }}{{ .Prompt }}");
    out = render_generate(*legacy, "", "hello", "");
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "hello");
}

TEST(template_ollama, VarsAreLowercasedIdentifiers) {
    template_ptr t = must_parse_template("{{ range $i, $m := .Messages }}{{ $m.Role }}{{ $.System }}{{ end }}");
    result<std::vector<std::string>> vars = template_vars(*t);
    ASSERT_TRUE(vars.ok());
    EXPECT_EQ(*vars, (std::vector<std::string>{"$", "$m", "messages", "role", "system"}));
}

TEST(template_ollama, FirstMessageToKeepDropsFromTheFront) {
    std::vector<std::size_t> asked;
    auto tokens = [&](std::size_t i) -> result<std::size_t> {
        asked.push_back(i);
        return 100 - 30 * i;
    };
    result<std::size_t> first = first_message_to_keep(4, 50, tokens);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(*first, 2u);
    EXPECT_EQ(asked, (std::vector<std::size_t>{0, 1, 2}));
    // The last message stays even when it alone does not fit (not measured).
    asked.clear();
    EXPECT_EQ(*first_message_to_keep(3, 0, tokens), 2u);
    EXPECT_EQ(asked, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(*first_message_to_keep(1, 0, tokens), 0u);
    auto failing = [](std::size_t) -> result<std::size_t> { return make_error(errc::internal, "no tokenizer"); };
    EXPECT_FALSE(first_message_to_keep(2, 10, failing).ok());
}

TEST(template_ollama, KeptMessagesKeepEarlierSystemMessages) {
    std::vector<chat_turn> msgs = {turn("system", "a"), turn("user", "b"), turn("system", "c"), turn("assistant", "d"),
                                   turn("user", "e")};
    std::vector<chat_turn> kept = kept_messages(msgs, 3);
    ASSERT_EQ(kept.size(), 4u);
    EXPECT_EQ(kept[0].content, "a");
    EXPECT_EQ(kept[1].content, "c");
    EXPECT_EQ(kept[2].content, "d");
    EXPECT_EQ(kept[3].content, "e");
    EXPECT_EQ(kept_messages(msgs, 0).size(), msgs.size());
}
