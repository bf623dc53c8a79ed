# SSH settings that change the listener, over real SSH (issues: SSH and
# accounts, the shell): `ip ssh port` moves sentry-sshd to the new port (the
# old one refuses, a busy port is refused, an open session survives the move);
# the CLI idle timeout from the configuration ends an SSH session with its
# message; wrong enable secrets lock the account; with `fips` in effect only
# FIPS-approved algorithms negotiate and `show ssh` lists them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
WORK=$(mktemp -d /tmp/sentry-sshport.XXXXXX)
BG=()
cleanup() {
    for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
    cleanup_appliance
    rm -rf "$WORK"
}
trap cleanup EXIT

# ssh_pw PORT USER PASSWORD [ssh options...] -- COMMAND : one password login, exec channel.
ssh_pw() {
    local port=$1 user=$2 pw=$3
    shift 3
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    SSH_ASKPASS="$SENTRY_SRC/tests/e2e/fixtures/askpass.sh" SSH_ASKPASS_REQUIRE=force ASKPASS_PW="$pw" \
        ASKPASS_LOG="" DISPLAY=:0 timeout 30 setsid ssh -p "$port" -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=INFO -o PubkeyAuthentication=no \
        -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 -o PreferredAuthentications=password \
        "${opts[@]}" "$user@127.0.0.1" "$@" </dev/null
}
listening() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

start_appliance
OLD_PORT=$SSH_PORT

# 1. An idle SSH session from the configuration's timeout (1 minute, the
#    smallest legal value), left running in the background while the port moves.
out=$(priv <<<$'configure terminal\ntimeout 1\nend') || fail "timeout 1: $out"
expect "$SENTRY_SRC/tests/e2e/fixtures/ssh_shell.exp" "$OLD_PORT" admin "$ADMIN_PW" idle >"$WORK/idle.log" 2>&1 &
IDLE=$!
BG+=($IDLE)
WAIT_SECS=30 wait_for grep -q PROMPT-SEEN "$WORK/idle.log" || { cat "$WORK/idle.log"; fail "idle session did not log in"; }

# 2. ip ssh port: refused for sentryd's port and for a busy one, then moved.
out=$(priv <<<$'configure terminal\nip ssh port '"$HTTPS_PORT"$'\nend' 2>&1) && fail "the proxy's port was accepted: $out"
grep -q "% Configuration failed: ip ssh port $HTTPS_PORT: that is the ActiveSync proxy's port" <<<"$out" ||
    fail "proxy port message: $out"
BUSY=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(120)' "$BUSY" &
BG+=($!)
WAIT_SECS=10 wait_for listening "$BUSY" || fail "the busy-port helper did not listen"
out=$(priv <<<$'configure terminal\nip ssh port '"$BUSY"$'\nend' 2>&1) && fail "a busy port was accepted: $out"
grep -q "ip ssh port $BUSY: the port is in use" <<<"$out" || fail "busy port message: $out"

NEW_PORT=$(free_port)
out=$(priv <<<$'configure terminal\nip ssh port '"$NEW_PORT"$'\nend' 2>&1) || fail "ip ssh port: $out"
grep -q "SSH moved to port $NEW_PORT; sessions already open stay connected." <<<"$out" || fail "port message: $out"
WAIT_SECS=30 wait_for listening "$NEW_PORT" || fail "sentry-sshd does not listen on $NEW_PORT"
listening "$OLD_PORT" && fail "the old port $OLD_PORT still accepts connections"
rc=0; err=$(ssh_pw "$OLD_PORT" admin "$ADMIN_PW" -- 'show version' 2>&1) || rc=$?
[ "$rc" = 255 ] && grep -qi 'connection refused' <<<"$err" || fail "old port not refused (rc $rc): $err"
out=$(ssh_pw "$NEW_PORT" admin "$ADMIN_PW" -- 'show ssh') || fail "login on the new port: $out"
grep -qx "Port: $NEW_PORT" <<<"$out" || fail "show ssh does not show the new port: $out"
grep -qx 'ip ssh port '"$NEW_PORT" <<<"$(priv <<<'show running-config')" || fail "ip ssh port not rendered"
grep -q 'took over 1 of 1 session' "$TEST_STATE_DIR/log/sentry-sshd.log" ||
    fail "the new listener did not take over the open session: $(tail -5 "$TEST_STATE_DIR/log/sentry-sshd.log")"
