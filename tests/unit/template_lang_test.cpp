// The template language against Go's own text/template: each row's
// expected output or error was produced by Go 1.26's text/template with
// Ollama's options (missingkey=zero, its function map) on the data below.
#include "template/template.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::tmpl;

namespace {

struct go_case {
    const char * group;
    const char * text;
    const char * output;  // when no error
    const char * error;   // Go's message, or empty
};

const char * k_data = R"~({"s": "hello", "n": 3, "f": 2.5, "b": true, "z": 0, "e": "", "nil": null,
  "arr": [1, "two", 3.5, null, true, {"k": "v"}], "m": {"b": 2, "a": 1, "c": {"x": [1, 2]}},
  "msgs": [{"Role": "system", "Content": "sys"}, {"Role": "user", "Content": "hi"}, {"Role": "assistant", "Content": "yo"}],
  "html": "<a href='x'>&\"</a>", "big": 1234567})~";

const go_case k_go_cases[] = {
    {"Text", R"~(plain text)~", R"~(plain text)~", R"~()~"},
    {"Text", R"~({{.s}})~", R"~(hello)~", R"~()~"},
    {"Text", R"~(a {{- .s -}} b)~", R"~(ahellob)~", R"~()~"},
    {"Text", R"~(a  
 {{- .s }}  
 b)~", R"~(ahello  
 b)~", R"~()~"},
    {"Text", R"~({{.s -}}   
  x)~", R"~(hellox)~", R"~()~"},
    {"Text", R"~({{/* comment */}}x{{- /* c2 */ -}} y)~", R"~(xy)~", R"~()~"},
    {"Text", R"~(a
{{- /* x */ -}}
b)~", R"~(ab)~", R"~()~"},
    {"Text", R"~({{- 3}})~", R"~(3)~", R"~()~"},
    {"Text", R"~({{ -3 }})~", R"~(-3)~", R"~()~"},
    {"Values", R"~({{.nope}})~", R"~(<no value>)~", R"~()~"},
    {"Values", R"~({{.nil}})~", R"~(<no value>)~", R"~()~"},
    {"Values", R"~({{.arr}})~", R"~([1 two 3.5 <nil> true map[k:v]])~", R"~()~"},
    {"Values", R"~({{.m}})~", R"~(map[a:1 b:2 c:map[x:[1 2]]])~", R"~()~"},
    {"Values", R"~({{.b}} {{.z}} {{.f}} {{.big}})~", R"~(true 0 2.5 1234567)~", R"~()~"},
    {"Values", R"~({{ 1e6 }} {{ 100000.0 }} {{ 1.5 }} {{ -0.0 }} {{ 0x1F }} {{ 017 }} {{ 'a' }} {{ 1_000 }})~", R"~(1e+06 100000 1.5 -0 31 15 97 1000)~", R"~()~"},
    {"Values", R"~({{ "a\tb\u00e9\x41" }}|{{ `raw\n` }})~", R"~(a	béA|raw\n)~", R"~()~"},
    {"Values", R"~({{ true }} {{ false }})~", R"~(true false)~", R"~()~"},
    {"Values", R"~({{$x := .nope}}{{$x.y}})~", R"~(<no value>)~", R"~()~"},
    {"Values", R"~({{ .m.c.x }})~", R"~([1 2])~", R"~()~"},
    {"Values", R"~({{ (index .msgs 1).Role }})~", R"~(user)~", R"~()~"},
    {"Values", R"~({{ $.s }})~", R"~(hello)~", R"~()~"},
    {"Control", R"~({{if .s}}yes{{else}}no{{end}})~", R"~(yes)~", R"~()~"},
    {"Control", R"~({{if .e}}yes{{else if .z}}z{{else if .b}}b{{end}})~", R"~(b)~", R"~()~"},
    {"Control", R"~({{if .arr}}a{{end}}{{if .nil}}n{{else}}nil{{end}})~", R"~(anil)~", R"~()~"},
    {"Control", R"~({{with .s}}[{{.}}]{{end}})~", R"~([hello])~", R"~()~"},
    {"Control", R"~({{with .e}}x{{else with .s}}{{.}}{{end}})~", R"~(hello)~", R"~()~"},
    {"Control", R"~({{range .arr}}<{{.}}>{{end}})~", R"~(<1><two><3.5><<no value>><true><map[k:v]>)~", R"~()~"},
    {"Control", R"~({{range $i, $e := .arr}}{{$i}}={{$e}};{{end}})~", R"~(0=1;1=two;2=3.5;3=<no value>;4=true;5=map[k:v];)~", R"~()~"},
    {"Control", R"~({{range .e}}x{{else}}none{{end}})~", R"~()~", R"~(template: :1:8: executing "" at <.e>: range can't iterate over )~"},
    {"Control", R"~({{range $k, $v := .m}}{{$k}}:{{$v}} {{end}})~", R"~(a:1 b:2 c:map[x:[1 2]] )~", R"~()~"},
    {"Control", R"~({{range 3}}{{.}}{{end}})~", R"~(012)~", R"~()~"},
    {"Control", R"~({{range .arr}}{{if eq . 3.5}}{{break}}{{end}}{{.}}{{end}})~", R"~()~", R"~(template: :1:19: executing "" at <eq . 3.5>: error calling eq: incompatible types for comparison: int and float64)~"},
    {"Control", R"~({{range .arr}}{{if not .}}{{continue}}{{end}}{{.}}{{end}})~", R"~(1two3.5truemap[k:v])~", R"~()~"},
    {"Control", R"~({{range .msgs}}{{.Role}}:{{.Content}} {{$.s}}|{{end}})~", R"~(system:sys hello|user:hi hello|assistant:yo hello|)~", R"~()~"},
    {"Control", R"~({{$x := 1}}{{if .b}}{{$x := 2}}{{$x}}{{end}}{{$x}})~", R"~(21)~", R"~()~"},
    {"Control", R"~({{$x := 1}}{{if .b}}{{$x = 2}}{{end}}{{$x}})~", R"~(2)~", R"~()~"},
    {"Control", R"~({{$e := 0}}{{range $e = .arr}}{{end}}{{$e}})~", R"~(map[k:v])~", R"~()~"},
    {"Templates", R"~({{define "t"}}[{{.}}]{{end}}{{template "t" .s}}{{template "t" 3}})~", R"~([hello][3])~", R"~()~"},
    {"Templates", R"~({{block "b" .s}}<{{.}}>{{end}})~", R"~(<hello>)~", R"~()~"},
    {"Templates", R"~({{define "r"}}{{if .}}{{template "r" slice . 1}}{{len .}}{{end}}{{end}}{{template "r" .arr}})~", R"~(123456)~", R"~()~"},
    {"Templates", R"~({{template "t"}}{{define "t"}}T{{$}}{{end}})~", R"~(T<no value>)~", R"~()~"},
    {"Funcs", R"~({{ len .arr }} {{ len .s }} {{ len .m }})~", R"~(6 5 3)~", R"~()~"},
    {"Funcs", R"~({{ index .arr 1 }} {{ index .m "a" }} {{ index .m "zz" }} {{ index .m.c.x 1 }} {{ index .s 1 }})~", R"~(two 1 <no value> 2 101)~", R"~()~"},
    {"Funcs", R"~({{ slice .arr 1 3 }} {{ slice .s 1 3 }} {{ slice .s 2 }})~", R"~([two 3.5] el llo)~", R"~()~"},
    {"Funcs", R"~({{ eq .s "hello" }} {{ eq .n 3 }} {{ eq .n 1 2 3 }} {{ ne .s "x" }} {{ eq .nope nil }})~", R"~(true true true true true)~", R"~()~"},
    {"Funcs", R"~({{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }} {{ lt "a" "b" }})~", R"~(true true true false true)~", R"~()~"},
    {"Funcs", R"~({{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 "" .s }} {{ not .s }} {{ and .nope .s }})~", R"~(0 2 hello false <no value>)~", R"~()~"},
    {"Funcs", R"~({{ print 1 2 "a" "b" 3 nil .nope }})~", R"~(1 2ab3 <nil> <nil>)~", R"~()~"},
    {"Funcs", R"~({{ println 1 "a" }})~", R"~(1 a
)~", R"~()~"},
    {"Funcs", R"~({{ .s | printf "%s!" }} {{ "x" | len }} {{ .s | printf "%s-%s" "x" }})~", R"~(hello! 1 x-hello)~", R"~()~"},
    {"Funcs", R"~({{ html .html }} {{ js .html }} {{ urlquery "a b&c=d/é" }} {{ html .nope }})~", R"~(&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt; \u003Ca href\u003D\'x\'\u003E\u0026\"\u003C/a\u003E a+b%26c%3Dd%2F%C3%A9 &lt;no value&gt;)~", R"~()~"},
    {"Funcs", R"~({{ json .m }} {{ json .arr }} {{ json .html }} {{ json .nope }} {{ json 1e21 }} {{ json 0.0000001 }})~", R"~({"a":1,"b":2,"c":{"x":[1,2]}} [1,"two",3.5,null,true,{"k":"v"}] "\u003ca href='x'\u003e\u0026\"\u003c/a\u003e" null 1e+21 1e-7)~", R"~()~"},
    {"Funcs", R"~({{ toTypeScriptType .m }})~", R"~(any)~", R"~()~"},
    {"Printf", R"~({{ printf "%d %s %v %q %x %X %5d|%-5d|%05d %+d %t %c %U %o %b" 42 "hi" .arr "q" 255 "hi" 3 3 3 3 true 65 65 8 5 }})~", R"~(42 hi [1 two 3.5 <nil> true map[k:v]] "q" ff 6869     3|3    |00003 +3 true A U+0041 10 101)~", R"~()~"},
    {"Printf", R"~({{ printf "%s" }} {{ printf "%d" "x" }} {{ printf "%s" "a" "b" }} {{ printf "%%" }} {{ printf "abc%" }})~", R"~(%!s(MISSING) %!d(string=x) a%!(EXTRA string=b) % abc%!(NOVERB))~", R"~()~"},
    {"Printf", R"~({{ printf "%6.2f|%e|%g|%.3s|%10s|%-10s|" 3.14159 1234.5 0.000001 "abcdef" "r" "l" }})~", R"~(  3.14|1.234500e+03|1e-06|abc|         r|l         |)~", R"~()~"},
    {"Printf", R"~({{ printf "%*d|%-*d|%.*f" 5 1 5 2 2 3.14159 }})~", R"~(    1|2    |3.14)~", R"~()~"},
    {"Printf", R"~({{ printf "%[2]d %[1]d" 1 2 }})~", R"~(2 1)~", R"~()~"},
    {"Printf", R"~({{ printf "%#v %#v %+v" .s .n .m }})~", R"~("hello" 3 map[a:1 b:2 c:map[x:[1 2]]])~", R"~()~"},
    {"Printf", R"~({{ printf "%d" .arr }} {{ printf "%s" nil }} {{ printf "%v" nil }})~", R"~([1 %!d(string=two) %!d(float64=3.5) <nil> %!d(bool=true) map[%!d(string=k):%!d(string=v)]] %!s(<nil>) <nil>)~", R"~()~"},
    {"Printf", R"~({{ printf "%v %g %v" 1234567.0 1e20 0.00001 }})~", R"~(1.234567e+06 1e+20 1e-05)~", R"~()~"},
    {"Errors", R"~({{)~", R"~()~", R"~(template: :1: unclosed action)~"},
    {"Errors", R"~({{ .s)~", R"~()~", R"~(template: :1: unclosed action)~"},
    {"Errors", R"~({{ end }})~", R"~()~", R"~(template: :1: unexpected {{end}})~"},
    {"Errors", R"~({{ else }})~", R"~()~", R"~(template: :1: unexpected {{else}})~"},
    {"Errors", R"~({{ if }})~", R"~()~", R"~(template: :1: missing value for if)~"},
    {"Errors", R"~({{ if .s }})~", R"~()~", R"~(template: :1: unexpected EOF)~"},
    {"Errors", R"~({{ $x }})~", R"~()~", R"~(template: :1: undefined variable "$x")~"},
    {"Errors", R"~({{ foo }})~", R"~()~", R"~(template: :1: function "foo" not defined)~"},
    {"Errors", R"~({{ .s | 3 }})~", R"~()~", R"~(template: :1: non executable command in pipeline stage 2)~"},
    {"Errors", R"~({{ nil }})~", R"~()~", R"~(template: :1:3: executing "" at <nil>: nil is not a command)~"},
    {"Errors", R"~({{ .s 3 }})~", R"~()~", R"~(template: :1:3: executing "" at <.s>: s is not a method but has arguments)~"},
    {"Errors", R"~({{ "unterminated }})~", R"~()~", R"~(template: :1: unterminated quoted string)~"},
    {"Errors", R"~({{ 'ab' }})~", R"~()~", R"~(template: :1: malformed character constant: 'ab')~"},
    {"Errors", R"~({{ 1x }})~", R"~()~", R"~(template: :1: bad number syntax: "1x")~"},
    {"Errors", R"~({{ 99999999999999999999 }})~", R"~()~", R"~(template: :1: integer overflow: "99999999999999999999")~"},
    {"Errors", R"~({{break}})~", R"~()~", R"~(template: :1: {{break}} outside {{range}})~"},
    {"Errors", R"~(line1
line2 {{ .s.x.y }})~", R"~()~", R"~(template: :2:11: executing "" at <.s.x.y>: can't evaluate field x in type interface {})~"},
    {"Errors", R"~(

{{ if .s }}
{{ index .arr 99 }}{{ end }})~", R"~()~", R"~(template: :4:3: executing "" at <index .arr 99>: error calling index: index out of range: 99)~"},
    {"Errors", R"~({{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }})~", R"~()~", R"~(template: :1: template: multiple definition of template "x")~"},
    {"Errors", R"~({{.nil.x}})~", R"~()~", R"~(template: :1:6: executing "" at <.nil.x>: nil pointer evaluating interface {}.x)~"},
    {"Errors", R"~({{ len .n }})~", R"~()~", R"~(template: :1:3: executing "" at <len .n>: error calling len: len of type int)~"},
    {"Errors", R"~({{ eq .n "3" }})~", R"~()~", R"~(template: :1:3: executing "" at <eq .n "3">: error calling eq: incompatible types for comparison: int and string)~"},
    {"Errors", R"~({{ lt true false }})~", R"~()~", R"~(template: :1:3: executing "" at <lt true false>: error calling lt: invalid type for comparison)~"},
    {"Errors", R"~({{ range .s }}{{end}})~", R"~()~", R"~(template: :1:9: executing "" at <.s>: range can't iterate over hello)~"},
    {"Errors", R"~({{template "nope"}})~", R"~()~", R"~(template: :1:11: executing "" at <{{template "nope"}}>: template "nope" not defined)~"},
    {"Errors", R"~({{ printf 3 }})~", R"~()~", R"~(template: :1:10: executing "" at <3>: expected string; found 3)~"},
    {"Errors", R"~({{ not 1 2 }})~", R"~()~", R"~(template: :1:3: executing "" at <not>: wrong number of args for not: want 1 got 2)~"},
    {"Errors", R"~({{ index .arr 6 }})~", R"~()~", R"~(template: :1:3: executing "" at <index .arr 6>: error calling index: reflect: slice index out of range)~"},
    {"Errors", R"~({{ slice .arr 3 1 }})~", R"~()~", R"~(template: :1:3: executing "" at <slice .arr 3 1>: error calling slice: invalid slice index: 3 > 1)~"},
    {"Errors", R"~(a
b
{{ .s

)~", R"~()~", R"~(template: :5: unclosed action started at :3)~"},
    {"Errors", R"~({{/* x */ y}})~", R"~()~", R"~(template: :1: comment ends before closing delimiter)~"},
    {"Errors", R"~({{ .s ) }})~", R"~()~", R"~(template: :1: unexpected right paren)~"},
    {"Errors", R"~({{ $x := 1 }}{{ $x 2 }})~", R"~()~", R"~(template: :1:16: executing "" at <$x>: can't give argument to non-function $x)~"},
    {"Errors", R"~({{ (1).x }})~", R"~()~", R"~(template: :1:4: executing "" at <1>: can't evaluate field x in type int)~"},
    {"Errors", R"~({{ range $i, $j := 4 }}{{end}})~", R"~()~", R"~(template: :1:19: executing "" at <4>: can't use 4 to iterate over more than one variable)~"},
    {"Errors", R"~({{ .m.a 1 }})~", R"~()~", R"~(template: :1:5: executing "" at <.m.a>: a is not a method but has arguments)~"},
};

// printf's flags, widths and precisions (a sample of generated directives,
// each printed by Go's fmt).
const char * k_printf_data = R"~({"A": [1, "two", null, {"k": 2.5}], "B": {"b": 1, "a": [true]}, "C": "str",
  "N": null, "F": 1234567.0})~";

