# Configuration archive on the whole appliance: show archive and its diff,
# rollback, a revert timer that fires after a MICS restart, export/import,
# erase startup-config, the audit trail, show service and service restart.
# Privileged commands run as a script in a local console session (the test
# runs as MICS's uid, so sentry-cli gets a trusted local session); 'enable'
# reads its secret from the next script line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
trap cleanup_appliance EXIT

start_appliance

# pjson 'show ...' EXPR : a Python expression over the command's | json data (d).
pjson() {
    printf '%s | json\n' "$1" | priv | python3 -c '
import json, sys
text = sys.stdin.read()
d = json.loads(text[text.index("\n{") + 1:])
print(eval(sys.argv[1]))' "$2"
}

# 1. A hostname change is a revision; show archive lists it; the diff names both.
out=$(priv <<'EOF'
configure terminal
hostname edge1
end
EOF
) || fail "hostname edge1: $out"
r1=$(pjson 'show archive' 'd["running"]')
out=$(printf 'configure terminal\nhostname edge2\nend\nshow archive\n' | priv) || fail "hostname edge2: $out"
r2=$(pjson 'show archive' 'd["running"]')
[ "$r2" -gt "$r1" ] || fail "revision did not grow: $r1 -> $r2"
grep -Eq "^R +$r2 .*console .*hostname edge2$" <<<"$out" || fail "show archive: $out"
out=$(echo "show archive diff $r1 $r2" | priv) || fail "diff: $out"
grep -qx -- "--- revision $r1" <<<"$out" || fail "diff header: $out"
grep -qx -- "- hostname edge1" <<<"$out" || fail "diff -: $out"
grep -qx -- "+ hostname edge2" <<<"$out" || fail "diff +: $out"
echo "ok - show archive and diff ($SECONDS s)"

# 2. Rollback commits revision r1 again as a new revision.
out=$(echo "configure replace revision $r1" | priv) || fail "rollback: $out"
grep -q "Rollback to revision $r1 committed as revision" <<<"$out" || fail "rollback output: $out"
out=$(ssh_exec 'show running-config') || fail "show run: $out"
grep -qx 'hostname edge1' <<<"$out" || fail "rollback did not restore edge1: $out"
[ "$(pjson 'show archive' 'd["revisions"][0]["command"]')" = "rollback to revision $r1" ] || fail "rollback command text"
echo "ok - rollback ($SECONDS s)"

# 3. Export / import round trip; a bad name is refused.
out=$(priv <<'EOF'
write memory
export configuration rt.cfg
configure terminal
hostname changed
end
import configuration rt.cfg
show running-config
EOF
) || fail "export/import: $out"
head -1 "$TEST_STATE_DIR/exports/rt.cfg" | grep -q '^! Sentry configuration export' || fail "export header"
grep -qx 'hostname edge1' "$TEST_STATE_DIR/exports/rt.cfg" || fail "export body: $(cat "$TEST_STATE_DIR/exports/rt.cfg")"
grep -qx 'hostname edge1' <<<"$out" || fail "import did not restore edge1: $out"
out=$(echo 'export configuration db/escape' | priv) && fail "a name with '/' was accepted: $out"
grep -q "must not contain '/'" <<<"$out" || fail "bad name message: $out"
[ ! -e "$TEST_STATE_DIR/db/escape" ] || fail "export escaped the exports dir"
echo "ok - export/import ($SECONDS s)"

# 4. Revert timer: arm, change and even save, restart MICS; the revert still happens.
out=$(priv <<'EOF'
configure terminal revert timer 1
hostname trial
end
write memory
EOF
) || fail "revert timer: $out"
grep -q "unless you enter 'configure confirm'" <<<"$out" || fail "arm output: $out"
armed=$SECONDS
stop_appliance || fail "MICS did not stop cleanly"
start_appliance
out=$(echo 'show archive' | priv) || fail "show archive after restart: $out"
grep -q "Pending revert: to revision" <<<"$out" || fail "pending revert lost across the restart: $out"
ssh_exec 'show running-config' | grep -qx 'hostname trial' || fail "startup did not boot the trial config"
WAIT_SECS=$((90 - (SECONDS - armed))) wait_for bash -c \
    "SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show running-config' | grep -qx 'hostname edge1'" ||
    fail "the revert did not happen: $(ssh_exec 'show running-config')"
[ "$(pjson 'show archive' 'd["revisions"][0]["command"]')" = "revert: not confirmed within 1 minute" ] ||
    fail "revert command text"
echo "ok - revert timer across a MICS restart ($SECONDS s)"

# 5. Audit: commands, a failed one included.
out=$(echo 'configure replace revision 999999' | priv) && fail "rollback to a missing revision succeeded"
out=$(echo 'show audit last 10000' | priv) || fail "show audit: $out"
grep -q 'configure replace revision 999999' <<<"$out" || fail "audit lacks the failed command: $out"
grep -E 'error: revision 999999 does not exist' <<<"$out" >/dev/null || fail "audit lacks the failure: $out"
grep -q 'import configuration rt.cfg' <<<"$out" || fail "audit lacks the import: $out"
echo "ok - show audit ($SECONDS s)"

# 6. Services: the table over SSH (EXEC), a restart changes sentryd's pid.
out=$(ssh_exec 'show service') || fail "show service: $out"
grep -q '| Servicename | Enabled | Max.Sessions | State' <<<"$out" || fail "show service header: $out"
grep -Eq '^\| sentry +\| yes +\| +\| running' <<<"$out" || fail "sentry row: $out"
before=$(pjson 'show service' '[s["pid"] for s in d["services"] if s["name"] == "sentry"][0]')
out=$(echo 'service sentry restart' | priv) || fail "service sentry restart: $out"
after=$(pjson 'show service' '[s["pid"] for s in d["services"] if s["name"] == "sentry"][0]')
[ -n "$after" ] && [ "$after" != None ] && [ "$after" != "$before" ] || fail "sentryd pid $before -> $after"
WAIT_SECS=30 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTPS_PORT" || fail "sentryd did not come back"
echo "ok - show service and service restart ($SECONDS s)"

# 7. erase startup-config (script answers the [confirm] with an empty line): factory at next boot.
out=$(printf 'erase startup-config\n\n' | priv) || fail "erase: $out"
grep -q 'Continue? \[confirm\]' <<<"$out" && grep -q 'Erase of nvram: complete' <<<"$out" || fail "erase output: $out"
stop_appliance || fail "MICS did not stop cleanly"
start_appliance
out=$(ssh_exec 'show running-config') || fail "show run after erase: $out"
grep -q '^hostname' <<<"$out" && fail "factory config still has a hostname: $out"
echo "ok - erase startup-config ($SECONDS s)"

stop_appliance || fail "MICS exited non-zero"
echo "ok - mics_archive"
