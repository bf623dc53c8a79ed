#!/usr/bin/env bash
# sentry-sshd against a fake MICS (fixtures/fake_mics.py) and a fake shell
# (fixtures/fake_cli.sh), driven by the real OpenSSH client. Runs before the
# real sentry-micsd exists; checks the SSH front door's own contract:
# banner before the prompt, password + keyboard-interactive via auth.login,
# exec/-c and exit codes, PTY shell as 'nobody' with the MICS session on fd 3,
# algorithm policy, refused channels, session limit, grace time, fail-closed
# when MICS is down, host keys stable across restarts.
. "$(dirname "$0")/lib.sh"
: "${SENTRY_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
FIX="$SENTRY_SRC/tests/e2e/fixtures"
SSHD="$SENTRY_BUILD/cli/sshd/sentry-sshd"
T="${SENTRY_TEST_TIMEOUT:-30}"
[ -x "$SSHD" ] || fail "missing $SSHD"

make_state_dir
S="$TEST_STATE_DIR"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$S"
}
trap cleanup EXIT

# The shell runs as 'nobody': it must be able to execute the fake CLI
# (mktemp dirs are 0700), but not read anything under keys/.
chmod 755 "$S"
mkdir -p "$S/bin" "$S/run"
chmod 755 "$S/bin"
sed "s|@KEYFILE@|$S/keys/ssh_host_ed25519_key|" "$FIX/fake_cli.sh" >"$S/bin/fake-cli"
chmod 755 "$S/bin/fake-cli"

PASSWORD="t0p-s3cret-pw"
BANNER="SENTRY-TEST-BANNER authorized use only"
settings() {  # max_sessions grace_time_s
    printf '{"banner":"%s","max_sessions":%s,"grace_time_s":%s,"idle_timeout_min":10,"enabled":true}\n' \
        "$BANNER" "$1" "$2" >"$S/settings.json"
}
settings 5 60

start_mics() {
    rm -f "$S/run/mics.sock"
    python3 "$FIX/fake_mics.py" "$S/run/mics.sock" "$PASSWORD" "$S/settings.json" "$S/mics.log" &
    MICS_PID=$!
    PIDS+=("$MICS_PID")
    wait_for test -S "$S/run/mics.sock" || fail "fake MICS did not start"
}
PORT=$(free_port)
start_sshd() {
    : >"$S/sshd.log"
    "$SSHD" --listen "127.0.0.1:$PORT" --keys "$S/keys" --mics "$S/run/mics.sock" \
        --cli "$S/bin/fake-cli" 2>>"$S/sshd.log" &
    SSHD_PID=$!
    PIDS+=("$SSHD_PID")
    wait_for grep -q "listening on" "$S/sshd.log" || { cat "$S/sshd.log"; fail "sentry-sshd did not start"; }
}

export SSH_ASKPASS="$FIX/askpass.sh" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 ASKPASS_PW="$PASSWORD"
SSH_OPTS=(-p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o PubkeyAuthentication=no -o GSSAPIAuthentication=no -o ConnectTimeout=10)
# run_ssh OUTFILE ssh-args... : stdout+stderr (and askpass prompts) in order in OUTFILE; sets RC.
run_ssh() {
    local out=$1; shift
    : >"$out"
    set +e
    ASKPASS_LOG="$out" timeout "$T" setsid ssh "${SSH_OPTS[@]}" "$@" </dev/null >>"$out" 2>>"$out"
    RC=$?
    set -e
}
expect_in() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "$3"; }; }

# --- flags
set +e
"$SSHD" --no-such-flag >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad flag must exit 2"
set -e
"$SSHD" --version | grep -q "sentry-sshd" || fail "--version"
"$SSHD" --check-config --keys "$S/keys" --cli "$S/bin/fake-cli" >/dev/null || fail "--check-config"

start_mics
start_sshd
[ "$(stat -c %a "$S/keys")" = 700 ] || fail "keys dir not 0700"
for k in ed25519 ecdsa rsa; do
    [ "$(stat -c %a "$S/keys/ssh_host_${k}_key")" = 600 ] || fail "ssh_host_${k}_key not 0600"
done