const std::pair<const char *, const char *> k_printf_cases[] = {
    {R"~({{ printf "[%.5e]" .A }})~", R"~([[%!e(int=00001) %!e(string=two) <nil> map[%!e(string=k):2.50000e+00]]])~"},
    {R"~({{ printf "[%.5c]" 255 }})~", R"~([ÿ])~"},
    {R"~({{ printf "[%-03.*q]" -1 .F }})~", R"~([%!(BADPREC)%!q(float64=1.234567e+06)])~"},
    {R"~({{ printf "[%8.0T]" 'x' }})~", R"~([        ])~"},
    {R"~({{ printf "[%0-3.*b]" -1 'x' }})~", R"~([%!(BADPREC)1111000])~"},
    {R"~({{ printf "[%+3.*b]" 2 .B }})~", R"~([map[%!b(string=  a):[%!b(bool=true)] %!b(string=  b):+01]])~"},
    {R"~({{ printf "[%8.2g]" -0.5 }})~", R"~([    -0.5])~"},
    {R"~({{ printf "[%*.5T]" "x" -0.5 }})~", R"~([%!(BADWIDTH)float])~"},
    {R"~({{ printf "[%-3.2o]" "hi" 1 }})~", R"~([%!o(string=hi )]%!(EXTRA int=1))~"},
    {R"~({{ printf "[%#.0e]" .B }})~", R"~([map[%!e(string=):[%!e(bool=true)] %!e(string=):%!e(int=1)]])~"},
    {R"~({{ printf "[%U]" "hi" }})~", R"~([%!U(string=hi)])~"},
    {R"~({{ printf "[%03.5o]" .C }})~", R"~([%!o(string=str)])~"},
    {R"~({{ printf "[% .*g]" -1 .C }})~", R"~([%!(BADPREC)%!g(string=str)])~"},
    {R"~({{ printf "[%3.*t]" 2 -42 }})~", R"~([%!t(int=-42)])~"},
    {R"~({{ printf "[%3v]" 1e-7 }})~", R"~([1e-07])~"},
    {R"~({{ printf "[%0 3.5T]" .F }})~", R"~([float])~"},
    {R"~({{ printf "[%*.0e]" 5 1e21 }})~", R"~([1e+21])~"},
    {R"~({{ printf "[%-.5g]" -0.5 }})~", R"~([-0.5])~"},
    {R"~({{ printf "[%0U]" "hi" }})~", R"~([%!U(string=hi)])~"},
    {R"~({{ printf "[%3.0e]" .B }})~", R"~([map[%!e(string=   ):[%!e(bool=true)] %!e(string=   ):%!e(int=  1)]])~"},
    {R"~({{ printf "[% v]" -42 }})~", R"~([-42])~"},
    {R"~({{ printf "[%0+*.2f]" -5 255 }})~", R"~([%!f(int=+255 )])~"},
    {R"~({{ printf "[%+8.0g]" .F }})~", R"~([  +1e+06])~"},
    {R"~({{ printf "[%8.0s]" 1e-7 nil }})~", R"~([%!s(float64=   1e-07)]%!(EXTRA <nil>))~"},
    {R"~({{ printf "[%0*.0E]" "x" .N }})~", R"~([%!(BADWIDTH)%!E(<nil>)])~"},
    {R"~({{ printf "[%+-8b]" .B }})~", R"~([map[%!b(string=a       ):[%!b(bool=true    )] %!b(string=b       ):+1      ]])~"},
    {R"~({{ printf "[% *.2q]" "x" 1 }})~", R"~([%!(BADWIDTH)'\x01'])~"},
    {R"~({{ printf "[% 0*.0s]" 5 255 }})~", R"~([%!s(int=  255)])~"},
    {R"~({{ printf "[%0#*.5G]" "x" .C }})~", R"~([%!(BADWIDTH)%!G(string=str)])~"},
    {R"~({{ printf "[% 3.2q]" "hi" 1e-7 }})~", R"~(["hi"]%!(EXTRA float64=1e-07))~"},
};

std::string render_text(std::string_view text, const json & data, std::string & err) {
    result<template_ptr> t = parse(text);
    if (!t) {
        err = t.err().message;
        return "";
    }
    result<std::string> out = render(**t, data);
    if (!out) {
        err = out.err().message;
        return "";
    }
    return *out;
}

}  // namespace

TEST(template_lang, MatchesGoTextTemplate) {
    const json data = json::parse(k_data);
    for (const auto & c : k_go_cases) {
        std::string err;
        const std::string out = render_text(c.text, data, err);
        EXPECT_EQ(err, c.error) << c.group << ": " << c.text;
        if (err.empty()) {
            EXPECT_EQ(out, c.output) << c.group << ": " << c.text;
        }
    }
}

TEST(template_lang, PrintfMatchesGoFmt) {
    const json data = json::parse(k_printf_data);
    for (const auto & [text, expected] : k_printf_cases) {
        std::string err;
        EXPECT_EQ(render_text(text, data, err), expected) << text;
        EXPECT_EQ(err, "") << text;
    }
}

TEST(template_lang, ParseErrorsNameTheLine) {
    result<template_ptr> t = parse("line one\n{{ if .A }}\nx\n");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.err().code, errc::invalid_request);
    EXPECT_EQ(t.err().message, "template: :4: unexpected EOF");
    t = parse("a\n\n{{ end }}");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.err().message, "template: :3: unexpected {{end}}");
}

// Go reports a field chain at its second field, hence column 7.
TEST(template_lang, ExecutionErrorsNameLineAndColumn) {
    result<template_ptr> t = parse("a\n  {{ .A.B }}");
    ASSERT_TRUE(t.ok());
    result<std::string> out = render(**t, json::parse(R"({"A": null})"));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.err().message,
              "template: :2:7: executing \"\" at <.A.B>: nil pointer evaluating interface {}.B");
}

