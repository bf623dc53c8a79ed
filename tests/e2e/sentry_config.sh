# ActiveSync proxy configuration end to end (docs/activesync-config.md): a
# service typed through the shell reaches sentryd as a snapshot (its control
# op `status` reports MICS's revision, and the services once sentryd lists
# them); `show sentry config-properties` shows it; a snapshot sentryd refuses
# rolls the commit back and the shell prints the reason; with sentryd down a
# commit succeeds and sentryd gets it when it starts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
WORK=$(mktemp -d /tmp/sentry-ascfg.XXXXXX)
FAKE_PID=""
trap '[ -z "$FAKE_PID" ] || kill "$FAKE_PID" 2>/dev/null || true; cleanup_appliance; rm -rf "$WORK"' EXIT

SOCK() { echo "$TEST_STATE_DIR/run/sentryd.sock"; }

# sentryd's control socket, same framing as MICS: `status` prints data as JSON;
# `refuse` is a fake sentryd that refuses every config.apply (until killed).
cat >"$WORK/ctl.py" <<'PY'
import json, os, socket, struct, sys
path, what = sys.argv[1], sys.argv[2]
def frame(s, obj):
    b = json.dumps(obj).encode(); s.sendall(struct.pack(">I", len(b)) + b)
def read(s):
    buf = b""
    while len(buf) < 4:
        c = s.recv(4 - len(buf))
        if not c: return None
        buf += c
    n = struct.unpack(">I", buf)[0]; body = b""
    while len(body) < n:
        c = s.recv(n - len(body))
        if not c: return None
        body += c
    return json.loads(body)
if what == "status":
    s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(path)
    frame(s, {"v": 1, "id": 1, "op": "status"}); r = read(s)
    if not r or not r.get("ok"): sys.exit("status failed: %r" % r)
    print(json.dumps(r["data"]))
else:
    try: os.unlink(path)
    except FileNotFoundError: pass
    srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen(8)
    with open(sys.argv[3], "w") as log:
        while True:
            c, _ = srv.accept()
            req = read(c)
            if req:
                log.write(json.dumps(req) + "\n"); log.flush()
                frame(c, {"id": req.get("id"), "ok": False, "error": {"code": "invalid",
                      "message": "config.activesync.services[1].servers[0].host: refused by the test"}})
            c.close()