# --- keyboard-interactive + exec: banner printed before the password prompt
run_ssh "$S/o1" -o PreferredAuthentications=keyboard-interactive admin@127.0.0.1 'show version'
[ $RC -eq 0 ] || { cat "$S/o1"; fail "exec over keyboard-interactive: rc=$RC"; }
expect_in "$S/o1" "FAKE-CLI args: --mics-fd 3 -c show version" "CLI not run with -c"
banner_line=$(grep -nF "$BANNER" "$S/o1" | head -1 | cut -d: -f1)
prompt_line=$(grep -n "ASKPASS-PROMPT:.*Password:" "$S/o1" | head -1 | cut -d: -f1)
[ -n "$banner_line" ] && [ -n "$prompt_line" ] && [ "$banner_line" -lt "$prompt_line" ] ||
    { cat "$S/o1"; fail "banner must come before the password prompt"; }
# The shell is unprivileged, holds the authenticated session, cannot read keys.
expect_in "$S/o1" "FAKE-CLI uid=65534 mics_fd=3 client=127.0.0.1" "shell env/uid"
expect_in "$S/o1" "FAKE-CLI hostkey=denied" "shell could read the host key"
expect_in "$S/o1" "FAKE-CLI session.info user=admin" "MICS session not handed over on fd 3"
grep -q "auth.login user=admin source=127.0.0.1 service=ssh peer_uid=0 result=ok" "$S/mics.log" ||
    fail "auth.login args or trusted peer wrong"

# --- password method + exit code propagation
run_ssh "$S/o2" -o PreferredAuthentications=password admin@127.0.0.1 'exit3'
[ $RC -eq 3 ] || { cat "$S/o2"; fail "exit status not propagated (rc=$RC)"; }
expect_in "$S/o2" "FAKE-CLI command: exit3" "exec command"

# --- wrong password: rejected, 3 attempts, never logged
fails_before=$(grep -c "result=fail" "$S/mics.log" || true)
ASKPASS_PW="wrong-password" run_ssh "$S/o3" admin@127.0.0.1 'show version'
[ $RC -eq 255 ] || { cat "$S/o3"; fail "wrong password accepted"; }
grep -q "FAKE-CLI" "$S/o3" && fail "shell ran after a wrong password"
fails_after=$(grep -c "result=fail" "$S/mics.log")
[ $((fails_after - fails_before)) -eq 3 ] || fail "expected 3 attempts, got $((fails_after - fails_before))"
grep -q "wrong-password\|$PASSWORD" "$S/sshd.log" && fail "a password appeared in the sshd log"

# --- PTY shell: TERM, relay both ways, clean exit
printf 'hello sentry\nexit\n' >"$S/in"
set +e
ASKPASS_LOG=/dev/null timeout "$T" setsid ssh -tt "${SSH_OPTS[@]}" admin@127.0.0.1 <"$S/in" >"$S/o4" 2>&1
RC=$?
set -e
[ $RC -eq 0 ] || { cat "$S/o4"; fail "pty shell rc=$RC"; }
expect_in "$S/o4" "FAKE-CLI args: --mics-fd 3" "shell argv"
expect_in "$S/o4" "term=" "TERM"
grep -q "term=none" "$S/o4" && fail "TERM from pty-req not passed"
expect_in "$S/o4" "ECHO: hello sentry" "pty relay"

# --- interactive password prompt as the expect-based CLI tests see it
expect -f - >"$S/o5" 2>&1 <<EXP || { cat "$S/o5"; fail "expect session"; }
set timeout $T
spawn ssh -tt -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o GSSAPIAuthentication=no admin@127.0.0.1
expect "SENTRY-TEST-BANNER"
expect "Password: "
send "$PASSWORD\r"
expect "FAKE-CLI ready"
send "ping\r"
expect "ECHO: ping"
send "exit\r"
expect eof
EXP

# --- algorithm policy
run_ssh "$S/o6" -c 3des-cbc admin@127.0.0.1 'show version'
[ $RC -ne 0 ] && grep -q "no matching cipher" "$S/o6" || { cat "$S/o6"; fail "3des-cbc negotiated"; }
# (MACs only count with a non-AEAD cipher)
run_ssh "$S/o6" -c aes128-ctr -o MACs=hmac-sha1 admin@127.0.0.1 'show version'
[ $RC -ne 0 ] && grep -q "no matching MAC" "$S/o6" || { cat "$S/o6"; fail "hmac-sha1 negotiated"; }
run_ssh "$S/o6" -o KexAlgorithms=diffie-hellman-group14-sha1 admin@127.0.0.1 'show version'
[ $RC -ne 0 ] && grep -q "no matching key exchange" "$S/o6" || { cat "$S/o6"; fail "group14-sha1 negotiated"; }
run_ssh "$S/o6" -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256 -o KexAlgorithms=ecdh-sha2-nistp256 \
    -o HostKeyAlgorithms=ecdsa-sha2-nistp256 admin@127.0.0.1 'exit0'