TEST(template_lang, TemplatesAreReusableAndThreadSafe) {
    result<template_ptr> t = parse("{{ range . }}{{ . }}{{ end }}");
    ASSERT_TRUE(t.ok());
    template_ptr shared = *t;
    for (int i = 0; i < 3; ++i) {
        result<std::string> out = render(*shared, json::array({i, i + 1}));
        ASSERT_TRUE(out.ok());
        EXPECT_EQ(*out, std::to_string(i) + std::to_string(i + 1));
    }
}

TEST(template_lang, MissingDataIsNoValue) {
    result<template_ptr> t = parse("{{ .A }}|{{ . }}|{{ .A.B }}");
    ASSERT_TRUE(t.ok());
    result<std::string> out = render(**t, json());
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "<no value>|<no value>|<no value>");
}

TEST(template_lang, CurrentDateIsIsoDate) {
    result<template_ptr> t = parse("{{ currentDate }} {{ yesterdayDate }}");
    ASSERT_TRUE(t.ok());
    result<std::string> out = render(**t, json::object());
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->size(), 21u);
    for (std::size_t i : {4u, 7u, 15u, 18u}) {
        EXPECT_EQ((*out)[i], '-') << *out;
    }
    EXPECT_LT(out->substr(11), out->substr(0, 10));
}
