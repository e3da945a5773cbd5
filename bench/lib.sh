# Shared by bench/run and bench/scaling (sourced, from the project root).

out=build/bench
mkdir -p "$out"

# The median of the numbers on stdin, one a line.
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# The seconds column of a history.csv (daec's or torch_train.py's).
seconds() { awk -F, 'NR>1 {print $4}' "$1"; }
# 60000 -> 60,000
thousands() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
# a / b with the given decimals (default 2)
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {printf "%.*f", d, a/b}'; }

# A trainer for specs/NAME.dae at $out/NAME, by an up-to-date daec.
build_trainer() {
    make -s daec
    ./daec "specs/$1.dae" -o "$out/$1.c"
    make -s "$out/$1"
}

# One line describing the machine, for the records.
machine() {
    cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
    blas=$(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null \
        || dpkg-query -W -f='${Version}' libopenblas0 2>/dev/null || echo unknown)
    echo "${cpu:-unknown CPU}, $(nproc) cores, OpenBLAS $blas"
}

# The scaling section of a performance.md lives between these markers, so
# that bench/scaling can refresh it alone and bench/run can carry it over.
SCALING_BEGIN='<!-- scaling:begin -->'
SCALING_END='<!-- scaling:end -->'

# The scaling section's body currently in file $1 (nothing if none).
scaling_section_of() {
    [ -f "$1" ] || return 0
    awk -v b="$SCALING_BEGIN" -v e="$SCALING_END" '
        $0 == e {on = 0} on {print} $0 == b {on = 1}' "$1"
}
