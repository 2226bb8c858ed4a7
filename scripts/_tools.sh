# Sourced by the scripts that run a tool (test scope of the verticles module, never in the listener jar):
# compiles the main and test classes when they are missing or older than the sources, and sets TOOLS_CP.
CP_FILE=verticles/target/tools.cp
if [[ ! -f "$CP_FILE" ]] || [[ -n "$(find shared/src verticles/src web-ui/src pom.xml */pom.xml -newer "$CP_FILE" -type f -print -quit)" ]]; then
  echo "Compiling the tools..." >&2
  mvn -B -q -pl verticles -am test-compile dependency:build-classpath -Dmdep.outputFile=target/tools.cp \
    -Dmdep.includeScope=test >&2
  touch "$CP_FILE"
fi
TOOLS_CP="verticles/target/test-classes:verticles/target/classes:shared/target/classes:web-ui/target/classes:$(cat "$CP_FILE")"
