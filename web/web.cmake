# The web UI: built from web/ with npm and Vite only when its sources change,
# then turned into a generated C++ source (scripts/embed-web.py) that is
# compiled into lokal_webui. Never committed, never hand-edited.
option(LOKAL_WEB_UI "build the web UI from web/ (needs node and npm) and embed it" ON)
set(web_gen ${CMAKE_BINARY_DIR}/web)
file(MAKE_DIRECTORY ${web_gen})
if(LOKAL_WEB_UI)
  find_program(NPM_PROGRAM npm REQUIRED)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(web_dir ${PROJECT_SOURCE_DIR}/web)
  file(GLOB_RECURSE web_srcs CONFIGURE_DEPENDS ${web_dir}/src/* ${web_dir}/public/*)
  list(APPEND web_srcs ${web_dir}/index.html ${web_dir}/vite.config.ts ${web_dir}/tsconfig.json)
  # Exactly the locked versions, again only when the lockfile changes.
  add_custom_command(
    OUTPUT ${web_gen}/npm-ci.stamp
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/web-install.sh
    COMMAND ${CMAKE_COMMAND} -E touch ${web_gen}/npm-ci.stamp
    DEPENDS ${web_dir}/package.json ${web_dir}/package-lock.json ${PROJECT_SOURCE_DIR}/scripts/web-install.sh
    WORKING_DIRECTORY ${web_dir}
    COMMENT "web: npm ci"
    VERBATIM)
  add_custom_command(
    OUTPUT ${web_gen}/web_assets.cpp
    COMMAND ${NPM_PROGRAM} run --silent build -- --outDir ${web_gen}/dist --emptyOutDir --logLevel warn
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/embed-web.py ${web_gen}/dist ${web_gen}
    DEPENDS ${web_srcs} ${web_gen}/npm-ci.stamp ${PROJECT_SOURCE_DIR}/scripts/embed-web.py ${PROJECT_SOURCE_DIR}/scripts/c_literal.py
    WORKING_DIRECTORY ${web_dir}
    COMMENT "web: type check, vite build, embed"
    VERBATIM)
else()
  configure_file(${PROJECT_SOURCE_DIR}/src/webui/no_assets.cpp.in ${web_gen}/web_assets.cpp COPYONLY)
endif()
target_sources(lokal_webui PRIVATE ${web_gen}/web_assets.cpp)
