# Sourced by the scripts: builds the listener jar when it is missing or older than the sources.
JAR=verticles/target/bitville-listener.jar
if [[ ! -f "$JAR" ]] || [[ -n "$(find shared verticles/src/main web-ui/src -newer "$JAR" -type f -print -quit)" ]]; then
  echo "Building the listener jar..." >&2
  mvn -B -q -DskipTests -pl verticles -am package >&2
fi
