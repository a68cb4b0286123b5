// The Go types of the values Ollama's template.Execute passes, and the
// conversion of request JSON into them. Keys are Go field names (what
// templates write); the descriptors carry the json tags, omitempty and String
// methods that decide how the values print and marshal.
#include "template/ollama.h"

#include "template/value.h"

#include <algorithm>
#include <cctype>

namespace lokal::tmpl {

namespace {

go_field fld(const char * name, const char * json_name, const go_type * t, bool omitempty = false) {
    return go_field{name, json_name, omitempty, t};
}

go_type named(gkind k, const char * name) {
    go_type t;
    t.kind = k;
    t.name = name;
    return t;
}

struct ollama_types {
    go_type image_data = named(gkind::bytes, "api.ImageData");
    go_type images = named(gkind::slice, "[]api.ImageData");
    go_type args = named(gkind::map, "template.templateArgs");
    go_type call_function = named(gkind::strukt, "template.templateToolCallFunction");
    go_type call = named(gkind::strukt, "template.templateToolCall");
    go_type calls = named(gkind::slice, "[]template.templateToolCall");
    go_type message = named(gkind::strukt, "template.templateMessage");
    go_type messages = named(gkind::slice, "[]*template.templateMessage");
    go_type strings = named(gkind::slice, "[]string");
    go_type property_type = named(gkind::slice, "api.PropertyType");
    go_type any_slice = named(gkind::slice, "[]interface {}");
    go_type property = named(gkind::strukt, "api.ToolProperty");
    go_type properties_slice = named(gkind::slice, "[]api.ToolProperty");
    go_type property_omap = named(gkind::omap, "api.ToolPropertiesMap");
    go_type property_map = named(gkind::map, "map[string]api.ToolProperty");
    go_type properties = named(gkind::map, "template.templateProperties");
    go_type parameters = named(gkind::strukt, "template.templateToolFunctionParameters");
    go_type function = named(gkind::strukt, "template.templateToolFunction");
    go_type tool = named(gkind::strukt, "template.templateTool");
    go_type tools = named(gkind::slice, "template.templateTools");
    go_type values = named(gkind::map, "map[string]interface {}");