PY
status() { python3 "$WORK/ctl.py" "$(SOCK)" status; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
revision() { cli -c 'show running-config | json' | field 'd["revision"]'; }
runs() { [ "$(status | field 'd["version"]')" = "$1" ]; }  # sentryd runs revision $1

start_appliance
B1=$(free_port)
B2=$(free_port)

# 1. A service through the shell reaches sentryd.
out=$(conf <<EOF2
sentry activesync enable
sentry activesync service default servers 127.0.0.1:$B1
sentry activesync service eas2 servers 127.0.0.1:$B2;localhost:$B1
sentry activesync service eas2 hosts eas2.example.com
sentry activesync service eas2 health-check interval 30
sentry activesync service eas2 scheduling round-robin
no sentry activesync service eas2 server-tls
sentry timeout response 90000
EOF2
) || fail "configuring: $out"
grep -q '^%' <<<"$out" && fail "a line was refused: $out"
rev=$(revision)
WAIT_SECS=10 wait_for runs "$rev" ||
    fail "sentryd does not run revision $rev: $(status)"
st=$(status)
if [ "$(field '"services" in d' <<<"$st")" = True ]; then
    [ "$(field '[s["name"] for s in d["services"]]' <<<"$st")" = "['default', 'eas2']" ] || fail "sentryd services: $st"
    [ "$(field '[(x["host"], x["port"]) for s in d["services"] if s["name"] == "eas2" for x in s["servers"]]' <<<"$st")" = \
      "[('127.0.0.1', $B2), ('localhost', $B1)]" ] || fail "sentryd eas2 servers: $st"
    [ "$(field '[s["scheduling"] for s in d["services"] if s["name"] == "eas2"][0]' <<<"$st")" = round-robin ] ||
        fail "sentryd eas2 scheduling: $st"
fi
echo "ok - a service typed in the shell reaches sentryd as revision $rev ($SECONDS s)"

# 2. show sentry config-properties: the snapshot as key = value, filter, | json.
props=$(cli -c 'show sentry config-properties activesync.service.eas2') || fail "config-properties: $props"
grep -qx "activesync.service.eas2.servers = 127.0.0.1:$B2;localhost:$B1" <<<"$props" || fail "eas2 servers: $props"
grep -qx 'activesync.service.eas2.health.interval_s = 30' <<<"$props" || fail "eas2 interval: $props"
grep -qx 'activesync.service.eas2.tls = false' <<<"$props" || fail "eas2 tls: $props"
grep -qx 'activesync.service.eas2.hosts = eas2.example.com' <<<"$props" || fail "eas2 hosts: $props"
grep -q 'activesync.service.default' <<<"$props" && fail "filter ignored: $props"
all=$(cli -c 'show sentry config-properties')
grep -qx 'timeouts.response_ms = 90000' <<<"$all" || fail "timeouts: $all"
grep -qx 'timeouts.socket_ms = 10000' <<<"$all" || fail "defaults are shown: $all"
grep -qx 'activesync.enabled = true' <<<"$all" || fail "enabled: $all"
[ "$(cli -c 'show sentry config-properties | json' | field 'd["properties"]["activesync.service.default.servers"]')" = \
  "127.0.0.1:$B1" ] || fail "| json"
cli -c 'show running-config' | grep -qx 'no sentry activesync service eas2 server-tls' || fail "running-config"
echo "ok - show sentry config-properties ($SECONDS s)"

# 3. Validation names the field and the range; nothing is committed.
out=$(conf <<<'sentry activesync service eas2 servers mail1;;mail2' 2>&1) || true
grep -q "% Configuration failed: activesync.service.servers\[eas2\]: server 2 is empty" <<<"$out" || fail "bad list: $out"
out=$(conf <<<'sentry activesync service default hosts eas2.example.com' 2>&1) || true
grep -q 'eas2.example.com already selects service' <<<"$out" || fail "duplicate host: $out"
out=$(conf <<<'no sentry activesync service default' 2>&1) || true
grep -q 'the default service always exists' <<<"$out" || fail "default deleted: $out"
[ "$(revision)" = "$rev" ] || fail "a refused line made a revision"
echo "ok - refusals name the field ($SECONDS s)"

# 4. sentryd refuses: the commit is rolled back and the shell prints the reason.
out=$(echo 'service sentry stop' | priv 2>&1) || fail "service sentry stop: $out"
python3 "$WORK/ctl.py" "$(SOCK)" refuse "$WORK/refused.log" &
FAKE_PID=$!
WAIT_SECS=10 wait_for test -S "$(SOCK)" || fail "fake sentryd did not listen"
out=$(conf <<<'sentry activesync service eas3 servers mail3.example.com' 2>&1) || true
grep -q '% Configuration failed: sentryd refused the configuration: config.activesync.services\[1\].servers\[0\].host: refused by the test' <<<"$out" ||
    fail "refusal not shown: $out"
[ "$(revision)" = "$rev" ] || fail "the refused snapshot was committed"
cli -c 'show running-config' | grep -q eas3 && fail "eas3 is in the running config"
grep -q '"version": '$((rev + 1)) "$WORK/refused.log" || fail "offered version: $(cat "$WORK/refused.log")"
kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true; FAKE_PID=""
rm -f "$(SOCK)"
echo "ok - a refused snapshot rolls the commit back ($SECONDS s)"

# 5. sentryd down: the commit succeeds; sentryd gets it when it starts.
out=$(conf <<<'sentry activesync service eas3 servers mail3.example.com' 2>&1) || fail "commit with sentryd down: $out"
grep -q '^%' <<<"$out" && fail "refused with sentryd down: $out"
rev2=$(revision)
[ "$rev2" -gt "$rev" ] || fail "no new revision"
out=$(echo 'service sentry start' | priv 2>&1) || fail "service sentry start: $out"
WAIT_SECS=20 wait_for runs "$rev2" ||
    fail "restarted sentryd does not run revision $rev2: $(status 2>&1)"
echo "ok - sentryd started later gets the running revision $rev2 ($SECONDS s)"
stop_appliance || fail "stop"
echo "sentry_config: all checks passed"
