# Shell helpers for test scripts: each check prints "ok NAME" or
# "not ok NAME: why". DAEC and B name the compiler and build directory
# under test (tests/run sets them for the sanitizer build).
DAEC=${DAEC:-./daec}
B=${B:-build}
ok() { echo "ok $*"; }
notok() { echo "not ok $*"; }
# expect_status NAME WANT CMD...: runs CMD, checks its exit status.
expect_status() {
    name=$1 want=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"
    else notok "$name: exit status $got, expected $want; stderr: $(head -2 "$T/err")"; fi
}
# expect_grep NAME PATTERN FILE
expect_grep() {
    if grep -q -- "$2" "$3"; then ok "$1"
    else notok "$1: '$2' not in $(basename "$3"): $(head -3 "$3")"; fi
}
