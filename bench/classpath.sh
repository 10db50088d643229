# Sourced by the bench/run* scripts: builds the modules when a jar is missing or older than a
# source file or a pom, then sets $jar (the product's jar, what users run) and $cp (the class
# path of the benchmarks: the product, its test helpers, the fake cloud and the benchmarks).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/core/target/cloud-mdir-sync.jar"
tests_jar="$root/core/target/cloud-mdir-sync-0.1.0-SNAPSHOT-tests.jar"
cp="$jar:$tests_jar:$root/fakecloud/target/cms-fakecloud.jar:$root/bench/target/cms-bench.jar"
stale=""
for built in "$jar" "$tests_jar" "$root/fakecloud/target/cms-fakecloud.jar" "$root/bench/target/cms-bench.jar"; do
    if [[ ! -f "$built" ]] || [[ -n "$(find "$root"/pom.xml "$root"/{core,fakecloud,bench}/pom.xml \
            "$root"/{core,fakecloud,bench}/src -newer "$built" -print -quit)" ]]; then
        stale=1
    fi
done
if [[ -n "$stale" ]]; then
    echo "building the benchmarks ..." >&2
    (cd "$root" && { mvn -q -B -o -DskipTests package || mvn -q -B -DskipTests package; }) >&2
fi
