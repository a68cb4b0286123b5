#include "template/value.h"

#include <algorithm>
#include <limits>

namespace lokal::tmpl {

const go_field * go_type::field(std::string_view n) const {
    for (const auto & f : fields) {
        if (f.name == n) {
            return &f;
        }
    }
    return nullptr;
}

namespace types {

namespace {

go_type make_scalar(gkind k, const char * name) {
    go_type t;
    t.kind = k;
    t.name = name;
    return t;
}

// interface{} and the containers of interface{} that JSON data becomes.
struct any_family {
    go_type any;
    go_type slice;
    go_type map;

    explicit any_family(bool json_numbers) {
        any.kind = gkind::any;
        any.name = "interface {}";
        any.json_numbers = json_numbers;
        slice.kind = gkind::slice;
        slice.name = "[]interface {}";
        slice.elem = &any;
        map.kind = gkind::map;
        map.name = "map[string]interface {}";
        map.elem = &any;
    }
    any_family(const any_family &) = delete;
    any_family & operator=(const any_family &) = delete;
};

const any_family & family(bool json_numbers) {
    static const any_family native(false);
    static const any_family decoded(true);
    return json_numbers ? decoded : native;
}

}  // namespace

const go_type * any() { return &family(false).any; }
const go_type * any_json() { return &family(true).any; }

const go_type * boolean() {
    static const go_type t = make_scalar(gkind::boolean, "bool");
    return &t;
}

const go_type * int_() {
    static const go_type t = make_scalar(gkind::int_, "int");
    return &t;
}

const go_type * uint_() {
    static const go_type t = make_scalar(gkind::uint_, "uint64");
    return &t;
}

const go_type * float64() {
    static const go_type t = make_scalar(gkind::float_, "float64");
    return &t;
}

const go_type * str() {
    static const go_type t = make_scalar(gkind::string, "string");
    return &t;
}

namespace {

// What a JSON node held in an interface{} is.
resolved resolve_any(const json & j, const go_type * t) {
    const bool jn = t->json_numbers;
    switch (j.type()) {
    case json::value_t::boolean:
        return {vkind::boolean, boolean()};
    case json::value_t::number_integer:
        return jn ? resolved{vkind::float_, float64()} : resolved{vkind::int_, int_()};
    case json::value_t::number_unsigned:
        if (jn) {
            return {vkind::float_, float64()};
        }
        if (j.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return {vkind::float_, float64()};  // beyond int64, as Go's decoder would hold it
        }
        return {vkind::int_, int_()};
    case json::value_t::number_float:
        return {vkind::float_, float64()};
    case json::value_t::string:
        return {vkind::string, str()};
    case json::value_t::array:
        return {vkind::slice, &family(jn).slice};
    case json::value_t::object:
        return {vkind::map, &family(jn).map};
    default:
        return {vkind::nil, t};
    }
}

}  // namespace

}  // namespace types

value value::owned(json j, const go_type * t) {
    value v;
    v.owner_ = std::make_shared<const json>(std::move(j));
    v.node_ = v.owner_.get();
    v.type_ = t != nullptr ? t : types::any();
    return v;
}

value value::borrowed(const json & j, const go_type * t) {
    value v;
    v.node_ = &j;
    v.type_ = t != nullptr ? t : types::any();
    return v;
}

value value::child(const json & j, const go_type * t) const {
    value v;
    v.owner_ = owner_;
    v.node_ = &j;
    v.type_ = t != nullptr ? t : types::any();
    return v;
}

value value::sliced(std::size_t lo, std::size_t hi) const {
    value v = *this;
    v.offset_ = offset_ + lo;
    v.size_ = hi - lo;
    v.view_ = true;
    return v;
}

value value::retyped(const go_type * t) const {
    value v = *this;
    v.type_ = t;
    return v;
}

resolved resolve(const value & v) {
    if (!v.valid()) {
        return {};
    }
    const go_type * t = v.type();
    switch (t->kind) {
    case gkind::any: return types::resolve_any(v.j(), t);
    case gkind::boolean: return {vkind::boolean, t};
    case gkind::int_: return {vkind::int_, t};
    case gkind::uint_: return {vkind::uint_, t};
    case gkind::float_: return {vkind::float_, t};
    case gkind::string: return {vkind::string, t};
    case gkind::bytes: return {vkind::bytes, t};
    case gkind::slice: return {vkind::slice, t};
    case gkind::map: return {vkind::map, t};
    case gkind::strukt: return {vkind::strukt, t};
    case gkind::omap: return {vkind::omap, t};
    }
    return {};
}

std::string type_name(const value & v) {
    resolved r = resolve(v);
    if (r.kind == vkind::invalid) {
        return "<nil>";
    }
    const std::string & n = r.type->name;
    return r.type->pointer ? "*" + n : n;
}

bool is_nil_container(const value & v) {
    return v.valid() && v.j().is_null();
}

long long length_of(const value & v) {
    resolved r = resolve(v);
    static const json null_node;  // an immutable null, not a copy of the data
    const json & j = v.valid() ? v.j() : null_node;
    switch (r.kind) {
    case vkind::string:
    case vkind::bytes:
        return j.is_string() ? static_cast<long long>(j.get_ref<const std::string &>().size()) : 0;
    case vkind::slice:
        if (v.is_view()) {
            return static_cast<long long>(v.view_size());
        }
        return j.is_array() ? static_cast<long long>(j.size()) : 0;
    case vkind::map:
    case vkind::omap:
        return j.is_object() ? static_cast<long long>(j.size()) : 0;
    default:
        return -1;
    }
}

bool truth(const value & v) {
    resolved r = resolve(v);
    switch (r.kind) {
    case vkind::invalid:
    case vkind::nil:
        return false;
    case vkind::boolean:
        return v.j().is_boolean() && v.j().get<bool>();
    case vkind::int_:
    case vkind::uint_:
    case vkind::float_:
        return v.j().is_number() && v.j().get<double>() != 0;
    case vkind::strukt:
        return true;
    case vkind::omap:
        return !v.j().is_null();  // a non-nil pointer
    default:
        return length_of(v) > 0;
    }
}

value slice_elem(const value & v, std::size_t i) {
    const go_type * et = resolve(v).type->elem;
    return v.child(v.j()[v.offset() + i], et);
}

namespace {

const go_type * entry_type(const go_type * mt, const std::string & key) {
    if (const go_field * f = mt->field(key)) {
        return f->type;
    }
    return mt->elem;
}

}  // namespace

std::vector<std::pair<std::string, value>> map_entries(const value & v) {
    std::vector<std::pair<std::string, value>> out;
    resolved r = resolve(v);
    if ((r.kind != vkind::map && r.kind != vkind::omap) || !v.j().is_object()) {
        return out;
    }
    for (const auto & [k, e] : v.j().items()) {
        out.emplace_back(k, v.child(e, entry_type(r.type, k)));
    }
    if (r.kind == vkind::map) {
        std::sort(out.begin(), out.end(), [](const auto & a, const auto & b) { return a.first < b.first; });
    }
    return out;
}

value map_get(const value & v, const std::string & key) {
    resolved r = resolve(v);
    if (!v.valid() || !v.j().is_object()) {
        return {};
    }
    auto it = v.j().find(key);
    if (it == v.j().end()) {
        return {};
    }
    return v.child(*it, entry_type(r.type, key));
}

namespace {

json zero_json(const go_type * t, int depth) {
    switch (t->kind) {
    case gkind::boolean: return false;
    case gkind::int_:
    case gkind::uint_: return 0;
    case gkind::float_: return 0.0;
    case gkind::string: return "";
    case gkind::strukt: {
        json o = json::object();
        for (const auto & f : t->fields) {
            // Recursive struct types hold slices or pointers to themselves,
            // whose zero is null, so this depth guard never cuts real data.
            o[f.name] = depth < 8 ? zero_json(f.type, depth + 1) : json();
        }
        return o;
    }
    default: return nullptr;
    }
}

}  // namespace

value zero_of(const go_type * t) {
    return value::owned(zero_json(t, 0), t);
}

value make_bool(bool b) { return value::owned(b, types::boolean()); }
value make_int(long long i) { return value::owned(i, types::int_()); }
value make_float(double d) { return value::owned(d, types::float64()); }
value make_string(std::string s) { return value::owned(std::move(s), types::str()); }

}  // namespace lokal::tmpl
