#!/usr/bin/env bash
# e2e_db.sh — the results database with the real binary: a tiny configs/ci.yaml run
# recorded into a temporary SQLite file and shown by `rabench history`; `rabench db
# import` twice being one run; a bad URL, a file that is not a database and an
# unreachable server refused (exit 2) before any work, the password never echoed;
# `rabench compare --history` passing a flat series and failing five runs each 2 %
# slower; and a real PostgreSQL (Debian's initdb and pg_ctl, run as user nobody in a
# temporary folder, on a Unix socket, stopped on exit) with 8 concurrent writers,
# every run there once and whole, and a server stopped mid-run: the report is still
# written, the failed write said, exit 0, and 1 with --db-required.
# usage: tests/e2e_db.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init db "${1:-build/asan}"
unset RABENCH_DB
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results"
	--set run.strategies=default --set workload.queries=30 --set run.calibrate=false)
db="$work/r.db"
doctor() {  # doctor IN OUT PYTHON-STATEMENTS-ON-d
	"$py" -c "import json,sys; d=json.load(open(sys.argv[1])); $3; json.dump(d, open(sys.argv[2],'w'))" "$1" "$2"
}
# scale every latency and time figure of a report by F, and start it at day DAY
scaled() {  # scaled IN OUT F DAY
	doctor "$1" "$2" "f=$3; d['started']='2026-01-%02dT00:00:00Z' % $4
[r.update(latency_samples_us=[x * f for x in r['latency_samples_us']]) for r in d['repeats']]
[s[k].update({m: (s[k][m] * f if s[k][m] is not None else None) for m in ('median', 'min', 'max')}) for s in d['summary']['strategies'] for k in ('p50_us', 'p90_us', 'p99_us', 'mean_us') if s.get(k)]"
}

"$rb" run configs/ci.yaml "${sets[@]}" --db "$db" >/dev/null 2>"$work/run.err"
rc=$?
report=$(report_of ci)
check "a tiny run exits 0 and says it recorded the run" bash -c \
	"test $rc -eq 0 && test -s '$report' && grep -q 'recorded run [0-9a-f]* into the sqlite results database' '$work/run.err'"
check "db runs: one run, whole (latencies = queries)" bash -c \
	"'$rb' db runs --db '$db' > '$work/runs' && test \$(wc -l < '$work/runs') -eq 1 && grep -q ' ci .* repeats=2 queries=60 latencies=60\$' '$work/runs'"
check "history shows the run" bash -c \
	"'$rb' history ci --db '$db' > '$work/h.txt' && grep -q '^[0-9a-f]\\{16\\} .* default .* 1 *1 ' '$work/h.txt'"
check "history --format html draws an SVG trend" bash -c \
	"'$rb' history ci --db '$db' --format html > '$work/h.html' && grep -q '<svg' '$work/h.html' && grep -q '<polyline' '$work/h.html'"
check "history --format json and csv" bash -c \
	"'$rb' history ci --db '$db' --format json > '$work/h.json' && '$py' -c \"import json; d=json.load(open('$work/h.json')); assert d['rows'][0]['strategy']=='default' and d['rows'][0]['value'] > 0\" && '$rb' history ci --db '$db' --format csv --metric proc_read_bytes | head -1 | grep -q '^run,started,environment,strategy,clients,runs,proc_read_bytes,change'"
check "db import of the recorded report: already there, still one run" bash -c \
	"'$rb' db import --db '$db' '$report' | grep -q '^already there' && test \$('$rb' db runs --db '$db' | wc -l) -eq 1"
check "db import twice into a new database (RABENCH_DB): recorded, then already there" bash -c \
	"RABENCH_DB='$work/imp.db' '$rb' db import '$report' '$report' > '$work/imp' && sed -n 1p '$work/imp' | grep -q '^recorded' && sed -n 2p '$work/imp' | grep -q '^already there' && RABENCH_DB='$work/imp.db' '$rb' db info | grep -q '^runs: 1\$'"