    ollama_types() {
        const go_type * str = types::str();
        const go_type * anyj = types::any_json();
        images.elem = &image_data;
        args.elem = anyj;
        args.stringer = gstringer::json_nil_as_object;
        call_function.fields = {fld("Index", "Index", types::int_()), fld("Name", "Name", str),
                                fld("Arguments", "Arguments", &args)};
        call.fields = {fld("ID", "ID", str), fld("Function", "Function", &call_function)};
        calls.elem = &call;
        message.pointer = true;
        message.fields = {fld("Role", "Role", str),          fld("Content", "Content", str),
                          fld("Thinking", "Thinking", str),  fld("Images", "Images", &images),
                          fld("ToolCalls", "ToolCalls", &calls), fld("ToolName", "ToolName", str),
                          fld("ToolCallID", "ToolCallID", str)};
        messages.elem = &message;
        strings.elem = str;
        property_type.elem = str;
        property_type.stringer = gstringer::property_type;
        property_type.property_type = true;
        any_slice.elem = anyj;
        property.tool_property = true;
        property.fields = {fld("AnyOf", "anyOf", &properties_slice, true),
                           fld("Type", "type", &property_type, true),
                           fld("Items", "items", anyj, true),
                           fld("Description", "description", str, true),
                           fld("Enum", "enum", &any_slice, true),
                           fld("Properties", "properties", &property_omap, true),
                           fld("Required", "required", &strings, true)};
        properties_slice.elem = &property;
        property_omap.pointer = true;
        property_omap.elem = &property;
        property_omap.map_view = &property_map;
        property_map.elem = &property;
        properties.elem = &property;
        properties.stringer = gstringer::json_nil_as_object;
        parameters.fields = {fld("Type", "type", str), fld("Defs", "$defs", anyj, true),
                             fld("Items", "items", anyj, true), fld("Required", "required", &strings, true),
                             fld("Properties", "properties", &properties)};
        function.fields = {fld("Name", "name", str), fld("Description", "description", str),
                           fld("Parameters", "parameters", &parameters)};
        tool.stringer = gstringer::json;
        tool.fields = {fld("Type", "type", str), fld("Items", "items", anyj, true),
                       fld("Function", "function", &function)};
        tools.elem = &tool;
        tools.stringer = gstringer::json;
        values.elem = types::any();
        values.fields = {fld("System", "System", str),         fld("Prompt", "Prompt", str),
                         fld("Suffix", "Suffix", str),         fld("Messages", "Messages", &messages),
                         fld("Tools", "Tools", &tools),        fld("Response", "Response", str),
                         fld("Think", "Think", types::boolean()), fld("ThinkLevel", "ThinkLevel", str),
                         fld("IsThinkSet", "IsThinkSet", types::boolean())};
    }
    ollama_types(const ollama_types &) = delete;
    ollama_types & operator=(const ollama_types &) = delete;
};

const ollama_types & ot() {
    static const ollama_types t;
    return t;
}

std::string str_at(const json & o, const char * key) {
    if (!o.is_object()) {
        return "";
    }
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

json any_at(const json & o, const char * key) {
    if (!o.is_object()) {
        return nullptr;
    }
    auto it = o.find(key);
    return it != o.end() ? *it : json();
}

json string_list(const json & v) {
    if (!v.is_array()) {
        return nullptr;
    }
    json out = json::array();
    for (const auto & e : v) {
        out.push_back(e.is_string() ? e.get<std::string>() : "");
    }
    return out;
}

json to_property(const json & p, int depth);

// An insertion-ordered properties object (api.ToolPropertiesMap).
json to_property_map(const json & v, int depth) {
    if (!v.is_object() || depth > 64) {
        return nullptr;
    }
    json out = json::object();
    for (const auto & [k, e] : v.items()) {
        out[k] = to_property(e, depth + 1);
    }
    return out;
}

json to_property(const json & p, int depth) {
    json out = json::object();
    json any_of = nullptr;
    if (auto a = any_at(p, "anyOf"); a.is_array() && depth <= 64) {
        any_of = json::array();
        for (const auto & e : a) {
            any_of.push_back(to_property(e, depth + 1));
        }
    }
    out["AnyOf"] = any_of;
    const json t = any_at(p, "type");
    out["Type"] = t.is_string() ? json::array({t}) : string_list(t);
    out["Items"] = any_at(p, "items");
    out["Description"] = str_at(p, "description");
    const json e = any_at(p, "enum");
    out["Enum"] = e.is_array() ? e : json();
    out["Properties"] = to_property_map(any_at(p, "properties"), depth);
    out["Required"] = string_list(any_at(p, "required"));
    return out;
}

json to_tool(const json & t) {
    const json f = any_at(t, "function");
    const json p = any_at(f, "parameters");
    json params = json::object();
    params["Type"] = str_at(p, "type");
    params["Defs"] = any_at(p, "$defs");
    params["Items"] = any_at(p, "items");
    params["Required"] = string_list(any_at(p, "required"));
    const json props = any_at(p, "properties");
    params["Properties"] = props.is_object() ? to_property_map(props, 0) : json();
    json fn = json::object();
    fn["Name"] = str_at(f, "name");
    fn["Description"] = str_at(f, "description");
    fn["Parameters"] = std::move(params);
    json out = json::object();
    out["Type"] = str_at(t, "type");
    out["Items"] = any_at(t, "items");
    out["Function"] = std::move(fn);
    return out;
}

json to_tool_calls(const json & calls) {
    if (!calls.is_array() || calls.empty()) {
        return nullptr;
    }
    json out = json::array();
    for (const auto & c : calls) {
        const json f = any_at(c, "function");
        json fn = json::object();
        const json index = any_at(f, "index");
        fn["Index"] = index.is_number_integer() ? index.get<long long>() : 0;
        fn["Name"] = str_at(f, "name");
        const json a = any_at(f, "arguments");
        fn["Arguments"] = a.is_object() ? a : json();
        json call = json::object();
        call["ID"] = str_at(c, "id");
        call["Function"] = std::move(fn);
        out.push_back(std::move(call));
    }
    return out;
}

json to_message(const chat_turn & m) {
    json out = json::object();
    out["Role"] = m.role;
    out["Content"] = m.content;
    out["Thinking"] = m.thinking;
    out["Images"] = m.images.empty() ? json() : json(m.images);
    out["ToolCalls"] = to_tool_calls(m.tool_calls);
    out["ToolName"] = m.tool_name;
    out["ToolCallID"] = m.tool_call_id;
    return out;
}

}  // namespace

const go_type * ollama_values_type() { return &ot().values; }

void add_think_values(json & values, const std::optional<json> & think) {
    // api.ThinkValue's Bool() and String().
    bool on = false;
    std::string level;
    if (think && think->is_boolean()) {
        on = think->get<bool>();
        level = on ? "medium" : "";
    } else if (think && think->is_string()) {
        level = think->get<std::string>();
        on = level == "high" || level == "medium" || level == "low" || level == "max";
    }
    values["Think"] = on;
    values["ThinkLevel"] = level;
    values["IsThinkSet"] = think.has_value() && !think->is_null();
}

json ollama_chat_values(const std::vector<chat_turn> & collated, const std::string & system, const json & tools,
                        const std::optional<json> & think) {
    json values = json::object();
    values["System"] = system;
    json messages = nullptr;
    if (!collated.empty()) {
        messages = json::array();
        for (const auto & m : collated) {
            messages.push_back(to_message(m));
        }
    }
    values["Messages"] = std::move(messages);
    json converted = nullptr;
    if (tools.is_array()) {
        converted = json::array();
        for (const auto & t : tools) {
            converted.push_back(to_tool(t));
        }
    }
    values["Tools"] = std::move(converted);
    values["Response"] = "";
    add_think_values(values, think);
    return values;
}

}  // namespace lokal::tmpl
