#!/usr/bin/env bash
# Compiles and runs the Java program of the README's "Java API" section in a separate Maven project
# that depends on the freshly installed eve-core and eve-models, so the README stays true.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

source <(sed -n '/^find_jdk()/,/^}/p; /^java_major()/,/^}/p; /^die()/p' "$ROOT/eve")
MIN_JAVA=21
export JAVA_HOME="$(find_jdk)"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

(cd "$ROOT" && mvn -B -q -Dstyle.color=never -Dmaven.test.skip=true install -pl eve-core,eve-models -am)

mkdir -p "$WORK/src/main/java"
awk '/^## Java API/{api=1} api && /^```java/{grab=1; next} grab && /^```/{exit} grab{print}' "$ROOT/README.md" \
  > "$WORK/src/main/java/Example.java"
[[ -s "$WORK/src/main/java/Example.java" ]] || { echo "no Java example found in README.md" >&2; exit 1; }
VERSION="$(sed -n "s:.*<version>\(.*\)</version>.*:\1:p" "$ROOT/pom.xml" | head -1)"
cat > "$WORK/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>readme-example</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>21</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>dev.eve</groupId><artifactId>eve-core</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>dev.eve</groupId><artifactId>eve-models</artifactId><version>$VERSION</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.1</version>
        <configuration><compilerArgs><arg>--add-modules</arg><arg>jdk.incubator.vector</arg></compilerArgs></configuration>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.9.0</version>
      </plugin>
    </plugins>
  </build>
</project>
POM
cd "$WORK"
mvn -B -q -Dstyle.color=never compile dependency:build-classpath -Dmdep.outputFile=cp.txt
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "target/classes:$(cat cp.txt)" Example
