#!/usr/bin/env bash
# Golden tests: recorded netlink dumps (--replay) and fake /proc trees
# (--proc-root) rendered in every format and compared with tests/golden/.
# GOLDEN_REGEN=1 rewrites the golden files (review the diff before committing).
# Also checks that every column holds the same value in JSON, JSON Lines and CSV.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
S=$SOCKSCOPE
G=$SOURCE_ROOT/tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

inputs=()
for d in "$SOURCE_ROOT"/tests/data/proc-*/; do
	[ -f "$d/net/tcp" ] && inputs+=("proc:$d")
done
for f in "$SOURCE_ROOT"/tests/data/nl/*.nldump; do
	[ -f "$f" ] && inputs+=("replay:$f")
done
[ ${#inputs[@]} -gt 0 ] || skip "no recorded inputs in tests/data"

golden() { # golden NAME COMMAND... (runs in this shell so that counts add up)
	local name=$1
	shift
	"$@" >"$tmp/$name"
	if [ "${GOLDEN_REGEN:-0}" = 1 ]; then
		cp "$tmp/$name" "$G/$name"
		ok
	elif [ -f "$G/$name" ]; then
		if diff -u "$G/$name" "$tmp/$name" >"$tmp/$name.diff"; then ok; else
			bad "golden $name differs:"; head -n 40 "$tmp/$name.diff" >&2
		fi
	else
		bad "golden file $name missing (run with GOLDEN_REGEN=1)"
	fi
}

for in in "${inputs[@]}"; do
	kind=${in%%:*} path=${in#*:}
	base=$(basename "${path%/}")
	base=${base%.nldump}
	if [ "$kind" = proc ]; then src=(--proc-root="$path"); else src=(--replay="$path"); fi
	# the recordings of every kind (fixture/kinds.py) are rendered with -A all
	case $base in *kinds*) src+=(-A all) ;; esac
	run() { "$S" -n --color=never "${src[@]}" "$@"; }
	run_json() { run --format=json | jq -S 'del(.host, .time)'; }
	golden "$base.table" run
	golden "$base.table-eo" run -e -o
	golden "$base.json" run_json
	golden "$base.jsonl" run --format=jsonl
	golden "$base.csv" run --format=csv
	golden "$base.prom" run --format=prom
	golden "$base.group-state" run --group-by=state
	golden "$base.sorted" run --sort=-local_port,state --columns=state,local_port,remote_port
	golden "$base.filter-listening" run state listening
	if [ "$kind" = proc ]; then # owners come from the same fake tree
		golden "$base.owners" run -p
		golden "$base.owners-json" run -p --format=jsonl
		golden "$base.by-process" run --group-by=process
		golden "$base.owners-prom" run -p --format=prom
	fi

	# the same values in every format
	run --format=json >"$tmp/v.json"
	run --format=jsonl >"$tmp/v.jsonl"
	run --format=csv >"$tmp/v.csv"
	if python3 - "$tmp/v.json" "$tmp/v.jsonl" "$tmp/v.csv" <<'PY'
import csv, json, sys
doc = json.load(open(sys.argv[1]))["sockets"]
lines = [json.loads(l) for l in open(sys.argv[2])]
rows = list(csv.DictReader(open(sys.argv[3], newline="")))
assert len(doc) == len(lines) == len(rows) > 0, (len(doc), len(lines), len(rows))
for j, l, c in zip(doc, lines, rows):
    assert j == l, (j, l)
    assert set(j) == set(c), (set(j), set(c))
    for k, v in j.items():
        want = "" if v is None else str(v)
        assert c[k] == want, (k, c[k], want)
print(f"{len(doc)} sockets x {len(doc[0])} columns agree across json, jsonl and csv")
PY
	then ok; else bad "$base: formats disagree"; fi
done

finish