grep -q ' admin ' <<<"$(cli -c 'show users')" || fail "the open session was lost: $(cli -c 'show users')"
echo "ok - ip ssh port: proxy and busy ports refused; moved, old port refused, show ssh shows it ($SECONDS s)"

# 3. The session opened before the move is still alive and times out after a minute.
wait "$IDLE" || { cat "$WORK/idle.log"; fail "SSH idle timeout"; }
grep -o 'IDLE-OK after [0-9]* s' "$WORK/idle.log"
WAIT_SECS=15 wait_for bash -c "! SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show users' | grep -q ' admin '" ||
    fail "the timed-out session is still listed: $(cli -c 'show users')"
echo "ok - the open session survived the port move; idle timeout (timeout 1) ended it with its message ($SECONDS s)"

# 4. Wrong enable secrets count toward the lockout; the third locks bob and ends his session.
out=$(priv <<<$'configure terminal\nusername bob password\nBob-secret-pass-1\nBob-secret-pass-1\nend') ||
    fail "add bob: $out"
expect "$SENTRY_SRC/tests/e2e/fixtures/ssh_shell.exp" "$NEW_PORT" bob Bob-secret-pass-1 enable-lock \
    >"$WORK/enable.log" 2>&1 || { cat "$WORK/enable.log"; fail "enable lockout session"; }
grep -q '^bob  *3 ' <<<"$(priv <<<'show users locked')" || fail "bob not locked: $(priv <<<'show users locked')"
rc=0; ssh_pw "$NEW_PORT" bob Bob-secret-pass-1 -- 'show version' >/dev/null 2>&1 || rc=$?
[ "$rc" = 255 ] || fail "locked bob logged in (rc $rc)"
audit=$(priv <<<'show audit last 30')
grep -q 'account locked after 3 failed logins or enable attempts' <<<"$audit" || fail "no lockout audit record: $audit"
out=$(priv <<<'clear users locked bob') || fail "unlock: $out"
echo "ok - 3 wrong enable secrets lock the account and end the session; audited ($SECONDS s)"

# 5. fips (in effect after reload): only approved algorithms.
out=$(priv <<<$'configure terminal\nfips\nend\nwrite memory\nreload\nyes' 2>&1) || fail "fips + reload: $out"
WAIT_SECS=60 wait_for listening "$NEW_PORT" || fail "sshd did not come back on $NEW_PORT after reload"
rc=0; err=$(ssh_pw "$NEW_PORT" admin "$ADMIN_PW" -c chacha20-poly1305@openssh.com -- 'show version' 2>&1) || rc=$?
[ "$rc" = 255 ] && grep -qi 'no matching cipher' <<<"$err" || fail "chacha20 negotiated under fips (rc $rc): $err"
rc=0; err=$(ssh_pw "$NEW_PORT" admin "$ADMIN_PW" -o KexAlgorithms=curve25519-sha256 -- 'show version' 2>&1) || rc=$?
[ "$rc" = 255 ] && grep -qi 'no matching key exchange' <<<"$err" || fail "curve25519 negotiated under fips (rc $rc): $err"
rc=0; err=$(ssh_pw "$NEW_PORT" admin "$ADMIN_PW" -o HostKeyAlgorithms=ssh-ed25519 -- 'show version' 2>&1) || rc=$?
[ "$rc" = 255 ] && grep -qi 'no matching host key' <<<"$err" || fail "an ed25519 host key under fips (rc $rc): $err"
out=$(ssh_pw "$NEW_PORT" admin "$ADMIN_PW" -c aes256-gcm@openssh.com -- 'show ssh') || fail "aes256-gcm under fips: $out"
grep -qx 'FIPS algorithms only: yes' <<<"$out" || fail "show ssh does not say fips: $out"
grep -q '^Algorithms cipher: aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr$' <<<"$out" ||
    fail "show ssh ciphers under fips: $out"
grep -E '^(Algorithms|  ssh-ed25519)' <<<"$out" | grep -Eqi 'chacha20|curve25519|ed25519' &&
    fail "a non-approved algorithm is listed under fips: $out"
echo "ok - fips: chacha20, curve25519 and ed25519 refused, aes256-gcm works, show ssh lists the approved set ($SECONDS s)"

stop_appliance || fail "stop"
echo "ssh_port_fips: all checks passed"
