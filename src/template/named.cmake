# Ollama's named templates (index.json, *.gotmpl, *.json), turned into a
# generated C++ source at build time (scripts/embed-templates.py) and
# compiled into lokal_template. Never committed, never hand-edited. Without
# the folder the table is empty and imported GGUFs keep their own template.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(LOKAL_OLLAMA_TEMPLATES "${PROJECT_SOURCE_DIR}/../shared/compat/ollama/templates"
    CACHE PATH "Ollama's named templates, embedded for import-time template detection")
set(named_out ${CMAKE_BINARY_DIR}/template/named_templates.cpp)
file(GLOB named_inputs CONFIGURE_DEPENDS ${LOKAL_OLLAMA_TEMPLATES}/*.json ${LOKAL_OLLAMA_TEMPLATES}/*.gotmpl)
if(NOT EXISTS ${LOKAL_OLLAMA_TEMPLATES}/index.json)
  message(WARNING "no ${LOKAL_OLLAMA_TEMPLATES}/index.json: lokal is built without Ollama's named templates")
endif()
add_custom_command(
  OUTPUT ${named_out}
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/embed-templates.py ${LOKAL_OLLAMA_TEMPLATES} ${named_out}
  DEPENDS ${named_inputs} ${PROJECT_SOURCE_DIR}/scripts/embed-templates.py ${PROJECT_SOURCE_DIR}/scripts/c_literal.py
  COMMENT "templates: embed Ollama's named templates"
  VERBATIM)
target_sources(lokal_template PRIVATE ${named_out})
