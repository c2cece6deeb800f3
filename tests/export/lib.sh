# shellcheck shell=bash
# Helpers of the export tests, on top of tests/integration/lib.sh: a temp
# directory removed on exit, the driver started in the background on an
# ephemeral 127.0.0.1 port (its address read from its "listening on" line),
# certificates made with openssl, and bcrypt hashes made with python3.
# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
: "${EXPORTER_DRIVER:?EXPORTER_DRIVER must point at exporter-driver}"
need() { for t in "$@"; do command -v "$t" >/dev/null || skip "$t not installed"; done; }
T=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# start_driver NAME ARGS...: runs the driver, sets ADDR (host:port) and DPID
start_driver() {
	local name=$1 i
	shift
	"$EXPORTER_DRIVER" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	DPID=$!
	PIDS+=("$DPID")
	for i in $(seq 100); do
		ADDR=$(grep -m1 -o 'listening on [^ ]*' "$T/$name.out" 2>/dev/null | cut -d' ' -f3)
		[ -n "$ADDR" ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "driver $name did not start:" >&2
	cat "$T/$name.err" >&2
	return 1
}

# stop PID: SIGTERM and wait
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# bcrypt HASH of a password (cost 10, like htpasswd -B)
bcrypt() {
	python3 -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))' "$1"
}

# make_certs DIR: ca, server (127.0.0.1), client, an expired client and a client of another CA
make_certs() {
	local d=$1
	(
		cd "$d" || exit 1
		ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
		# shellcheck disable=SC2086
		openssl req -x509 $ec -keyout ca.key -out ca.pem -days 30 -subj /CN=sockscope-test-ca \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
		# shellcheck disable=SC2086
		openssl req -x509 $ec -keyout other-ca.key -out other-ca.pem -days 30 -subj /CN=other-ca \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
		printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		# shellcheck disable=SC2086
		openssl req $ec -keyout server.key -out server.csr -subj /CN=127.0.0.1
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile server.ext -out server.pem
		# shellcheck disable=SC2086
		openssl req $ec -keyout client.key -out client.csr -subj /CN=scraper
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile client.ext -out client.pem
		openssl x509 -req -in client.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -days 30 -extfile client.ext -out wrongca.pem
		# an expired one, through `openssl ca`, which takes explicit dates
		mkdir -p db && : >db/index.txt && echo 1000 >db/serial
		cat >ca.cnf <<-'E'
			[ca]
			default_ca = c
			[c]
			database = db/index.txt
			serial = db/serial
			new_certs_dir = db
			default_md = sha256
			policy = p
			copy_extensions = none
			x509_extensions = x
			[p]
			commonName = supplied
			[x]
			extendedKeyUsage = clientAuth
		E
		openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in client.csr -out expired.pem \
			-startdate 20200101000000Z -enddate 20200201000000Z
	) >"$d/openssl.log" 2>&1
}

# code ARGS...: curl's HTTP status, or "fail(EXIT)" when no HTTP answer came
code() {
	local c rc
	c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@")
	rc=$?
	if [ "$c" = 000 ]; then echo "fail"; else echo "$c"; fi
	return 0
}

# sanitized: the driver was built with ASan/UBSan (RSS is then meaningless: quarantine)
sanitized() { ldd "$EXPORTER_DRIVER" 2>/dev/null | grep -q 'libasan\|libubsan'; }

# finish_export: stops the drivers still running, fails on any sanitizer report in their stderr, then finish
finish_export() {
	local p f
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
	for f in "$T"/*.err; do
		[ -e "$f" ] || continue
		if grep -q 'Sanitizer\|runtime error' "$f"; then
			bad "sanitizer report in ${f##*/}: $(grep -m1 'Sanitizer\|runtime error' "$f")"
		fi
	done
	finish
}