# a crash mid-write leaves no half run: a report with 400,000 latencies is being
# written (its WAL growing: the one transaction is open) when SIGKILL comes; after
# it the run is either absent or whole, never part of it
doctor "$report" "$work/big.json" "d['started']='2026-02-01T00:00:00Z'
[r.update(latency_samples_us=r['latency_samples_us'] * 6700) for r in d['repeats']]"
"$rb" db import --db "$work/crash.db" "$report" >/dev/null 2>&1   # the schema, before the race
"$rb" db import --db "$work/crash.db" "$work/big.json" >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 400); do   # until the WAL holds a few MiB of the open transaction
	[ "$(stat -c %s "$work/crash.db-wal" 2>/dev/null || echo 0)" -gt 4000000 ] && break
	sleep 0.01
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "SIGKILL mid-write: the big run absent or whole (400,000 latencies), never half" bash -c \
	"'$rb' db runs --db '$work/crash.db' > '$work/crash.runs'; cat '$work/crash.runs'; n=\$(grep -c 'latencies=' '$work/crash.runs'); test \$n -eq 1 || { test \$n -eq 2 && grep -q 'latencies=402000\$' '$work/crash.runs'; }"

# a full disk under the SQLite database (a 1 MiB tmpfs, filled to 96 KiB once the schema
# and a run are in): the run still writes its report, says the write failed and how to
# repair it, exit 0; 1 with --db-required; the database keeps only the whole first run
if [ "$(id -u)" -eq 0 ] && mkdir -p "$work/full" && mount -t tmpfs -o size=1m tmpfs "$work/full" 2>/dev/null; then
	on_exit "umount '$work/full' 2>/dev/null"
	"$rb" db import --db "$work/full/r.db" "$report" >/dev/null 2>&1
	free=$(df -k --output=avail "$work/full" | tail -1)
	head -c $(( (free - 96) * 1024 )) /dev/zero > "$work/full/fill" 2>/dev/null
	"$rb" run configs/ci.yaml "${sets[@]}" --set name=fullrun --db "$work/full/r.db" >/dev/null 2>"$work/full.err"
	rc=$?
	check "a full disk under the database: exit 0, the report written, the failed write and the repair said" bash -c \
		"cat '$work/full.err'; test $rc -eq 0 && test -s \"\$(ls '$work'/results/fullrun/*/report.json)\" && grep -q 'results database write failed' '$work/full.err' && grep -q 'rabench db import' '$work/full.err'"
	"$rb" run configs/ci.yaml "${sets[@]}" --set name=fullreq --db "$work/full/r.db" --db-required >/dev/null 2>"$work/fullreq.err"
	rc=$?
	check "the same with --db-required: exit 1, the report written, one whole run in the database" bash -c \
		"test $rc -eq 1 && test -s \"\$(ls '$work'/results/fullreq/*/report.json)\" && '$rb' db runs --db '$work/full/r.db' > '$work/full.runs' && test \$(wc -l < '$work/full.runs') -eq 1 && grep -q 'latencies=60\$' '$work/full.runs'"
	umount "$work/full"
else
	skip "a full disk under the database" "not root, or no tmpfs mount here"
	skip "the same with --db-required" "not root, or no tmpfs mount here"
fi

# bad input: exit 2 before any work (no results folder for the run), no password echoed
check "an unreachable PostgreSQL URL: exit 2 before any work, the password redacted" bash -c \
	"'$rb' run configs/ci.yaml \"\${@}\" --set name=badurl --db 'postgresql://bench:hunter2@127.0.0.1:1/rabench' >'$work/o' 2>'$work/e'; rc=\$?; cat '$work/e'; test \$rc -eq 2 && grep -q 'bench:\\*\\*\\*@127.0.0.1' '$work/e' && ! grep -q hunter2 '$work/e' '$work/o' && test ! -e '$work/results/badurl'" _ "${sets[@]}"
check "a malformed URL: exit 2" bash -c \
	"'$rb' run configs/ci.yaml \"\${@}\" --db 'postgresql://u:pw@h:notaport/x?bogus=1' 2>'$work/e'; rc=\$?; cat '$work/e'; test \$rc -eq 2 && ! grep -q ':pw@' '$work/e'" _ "${sets[@]}"
