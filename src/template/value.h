// Template values: a JSON node plus the Go type it stands for.
//
// Go's text/template decides by reflection how a value prints, iterates and
// compares. Plain JSON cannot say whether an object was a Go struct (fields in
// declaration order, printed "{a b}") or a map (sorted, printed "map[a:1]"),
// nor whether a type has a String method. Ollama hands its templates typed
// structs, so each value carries a go_type descriptor; data without one is
// treated as Go would treat decoded JSON held in interface{} values.
#pragma once

#include "core/json.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lokal::tmpl {

enum class gkind : std::uint8_t {
    any,      // interface{}: the JSON node decides (null is a nil interface)
    boolean,
    int_,
    uint_,
    float_,
    string,
    bytes,    // []byte held as a JSON string of raw bytes (JSON: base64)
    slice,
    map,      // map[string]T: sorted iteration, printing and JSON
    strukt,
    omap,     // pointer to an insertion-ordered map (api.ToolPropertiesMap)
};

// What a type's String method does, if it has one.
enum class gstringer : std::uint8_t {
    none,
    json,                // json.Marshal of the value ("null" when nil)
    json_nil_as_object,  // json.Marshal, but "{}" when nil
    property_type,       // api.PropertyType: "a" for one, "[a b]" for more
};

struct go_type;

struct go_field {
    std::string name;       // the Go field name templates use (.Name)
    std::string json_name;  // the encoding/json key
    bool omitempty = false;
    const go_type * type = nullptr;
};

struct go_type {
    gkind kind = gkind::any;
    std::string name;  // as reflect prints it, for error messages and %T-like output
    const go_type * elem = nullptr;  // slice, map and omap elements
    std::vector<go_field> fields;    // struct fields; for a map, known per-key types
    gstringer stringer = gstringer::none;
    bool json_numbers = false;       // any: numbers decoded by encoding/json are float64
    bool pointer = false;            // reached through a pointer (*T)
    bool tool_property = false;      // api.ToolProperty: toTypeScriptType applies
    bool property_type = false;      // marshals one type as a string, more as an array
    const go_type * map_view = nullptr;  // omap: the map type its ToMap method returns

    const go_field * field(std::string_view n) const;
};

// Predefined descriptors for untyped data.
namespace types {
const go_type * any();       // interface{} holding data given as JSON: int for integers
const go_type * any_json();  // interface{} filled by encoding/json: float64 for all numbers
const go_type * boolean();
const go_type * int_();
const go_type * uint_();
const go_type * float64();
const go_type * str();
}  // namespace types

// Immutable and cheap to copy. Either invalid (Go's zero reflect.Value: "no
// value") or a JSON node with its type. Nodes are borrowed from the caller's
// data or shared with an owned tree, so values can point inside results.
class value {
public:
    value() = default;
    static value owned(json j, const go_type * t);
    static value borrowed(const json & j, const go_type * t);

    // A node inside this value's tree (keeps the tree alive).
    value child(const json & j, const go_type * t) const;

    // A sub-slice [lo, hi) of this slice value, sharing its elements, so
    // that `slice` in a loop costs nothing per element.
    value sliced(std::size_t lo, std::size_t hi) const;

    // The same node seen as another type (an interface's dynamic type).
    value retyped(const go_type * t) const;

    bool valid() const { return node_ != nullptr; }
    const json & j() const { return *node_; }
    const go_type * type() const { return type_; }
    // The window of an array node this value stands for.
    std::size_t offset() const { return offset_; }
    bool is_view() const { return view_; }
    std::size_t view_size() const { return size_; }

private:
    std::shared_ptr<const json> owner_;
    const json * node_ = nullptr;
    const go_type * type_ = nullptr;
    std::size_t offset_ = 0;
    std::size_t size_ = 0;
    bool view_ = false;
};

// The concrete kind a value has once interfaces are looked through.
enum class vkind : std::uint8_t {
    invalid,
    nil,  // a nil interface{}
    boolean,
    int_,
    uint_,
    float_,
    string,
    bytes,
    slice,
    map,
    strukt,
    omap,
};

struct resolved {
    vkind kind = vkind::invalid;
    const go_type * type = nullptr;  // the concrete type (never `any`)
};

resolved resolve(const value & v);

// Go's type name of a value, as fmt's %T and error messages print it.
std::string type_name(const value & v);

// Whether a typed slice/map/pointer is nil (JSON null).
bool is_nil_container(const value & v);

// Length of a string, bytes, slice, map or omap; -1 for other kinds.
long long length_of(const value & v);

// Go's truthiness (text/template isTrue); false for invalid and nil.
bool truth(const value & v);

// Element i of a slice, counted within its window (caller checks bounds).
value slice_elem(const value & v, std::size_t i);

// Map entries in Go's iteration order for templates (sorted by key).
std::vector<std::pair<std::string, value>> map_entries(const value & v);

// A map lookup: the element or, when missing, nothing (invalid).
value map_get(const value & v, const std::string & key);

// The zero value of a type (Go's reflect.Zero), for missing map keys.
value zero_of(const go_type * t);

// Builders for computed results.
value make_bool(bool b);
value make_int(long long i);
value make_float(double d);
value make_string(std::string s);

}  // namespace lokal::tmpl