[ $RC -eq 0 ] || { cat "$S/o6"; fail "FIPS-approved suite should work"; }

# --- refused: sftp subsystem, stdio/port forwarding
set +e
ASKPASS_LOG=/dev/null timeout "$T" setsid sftp -P "$PORT" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no admin@127.0.0.1 </dev/null >"$S/o7" 2>&1
RC=$?
set -e
[ $RC -ne 0 ] && grep -q "subsystem request failed" "$S/o7" || { cat "$S/o7"; fail "sftp not refused"; }
run_ssh "$S/o8" -W 127.0.0.1:22 admin@127.0.0.1
[ $RC -ne 0 ] && grep -q "administratively prohibited" "$S/o8" || { cat "$S/o8"; fail "direct-tcpip not refused"; }
run_ssh "$S/o8" -o ExitOnForwardFailure=yes -R 0:127.0.0.1:22 admin@127.0.0.1 'show version'
[ $RC -ne 0 ] || { cat "$S/o8"; fail "remote forwarding not refused"; }

# --- session limit from ssh.settings: the second session gets the message
settings 1 60
started_before=$(grep -c "started exec" "$S/sshd.log" || true)
ASKPASS_LOG=/dev/null timeout "$T" setsid ssh "${SSH_OPTS[@]}" admin@127.0.0.1 'sleep4' </dev/null >/dev/null 2>&1 &
HOLD=$!
started_count() { [ "$(grep -c "started exec" "$S/sshd.log")" -gt "$started_before" ]; }
wait_for started_count || fail "holding session did not start"
run_ssh "$S/o9" admin@127.0.0.1 'show version'
[ $RC -eq 1 ] || { cat "$S/o9"; fail "over-limit session rc=$RC"; }
expect_in "$S/o9" "% Maximum number of SSH sessions (1) reached" "session limit message"
grep -q "FAKE-CLI" "$S/o9" && fail "shell ran above the session limit"
wait "$HOLD" || true
run_ssh "$S/o9" admin@127.0.0.1 'show version'   # slot freed when the first one ended
[ $RC -eq 0 ] || { cat "$S/o9"; fail "slot not released (rc=$RC)"; }

# --- pre-auth grace time: an idle client is cut off
settings 5 2
start=$SECONDS
python3 - "$PORT" <<'PY' || fail "grace time: connection not closed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"SSH-2.0-idle_test\r\n")
while s.recv(4096):
    pass
PY
[ $((SECONDS - start)) -le 8 ] || fail "grace time not enforced"
wait_for grep -q "timeout before authentication" "$S/sshd.log" || fail "grace timeout not logged"
settings 5 60

# --- MICS down: fail closed, keep running, recover
kill "$MICS_PID"; wait "$MICS_PID" 2>/dev/null || true
run_ssh "$S/o10" admin@127.0.0.1 'show version'
[ $RC -eq 255 ] || { cat "$S/o10"; fail "login succeeded without MICS"; }
grep -q "MICS unavailable" "$S/sshd.log" || fail "MICS outage not logged"
kill -0 "$SSHD_PID" || fail "sentry-sshd died when MICS was down"
start_mics
run_ssh "$S/o10" admin@127.0.0.1 'show version'
[ $RC -eq 0 ] || { cat "$S/o10"; fail "no recovery after MICS came back"; }

# --- host keys stable across a restart
fp() { ssh-keyscan -p "$PORT" -t ed25519,ecdsa,rsa 127.0.0.1 2>/dev/null | ssh-keygen -lf - | sort; }
before=$(fp)
[ "$(echo "$before" | wc -l)" -eq 3 ] || fail "expected 3 host keys, got: $before"
kill "$SSHD_PID"; wait "$SSHD_PID" 2>/dev/null || true
start_sshd
after=$(fp)
[ "$before" = "$after" ] || fail "host key changed across restart"

echo "PASS: sshd_fake_mics"