head -c 8192 /dev/urandom > "$work/notes.txt"
check "a file that is not a database: exit 2 saying so" bash -c \
	"'$rb' run configs/ci.yaml \"\${@}\" --db '$work/notes.txt' 2>'$work/e'; rc=\$?; cat '$work/e'; test \$rc -eq 2 && grep -q 'not a SQLite database' '$work/e'" _ "${sets[@]}"
check "another engine's URL: exit 2" bash -c \
	"'$rb' history ci --db 'mysql://u:pw@h/db' 2>'$work/e'; rc=\$?; cat '$work/e'; test \$rc -eq 2 && ! grep -q ':pw@' '$work/e'"
check "run.db with a password is redacted in the report (--dry-run shows it redacted)" bash -c \
	"'$rb' run configs/ci.yaml \"\${@}\" --set 'run.db=postgresql://u:topsecret@h/db' --dry-run | grep -q '^run.db: postgresql://u:\\*\\*\\*@h/db\$'" _ "${sets[@]}"
check "--no-db records nothing" bash -c \
	"RABENCH_DB='$work/none.db' '$rb' run configs/ci.yaml \"\${@}\" --no-db >/dev/null 2>&1 && test ! -e '$work/none.db'" _ "${sets[@]}"

# the gate against history: a flat series passes, five runs each 2 % slower fail
for i in 0 1 2 3 4; do scaled "$report" "$work/slow$i.json" "1.02 ** $i" $((i + 1)); done
RABENCH_DB="$work/slow.db" "$rb" db import -q "$work"/slow[0-3].json
check "compare --history 4: five runs each 2 % slower: exit 1, the drift named" bash -c \
	"'$rb' compare --history 4 --db '$work/slow.db' '$work/slow4.json' > '$work/c' 2>&1; rc=\$?; cat '$work/c'; test \$rc -eq 1 && grep -q 'p50_us | 5 runs | +8.*DRIFT' '$work/c' && ! grep -q REGRESSION '$work/c'"
flat=(1.0 0.99 1.01 1.0 1.005)
for i in 0 1 2 3 4; do scaled "$report" "$work/flat$i.json" "${flat[$i]}" $((i + 1)); done
RABENCH_DB="$work/flat.db" "$rb" db import -q "$work"/flat[0-3].json
check "compare --history 4: a flat series and a like run: exit 0" bash -c \
	"'$rb' compare --history 4 --db '$work/flat.db' '$work/flat4.json' > '$work/c' 2>&1; rc=\$?; cat '$work/c'; test \$rc -eq 0 && grep -q 'against the last 4 comparable runs' '$work/c' && grep -q 'p50_us | 5 runs .* ok' '$work/c'"
doctor "$report" "$work/other.json" "d['config']['dataset.n'] = 12345"
check "compare --history with no comparable run: exit 2, saying why" bash -c \
	"'$rb' compare --history 4 --db '$work/flat.db' '$work/other.json' 2>'$work/e'; rc=\$?; cat '$work/e'; test \$rc -eq 2 && grep -q 'no run in the results database has this report' '$work/e'"

# ---- a real PostgreSQL: user nobody, a temporary folder, a Unix socket, stopped on exit ----
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	skip "PostgreSQL: 8 concurrent writers, a server stopped mid-run" "no PostgreSQL server binaries (Debian package postgresql)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	skip "PostgreSQL: 8 concurrent writers, a server stopped mid-run" "needs root to run the server as user nobody"
	exit 0
fi
pgdir=$(mktemp -d /tmp/rabench-pg.XXXXXX)
chown nobody:nogroup "$pgdir" && chmod 700 "$pgdir"
pg_stop() { as_nobody "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1; }
on_exit "pg_stop; rm -rf '$pgdir'"
(cd /tmp && as_nobody "$pgbin/initdb" -D "$pgdir/data" -A trust -U bench --no-sync >"$work/initdb.log" 2>&1) &&
(cd /tmp && as_nobody "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
	-o "-k $pgdir -c listen_addresses='' -c fsync=off" start >"$work/pgctl.log" 2>&1)
rc=$?
check "PostgreSQL started as nobody on a Unix socket" bash -c "test $rc -eq 0 || { cat '$work/initdb.log' '$work/pgctl.log' '$pgdir/server.log'; false; }"
url="postgresql://bench:s3cretpw@/postgres?host=$pgdir"

# 8 writers at once into a fresh database (the first ones race to create the schema):
# 8 runs, each imported by two writers
for i in 0 1 2 3 4 5 6 7; do scaled "$report" "$work/pg$i.json" "1.0$i" $((i + 1)); done
for i in 0 1 2 3 4 5 6 7; do
	"$rb" db import -q --db "$url" "$work/pg$i.json" "$work/pg$(((i + 1) % 8)).json" \
		>"$work/w$i.out" 2>&1 &
done
fails=0
for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
check "8 concurrent writers into PostgreSQL all succeed" bash -c "test $fails -eq 0 || { cat '$work'/w*.out; false; }"
check "every run there once and whole (8 runs, 60 latencies each)" bash -c \
	"'$rb' db runs --db '$url' > '$work/pgruns' && cat '$work/pgruns' && test \$(wc -l < '$work/pgruns') -eq 8 && test \$(cut -d' ' -f1 '$work/pgruns' | sort -u | wc -l) -eq 8 && test \$(grep -c ' repeats=2 queries=60 latencies=60\$' '$work/pgruns') -eq 8"
check "db info on PostgreSQL: engine and schema, the password redacted" bash -c \
	"'$rb' db info --db '$url' > '$work/info' && grep -q '^engine: postgresql' '$work/info' && grep -q '^schema_version: 1' '$work/info' && grep -q 'bench:\\*\\*\\*@' '$work/info' && ! grep -q s3cretpw '$work/info'"
check "a tiny run recorded into PostgreSQL, run.db redacted in its report" bash -c \
	"'$rb' run configs/ci.yaml \"\${@}\" --set name=pgrun --set 'run.db=$url' >/dev/null 2>'$work/e' && grep -q 'into the postgresql results database' '$work/e' && ! grep -rq s3cretpw '$work/results/pgrun' && '$rb' history pgrun --db '$url' | grep -q default" _ "${sets[@]}"

# the server stopped while a run is measuring: the run is paused (SIGSTOP) once it has
# opened the database, the server stopped, the run resumed
stopped_run() {  # stopped_run NAME [--db-required]
	local name=$1 pid
	shift
	"$rb" run configs/ci.yaml "${sets[@]}" --set "name=$name" --set run.repeats=3 --db "$url" "$@" \
		>/dev/null 2>"$work/$name.err" &
	pid=$!
	wait_for '\[1/3\]' "$work/$name.err" 60 && kill -STOP "$pid"
	pg_stop
	kill -CONT "$pid"
	wait "$pid"
}
stopped_run downrun
rc=$?
check "server stopped mid-run: exit 0, the report written, the failed write said, password not echoed" bash -c \
	"cat '$work/downrun.err'; test $rc -eq 0 && test -s \"\$(ls '$work'/results/downrun/*/report.json)\" && grep -q 'results database write failed' '$work/downrun.err' && grep -q 'rabench db import' '$work/downrun.err' && ! grep -q s3cretpw '$work/downrun.err'"
(cd /tmp && as_nobody "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
	-o "-k $pgdir -c listen_addresses='' -c fsync=off" start >/dev/null 2>&1)
stopped_run downreq --db-required
rc=$?
check "the same with --db-required: exit 1, the report written" bash -c \
	"cat '$work/downreq.err'; test $rc -eq 1 && test -s \"\$(ls '$work'/results/downreq/*/report.json)\""
check "a server that is down: exit 2 before any work" bash -c \
	"'$rb' run configs/ci.yaml \"\${@}\" --set name=downstart --db '$url' 2>'$work/e'; rc=\$?; cat '$work/e'; test \$rc -eq 2 && test ! -e '$work/results/downstart' && ! grep -q s3cretpw '$work/e'" _ "${sets[@]}"
